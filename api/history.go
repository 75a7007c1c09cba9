package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

// listRemovals is the account's removal history, from the removals read model
// in Postgres: it outlives Temporal's retention and needs no Temporal call.
func (s *Server) listRemovals(c *gin.Context) error {
	rs, err := s.store.Removals(c.Request.Context(), currentUser(c).AccountID, 200)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, gin.H{"removals": rs})
}

// auditTrail is a removal's append-only audit log, every run of it; for
// admins only (domain.CanReadAudit).
func (s *Server) auditTrail(c *gin.Context) error {
	id, err := s.ownRemoval(c)
	if err != nil {
		return err
	}
	if err := domain.CanReadAudit(currentUser(c)); err != nil {
		return err
	}
	es, err := s.store.AuditEntries(c.Request.Context(), id)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, gin.H{"entries": es})
}
