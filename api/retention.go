package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// The scheduled purge of a removed channel's messages and the legal hold
// (SPEC §8). Admins only; the purge workflow decides and audits cancel and
// move, the store writes and audits the hold.

// withPurge is doc with its retention as the purge now has it: the removal
// decided the choice, the purge workflow every state after it.
func (s *Server) withPurge(c *gin.Context, doc domain.Removal) (domain.Removal, error) {
	if doc.Retention == nil || doc.Retention.Status == domain.RetentionKept {
		return doc, nil
	}
	p, ok, err := s.store.Purge(c.Request.Context(), doc.ChannelID)
	if err != nil || !ok {
		return doc, err
	}
	doc.Retention = p.Retention()
	return doc, nil
}

// adminsChannel is the path's channel, when the caller is its account's admin.
func (s *Server) adminsChannel(c *gin.Context) (domain.Channel, error) {
	ch, err := s.ownChannel(c, c.Param("id"))
	if err != nil {
		return ch, err
	}
	return ch, requireAdmin(c)
}

func (s *Server) cancelPurge(c *gin.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
	ch, err := s.adminsChannel(c)
	if err != nil {
		return err
	}
	if err := s.purges.Update(withUpdateID(c), ch.ID, workflows.UpdateCancelPurge, workflows.ActorRequest{Actor: s.actor(c)}); err != nil {
		return err
	}
	return s.channelPurge(c, ch)
}

type movePurgeRequest struct {
	PurgeAt *time.Time `json:"purge_at"`
}

func (s *Server) movePurge(c *gin.Context) error {
	var req movePurgeRequest
	if err := bind(c, &req, false); err != nil {
		return err
	}
	if req.PurgeAt == nil {
		return domain.Errorf(domain.CodeInvalid, "o campo \"purge_at\" (data e hora RFC 3339) é obrigatório")
	}
	// The purge's own rule (its update refuses it too); answered here first
	// so a refused move never reaches Temporal.
	if now := time.Now(); domain.PurgeTooSoon(*req.PurgeAt, now, s.retentionDay) {
		return domain.PurgeTooSoonRefusal(now, s.retentionDay)
	}
	ch, err := s.adminsChannel(c)
	if err != nil {
		return err
	}
	if err := s.purges.Update(withUpdateID(c), ch.ID, workflows.UpdateMovePurge,
		workflows.MovePurgeRequest{PurgeAt: req.PurgeAt.UTC(), Actor: s.actor(c)}); err != nil {
		return err
	}
	return s.channelPurge(c, ch)
}

// channelPurge answers with the channel's purge as it now stands.
func (s *Server) channelPurge(c *gin.Context, ch domain.Channel) error {
	p, found, err := s.store.Purge(c.Request.Context(), ch.ID)
	if err != nil {
		return err
	}
	if !found {
		return domain.Errorf(domain.CodeNotFound, "o canal não tem exclusão programada")
	}
	return ok(c, http.StatusOK, gin.H{"retention": p.Retention(), "purge": p})
}

type holdRequest struct {
	Reason string `json:"reason"`
}

// maxHoldReason bounds a hold's reason.
const maxHoldReason = 500

// setHold puts a legal hold on the channel: no purge of its messages runs
// while it stands. A batch in flight finishes first (it holds the channel's
// row shared); the next one sees the hold and stops.
func (s *Server) setHold(c *gin.Context) error {
	var req holdRequest
	if err := bind(c, &req, false); err != nil {
		return err
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" {
		return domain.Errorf(domain.CodeInvalid, "diga o motivo da retenção legal (\"reason\")")
	}
	if err := checkText("reason", reason, maxHoldReason); err != nil {
		return err
	}
	ch, err := s.adminsChannel(c)
	if err != nil {
		return err
	}
	// The store keeps microseconds: the version the answer names is the
	// one a release will match.
	hold := &domain.Hold{Reason: reason, By: currentUser(c).ID, At: s.now().UTC().Truncate(time.Microsecond)}
	return s.changeHold(c, ch, hold, domain.ActionHoldSet, map[string]any{"reason": reason})
}

// releaseHold lifts the hold the admin read, named by its version
// (?version=, from the channel's "hold"), and no other: a hold set since
// then stands, and the answer is a 409 hold_changed (docs/security.md).
func (s *Server) releaseHold(c *gin.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
	at, named := domain.ParseHoldVersion(c.Query("version"))
	if !named {
		return domain.Errorf(domain.CodeInvalid, "diga qual retenção legal retirar: \"version\" da retenção lida no canal")
	}
	ch, err := s.adminsChannel(c)
	if err != nil {
		return err
	}
	read := ch.Hold()
	if read == nil {
		return domain.Errorf(domain.CodeInvalidState, "o canal não tem retenção legal")
	}
	if !read.At.Equal(at) {
		return domain.HoldChanged()
	}
	return s.changeHold(c, ch, nil, domain.ActionHoldReleased, map[string]any{"reason": read.Reason, "version": read.Version})
}

func (s *Server) changeHold(c *gin.Context, ch domain.Channel, hold *domain.Hold, action domain.Action, detail map[string]any) error {
	ctx := c.Request.Context()
	e := domain.AuditEntry{RemovalID: workflows.WorkflowID(ch.ID), AccountID: ch.AccountID,
		ChannelID: ch.ID, Actor: s.actor(c), Action: action, Key: domain.ActionKey(ch.AccountID, action, uuid.NewString()), Detail: detail}
	var err error
	if hold != nil {
		err = s.store.SetHold(ctx, ch.ID, hold, e)
	} else {
		err = s.store.ReleaseHold(ctx, ch.ID, *ch.HoldAt, e)
	}
	if err != nil {
		return err
	}
	// Only that it changed: the reason stays out of Temporal, whose history
	// ops read (the purge needs no reason; the audit trail has it).
	if err := s.purges.HoldChanged(ctx, ch.ID, workflows.HoldChanged{Held: hold != nil, Actor: s.actor(c)}); err != nil {
		return err
	}
	if hold == nil {
		return ok(c, http.StatusOK, gin.H{"hold": nil})
	}
	// What stands now, as the store wrote it (a replaced hold's successor
	// gets a later instant, and so its own version).
	now, err := s.store.Channel(ctx, ch.ID)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, gin.H{"hold": now.Hold()})
}
