package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/api/openapi"
)

// serveOpenAPI answers the API's contract (SPEC §9): the document of
// api/openapi, the same bytes the tests check the handlers against.
func serveOpenAPI(c *gin.Context) error {
	doc, err := openapi.JSON()
	if err != nil {
		return err // a broken embedded document: its tests fail first
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json", doc)
	return nil
}
