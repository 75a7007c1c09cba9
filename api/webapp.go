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
func serveWebApp(c *gin.Context) error {
	securityHeaders(c)
	c.Header("Cache-Control", "no-cache")
	c.FileFromFS("/", http.FS(webFiles))
	return nil
}

func serveAsset(c *gin.Context) error {
	name := path.Clean("assets/" + strings.TrimPrefix(c.Param("file"), "/"))
	if st, err := fs.Stat(webFiles, name); !strings.HasPrefix(name, "assets/") || err != nil || st.IsDir() {
		return domain.Errorf(domain.CodeNotFound, "arquivo não encontrado")
	}
	securityHeaders(c)
	c.Header("Cache-Control", "no-cache")
	c.FileFromFS(name, http.FS(webFiles))
	return nil
}
