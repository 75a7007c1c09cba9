package graphsim

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Our shared credit line, as Meta's "Managing credit lines" (WhatsApp
// Business Platform, Solution Partners) documents it: the partner shares
// its line with a client's WABA (POST
// /{extended-credit-id}/whatsapp_credit_sharing_and_attach, which creates
// an allocation config) and revokes it with DELETE /{allocation-config-id},
// both with the partner's system-user access token. A revoked config stays
// readable with request_status DELETED. The configs are the partner's
// objects: any other token (a client WABA's, which our channels hold) cannot
// load them, and Graph says so with code 100 subcode 33, the same answer as
// for an object that does not exist.

// ShareCreditLine shares our credit line with a WABA, as
// POST /{extended-credit-id}/whatsapp_credit_sharing_and_attach does:
// configID is the allocation config it creates.
func (s *Sim) ShareCreditLine(configID, wabaID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.credit[configID] = wabaID
	delete(s.revoked, configID)
}

// SetPartnerToken makes token the Solution Partner's system-user token: the
// only one the allocation configs answer. Until it is set they answer none.
func (s *Sim) SetPartnerToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partner = token
}

// RevokeInBusinessSuite revokes the share as the partner can by hand in
// Meta Business Suite: the config reads DELETED from then on.
func (s *Sim) RevokeInBusinessSuite(configID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if waba, ok := s.credit[configID]; ok {
		s.revoked[configID] = waba
		delete(s.credit, configID)
	}
}

// CreditLineShared reports whether the WABA still shares our credit line.
func (s *Sim) CreditLineShared(wabaID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.credit {
		if w == wabaID {
			return true
		}
	}
	return false
}

// creditCall answers DELETE /{allocation-config-id} (revoke) or its read
// (GET ?fields=…request_status), under s.mu.
func (s *Sim) creditCall(revoke bool, object, bearer string, ok []byte) (*Failure, []byte) {
	waba, live := s.credit[object]
	_, deleted := s.revoked[object]
	if s.partner == "" || bearer != s.partner || (!live && !deleted) {
		return &Failure{HTTPStatus: http.StatusBadRequest, Code: 100, Subcode: 33, Message: fmt.Sprintf(
			"Unsupported request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation",
			object)}, nil
	}
	switch {
	case revoke && deleted: // deleting it again: Meta has nothing left to delete
		return &Failure{HTTPStatus: http.StatusBadRequest, Code: 100, Subcode: 33,
			Message: fmt.Sprintf("Unsupported delete request. Object with ID '%s' does not exist", object)}, nil
	case revoke:
		s.revoked[object] = waba
		delete(s.credit, object)
		return nil, ok
	}
	status := "ACTIVE"
	if deleted {
		status = "DELETED"
	}
	answer, _ := json.Marshal(map[string]any{"id": object, "request_status": status,
		"receiving_business": map[string]string{"id": "sim-business", "name": "Sim Business"}})
	return nil, answer
}
