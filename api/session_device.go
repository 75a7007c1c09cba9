package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

// The sign-in's device cookie (OWASP's "device cookies"): a successful
// sign-in makes its browser a trusted device of that e-mail. The cookie is
// "nonce.signature": 32 random bytes, and an HMAC-SHA256 of the e-mail and
// the nonce, so it is good for that one e-mail, cannot be forged or moved to
// another, and carries no e-mail. Postgres keeps the device under the
// nonce's SHA-256 (its id), so a device can be revoked and a stolen table
// gives no cookie. Where TLS is on it is __Host-cr_device, as the session
// cookie is __Host-cr_session.
const (
	deviceCookie     = "cr_device"
	hostDeviceCookie = "__Host-" + deviceCookie
	deviceNonceBytes = 32
)

// deviceKey signs device cookies: derived from AUTH_JWT_SECRET (the key of
// the API's other sign-in credential), so no new secret is needed and a
// bearer token can never pass for a device's signature; rotating the
// secret makes every device untrusted. No secret: no device is trusted.
func deviceKey(secret []byte) []byte {
	if len(secret) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("channel-removal sign-in device cookie v1"))
	return m.Sum(nil)
}

func (s *Server) deviceSignature(email string, nonce []byte) []byte {
	m := hmac.New(sha256.New, s.deviceKey)
	m.Write([]byte(email))
	m.Write([]byte{0})
	m.Write(nonce)
	return m.Sum(nil)
}

func deviceID(nonce []byte) []byte {
	h := sha256.Sum256(nonce)
	return h[:]
}

// deviceLogID names a device in the log: a prefix of its id, which says
// nothing of its e-mail.
func deviceLogID(id []byte) string { return hex.EncodeToString(id[:8]) }

// deviceBucket is a trusted device's own throttle bucket.
func deviceBucket(id []byte) string { return "sign-in:device:" + hex.EncodeToString(id) }

// presentedDevice is the device whose cookie this request carries, signed
// for email: its id and the cookie's value; nil when there is none, or it is
// malformed, forged, tampered with or another e-mail's. Whether the device is
// still trusted (not revoked, not expired) the store says.
func (s *Server) presentedDevice(c *gin.Context, email string) (id []byte, value string) {
	if s.deviceKey == nil {
		return nil, ""
	}
	value, err := c.Cookie(s.deviceCookieName(c))
	if err != nil {
		return nil, ""
	}
	n, sig, found := strings.Cut(value, ".")
	nonce, err1 := base64.RawURLEncoding.DecodeString(n)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if !found || err1 != nil || err2 != nil || len(nonce) != deviceNonceBytes || !hmac.Equal(mac, s.deviceSignature(email, nonce)) {
		return nil, ""
	}
	return deviceID(nonce), value
}

// newDevice makes a device cookie for email: its value and the device's id.
func (s *Server) newDevice(email string) (value string, id []byte) {
	nonce := make([]byte, deviceNonceBytes)
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(nonce) + "." + enc.EncodeToString(s.deviceSignature(email, nonce)), deviceID(nonce)
}

// setDeviceCookie hands the browser its device cookie for the device's life:
// HttpOnly and SameSite=Strict as the session's, Path=/ as __Host- needs.
func (s *Server) setDeviceCookie(c *gin.Context, value string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: s.deviceCookieName(c), Value: value, Path: "/", HttpOnly: true,
		Secure: s.secureCookies || s.overTLS(c), SameSite: http.SameSiteStrictMode,
		MaxAge: int(domain.SignInDeviceTTL.Seconds()), Expires: s.now().Add(domain.SignInDeviceTTL)})
}

// deviceCookieName is the device cookie's name on this request: over TLS
// only the __Host- one is read, so a sibling subdomain cannot plant one.
func (s *Server) deviceCookieName(c *gin.Context) string {
	if s.overTLS(c) {
		return hostDeviceCookie
	}
	return deviceCookie
}
