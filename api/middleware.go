package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
)

const (
	ctxRequestID   = "request_id"
	ctxCredential  = "credential"
	ctxUser        = "user"
	ctxPathChannel = "path_channel"
	ctxPathRemoval = "path_removal"
	ctxWatch       = "removal_watch"
	maxBody        = 64 << 10
)

// requestID takes a sane X-Request-Id from the caller or makes one.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(ctxRequestID, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// endWatches ends the request's waiting-read watch, if loadCaller began one.
func endWatches() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		endWatch(c)
	}
}

// accessLog logs one line per request: route pattern (not the raw path),
// status, latency, user. Never bodies, headers or query strings.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		attrs := []any{"request_id", c.GetString(ctxRequestID), "method", c.Request.Method, "route", route,
			"status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds(), "ip", c.ClientIP()}
		if u, ok := c.Get(ctxUser); ok {
			attrs = append(attrs, "user_id", u.(domain.User).ID)
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		log.Log(c.Request.Context(), level, "http request", attrs...)
	}
}

// limitBody refuses bodies over 64 KiB: at once when Content-Length says so,
// and while reading otherwise (the JSON decoder then reports it as 413).
func limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > maxBody {
			writeProblem(c, errTooLarge)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
		c.Next()
	}
}

func recoverer(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in handler", "request_id", c.GetString(ctxRequestID), "panic", r)
				writeProblem(c, domain.Errorf(domain.CodeInternal, "erro inesperado; tente novamente"))
			}
		}()
		c.Next()
	}
}
