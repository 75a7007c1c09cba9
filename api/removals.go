package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/vcode"
	"github.com/crm/channel-removal/workflows"
)

// requireAdmin: only the account's admins act on removals.
func requireAdmin(c *gin.Context) error { return domain.CanRemove(currentUser(c)) }

func (s *Server) startRemoval(c *gin.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
	ch, err := s.ownChannel(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := requireAdmin(c); err != nil {
		return err
	}
	if ch.Status == domain.ChannelRemoved {
		return domain.Errorf(domain.CodeChannelRemoved, "este canal já foi removido")
	}
	user := currentUser(c)
	if err := s.startAllowed(c, ch, user); err != nil {
		return err
	}
	doc, err := s.removals.Start(c.Request.Context(), user.AccountID, workflows.Input{
		ChannelID: ch.ID, ChannelName: ch.Name, ChannelKind: ch.Kind, RequestedBy: user.ID, Actor: s.actor(c),
		ResendInterval: workflows.Duration(s.resend), OutageWindow: workflows.Duration(s.outageWindow),
		OutageRetryInterval: workflows.Duration(s.outageRetry), OpsAlertAfter: workflows.Duration(s.opsAlertAfter),
		RetentionDay: workflows.Duration(s.retentionDay)})
	if err != nil {
		return err
	}
	switch doc.Status {
	case domain.StatusRejected:
		return rejection(doc)
	case domain.StatusFailed:
		return domain.Errorf(domain.CodeInternal, "a remoção falhou no preflight: %s", doc.Step)
	}
	// awaiting_acknowledgement, or later when an acknowledgement reached the
	// run while its preflight was redone after a crash.
	c.Header("Location", "/v1/removals/"+doc.ID)
	return ok(c, http.StatusCreated, doc)
}

// startAllowed counts the start against its user's limit (SPEC §8), before
// it reaches Temporal, so that one session cannot flood it with runs; a
// refusal is audited under the channel's removal id (no run).
func (s *Server) startAllowed(c *gin.Context, ch domain.Channel, user domain.User) error {
	if s.startLimit.Max <= 0 {
		return nil
	}
	ctx, now := c.Request.Context(), s.now()
	b, err := s.store.Hit(ctx, now, s.startLimit.Window, "removal-starts:user:"+user.ID)
	if err != nil {
		return err
	}
	wait := s.startLimit.Over(b[0], now)
	if wait == 0 {
		return nil
	}
	refusal := domain.TooManyRequests(wait)
	if err := s.store.AppendNewAudit(ctx, domain.AuditEntry{RemovalID: workflows.WorkflowID(ch.ID), AccountID: ch.AccountID,
		ChannelID: ch.ID, Actor: s.actor(c), Action: domain.ActionStartRefused, Key: domain.ActionKey(ch.AccountID, domain.ActionStartRefused, uuid.NewString()),
		Detail: map[string]any{"code": refusal.Code, "starts": b[0].Hits, "retry_after": refusal.Fields["retry_after"]}}); err != nil {
		return err
	}
	return refusal
}

// rejection turns a rejected preflight into the error of its first reason.
func rejection(doc domain.Removal) error {
	if len(doc.Reasons) == 0 {
		return domain.Errorf(domain.CodeInvalidState, "remoção recusada")
	}
	r := doc.Reasons[0]
	e := (&domain.Error{Code: r.Code, Message: r.Message}).With("id", doc.ID).With("reasons", doc.Reasons)
	if r.RetryAfter > 0 {
		e = e.With("retry_after", r.RetryAfter)
	}
	if r.Code == domain.CodeActiveAttendances && doc.Impact != nil {
		e = e.With("active_attendances", doc.Impact.ActiveAttendances)
	}
	return e
}

var errRemovalNotFound = domain.Errorf(domain.CodeNotFound, "remoção não encontrada")

// ownRemoval checks the removal id names a channel of the caller's account.
func (s *Server) ownRemoval(c *gin.Context) (string, error) {
	id := c.Param("id")
	channelID, valid := workflows.ChannelIDOf(id)
	if !valid {
		return "", errRemovalNotFound
	}
	if _, err := s.ownChannel(c, channelID); err != nil {
		return "", err
	}
	return id, nil
}

// getRemoval reads the removal's latest run from the read model in Postgres:
// no Temporal call, so it answers after Temporal's retention and while
// Temporal is down. (Temporal's `status` query stays for ops.)
//
// With ?status=S&wait=N it is a waiting read (removal_wait.go).
func (s *Server) getRemoval(c *gin.Context) error {
	id, err := s.ownRemoval(c)
	if err != nil {
		return err
	}
	waiting, err := parseWaitingRead(c.Request.URL.Query())
	if err != nil {
		return err
	}
	var rec domain.RemovalRecord
	if run, read := getPathRead[domain.RemovalRecord](c, ctxPathRemoval, id); read { // read with the caller
		if run == nil {
			return errRemovalNotFound
		}
		rec = *run
	} else if rec, err = s.store.LatestRemoval(c.Request.Context(), id); domain.ErrorCode(err) == domain.CodeNotFound {
		return errRemovalNotFound
	} else if err != nil {
		return err
	}
	if rec, err = s.awaitChange(c.Request.Context(), id, rec, waiting, watchedBefore(c, id)); err != nil {
		return err
	}
	doc, err := s.withPurge(c, rec.Document())
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, doc)
}

