package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

// ownConversation loads a conversation of the caller's account; any other is a 404.
func (s *Server) ownConversation(c *gin.Context) (domain.Conversation, bool) {
	if !validID(c.Param("id")) {
		fail(c, domain.Errorf(domain.CodeNotFound, "conversa não encontrada"))
		return domain.Conversation{}, false
	}
	conv, err := s.store.Conversation(c.Request.Context(), c.Param("id"))
	if err == nil && conv.AccountID != currentUser(c).AccountID {
		err = domain.Errorf(domain.CodeNotFound, "conversa não encontrada")
	}
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			err = domain.Errorf(domain.CodeNotFound, "conversa não encontrada")
		}
		fail(c, err)
		return conv, false
	}
	return conv, true
}

// getConversation shows a conversation with its latest messages.
func (s *Server) getConversation(c *gin.Context) {
	conv, found := s.ownConversation(c)
	if !found {
		return
	}
	msgs, err := s.store.Messages(c.Request.Context(), conv.ID, 200)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, gin.H{"id": conv.ID, "channel_id": conv.ChannelID, "contact": conv.Contact, "status": conv.Status,
		"channel_removed": conv.ChannelRemoved, "messages": msgs})
}

type continueRequest struct {
	ChannelID string `json:"channel_id"`
}

// continueConversation starts a new attendance for the same contact on another
// active channel of the account (SPEC §1.7).
func (s *Server) continueConversation(c *gin.Context) {
	var req continueRequest
	if !bind(c, &req, false) {
		return
	}
	if req.ChannelID == "" {
		fail(c, domain.Errorf(domain.CodeInvalid, "informe o canal em \"channel_id\""))
		return
	}
	if !validID(req.ChannelID) {
		fail(c, domain.Errorf(domain.CodeInvalid, "\"channel_id\" não é um id de canal"))
		return
	}
	conv, found := s.ownConversation(c)
	if !found {
		return
	}
	target, found := s.ownChannel(c, req.ChannelID)
	if !found {
		return
	}
	if target.ID == conv.ChannelID {
		fail(c, domain.Errorf(domain.CodeSameChannel, "escolha um canal diferente do canal desta conversa"))
		return
	}
	if target.Status == domain.ChannelRemoved {
		fail(c, domain.Errorf(domain.CodeChannelRemoved, "o canal escolhido foi removido; escolha um canal ativo"))
		return
	}
	id, err := s.store.ContinueConversation(c.Request.Context(), conv.ID, target.ID, s.actor(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/v1/conversations/"+id)
	ok(c, http.StatusCreated, gin.H{"id": id, "channel_id": target.ID, "contact": conv.Contact, "status": domain.ConversationOpen,
		"channel_removed": false})
}
