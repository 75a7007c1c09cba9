// Package mail delivers e-mail: through SendGrid in production, to the console in dev.
package mail

import "context"

// Message is one e-mail.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers messages. A *domain.Error with CodeMailRejected means a retry
// cannot help; any other error is worth retrying.
type Sender interface {
	Send(ctx context.Context, m Message) error
}
