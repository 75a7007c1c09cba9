package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crm/channel-removal/api"
)

// TestAuditIPBehindTheLoadBalancer: behind the compose file's load balancer
// (TRUSTED_PROXIES) the audit log records the client that X-Forwarded-For
// names; without it the same header is ignored, as anyone can send it.
func TestAuditIPBehindTheLoadBalancer(t *testing.T) {
	for _, c := range []struct {
		name    string
		trusted []string
		want    string
	}{
		{"trusted load balancer", []string{"127.0.0.1/32"}, "203.0.113.9"},
		{"no trusted proxy", nil, "127.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStack(t)
			s.apiConfig = func(cfg *api.Config) { cfg.TrustedProxies = c.trusted }
			s.start(true)
			ch := s.channel("messenger", "", "PIP-"+s.account[:8])
			req, _ := http.NewRequest("POST", s.http.URL+"/v1/channels/"+ch+"/removals", nil)
			req.Header.Set("Authorization", "Bearer "+s.adminToken)
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != http.StatusCreated {
				t.Fatalf("start: %v %v", res, err)
			}
			res.Body.Close()
			audit := s.want(s.do("GET", "/v1/removals/remove-channel:"+ch+"/audit", s.adminToken, nil), 200, "")
			if !strings.Contains(audit.Raw, `"actor_ip":"`+c.want+`"`) {
				t.Fatalf("want actor_ip %s:\n%s", c.want, audit.Raw)
			}
		})
	}
}
