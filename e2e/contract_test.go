package e2e

import (
	"net/http"

	"github.com/crm/channel-removal/internal/devtools/contract"
)

// conforms fails the test when an answer is not what the API's OpenAPI
// document (api/openapi) says it is: every answer the suite receives through
// the stack's HTTP helpers is checked, so the document cannot drift from the
// handlers without a test noticing.
func (s *stack) conforms(req *http.Request, res *http.Response, body []byte) {
	s.t.Helper()
	c, err := contract.Shared()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := c.Check(req, res.StatusCode, res.Header, body); err != nil {
		s.t.Errorf("contract: %v", err)
	}
}
