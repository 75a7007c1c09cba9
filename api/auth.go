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

// authenticate checks the bearer token and loads the user: role and account
// come from the database on every request, never from the token.
func (s *Server) authenticate(c *gin.Context) {
	raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || raw == "" {
		fail(c, domain.Errorf(domain.CodeUnauthorized, "envie o cabeçalho Authorization: Bearer <token>"))
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
