package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// The customer's data (SPEC §8): the export, and the purge the removal chose.

// tricky are message bodies a CSV must carry whole, and cells a spreadsheet
// would run as formulas.
var tricky = []string{
	`Olá, "cliente"; tudo bem?`,
	"linha 1\nlinha 2\r\nlinha 3",
	"emoji 🎉🇧🇷 e acentuação: ação, coração",
	"=HYPERLINK(\"http://evil.test\",\"clique\")",
	"+5511999999999",
	"-2+3",
	"@SUM(A1:A9)",
	"\t=1+1",
}

// conversationsWith seeds, on ch, n conversations of the stack's contact,
// each with the tricky bodies and one agent's reply, and returns their ids.
func (s *stack) conversationsWith(ch string, n int) []string {
	s.t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		conv := s.must(s.b.Conversation("", s.account, ch, s.contact, "closed"))
		for _, body := range tricky {
			s.must(s.b.Message(conv, "", body))
		}
		s.must(s.b.Message(conv, s.admin, fmt.Sprintf("resposta %d, com vírgula", i)))
		ids = append(ids, conv)
	}
	return ids
}

// export downloads the channel's export and returns its two CSVs, parsed.
func (s *stack) export(ch, token string) (conversations, messages [][]string, header http.Header) {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.http.URL+"/v1/channels/"+ch+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" {
		s.t.Fatalf("export: %d %s: %.300s", res.StatusCode, res.Header.Get("Content-Type"), raw)
	}
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		s.t.Fatalf("export is not a zip: %v", err)
	}
	files := map[string][][]string{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			s.t.Fatal(err)
		}
		rows, err := csv.NewReader(rc).ReadAll()
		rc.Close()
		if err != nil {
			s.t.Fatalf("%s does not parse as CSV: %v", f.Name, err)
		}
		files[f.Name] = rows
	}
	if len(files) != 2 || files["conversations.csv"] == nil || files["messages.csv"] == nil {
		s.t.Fatalf("export holds %v, want conversations.csv and messages.csv", keys(files))
	}
	return files["conversations.csv"], files["messages.csv"], res.Header
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestTheExportHoldsEveryConversationAndMessage: the zip's CSVs parse with a
// CSV reader and hold every conversation and every message, bodies whole
// (quotes, commas, newlines, emoji; formulas neutralised, reversibly); the export is
// audited with its counts, before and after the removal; agents and other
// accounts get none.
func TestTheExportHoldsEveryConversationAndMessage(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "page-export")
	convs := s.conversationsWith(ch, 3)
	other := s.channel("messenger", "", "page-other")
	s.conversationsWith(other, 1)

	cs, ms, header := s.export(ch, s.adminToken)
	if !strings.HasPrefix(header.Get("Content-Disposition"), `attachment; filename="conversas-`+ch) {
		t.Fatalf("Content-Disposition %q", header.Get("Content-Disposition"))
	}
	if strings.Join(cs[0], ",") != strings.Join(domain.ConversationsHeader, ",") || strings.Join(ms[0], ",") != strings.Join(domain.MessagesHeader, ",") {
		t.Fatalf("headers %v / %v", cs[0], ms[0])
	}
	if len(cs) != 1+len(convs) || len(ms) != 1+len(convs)*(len(tricky)+1) {
		t.Fatalf("export has %d conversations and %d messages, want %d and %d", len(cs)-1, len(ms)-1, len(convs), len(convs)*(len(tricky)+1))
	}
	bodies := map[string]int{}
	for _, m := range ms[1:] {
		if !contains(convs, m[0]) {
			t.Fatalf("a message of another conversation: %v", m)
		}
		bodies[m[5]]++
	}
	for _, body := range tricky { // each body back byte for byte, through the documented reversal
		if n := bodies[domain.SpreadsheetSafe(body)]; n != len(convs) || domain.FromSpreadsheetSafe(domain.SpreadsheetSafe(body)) != body {
			t.Errorf("body %q: exported %d times, want %d (bodies: %v)", body, n, len(convs), bodies)
		}
	}
	for _, m := range ms[1:] {
		if c := m[5][0]; strings.ContainsRune("=+-@\t\r", rune(c)) {
			t.Fatalf("a cell a spreadsheet would run: %q", m[5])
		}
	}
	s.want(s.do("GET", "/v1/channels/"+ch+"/export", s.agentToken, nil), 403, "forbidden")
	outsider := s.must(s.b.Account("", "Outra", "x@outra.test"))
	outAdmin := s.must(s.b.User("", outsider, "admin@outra.test", "Outro", "admin"))
	s.want(s.do("GET", "/v1/channels/"+ch+"/export", s.token(outAdmin, time.Hour), nil), 404, "not_found")

	// After the removal too: the history is the customer's.
	s.removeChoosing(ch, 0)
	cs2, ms2, _ := s.export(ch, s.adminToken)
	if len(cs2) != len(cs) || len(ms2) != len(ms) {
		t.Fatalf("after the removal the export has %d/%d rows, before %d/%d", len(cs2), len(ms2), len(cs), len(ms))
	}
	audit := s.auditActions(workflows.WorkflowID(ch))
	if n := strings.Count(audit, `"conversations_exported"`); n != 2 {
		t.Fatalf("%d conversations_exported records, want 2: %s", n, audit)
	}
	if !strings.Contains(audit, fmt.Sprintf(`"messages":%d`, len(convs)*(len(tricky)+1))) || !strings.Contains(audit, `"conversations":3`) {
		t.Fatalf("the export's record lacks its counts: %s", audit)
	}
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
