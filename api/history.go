package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// listRemovals is the account's removal history, from the removals read model
// in Postgres: it outlives Temporal's retention and needs no Temporal call.
func (s *Server) listRemovals(c *gin.Context) {
	rs, err := s.store.Removals(c.Request.Context(), currentUser(c).AccountID, 200)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, gin.H{"removals": rs})
}

// auditTrail is a removal's append-only audit log, every run of it.
func (s *Server) auditTrail(c *gin.Context) {
	id, found := s.ownRemoval(c)
	if !found {
		return
	}
	es, err := s.store.AuditEntries(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, gin.H{"entries": es})
}
