package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// The export opens inert in a spreadsheet splitting on ',' or ';' (a
// Brazilian Excel splits on ';') and loses nothing: each body comes back
// byte for byte from Go's and Python's CSV readers, through
// domain.FromSpreadsheetSafe (and as it is when it needed nothing).

var hostileBodies = []string{
	"oi;=1+1", "x;=cmd|' /C calc'!A0", "duas\nlinhas", "linha 1\nlinha 2\r\nlinha 3", "=1+1", "+5511999999999",
	"-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1", "a,=1", "a, =1", "a;\"=1+1", "a,\r\n-1", "'já com apóstrofo", "fim;",
	`Olá, "cliente"; tudo bem? d'água`, "emoji 🎉🇧🇷 e acentuação", "=HYPERLINK(\"http://evil.test\",\"clique\")", "a\r\rb",
}

// exportFiles downloads the channel's export and returns its files' bytes.
func exportFiles(t *testing.T, srvURL, channel, token string) map[string][]byte {
	t.Helper()
	req, _ := http.NewRequest("GET", srvURL+"/v1/channels/"+channel+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("export: %d %s", res.StatusCode, raw)
	}
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return files
}

// TestTheExportIsInertInASpreadsheetAndExact: hostile bodies, a hostile
// contact name and handle; every line of both files split naively on ';',
// on ',', on CR and on LF has no piece that starts as a formula; Go's
// encoding/csv and Python's csv module read back every body and the contact
// byte for byte.
func TestTheExportIsInertInASpreadsheetAndExact(t *testing.T) {
	_, db := testdb.New(t)
	b := seed.Builder{DB: db}
	a := newTenant(t, b, "loja")
	contact, err := b.Contact("", a.account, "=cmd|' /C calc'!A0;-x", "+55 11 99999-9999")
	if err != nil {
		t.Fatal(err)
	}
	conv, err := b.Conversation("", a.account, a.channel, contact, "closed")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // message id → body
	for _, body := range hostileBodies {
		id, err := b.Message(conv, "", body)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = body
	}
	srv := auditAPI(t, postgres.New(db))
	files := exportFiles(t, srv.URL, a.channel, a.token)

	for name, raw := range files {
		for _, sep := range []string{";", ",", "\r", "\n"} {
			for _, piece := range strings.FieldsFunc(string(raw), func(r rune) bool { return strings.ContainsRune(sep+"\n", r) }) {
				if p := strings.TrimLeft(piece, ` "`); p != "" && strings.ContainsRune("=+-@\t\r", rune(p[0])) {
					t.Errorf("%s split on %q: the piece %q starts as a formula", name, sep, piece)
				}
			}
		}
	}

	// Go's reader.
	rows, err := csv.NewReader(bytes.NewReader(files["messages.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		if r[0] != conv {
			continue // newTenant's own message
		}
		got[r[1]] = domain.FromSpreadsheetSafe(r[5])
		if body := want[r[1]]; domain.SpreadsheetSafe(body) == body && r[5] != body {
			t.Errorf("%q needed nothing and came back as %q", body, r[5])
		}
	}
	sameBodies(t, "Go's encoding/csv", want, got)
	convs, err := csv.NewReader(bytes.NewReader(files["conversations.csv"])).ReadAll()
	if err != nil || len(convs) != 3 {
		t.Fatalf("conversations.csv: %d rows, %v", len(convs), err)
	}
	for _, r := range convs[1:] {
		if r[0] == conv && (domain.FromSpreadsheetSafe(r[1]) != "=cmd|' /C calc'!A0;-x" || domain.FromSpreadsheetSafe(r[2]) != "+55 11 99999-9999") {
			t.Errorf("contact %q %q", r[1], r[2])
		}
	}

	// Python's csv module, with the reversal written from the rule in docs/customer-data.md.
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	path := filepath.Join(t.TempDir(), "messages.csv")
	if err := os.WriteFile(path, files["messages.csv"], 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", `
import csv, json, sys
def back(v):
    return "".join(c for i, c in enumerate(v) if not (c == "'" and (i == 0 or v[i-1] in ",;\n\r")))
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
print(json.dumps({r[1]: back(r[5]) for r in rows[1:] if r[0] == sys.argv[2]}))
`, path, conv).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	got = map[string]string{}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	sameBodies(t, "Python's csv", want, got)
}

func sameBodies(t *testing.T, reader string, want, got map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s read %d bodies, want %d", reader, len(got), len(want))
	}
	for id, body := range want {
		if got[id] != body {
			t.Errorf("%s: %q came back as %q", reader, body, got[id])
		}
	}
}
