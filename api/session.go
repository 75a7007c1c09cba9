package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/crm/channel-removal/domain"
)

// The web app's session: a random token in an HttpOnly, SameSite=Strict
// cookie; the database keeps only its SHA-256, so signing out (deleting the
// row) really ends it, which a self-contained JWT cookie could not do.
const (
	sessionCookie = "cr_session"
	// DefaultSessionTTL bounds a session; signing in again starts a new one.
	DefaultSessionTTL = 8 * time.Hour
)

// HashPassword is the bcrypt hash stored for a user (golang.org/x/crypto).
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

// dummyHash is compared against when the e-mail is unknown, so an unknown
// e-mail costs the same time as a wrong password: no user enumeration by timing.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not-a-password"), bcrypt.DefaultCost)

type signInRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) signIn(c *gin.Context) error {
	if !sameOrigin(c) {
		return errCrossSite
	}
	var req signInRequest
	if err := bind(c, &req, false); err != nil {
		return err
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	if email == "" || req.Password == "" {
		return domain.Errorf(domain.CodeInvalid, "informe e-mail e senha")
	}
	if err := checkText("email", email, 320); err != nil {
		return err
	}
	if err := checkText("password", req.Password, 256); err != nil {
		return err
	}
	// Throttled before the password is evaluated (session_throttle.go).
	ctx, now := c.Request.Context(), s.now()
	client, err := s.admit(c, email, now)
	if err != nil {
		return err
	}
	user, hash, err := s.store.Credentials(ctx, email)
	if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
		return err
	}
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(req.Password))
		err = bcrypt.ErrMismatchedHashAndPassword
	} else {
		err = bcrypt.CompareHashAndPassword([]byte(hash), []byte(req.Password))
	}
	if err != nil {
		return domain.Errorf(domain.CodeInvalidCredentials, "e-mail ou senha incorretos")
	}
	token, tokenHash := newSessionToken()
	if err := s.store.CreateSession(ctx, tokenHash, user.ID, now.Add(s.sessionTTL)); err != nil {
		return err
	}
	s.setSessionCookie(c, token, s.sessionTTL) // first: the session's is the answer's first Set-Cookie
	s.signedIn(c, client, user, email, now)
	c.Status(http.StatusNoContent)
	return nil
}

func (s *Server) signOut(c *gin.Context) error {
	if raw := s.sessionCookieValue(c); raw != "" {
		if !sameOrigin(c) {
			return errCrossSite
		}
		if err := s.store.DeleteSession(c.Request.Context(), hashToken(raw), s.now()); err != nil {
			return err
		}
	}
	s.setSessionCookie(c, "", -1)
	c.Status(http.StatusNoContent)
	return nil
}

// whoAmI tells the web app who is signed in (name, role, account).
func (s *Server) whoAmI(c *gin.Context) error {
	return ok(c, http.StatusOK, currentUser(c))
}

func (s *Server) setSessionCookie(c *gin.Context, value string, ttl time.Duration) {
	ck := &http.Cookie{Name: s.cookieName(c), Value: value, Path: "/", HttpOnly: true, Secure: s.secureCookies || s.overTLS(c),
		SameSite: http.SameSiteStrictMode}
	if ttl < 0 {
		ck.MaxAge = -1
	} else {
		ck.MaxAge = int(ttl.Seconds())
		ck.Expires = s.now().Add(ttl)
	}
	http.SetCookie(c.Writer, ck)
}

func newSessionToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

var errCrossSite = domain.Errorf(domain.CodeForbidden, "requisição de outra origem recusada")

// sameOrigin is the CSRF check for cookie-authenticated requests: the browser
// says where the request comes from (Sec-Fetch-Site, else Origin). A request
// that says neither did not come from a browser page, and so cannot be a
// cross-site forgery; SameSite=Strict is the second line.
func sameOrigin(c *gin.Context) bool {
	if site := c.GetHeader("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := c.GetHeader("Origin")
	if origin == "" {
		return true
	}
	// Scheme aside (TLS may end at a proxy), the origin's host must be ours.
	_, host, found := strings.Cut(origin, "://")
	return found && host == c.Request.Host
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
