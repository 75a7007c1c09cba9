package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// IssueToken signs a bearer token for a user (HS256, sub = user id).
func IssueToken(secret []byte, userID string, ttl time.Duration) (string, error) {
	now := time.Now()
	return jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject:   userID,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}).SignedString(secret)
}

// credential is who a request says it is: the user id of a verified bearer
// token (API clients), or the hash of the web app's session cookie.
type credential struct {
	userID      string
	sessionHash []byte
}

// authenticate checks the request's credential and nothing else: a bearer
// token's signature and expiry, or the presence of a session cookie, which
// on a state-changing request must come from our own origin (CSRF). Whether
// the user and the session exist is read by loadCaller, with the request's
// resources, in one statement.
func (s *Server) authenticate(c *gin.Context) error {
	raw, bearer := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !bearer || raw == "" {
		cookie := s.sessionCookieValue(c)
		switch {
		case cookie == "":
			return domain.Errorf(domain.CodeUnauthorized, "entre com e-mail e senha, ou envie o cabeçalho Authorization: Bearer <token>")
		case !isSafeMethod(c.Request.Method) && !sameOrigin(c):
			return errCrossSite
		}
		c.Set(ctxCredential, credential{sessionHash: hashToken(cookie)})
		return nil
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return s.jwtSecret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(), jwt.WithLeeway(30*time.Second))
	if errors.Is(err, jwt.ErrTokenExpired) {
		return domain.Errorf(domain.CodeUnauthorized, "token expirado")
	} else if err != nil {
		return domain.Errorf(domain.CodeUnauthorized, "token inválido")
	}
	c.Set(ctxCredential, credential{userID: claims.Subject})
	return nil
}

// loadCaller reads the authenticated user (role and account from the
// database on every request, never from the credential) together with what
// the request's path names, its channel and the removal it reads, in one
// statement: one round trip authorizes a request.
func (s *Server) loadCaller(c *gin.Context) error {
	cred := c.MustGet(ctxCredential).(credential)
	channelID, removalID := pathChannel(c), s.readRemoval(c)
	var (
		user domain.User
		ch   *domain.Channel
		run  *domain.RemovalRecord
		err  error
	)
	if cred.sessionHash != nil {
		user, ch, run, err = s.store.SessionUserWithRemoval(c.Request.Context(), cred.sessionHash, s.now(), channelID, removalID)
	} else {
		user, ch, run, err = s.store.UserWithRemoval(c.Request.Context(), cred.userID, channelID, removalID)
	}
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound && cred.sessionHash != nil:
		return domain.Errorf(domain.CodeUnauthorized, "sessão expirada; entre de novo")
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return domain.Errorf(domain.CodeUnauthorized, "usuário do token não existe")
	case err != nil:
		return err
	}
	setPathChannel(c, channelID, ch)
	setPathRemoval(c, removalID, run)
	c.Set(ctxUser, user)
	return nil
}

func currentUser(c *gin.Context) domain.User { return c.MustGet(ctxUser).(domain.User) }

func (s *Server) actor(c *gin.Context) domain.Actor {
	return domain.Actor{UserID: currentUser(c).ID, IP: c.ClientIP()}
}

// pathChannel is the channel a request's path names, directly
// (/v1/channels/{id}/…) or through its removal id (/v1/removals/{id}/…);
// "" when it names none or not a well-formed one.
func pathChannel(c *gin.Context) string {
	id := c.Param("id")
	switch {
	case strings.HasPrefix(c.FullPath(), "/v1/channels/:id"):
	case strings.HasPrefix(c.FullPath(), "/v1/removals/:id"):
		id, _ = workflows.ChannelIDOf(id)
	default:
		return ""
	}
	if !validID(id) {
		return ""
	}
	return id
}

// readRemoval is the removal a request reads (GET /v1/removals/{id}), whose
// latest run is then read with the caller, in the same statement; "" for
// every other request. A waiting read starts watching the removal here,
// before that read, so that a change committed after it cannot go untold and
// the read need not be repeated (awaitChange).
func (s *Server) readRemoval(c *gin.Context) string {
	if c.Request.Method != http.MethodGet || c.FullPath() != "/v1/removals/:id" {
		return ""
	}
	id := c.Param("id")
	if s.changes != nil && c.Query("wait") != "" {
		woken, stop := s.changes.Watch(id)
		c.Set(ctxWatch, removalWatch{id: id, woken: woken, stop: stop})
	}
	return id
}

// removalWatch is a waiting read's watch, begun before the caller's read.
type removalWatch struct {
	id    string
	woken <-chan domain.RunAnnouncement
	stop  func()
}

// watchedBefore is the watch on id begun before the caller's read, if any.
func watchedBefore(c *gin.Context, id string) <-chan domain.RunAnnouncement {
	if w, ok := c.Get(ctxWatch); ok && w.(removalWatch).id == id {
		return w.(removalWatch).woken
	}
	return nil
}

func endWatch(c *gin.Context) {
	if w, ok := c.Get(ctxWatch); ok {
		w.(removalWatch).stop()
	}
}

// pathRead is what a request's path names, read with its caller in the same
// statement: v is nil when the caller's account has no such thing (a channel
// of another account, a removal with no run).
type pathRead[T any] struct {
	id string
	v  *T
}

func setPathRead[T any](c *gin.Context, key, id string, v *T) {
	if id != "" {
		c.Set(key, pathRead[T]{id: id, v: v})
	}
}

// getPathRead is what was read with the caller for id; read is false when
// the request read nothing for it.
func getPathRead[T any](c *gin.Context, key, id string) (v *T, read bool) {
	x, ok := c.Get(key)
	if !ok || x.(pathRead[T]).id != id {
		return nil, false
	}
	return x.(pathRead[T]).v, true
}

func setPathChannel(c *gin.Context, id string, ch *domain.Channel) {
	setPathRead(c, ctxPathChannel, id, ch)
}

func setPathRemoval(c *gin.Context, id string, run *domain.RemovalRecord) {
	setPathRead(c, ctxPathRemoval, id, run)
}
