package api

import (
	"errors"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/crm/channel-removal/domain"
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
	user, err := s.store.UserByID(c.Request.Context(), claims.Subject)
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			err = domain.Errorf(domain.CodeUnauthorized, "usuário do token não existe")
		}
		fail(c, err)
		return
	}
	c.Set(ctxUser, user)
	c.Next()
}

func currentUser(c *gin.Context) domain.User { return c.MustGet(ctxUser).(domain.User) }

func (s *Server) actor(c *gin.Context) domain.Actor {
	return domain.Actor{UserID: currentUser(c).ID, IP: c.ClientIP()}
}
