// Package metagraph is our client of the Meta Graph API, limited to what a
// channel removal needs: unsubscribing our app from a WABA or a Page.
package metagraph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crm/channel-removal/internal/outbound"
)

// Client calls the Graph API with a channel's token.
type Client struct {
	baseURL string
	version string
	http    *http.Client
}

// New builds a client; baseURL is META_GRAPH_BASE_URL, version META_GRAPH_VERSION.
func New(baseURL, version string, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	return &Client{baseURL: strings.TrimRight(baseURL, "/"), version: version, http: outbound.Client(timeout)}
}

// Error is a failed Graph call, classified per SPEC §1.6.
type Error struct {
	HTTPStatus int
	Code       int
	Subcode    int
	Type       string
	Message    string
	Transient  bool
	// RetryAfter is how long Meta said to wait before the next call (the
	// usage header's estimated_time_to_regain_access, or a rate limit's
	// default), at most MaxRetryAfter; zero when it said nothing.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	kind := "permanent"
	if e.Transient {
		kind = "transient"
	}
	if e.Code == 0 {
		return fmt.Sprintf("graph API %s failure: HTTP %d: %s", kind, e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("graph API %s failure: HTTP %d, code %d (subcode %d): %s", kind, e.HTTPStatus, e.Code, e.Subcode, e.Message)
}

// Outcome of an unsubscribe that did not fail.
type Outcome string

const (
	Unsubscribed        Outcome = "unsubscribed"
	AlreadyGone         Outcome = "already_gone" // Graph code 100: nothing left to unlink
	Deregistered        Outcome = "deregistered"
	AlreadyDeregistered Outcome = "already_deregistered" // code 133010: the number is not registered
	Revoked             Outcome = "revoked"              // the WABA's share of our credit line
	AlreadyRevoked      Outcome = "already_revoked"      // the allocation reads request_status DELETED
)

// Meta's codes for a number's registration.
const (
	CodeNumberNotRegistered = 133010 // deregistering it again: already done
	CodeNumberRateLimited   = 133016 // over 10 register/deregister attempts in 72 h
)

// UnsubscribeApp calls DELETE /{version}/{objectID}/subscribed_apps, for a WABA
// or a Page alike. It never deregisters a phone number.
func (c *Client) UnsubscribeApp(ctx context.Context, objectID, token string) (Outcome, error) {
	u := fmt.Sprintf("%s/%s/%s/subscribed_apps", c.baseURL, c.version, url.PathEscape(objectID))
	e, err := c.call(ctx, http.MethodDelete, u, token, nil, nil)
	switch {
	case err != nil:
		return "", err
	case e == nil:
		return Unsubscribed, nil
	case e.Code == 100:
		return AlreadyGone, nil
	}
	return "", e
}

// DeregisterNumber calls POST /{version}/{phone-number-id}/deregister, which
// frees the number for another provider. Only ever on the admin's explicit
// request (SPEC §1.6, §7). A number that is not registered any more counts
// as deregistered; 133016 (Meta's limit on attempts) is permanent for now.
func (c *Client) DeregisterNumber(ctx context.Context, phoneNumberID, token string) (Outcome, error) {
	u := fmt.Sprintf("%s/%s/%s/deregister", c.baseURL, c.version, url.PathEscape(phoneNumberID))
	e, err := c.call(ctx, http.MethodPost, u, token, nil, nil)
	switch {
	case err != nil:
		return "", err
	case e == nil:
		return Deregistered, nil
	case e.Code == CodeNumberNotRegistered:
		return AlreadyDeregistered, nil
	}
	return "", e
}

// NumberOverride reads the callback override set on a phone number
// (GET /{version}/{phone-number-id}?fields=webhook_configuration): the URI
// Meta sends the number's webhooks to first, "" when there is none.
func (c *Client) NumberOverride(ctx context.Context, phoneNumberID, token string) (string, error) {
	u := fmt.Sprintf("%s/%s/%s?fields=webhook_configuration", c.baseURL, c.version, url.PathEscape(phoneNumberID))
	var got struct {
		Config struct {
			PhoneNumber string `json:"phone_number"`
		} `json:"webhook_configuration"`
	}
	e, err := c.call(ctx, http.MethodGet, u, token, nil, &got)
	switch {
	case err != nil:
		return "", err
	case e != nil:
		return "", e
	}
	return got.Config.PhoneNumber, nil
}

// ClearNumberOverride removes the phone number's callback override
// (POST /{version}/{phone-number-id} with an empty override_callback_uri):
// its webhooks fall back to the WABA's override, then the app's callback.
func (c *Client) ClearNumberOverride(ctx context.Context, phoneNumberID, token string) error {
	u := fmt.Sprintf("%s/%s/%s", c.baseURL, c.version, url.PathEscape(phoneNumberID))
	body := []byte(`{"webhook_configuration":{"override_callback_uri":""}}`)
	e, err := c.call(ctx, http.MethodPost, u, token, body, nil)
	if err != nil {
		return err
	}
	if e != nil {
		return e
	}
	return nil
}

// call makes one Graph call, with body (JSON) when given, and decodes a
// success's answer into out when given: a nil *Error is success, a returned
// error is the network's (transient).
func (c *Client) call(ctx context.Context, method, u, token string, body []byte, out any) (*Error, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, &Error{Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// Network trouble and timeouts are transient; the URL (not the token) is safe to show.
		var ne net.Error
		msg := err.Error()
		if errors.As(err, &ne) && ne.Timeout() {
			msg = "timeout: " + msg
		}
		return nil, &Error{Message: msg, Transient: true}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out != nil && json.Unmarshal(answer, out) != nil {
			return &Error{HTTPStatus: resp.StatusCode, Message: "resposta da Meta ilegível: " + clean(string(answer), 200), Transient: true}, nil
		}
		return nil, nil
	}
	e := parseError(resp.StatusCode, answer)
	if e.Transient {
		e.RetryAfter = retryAfter(resp.Header.Get(UsageHeader), e.Code, resp.StatusCode)
	}
	return e, nil
}

// UsageHeader is where Meta reports a business's use of its rate limits,
// with, once one is hit, how long until calls work again.
const UsageHeader = "X-Business-Use-Case-Usage"

// MaxRetryAfter bounds the wait Meta may ask for: past it the removal waits
// for ops rather than sleeping for hours on one number.
const MaxRetryAfter = time.Hour

// RateLimitWait is the wait after a rate-limit error that names no time.
const RateLimitWait = 5 * time.Minute

// retryAfter reads how long Meta asked to wait: the longest
// estimated_time_to_regain_access (minutes) in the usage header, else, for
// a rate-limit error (codes 4, 17, 32, 613, 80001–80014, 130429; HTTP 429),
// RateLimitWait; bounded by MaxRetryAfter.
func retryAfter(usage string, code, status int) time.Duration {
	var wait time.Duration
	var buc map[string][]struct {
		Minutes float64 `json:"estimated_time_to_regain_access"`
	}
	if usage != "" && json.Unmarshal([]byte(usage), &buc) == nil {
		for _, uses := range buc {
			for _, u := range uses {
				if d := time.Duration(u.Minutes * float64(time.Minute)); d > wait {
					wait = d
				}
			}
		}
	}
	if wait == 0 && rateLimited(code, status) {
		wait = RateLimitWait
	}
	return min(wait, MaxRetryAfter)
}

func rateLimited(code, status int) bool {
	return code == 4 || code == 17 || code == 32 || code == 613 || code >= 80001 && code <= 80014 || code == 130429 ||
		status == http.StatusTooManyRequests
}

func parseError(status int, body []byte) *Error {
	var env struct {
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    int    `json:"code"`
			Subcode int    `json:"error_subcode"`
		} `json:"error"`
	}
	e := &Error{HTTPStatus: status}
	if json.Unmarshal(body, &env) == nil && (env.Error.Code != 0 || env.Error.Message != "") {
		e.Code, e.Subcode, e.Type, e.Message = env.Error.Code, env.Error.Subcode, clean(env.Error.Type, 100), clean(env.Error.Message, 500)
	} else {
		e.Message = clean(string(body), 200)
	}
	e.Transient = transient(status, e.Code)
	return e
}

// clean makes text from Meta safe to store and show: valid UTF-8, no NUL or
// other control characters (Postgres refuses NUL), at most max characters.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == 0 || (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > max {
		s = string(r[:max])
	}
	return s
}

// transient says whether a retry may succeed (SPEC §1.6).
func transient(status, code int) bool {
	switch {
	case code == 190, code == 10, code >= 200 && code <= 299, code == 100, code == CodeNumberRateLimited:
		return false
	case code == 1, code == 2, code == 4, code == 17, code == 32, code == 341, code == 613,
		code >= 80001 && code <= 80014, code == 130429:
		return true
	}
	return status == http.StatusTooManyRequests || status >= 500
}
