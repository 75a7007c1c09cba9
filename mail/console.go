package mail

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// Console prints e-mails instead of sending them: `dev` without SENDGRID_API_KEY.
// It is the one place where a code is shown in clear, on the developer's own terminal.
type Console struct {
	mu  sync.Mutex
	out io.Writer
}

// NewConsole prints to out.
func NewConsole(out io.Writer) *Console { return &Console{out: out} }

// Send prints the message.
func (c *Console) Send(_ context.Context, m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := fmt.Fprintf(c.out, "\n----- e-mail (console mailer) -----\nPara: %s\nAssunto: %s\n\n%s\n-----------------------------------\n\n", m.To, m.Subject, m.Text)
	return err
}
