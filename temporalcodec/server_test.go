package temporalcodec

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// TestTheCodecServerRefusesWithoutTheCredential: /decode answers 401 without
// the bearer token or with another, and decodes with it (or with it in the
// path, Temporal Web's form); Temporal Web's origin gets CORS, others do not.
func TestTheCodecServerRefusesWithoutTheCredential(t *testing.T) {
	c := MustParse(k1)
	const token = "ops-codec-token-of-at-least-32-bytes!"
	srv := httptest.NewServer(c.Handler(ServerOptions{Token: token, Origins: []string{"http://127.0.0.1:8233"}}))
	defer srv.Close()
	enc, _ := c.DataConverter().ToPayload(secret)
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{enc}})
	post := func(path, auth, origin string) (int, string, http.Header) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var ps commonpb.Payloads // the JSON holds data in base64: read the payloads
		if protojson.Unmarshal(b, &ps) == nil && len(ps.Payloads) == 1 {
			b = append(b, ps.Payloads[0].GetData()...)
		}
		return res.StatusCode, string(b), res.Header
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + token[:len(token)-1], token} {
		if code, b, _ := post("/decode", auth, ""); code != 401 || strings.Contains(b, "Maria") {
			t.Fatalf("Authorization %q: %d %s", auth, code, b)
		}
	}
	if code, b, _ := post("/ui/wrong/decode", "", ""); code != 401 {
		t.Fatalf("wrong token in the path: %d %s", code, b)
	}
	code, b, h := post("/decode", "Bearer "+token, "http://127.0.0.1:8233")
	if code != 200 || !strings.Contains(b, "Maria") {
		t.Fatalf("with the token: %d %s", code, b)
	}
	if h.Get("Access-Control-Allow-Origin") != "http://127.0.0.1:8233" {
		t.Fatalf("CORS for Temporal Web: %v", h)
	}
	if code, b, _ := post(strings.TrimPrefix(UIPath(srv.URL, token), srv.URL)+"/decode", "", ""); code != 200 || !strings.Contains(b, "Maria") {
		t.Fatalf("Temporal Web's URL: %d %s", code, b)
	}
	if code, _, h := post("/encode", "Bearer "+token, "http://evil.test"); code != 200 || h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("another origin: %d %v", code, h)
	}
	req, _ := http.NewRequest("OPTIONS", srv.URL+"/decode", nil)
	req.Header.Set("Origin", "http://127.0.0.1:8233")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
	open := httptest.NewServer(c.Handler(ServerOptions{}))
	defer open.Close()
	if res, err := http.Post(open.URL+"/decode", "application/json", strings.NewReader(string(body))); err != nil || res.StatusCode != 401 {
		t.Fatalf("no token configured must refuse everyone: %v %v", res, err)
	}
}
