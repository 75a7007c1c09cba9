package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/vcode"
	"github.com/crm/channel-removal/workflows"
)

// requireAdmin: only the account's admins act on removals.
func requireAdmin(c *gin.Context) bool {
	if currentUser(c).Role != domain.RoleAdmin {
		fail(c, domain.Errorf(domain.CodeForbidden, "apenas administradores da conta podem remover canais"))
		return false
	}
	return true
}

func (s *Server) startRemoval(c *gin.Context) {
	if !noBody(c) {
		return
	}
	ch, found := s.ownChannel(c, c.Param("id"))
	if !found || !requireAdmin(c) {
		return
	}
	if ch.Status == domain.ChannelRemoved {
		fail(c, domain.Errorf(domain.CodeChannelRemoved, "este canal já foi removido"))
		return
	}
	user := currentUser(c)
	doc, err := s.removals.Start(c.Request.Context(), user.AccountID, workflows.Input{
		ChannelID: ch.ID, ChannelName: ch.Name, ChannelKind: ch.Kind, RequestedBy: user.ID, Actor: s.actor(c),
		ResendInterval: workflows.Duration(s.resend), OutageWindow: workflows.Duration(s.outageWindow),
		OutageRetryInterval: workflows.Duration(s.outageRetry)})
	if err != nil {
		fail(c, err)
		return
	}
	switch doc.Status {
	case domain.StatusAwaitingAcknowledgement:
		c.Header("Location", "/v1/removals/"+doc.ID)
		ok(c, http.StatusCreated, doc)
	case domain.StatusRejected:
		fail(c, rejection(doc))
	default:
		fail(c, domain.Errorf(domain.CodeInternal, "a remoção terminou no preflight com status %q: %s", doc.Status, doc.Step))
	}
}

// rejection turns a rejected preflight into the error of its first reason.
func rejection(doc workflows.Removal) error {
	if len(doc.Reasons) == 0 {
		return domain.Errorf(domain.CodeInvalidState, "remoção recusada")
	}
	r := doc.Reasons[0]
	e := (&domain.Error{Code: r.Code, Message: r.Message}).With("id", doc.ID).With("reasons", doc.Reasons)
	if r.Code == domain.CodeActiveAttendances && doc.Impact != nil {
		e = e.With("active_attendances", doc.Impact.ActiveAttendances)
	}
	return e
}

// ownRemoval checks the removal id names a channel of the caller's account.
func (s *Server) ownRemoval(c *gin.Context) (string, bool) {
	id := c.Param("id")
	channelID, valid := workflows.ChannelIDOf(id)
	if !valid {
		fail(c, domain.Errorf(domain.CodeNotFound, "remoção não encontrada"))
		return "", false
	}
	if _, found := s.ownChannel(c, channelID); !found {
		return "", false
	}
	return id, true
}

// getRemoval reads the removal's latest run from the read model in Postgres:
// no Temporal call, so it answers after Temporal's retention and while
// Temporal is down. (Temporal's `status` query stays for ops.)
//
// With ?status=S&wait=N it is a waiting read (removal_wait.go).
func (s *Server) getRemoval(c *gin.Context) {
	id, found := s.ownRemoval(c)
	if !found {
		return
	}
	waiting, err := parseWaitingRead(c.Request.URL.Query())
	if err != nil {
		fail(c, err)
		return
	}
	var rec domain.RemovalRecord
	if run, read := getPathRead[domain.RemovalRecord](c, ctxPathRemoval, id); read { // read with the caller
		if run == nil {
			err = domain.Errorf(domain.CodeNotFound, "remoção não encontrada")
		} else {
			rec = *run
		}
	} else {
		rec, err = s.store.LatestRemoval(c.Request.Context(), id)
	}
	if err == nil {
		rec, err = s.awaitChange(c.Request.Context(), id, rec, waiting, watchedBefore(c, id))
	}
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			err = domain.Errorf(domain.CodeNotFound, "remoção não encontrada")
		}
		fail(c, err)
		return
	}
	ok(c, http.StatusOK, documentOf(rec))
}

// documentOf builds the removal document (SPEC §3) from a read-model record.
func documentOf(rec domain.RemovalRecord) workflows.Removal {
	var doc workflows.Removal
	_ = json.Unmarshal(rec.Doc, &doc) // the fields the steps set; the rest follows
	doc.ID, doc.RunID, doc.ChannelID, doc.AccountID = rec.RemovalID, rec.RunID, rec.ChannelID, rec.AccountID
	doc.Status, doc.Step = domain.Status(rec.Status), domain.StatusStep(domain.Status(rec.Status))
	doc.CreatedAt, doc.UpdatedAt, doc.CompletedAt = rec.CreatedAt, rec.UpdatedAt, rec.CompletedAt
	if doc.MetaUnlink.Status == "" {
		doc.MetaUnlink.Status = "not_started"
	}
	var kind domain.ChannelKind
	if doc.Impact != nil {
		kind = doc.Impact.Kind
	}
	doc.Notes = domain.RemovalNotes(doc.Status, kind, doc.MetaUnlink.Status)
	return doc
}

type acknowledgeRequest struct {
	Acknowledged *bool `json:"acknowledged"`
}

func (s *Server) acknowledge(c *gin.Context) {
	var req acknowledgeRequest
	if !bind(c, &req, false) {
		return
	}
	if req.Acknowledged == nil || !*req.Acknowledged {
		fail(c, domain.Errorf(domain.CodeInvalid, "confirme o alerta enviando {\"acknowledged\": true}"))
		return
	}
	s.update(c, http.StatusOK, workflows.UpdateAcknowledge, workflows.AcknowledgeRequest{Acknowledged: true, Actor: s.actor(c)})
}

func (s *Server) resendCode(c *gin.Context) {
	if noBody(c) {
		s.update(c, http.StatusAccepted, workflows.UpdateResendCode, workflows.ActorRequest{Actor: s.actor(c)})
	}
}

func (s *Server) cancel(c *gin.Context) {
	if noBody(c) {
		s.update(c, http.StatusOK, workflows.UpdateCancel, workflows.ActorRequest{Actor: s.actor(c)})
	}
}

type verifyRequest struct {
	Code string `json:"code"`
}

var codeFormat = regexp.MustCompile(`^\d{6,10}$`)

// verify hashes the code here, with CODE_SECRET, so that only its keyed hash
// enters Temporal (update payload, history, activity input).
func (s *Server) verify(c *gin.Context) {
	var req verifyRequest
	if !bind(c, &req, false) {
		return
	}
	code := strings.Join(strings.Fields(req.Code), "")
	if !codeFormat.MatchString(code) {
		fail(c, domain.Errorf(domain.CodeInvalid, "o código tem 6 dígitos, como no e-mail"))
		return
	}
	id, found := s.ownRemoval(c)
	if !found || !requireAdmin(c) {
		return
	}
	s.send(c, id, http.StatusOK, workflows.UpdateVerifyCode,
		workflows.VerifyCodeRequest{CodeHash: vcode.Hash(s.codeSecret, id, code), Actor: s.actor(c)})
}

func (s *Server) update(c *gin.Context, status int, name string, arg any) {
	id, found := s.ownRemoval(c)
	if !found || !requireAdmin(c) {
		return
	}
	s.send(c, id, status, name, arg)
}

func (s *Server) send(c *gin.Context, id string, status int, name string, arg any) {
	doc, err := s.removals.Update(c.Request.Context(), id, name, arg)
	if err != nil {
		fail(c, err)
		return
	}
	ok(c, status, doc)
}
