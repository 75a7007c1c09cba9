package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

var errConversationNotFound = domain.Errorf(domain.CodeNotFound, "conversa não encontrada")

// ownConversation loads a conversation of the caller's account; any other is a 404.
func (s *Server) ownConversation(c *gin.Context) (domain.Conversation, error) {
	if !validID(c.Param("id")) {
		return domain.Conversation{}, errConversationNotFound
	}
	conv, err := s.store.Conversation(c.Request.Context(), c.Param("id"))
	if domain.ErrorCode(err) == domain.CodeNotFound || (err == nil && conv.AccountID != currentUser(c).AccountID) {
		return domain.Conversation{}, errConversationNotFound
	}
	return conv, err
}

// getConversation shows a conversation with its latest messages.
func (s *Server) getConversation(c *gin.Context) error {
	conv, err := s.ownConversation(c)
	if err != nil {
		return err
	}
	msgs, err := s.store.Messages(c.Request.Context(), conv.ID, 200)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, gin.H{"id": conv.ID, "channel_id": conv.ChannelID, "contact": conv.Contact, "status": conv.Status,
		"channel_removed": conv.ChannelRemoved, "channel_disconnected": conv.ChannelDisconnected, "messages_purged": conv.MessagesPurged, "messages": msgs})
}

type continueRequest struct {
	ChannelID string `json:"channel_id"`
}

// continueConversation starts a new attendance for the same contact on another
// active channel of the account (SPEC §1.7).
func (s *Server) continueConversation(c *gin.Context) error {
	var req continueRequest
	if err := bind(c, &req, false); err != nil {
		return err
	}
	if req.ChannelID == "" {
		return domain.Errorf(domain.CodeInvalid, "informe o canal em \"channel_id\"")
	}
	if !validID(req.ChannelID) {
		return domain.Errorf(domain.CodeInvalid, "\"channel_id\" não é um id de canal")
	}
	conv, err := s.ownConversation(c)
	if err != nil {
		return err
	}
	target, err := s.ownChannel(c, req.ChannelID)
	if err != nil {
		return err
	}
	if target.ID == conv.ChannelID {
		return domain.Errorf(domain.CodeSameChannel, "escolha um canal diferente do canal desta conversa")
	}
	switch target.Status {
	case domain.ChannelRemoved:
		return domain.Errorf(domain.CodeChannelRemoved, "o canal escolhido foi removido; escolha um canal ativo")
	case domain.ChannelDisconnected:
		return domain.Errorf(domain.CodeChannelDisconnected, "o canal escolhido foi desconectado na Meta; escolha um canal ativo")
	}
	id, err := s.store.ContinueConversation(c.Request.Context(), conv.ID, target.ID, s.actor(c))
	if err != nil {
		return err
	}
	c.Header("Location", "/v1/conversations/"+id)
	return ok(c, http.StatusCreated, gin.H{"id": id, "channel_id": target.ID, "contact": conv.Contact, "status": domain.ConversationOpen,
		"channel_removed": false})
}
