// Package contract checks answers against the API's OpenAPI document
// (api/openapi), for tests: the e2e stack's HTTP helper passes every answer
// through it, so a handler that answers what the document does not say fails
// the test that got the answer.
//
// It uses pb33f/libopenapi-validator: it was written for OpenAPI 3.1 (JSON
// Schema 2020-12: type arrays with "null", const, examples), which the
// document uses throughout, where kin-openapi's 3.1 support is only now
// arriving; and it validates an http.Response as it came off the wire
// (status, headers, body by media type) with no router to build.
package contract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/crm/channel-removal/api/openapi"
)

// Checker validates answers against the document.
type Checker struct {
	mu sync.Mutex // the validator's caches are not documented as safe for concurrent use
	v  validator.Validator
}

var shared = sync.OnceValues(New)

// Shared is one Checker for a test binary (the document is parsed once).
func Shared() (*Checker, error) { return shared() }

// New parses the document and checks that it is valid OpenAPI 3.1.
func New() (*Checker, error) {
	raw, err := openapi.JSON()
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("contract: %w", errors.Join(errs...))
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("contract: the document is not valid OpenAPI: %w", joinValidation(verrs))
	}
	return &Checker{v: v}, nil
}

// Check says how the answer (status, headers, body) to req departs from the
// document; nil when it does not. A route the document does not know is
// fine only when the answer is the 404 or 405 problem of an unknown route.
func (c *Checker) Check(req *http.Request, status int, header http.Header, body []byte) error {
	res := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	// The request's body was sent already; the validator reads only the answer.
	r := req.Clone(req.Context())
	r.Body = http.NoBody
	c.mu.Lock()
	defer c.mu.Unlock()
	ok, errs := c.v.ValidateHttpResponse(r, res)
	if ok {
		return nil
	}
	if (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) &&
		header.Get("Content-Type") == "application/problem+json" && unknownRoute(errs) {
		return nil
	}
	return fmt.Errorf("%s %s answered %d, not as api/openapi says: %w", req.Method, req.URL.Path, status, joinValidation(errs))
}

func unknownRoute(errs []*verrors.ValidationError) bool {
	for _, e := range errs {
		if !e.IsPathMissingError() && !e.IsOperationMissingError() {
			return false
		}
	}
	return len(errs) > 0
}

func joinValidation(errs []*verrors.ValidationError) error {
	var all []error
	for _, e := range errs {
		all = append(all, e)
	}
	return errors.Join(all...)
}
