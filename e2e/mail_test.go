package e2e

import (
	"fmt"
	"strings"

	"github.com/crm/channel-removal/internal/devtools/fakesendgrid"
)

// What the fake SendGrid received: the codes mailed and the admins' notices.

func (s *stack) lastCode() string {
	s.t.Helper()
	mails := s.codeMails()
	if len(mails) == 0 {
		s.t.Fatal("no code mailed")
	}
	return mails[len(mails)-1].Code(s.t)
}

// codeMails are the verification e-mails sent, in order; notices apart.
func (s *stack) codeMails() []fakesendgrid.Mail {
	var codes []fakesendgrid.Mail
	for _, m := range s.sg.Sent() {
		if _, ok := m.CodeIn(); ok {
			codes = append(codes, m)
		}
	}
	return codes
}

// notices are the e-mails that tell the account's admins a channel was
// removed, by recipient.
func (s *stack) notices() map[string]int {
	n := map[string]int{}
	for _, m := range s.sg.Sent() {
		if strings.HasPrefix(m.Subject, "Aviso de segurança:") {
			n[m.To]++
		}
	}
	return n
}

// adminEmail is the stack's admin user's e-mail (the account administrator,
// who receives codes, is dono@loja.test).
func (s *stack) adminEmail() string { return fmt.Sprintf("admin-%s@loja.test", s.account[:8]) }
