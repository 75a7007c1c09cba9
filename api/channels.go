package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// ownChannel loads a channel of the caller's account; any other is a 404.
func (s *Server) ownChannel(c *gin.Context, id string) (domain.Channel, bool) {
	if !validID(id) {
		fail(c, domain.Errorf(domain.CodeNotFound, "canal não encontrado"))
		return domain.Channel{}, false
	}
	if ch, read := getPathRead[domain.Channel](c, ctxPathChannel, id); read {
		if ch != nil {
			return *ch, true
		}
		fail(c, domain.Errorf(domain.CodeNotFound, "canal não encontrado"))
		return domain.Channel{}, false
	}
	ch, err := s.store.Channel(c.Request.Context(), id)
	if err == nil && ch.AccountID != currentUser(c).AccountID {
		err = domain.Errorf(domain.CodeNotFound, "canal não encontrado")
	}
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			err = domain.Errorf(domain.CodeNotFound, "canal não encontrado")
		}
		fail(c, err)
		return ch, false
	}
	return ch, true
}

func (s *Server) listChannels(c *gin.Context) {
	chs, err := s.store.Channels(c.Request.Context(), currentUser(c).AccountID)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, gin.H{"channels": chs})
}

// getChannel is the channel page: its details and what removing it would
// touch (the same impact the preflight collects), before anything is asked.
func (s *Server) getChannel(c *gin.Context) {
	ch, found := s.ownChannel(c, c.Param("id"))
	if !found {
		return
	}
	body := gin.H{"id": ch.ID, "name": ch.Name, "kind": ch.Kind, "official": ch.Official, "status": ch.Status,
		"removed_at": ch.RemovedAt, "removal_id": workflows.WorkflowID(ch.ID)}
	if ch.Status == domain.ChannelActive {
		im, err := activities.CollectImpact(c.Request.Context(), s.store, ch)
		if err != nil {
			fail(c, err)
			return
		}
		body["impact"] = im
	}
	ok(c, http.StatusOK, body)
}

func (s *Server) listConversations(c *gin.Context) {
	ch, found := s.ownChannel(c, c.Param("id"))
	if !found {
		return
	}
	convs, err := s.store.Conversations(c.Request.Context(), ch.ID, 200)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, gin.H{"conversations": convs})
}

type messageRequest struct {
	Text string `json:"text"`
}

// sendMessage stores an outgoing message; on a removed channel it fails with
// channel_removed and the user-facing text of SPEC §1.7.
func (s *Server) sendMessage(c *gin.Context) {
	var req messageRequest
	if !bind(c, &req, false) {
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		fail(c, domain.Errorf(domain.CodeInvalid, "o campo \"text\" é obrigatório"))
		return
	}
	if err := checkText("text", req.Text, maxTextLen); err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	conv, found := s.ownConversation(c)
	if !found {
		return
	}
	if conv.ChannelRemoved {
		fail(c, domain.Errorf(domain.CodeChannelRemoved, domain.MsgChannelRemovedSend))
		return
	}
	id, err := s.store.AddMessage(ctx, conv.ID, currentUser(c).ID, req.Text)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusAccepted, gin.H{"id": id, "conversation_id": conv.ID, "status": "queued"})
}
