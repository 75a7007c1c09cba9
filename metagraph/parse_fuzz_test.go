package metagraph

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseError: whatever Meta answers, the parsed error is storable (valid
// UTF-8, no NUL, bounded) and its classification follows SPEC §1.6. The seed
// corpus (here and in testdata/fuzz) runs with every `go test ./...`;
// `go test ./metagraph -fuzz FuzzParseError` explores further.
func FuzzParseError(f *testing.F) {
	for _, s := range []struct {
		status int
		body   string
	}{
		{401, `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463}}`},
		{400, `{"error":{"message":"Unsupported delete request","type":"GraphMethodException","code":100}}`},
		{500, `{"error":{"message":"An unknown error occurred","code":1}}`},
		{429, `{"error":{"message":"rate limit","code":130429}}`},
		{403, `{"error":{"message":"Permissions error","code":200}}`},
		{502, "<html>Bad Gateway</html>"},
		{503, ""},
		{400, "{\"error\":{\"message\":\"nul\\u0000byte\",\"code\":2}}"},
		{400, "\xff\xfe invalid utf-8 \xc0\xaf"},
		{400, strings.Repeat("é", 300)},
	} {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseError(status, body)
		for _, s := range []string{e.Message, e.Type, e.Error()} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("unstorable text %q", s)
			}
		}
		if utf8.RuneCountInString(e.Message) > 500 {
			t.Fatalf("message of %d characters", utf8.RuneCountInString(e.Message))
		}
		switch {
		case e.Code == 190 || e.Code == 10 || (e.Code >= 200 && e.Code <= 299) || e.Code == 100:
			if e.Transient {
				t.Fatalf("code %d classified transient", e.Code)
			}
		case e.Code == 2 || e.Code == 613 || e.Code == 130429 || (e.Code >= 80001 && e.Code <= 80014):
			if !e.Transient {
				t.Fatalf("code %d classified permanent", e.Code)
			}
		case e.Code == 0 && (status == 429 || status >= 500):
			if !e.Transient {
				t.Fatalf("HTTP %d without a code classified permanent", status)
			}
		}
	})
}
