package api

// Idempotency-Key (SPEC §9): a client that sends a request again after a
// timeout or a 503 sends the same key, and the removal's or the purge's
// Workflow Update it makes is the same one (its UpdateID): Temporal answers
// the first request's outcome, or waits for it while it is in flight,
// instead of spending a second code attempt or calling Meta twice. The full
// contract (replaying the HTTP answer of every POST, 422 on another body) is
// the integrations' work; here the key names the update.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

const idempotencyHeader = "Idempotency-Key"

type updateIDKey struct{}

// idempotency reads the request's Idempotency-Key (1–255 printable ASCII
// characters) and keeps, for the update the handler will send, a digest of
// the key with the request's body: the same key with another body is another
// update, never the first one's answer to a different question.
func idempotency() gin.HandlerFunc {
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
		h := sha256.New()
		for _, part := range [][]byte{[]byte(c.Request.Method), []byte(c.Request.URL.Path), []byte(key[0]), body} {
			h.Write(part)
			h.Write([]byte{0})
		}
		c.Set(ctxIdempotency, h.Sum(nil))
		c.Next()
	}
}

const ctxIdempotency = "idempotency"

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
	digest, ok := c.Get(ctxIdempotency)
	if !ok {
		return ctx
	}
	h := sha256.New()
	u := currentUser(c)
	h.Write([]byte(u.AccountID))
	h.Write([]byte{0})
	h.Write([]byte(u.ID))
	h.Write([]byte{0})
	h.Write(digest.([]byte))
	return context.WithValue(ctx, updateIDKey{}, "idem-"+hex.EncodeToString(h.Sum(nil))[:40])
}

// UpdateIDFrom is the UpdateID the request's Idempotency-Key names ("": the
// SDK makes a fresh one).
func UpdateIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(updateIDKey{}).(string)
	return id
}
