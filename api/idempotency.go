package api

// Idempotency-Key (SPEC §9): a client that sends a request again after a
// timeout or a 503 sends the same key. The first answer of a state-changing
// request (POST, PUT, DELETE) under /v1 is kept in Postgres for a day
// (domain.IdempotencyTTL) and replayed, status, headers and body, to the same
// request sent again; the key with another request is a 422
// idempotency_key_reused, and while the first is still being answered a 409
// idempotency_key_in_flight. Keys are the caller's: another user's, or
// another account's, same key is another request.
//
// The key also names the Workflow Update a removal's or a purge's action
// sends (its UpdateID): a request whose answer was not kept (a 5xx, a 429,
// the process dying mid-request) and is sent again reaches the same update,
// and Temporal answers its outcome instead of spending a second code attempt
// or sending a second e-mail.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

const idempotencyHeader = "Idempotency-Key"

// replayedHeader marks a replayed answer, as Stripe's API does: a client can
// tell a replay from a fresh answer without comparing bodies.
const replayedHeader = "Idempotent-Replayed"

// keptHeaders are the headers that are part of an answer and replayed with
// it; the others (X-Request-Id, Date) are the new request's own.
var keptHeaders = []string{"Content-Type", "Location"}

// maxKeptAnswer bounds a kept answer's body: every /v1 answer to a
// state-changing request is a small document; a larger one is not kept.
const maxKeptAnswer = 256 << 10

type updateIDKey struct{}

const ctxIdempotency = "idempotency"

// ctxKeptWithout is the body an answer with a secret in it is kept as for
// its replay (secretAnswer): the secret is shown once, never stored in the
// clear beside its sealed copy, and a replay after a rotation never hands
// back a retired one.
const ctxKeptWithout = "idempotency.kept_without_secret"

// secretAnswer answers body, which carries a secret, and marks it for the
// idempotency keys: kept without the secret (asWithout). No cache keeps it.
func secretAnswer(c *gin.Context, status int, body, asWithout any) error {
	if b, err := json.Marshal(asWithout); err == nil {
		c.Set(ctxKeptWithout, b)
	}
	c.Header("Cache-Control", "no-store")
	return ok(c, status, body)
}

// idempotency reads the request's Idempotency-Key (1–255 printable ASCII
// characters), keeps the digest that names its update, and, for a
// state-changing request, replays the key's first answer or claims the key
// and keeps this answer.
func (s *Server) idempotency() gin.HandlerFunc {
	return func(c *gin.Context) {
		key, sent := c.Request.Header[idempotencyHeader]
		if !sent {
			c.Next()
			return
		}
		if len(key) != 1 || !validIdempotencyKey(key[0]) {
			writeProblem(c, domain.Errorf(domain.CodeInvalid, "Idempotency-Key deve ter de 1 a 255 caracteres ASCII imprimíveis"))
			return
		}
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			writeProblem(c, errTooLarge)
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		// The update's digest, unchanged since updates were first named by
		// keys: a request retried across a deploy still names its update.
		c.Set(ctxIdempotency, digest(c.Request.Method, c.Request.URL.Path, key[0], string(body)))
		if isSafeMethod(c.Request.Method) {
			c.Next()
			return
		}
		u := currentUser(c)
		k := domain.IdempotencyKey{AccountID: u.AccountID, UserID: u.ID, Key: key[0],
			Fingerprint: digest(c.Request.Method, c.Request.URL.Path, c.Request.URL.RawQuery, string(body))}
		if err := s.answerOnce(c, k); err != nil {
			writeProblem(c, err)
		}
	}
}

// answerOnce replays k's first answer, or runs the request under k and keeps
// its answer. An answer that says "try again" (a 5xx, a 429) is not kept:
// the key is released, and the same request sent again runs again.
func (s *Server) answerOnce(c *gin.Context, k domain.IdempotencyKey) (err error) {
	claim, err := s.store.ClaimIdempotencyKey(c.Request.Context(), k, s.now())
	if err != nil {
		return err
	}
	if a := claim.Replay; a != nil {
		for name, v := range a.Header {
			c.Header(name, v)
		}
		c.Header(replayedHeader, "true")
		c.Writer.WriteHeader(a.Status)
		c.Writer.Write(a.Body)
		c.Abort()
		return nil
	}
	// The client may be gone (its timeout is why it will retry): the key's
	// fate is written whatever the request's context says, once the
	// handler is done (which may take a preflight's wait).
	after := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(c.Request.Context()), 5*time.Second)
	}
	tee := &teeWriter{ResponseWriter: c.Writer}
	c.Writer = tee
	kept := false
	defer func() {
		c.Writer = tee.ResponseWriter
		if kept {
			return
		}
		ctx, cancel := after()
		defer cancel()
		if rerr := s.store.ReleaseIdempotencyKey(ctx, k, claim.Token); rerr != nil {
			s.log.Warn("idempotency key not released; it is taken over after its lease", "error", rerr)
		}
	}()
	c.Next() // a panic passes through, releasing the key, to the recoverer
	status := c.Writer.Status()
	if status >= 500 || status == http.StatusTooManyRequests || tee.overflow {
		return nil
	}
	body := tee.body.Bytes()
	if without, ok := c.Get(ctxKeptWithout); ok {
		body = without.([]byte) // an answer with a secret is kept without it
	}
	a := domain.StoredAnswer{Status: status, Header: map[string]string{}, Body: body}
	for _, name := range keptHeaders {
		if v := c.Writer.Header().Get(name); v != "" {
			a.Header[name] = v
		}
	}
	ctx, cancel := after()
	defer cancel()
	if err := s.store.FinishIdempotencyKey(ctx, k, claim.Token, a, s.now()); err != nil {
		// Answered already; a retry runs again (the same update).
		s.log.Warn("idempotency key's answer not kept", "error", err)
		return nil
	}
	kept = true
	return nil
}

// teeWriter copies what a handler writes, to keep it for replay.
type teeWriter struct {
	gin.ResponseWriter
	body     bytes.Buffer
	overflow bool
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.keep(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) WriteString(s string) (int, error) {
	w.keep([]byte(s))
	return w.ResponseWriter.WriteString(s)
}

func (w *teeWriter) keep(b []byte) {
	if w.body.Len()+len(b) > maxKeptAnswer {
		w.overflow = true
		return
	}
	w.body.Write(b)
}

// digest is a SHA-256 of parts, each ended by a NUL (no two lists of parts
// share one).
func digest(parts ...string) []byte {
	h := sha256.New()
	for _, part := range parts {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// withUpdateID is the request's context, naming the update it sends when the
// client sent an Idempotency-Key: the key is the caller's (another user's
// identical key, in this account or another, is another update, so nobody
// gets another user's answer).
func withUpdateID(c *gin.Context) context.Context {
	ctx := c.Request.Context()
	d, ok := c.Get(ctxIdempotency)
	if !ok {
		return ctx
	}
	// Written as it always was (no NUL after the digest): an update in
	// flight across a deploy keeps its id.
	h := sha256.New()
	u := currentUser(c)
	h.Write([]byte(u.AccountID))
	h.Write([]byte{0})
	h.Write([]byte(u.ID))
	h.Write([]byte{0})
	h.Write(d.([]byte))
	return context.WithValue(ctx, updateIDKey{}, "idem-"+hex.EncodeToString(h.Sum(nil))[:40])
}

// UpdateIDFrom is the UpdateID the request's Idempotency-Key names ("": the
// SDK makes a fresh one).
func UpdateIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(updateIDKey{}).(string)
	return id
}
