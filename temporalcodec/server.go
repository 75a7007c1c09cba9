package temporalcodec

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"go.temporal.io/sdk/converter"
)

// ServerOptions configure the codec server.
type ServerOptions struct {
	// Token is CODEC_AUTH_TOKEN: a request needs "Authorization: Bearer
	// <Token>", or the token as the path segment before /decode or /encode
	// (UIPath), for Temporal Web, whose codec setting is a URL and cannot
	// send a header.
	Token string
	// Origins may call it from a browser (Temporal Web's, CORS).
	Origins []string
}

// Handler serves Temporal's codec protocol (POST …/encode, …/decode,
// Payloads as JSON) with the SDK's handler, behind the ops credential and
// CORS for Temporal Web. Every other request is refused before the SDK's
// handler reads a byte.
func (c *Codec) Handler(o ServerOptions) http.Handler {
	sdk := converter.NewPayloadCodecHTTPHandler(c)
	want := sha256.Sum256([]byte(o.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && slices.Contains(o.Origins, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Namespace")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions { // a preflight carries no credential
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if o.Token == "" || !authorized(r, want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="temporal-codec"`)
			http.Error(w, "codec server: the ops credential (CODEC_AUTH_TOKEN) is required", http.StatusUnauthorized)
			return
		}
		sdk.ServeHTTP(w, r)
	})
}

// authorized compares the credential's hash with the token's in constant
// time: equal lengths, so neither the content nor the length leaks through
// timing.
func authorized(r *http.Request, want [32]byte) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		got = pathToken(r.URL.Path)
	}
	h := sha256.Sum256([]byte(got))
	return got != "" && subtle.ConstantTimeCompare(h[:], want[:]) == 1
}

// pathToken is the segment before /decode or /encode: UIPath's form.
func pathToken(path string) string {
	rest, ok := strings.CutSuffix(path, "/decode")
	if !ok {
		if rest, ok = strings.CutSuffix(path, "/encode"); !ok {
			return ""
		}
	}
	return rest[strings.LastIndexByte(rest, '/')+1:]
}

// UIPath is the codec URL to give Temporal Web: the token as a path segment,
// under base (CODEC_URL).
func UIPath(base, token string) string {
	return strings.TrimSuffix(base, "/") + "/ui/" + token
}
