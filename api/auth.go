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

// authenticate loads the user from a bearer token (API clients) or the web
// app's session cookie: role and account come from the database on every
// request, never from the credential. A state-changing request authenticated
// by the cookie must come from our own origin (CSRF).
func (s *Server) authenticate(c *gin.Context) {
	defer endWatch(c)
	raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || raw == "" {
		user, found, err := s.sessionUser(c.Request.Context(), c)
		switch {
		case !found:
			fail(c, domain.Errorf(domain.CodeUnauthorized, "entre com e-mail e senha, ou envie o cabeçalho Authorization: Bearer <token>"))
		case err != nil:
			fail(c, err)
		case !isSafeMethod(c.Request.Method) && !sameOrigin(c):
			fail(c, errCrossSite)
		default:
			c.Set(ctxUser, user)
			c.Next()
		}
		return
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return s.jwtSecret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithExpirationRequired(), jwt.WithLeeway(30*time.Second))
	if err != nil {
		msg := "token inválido"
		if errors.Is(err, jwt.ErrTokenExpired) {
			msg = "token expirado"
		}
		fail(c, domain.Errorf(domain.CodeUnauthorized, "%s", msg))
		return
	}
	channelID := pathChannel(c)
	removalID := s.readRemoval(c)
	user, ch, run, err := s.store.UserWithRemoval(c.Request.Context(), claims.Subject, channelID, removalID)
	setPathRemoval(c, removalID, run)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			err = domain.Errorf(domain.CodeUnauthorized, "usuário do token não existe")
		}
		fail(c, err)
		return
	}
	setPathChannel(c, channelID, ch)
	c.Set(ctxUser, user)
	c.Next()
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
