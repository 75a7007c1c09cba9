package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	"github.com/sendgrid/sendgrid-go"
	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/outbound"
)

// SendGrid sends through the SendGrid v3 Mail Send API with the official client.
type SendGrid struct {
	apiKey  string
	baseURL string
	from    *sgmail.Email
	client  *rest.Client
}

// NewSendGrid builds a sender. baseURL is SENDGRID_BASE_URL; the HTTP client
// has a timeout because the library's default client has none, and a hung
// SendGrid must fail the attempt rather than the whole activity's deadline.
func NewSendGrid(apiKey, baseURL, from string, timeout time.Duration) *SendGrid {
	if baseURL == "" {
		baseURL = "https://api.sendgrid.com"
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &SendGrid{
		apiKey:  apiKey,
		baseURL: strings.TrimRight(baseURL, "/"),
		from:    sgmail.NewEmail("Channel Removal", from),
		client:  &rest.Client{HTTPClient: outbound.Client(timeout)},
	}
}

// Send posts the message. 2xx is sent; 429, 5xx and network errors are
// retryable; any other status is a permanent rejection.
func (s *SendGrid) Send(ctx context.Context, m Message) error {
	msg := sgmail.NewSingleEmail(s.from, m.Subject, sgmail.NewEmail("", m.To), m.Text, m.HTML)
	req := sendgrid.GetRequest(s.apiKey, "/v3/mail/send", s.baseURL)
	req.Method = rest.Post
	req.Body = sgmail.GetRequestBody(msg)
	resp, err := s.client.SendWithContext(ctx, req)
	if err != nil {
		return fmt.Errorf("sendgrid: %w", err) // network or timeout: retry
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("sendgrid: HTTP %d: %s", resp.StatusCode, errorText(resp.Body))
	default:
		return &domain.Error{Code: domain.CodeMailRejected,
			Message: fmt.Sprintf("SendGrid recusou o e-mail (HTTP %d): %s", resp.StatusCode, errorText(resp.Body)),
			Fields:  map[string]any{"http_status": resp.StatusCode}}
	}
}

// errorText extracts SendGrid's error messages; it never echoes the request.
func errorText(body string) string {
	var e struct {
		Errors []struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &e) != nil || len(e.Errors) == 0 {
		if len(body) > 200 {
			body = body[:200]
		}
		return strings.TrimSpace(body)
	}
	parts := make([]string, 0, len(e.Errors))
	for _, x := range e.Errors {
		if x.Field != "" {
			parts = append(parts, x.Field+": "+x.Message)
		} else {
			parts = append(parts, x.Message)
		}
	}
	return strings.Join(parts, "; ")
}
