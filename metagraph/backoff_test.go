package metagraph

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// Meta's answer says how long to wait: the usage header's
// estimated_time_to_regain_access (minutes, the longest of its entries),
// else a rate limit's default; bounded by an hour; never on a permanent
// failure or a transient one that names no limit.
func TestRetryAfterIsReadFromMetasAnswer(t *testing.T) {
	cases := []struct {
		name   string
		status int
		code   int
		usage  string
		want   time.Duration
	}{
		{"usage header", 400, 80008, `{"b1":[{"type":"whatsapp_business_management","estimated_time_to_regain_access":15},{"estimated_time_to_regain_access":3}]}`, 15 * time.Minute},
		{"rate limit, no header", 400, 4, "", RateLimitWait},
		{"HTTP 429, no header", 429, 0, "", RateLimitWait},
		{"bounded", 400, 80008, `{"b1":[{"estimated_time_to_regain_access":600}]}`, MaxRetryAfter},
		{"transient, no limit", 500, 2, "", 0},
		{"permanent", 401, 190, `{"b1":[{"estimated_time_to_regain_access":15}]}`, 0},
		{"garbled header", 400, 2, `{"b1":`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c.usage != "" {
					w.Header().Set(UsageHeader, c.usage)
				}
				w.WriteHeader(c.status)
				w.Write([]byte(`{"error":{"message":"limit","code":` + strconv.Itoa(c.code) + `}}`))
			}))
			defer srv.Close()
			_, err := New(srv.URL, "v23.0", 5*time.Second).UnsubscribeApp(context.Background(), "waba-1", "token")
			var ge *Error
			if !errors.As(err, &ge) || ge.RetryAfter != c.want {
				t.Fatalf("%v: RetryAfter %v, want %v", err, ge.RetryAfter, c.want)
			}
		})
	}
}
