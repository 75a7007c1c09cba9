package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

var errChannelNotFound = domain.Errorf(domain.CodeNotFound, "canal não encontrado")

// ownChannel loads a channel of the caller's account; any other is a 404.
func (s *Server) ownChannel(c *gin.Context, id string) (domain.Channel, error) {
	if !validID(id) {
		return domain.Channel{}, errChannelNotFound
	}
	if ch, read := getPathRead[domain.Channel](c, ctxPathChannel, id); read {
		if ch == nil {
			return domain.Channel{}, errChannelNotFound
		}
		return *ch, nil
	}
	ch, err := s.store.Channel(c.Request.Context(), id)
	if domain.ErrorCode(err) == domain.CodeNotFound || (err == nil && ch.AccountID != currentUser(c).AccountID) {
		return domain.Channel{}, errChannelNotFound
	}
	return ch, err
}

func (s *Server) listChannels(c *gin.Context) error {
	chs, err := s.store.Channels(c.Request.Context(), currentUser(c).AccountID)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, gin.H{"channels": chs})
}

// getChannel is the channel page: its details and what removing it would
// touch (the same impact the preflight collects), before anything is asked.
func (s *Server) getChannel(c *gin.Context) error {
	ch, err := s.ownChannel(c, c.Param("id"))
	if err != nil {
		return err
	}
	body := gin.H{"id": ch.ID, "name": ch.Name, "kind": ch.Kind, "official": ch.Official, "status": ch.Status,
		"coexistence": ch.Coexistence, "removed_at": ch.RemovedAt, "removal_id": workflows.WorkflowID(ch.ID), "hold": ch.Hold().ForReader(currentUser(c))}
	if p, ok, err := s.store.Purge(c.Request.Context(), ch.ID); err != nil {
		return err
	} else if ok {
		body["retention"] = p.Retention()
	}
	if ch.Status != domain.ChannelRemoved {
		f, err := s.store.ImpactFacts(c.Request.Context(), ch, domain.ImpactAttendances, domain.ConversationCountCap)
		if err != nil {
			return err
		}
		body["impact"] = domain.ImpactOf(ch, f)
	}
	return ok(c, http.StatusOK, body)
}

func (s *Server) listConversations(c *gin.Context) error {
	ch, err := s.ownChannel(c, c.Param("id"))
	if err != nil {
		return err
	}
	convs, err := s.store.Conversations(c.Request.Context(), ch.ID, 200)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, gin.H{"conversations": convs})
}

type messageRequest struct {
	Text string `json:"text"`
}

// sendMessage stores an outgoing message; on a removed channel it fails with
// channel_removed and the user-facing text of SPEC §1.7.
func (s *Server) sendMessage(c *gin.Context) error {
	var req messageRequest
	if err := bind(c, &req, false); err != nil {
		return err
	}
	if strings.TrimSpace(req.Text) == "" {
		return domain.Errorf(domain.CodeInvalid, "o campo \"text\" é obrigatório")
	}
	if err := checkText("text", req.Text, maxTextLen); err != nil {
		return err
	}
	ctx := c.Request.Context()
	conv, err := s.ownConversation(c)
	if err != nil {
		return err
	}
	switch {
	case conv.ChannelRemoved:
		return domain.SendRefusal(domain.ChannelRemoved)
	case conv.ChannelDisconnected:
		return domain.SendRefusal(domain.ChannelDisconnected)
	}
	id, err := s.store.AddMessage(ctx, conv.ID, currentUser(c).ID, req.Text)
	if err != nil {
		return err
	}
	return ok(c, http.StatusAccepted, gin.H{"id": id, "conversation_id": conv.ID, "status": "queued"})
}
