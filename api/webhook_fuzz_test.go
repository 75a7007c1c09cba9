package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// countedDeliveries counts the delivery runs the API asks for.
type countedDeliveries struct{ n atomic.Int64 }

func (d *countedDeliveries) Start(context.Context, workflows.MetaAccessLostInput) error {
	d.n.Add(1)
	return nil
}

const fuzzAppSecret = "fuzz-app-secret"

// FuzzMetaWebhook posts arbitrary bodies with arbitrary X-Hub-Signature-256
// headers, and the same bodies correctly signed, to the real API on the real
// Postgres store: never a 5xx; without a valid signature, never a delivery
// recorded nor a run started. `go test ./api -fuzz FuzzMetaWebhook` explores
// further.
func FuzzMetaWebhook(f *testing.F) {
	_, db := testdb.New(f)
	store := postgres.New(db)
	runs := &countedDeliveries{}
	srv := httptest.NewServer(api.New(api.Config{Store: store, Removals: noRemovals{}, Deliveries: runs, JWTSecret: []byte("x"),
		CodeSecret: []byte("c"), MetaAppSecret: fuzzAppSecret, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	f.Cleanup(srv.Close)

	lost := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"account_update","value":{"event":"PARTNER_REMOVED","waba_info":{"waba_id":"W1"}}}]}]}`
	for _, body := range []string{"", "{}", "null", "[", lost, `{"object":"page","entry":[]}`, `{"object":"whatsapp_business_account","entry":null}`,
		`{"object":"whatsapp_business_account","entry":[{"id":"","changes":[{"field":"account_update","value":{"event":"ACCOUNT_DELETED"}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"id":"\u0000","changes":[{"field":"account_update","value":{"event":"ACCOUNT_DELETED"}}]}]}`,
		"\xff\xfe", `{"object":"whatsapp_business_account","entry":[{"id":"` + strings.Repeat("9", 70) + `","changes":[{"field":"account_update","value":{"event":"ACCOUNT_OFFBOARDED"}}]}]}`,
		strings.Repeat(lost, 500)} {
		for _, sig := range []string{"", "sha256=", "sha256=zz", "sha256=" + strings.Repeat("0", 64), "sha1=abc", sign(body) + "0", strings.ToUpper(sign(body))} {
			f.Add(body, sig, false)
		}
		f.Add(body, "", true)
	}

	f.Fuzz(func(t *testing.T, body, signature string, signIt bool) {
		if signIt {
			signature = sign(body)
		}
		valid := signature == sign(body)
		var before int
		if err := db.Get(&before, `SELECT count(*) FROM meta_webhook_deliveries`); err != nil {
			t.Fatal(err)
		}
		startsBefore := runs.n.Load()
		req, err := http.NewRequest("POST", srv.URL+"/webhooks/meta", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Hub-Signature-256", signature)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return // a header no client can send (net/http refused it)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("signature %q body %q: %d %s", signature, body, res.StatusCode, raw)
		}
		var after int
		if err := db.Get(&after, `SELECT count(*) FROM meta_webhook_deliveries`); err != nil {
			t.Fatal(err)
		}
		if !valid && (after != before || runs.n.Load() != startsBefore || res.StatusCode == http.StatusOK) {
			t.Fatalf("unsigned body changed state: %d, deliveries %d → %d, runs %d → %d", res.StatusCode, before, after, startsBefore, runs.n.Load())
		}
	})
}

func sign(body string) string {
	m := hmac.New(sha256.New, []byte(fuzzAppSecret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
