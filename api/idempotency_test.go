package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

// updateIDOf is the UpdateID a POST with key and body gets, for a caller of account.
func updateIDOf(t *testing.T, account, path, key, body string) (string, int) {
	return updateIDOfUser(t, account, "u", path, key, body)
}

func updateIDOfUser(t *testing.T, account, user, path, key, body string) (string, int) {
	t.Helper()
	e := gin.New()
	var got string
	s := &Server{store: freshKeys{}}
	e.POST("/v1/*rest", func(c *gin.Context) { c.Set(ctxUser, domain.User{ID: user, AccountID: account}) }, s.idempotency(),
		func(c *gin.Context) {
			got = UpdateIDFrom(withUpdateID(c))
			if b, _ := c.GetRawData(); string(b) != body {
				t.Errorf("the handler read %q, want the body %q", b, body)
			}
			c.Status(http.StatusOK)
		})
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	if key != "-" {
		req.Header.Set(idempotencyHeader, key)
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return got, w.Code
}

// TestAnIdempotencyKeyNamesOneUpdate: the same key and body from the same
// user is the same update; another body, path, user or account is another;
// no key leaves the SDK to pick; a malformed key is a 400.
func TestAnIdempotencyKeyNamesOneUpdate(t *testing.T) {
	const path, body = "/v1/removals/remove-channel:1/verify", `{"code":"123456"}`
	first, code := updateIDOf(t, "acc-1", path, "k1", body)
	if code != 200 || !strings.HasPrefix(first, "idem-") {
		t.Fatalf("first: %d %q", code, first)
	}
	if again, _ := updateIDOf(t, "acc-1", path, "k1", body); again != first {
		t.Fatalf("the same request again is update %q, want %q", again, first)
	}
	for name, id := range map[string]string{
		"another body":    must(updateIDOf(t, "acc-1", path, "k1", `{"code":"654321"}`)),
		"another path":    must(updateIDOf(t, "acc-1", "/v1/removals/remove-channel:2/verify", "k1", body)),
		"another account": must(updateIDOf(t, "acc-2", path, "k1", body)),
		"another admin":   must(updateIDOfUser(t, "acc-1", "u2", path, "k1", body)),
		"another key":     must(updateIDOf(t, "acc-1", path, "k2", body)),
	} {
		if id == first || id == "" {
			t.Errorf("%s: update %q", name, id)
		}
	}
	if id, code := updateIDOf(t, "acc-1", path, "-", body); id != "" || code != 200 {
		t.Fatalf("without a key: %d %q", code, id)
	}
	for _, bad := range []string{"", strings.Repeat("a", 256), "chave\x01", "chave-ç"} {
		if _, code := updateIDOf(t, "acc-1", path, bad, body); code != http.StatusBadRequest {
			t.Errorf("key %q answered %d, want 400", bad, code)
		}
	}
}

func must(id string, _ int) string { return id }

// freshKeys is a store where every key is new and nothing is kept.
type freshKeys struct{ Store }

func (freshKeys) ClaimIdempotencyKey(context.Context, domain.IdempotencyKey, time.Time) (domain.IdempotencyClaim, error) {
	return domain.IdempotencyClaim{Token: "t"}, nil
}
func (freshKeys) FinishIdempotencyKey(context.Context, domain.IdempotencyKey, string, domain.StoredAnswer, time.Time) error {
	return nil
}
func (freshKeys) ReleaseIdempotencyKey(context.Context, domain.IdempotencyKey, string) error {
	return nil
}
