package e2e

import (
	"strings"
	"testing"
)

// TestEveryAdminIsToldOfAnExport: a bulk copy of the customers' data is what
// a stolen admin session would take, so every admin of the account hears of
// each export once, with who made it and from which IP, through the
// security notice workflow the API starts.
func TestEveryAdminIsToldOfAnExport(t *testing.T) {
	s := newStack(t)
	s.start(true)
	s.must(s.b.User("", s.account, "segunda@loja.test", "Segunda Admin", "admin"))
	ch := s.channel("messenger", "", "page-told")
	s.conversationsWith(ch, 1)
	s.export(ch, s.adminToken)
	s.export(ch, s.adminToken)
	told := func() map[string]int {
		n := map[string]int{}
		for _, m := range s.sg.Sent() {
			if strings.Contains(m.Subject, "foram exportadas") {
				n[m.To]++
				if !strings.Contains(m.Text, "Quem exportou:") || !strings.Contains(m.Text, "De qual IP: 127.0.0.1") {
					t.Fatalf("the notice does not say who and from where:\n%s", m.Text)
				}
			}
		}
		return n
	}
	s.eventually(func() bool { n := told(); return len(n) == 2 && n["segunda@loja.test"] == 2 })
	for to, n := range told() {
		if n != 2 {
			t.Fatalf("%s was told of 2 exports %d times", to, n)
		}
	}
	s.eventually(func() bool { return strings.Count(s.auditActions("remove-channel:"+ch), `"export_notified"`) == 4 })
}
