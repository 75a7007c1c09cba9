package api

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/webapp"
)

// contentSecurityPolicy allows nothing but our own origin: scripts and styles
// only from /assets (no inline code), requests only to /v1, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var webFiles = webapp.Files()

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

// serveWebApp serves the single page; screens are routed in the browser (#/...).
func serveWebApp(c *gin.Context) {
	securityHeaders(c)
	c.Header("Cache-Control", "no-cache")
	c.FileFromFS("/", http.FS(webFiles))
}

func serveAsset(c *gin.Context) {
	name := path.Clean("assets/" + strings.TrimPrefix(c.Param("file"), "/"))
	if !strings.HasPrefix(name, "assets/") {
		fail(c, domain.Errorf(domain.CodeNotFound, "arquivo não encontrado"))
		return
	}
	if st, err := fs.Stat(webFiles, name); err != nil || st.IsDir() {
		fail(c, domain.Errorf(domain.CodeNotFound, "arquivo não encontrado"))
		return
	}
	securityHeaders(c)
	c.Header("Cache-Control", "no-cache")
	c.FileFromFS(name, http.FS(webFiles))
}