type acknowledgeRequest struct {
	Acknowledged *bool `json:"acknowledged"`
	// ReleaseNumber: also release the phone number in Meta (SPEC §7).
	ReleaseNumber bool `json:"release_number"`
	// PurgeAfterDays: 0 keeps the history, 30, 90 or 180 purge it (SPEC §8).
	PurgeAfterDays int `json:"purge_after_days"`
}

func (s *Server) acknowledge(c *gin.Context) error {
	var req acknowledgeRequest
	if err := bind(c, &req, false); err != nil {
		return err
	}
	if req.Acknowledged == nil || !*req.Acknowledged {
		return domain.Errorf(domain.CodeInvalid, "confirme o alerta enviando {\"acknowledged\": true}")
	}
	if !domain.ValidPurgeAfterDays(req.PurgeAfterDays) {
		return domain.Errorf(domain.CodeInvalid, "%s", domain.PurgeAfterDaysRefusal)
	}
	return s.update(c, http.StatusOK, workflows.UpdateAcknowledge, workflows.AcknowledgeRequest{Acknowledged: true,
		ReleaseNumber: req.ReleaseNumber, PurgeAfterDays: req.PurgeAfterDays, Actor: s.actor(c)})
}

func (s *Server) resendCode(c *gin.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
	return s.update(c, http.StatusAccepted, workflows.UpdateResendCode, workflows.ActorRequest{Actor: s.actor(c)})
}

func (s *Server) cancel(c *gin.Context) error {
	if err := noBody(c); err != nil {
		return err
	}
	return s.update(c, http.StatusOK, workflows.UpdateCancel, workflows.ActorRequest{Actor: s.actor(c)})
}

type verifyRequest struct {
	Code string `json:"code"`
}

var codeFormat = regexp.MustCompile(`^\d{6,10}$`)

// verify hashes the code here, with CODE_SECRET, so that only its keyed hash
// enters Temporal (update payload, history, activity input).
func (s *Server) verify(c *gin.Context) error {
	var req verifyRequest
	if err := bind(c, &req, false); err != nil {
		return err
	}
	code := strings.Join(strings.Fields(req.Code), "")
	if !codeFormat.MatchString(code) {
		return domain.Errorf(domain.CodeInvalid, "o código tem 6 dígitos, como no e-mail")
	}
	id, err := s.adminsRemoval(c)
	if err != nil {
		return err
	}
	return s.send(c, id, http.StatusOK, workflows.UpdateVerifyCode,
		workflows.VerifyCodeRequest{CodeHash: vcode.Hash(s.codeSecret, id, code), Actor: s.actor(c)})
}

// adminsRemoval is the path's removal, when the caller may act on it.
func (s *Server) adminsRemoval(c *gin.Context) (string, error) {
	id, err := s.ownRemoval(c)
	if err != nil {
		return "", err
	}
	return id, requireAdmin(c)
}

func (s *Server) update(c *gin.Context, status int, name string, arg any) error {
	id, err := s.adminsRemoval(c)
	if err != nil {
		return err
	}
	return s.send(c, id, status, name, arg)
}

func (s *Server) send(c *gin.Context, id string, status int, name string, arg any) error {
	doc, err := s.removals.Update(withUpdateID(c), id, name, arg)
	if err != nil {
		return err
	}
	return ok(c, status, doc)
}
