package domain_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/crm/channel-removal/domain"
)

// quoted is safe as the export's CSV holds it: quoted, at a record's end.
func quoted(safe string) string { return `"` + strings.ReplaceAll(safe, `"`, `""`) + "\"\r\n" }

// liveSegment finds a piece of cell that a spreadsheet splitting on ',' or
// ';', or a line reader splitting on LF or CR, would start a cell with, and
// that starts (after spaces and the quotes a CSV parser drops) as a formula.
func liveSegment(cell string) (string, bool) {
	for i := 0; i < len(cell); i++ {
		if i > 0 && !strings.ContainsRune(",;\n\r", rune(cell[i-1])) {
			continue
		}
		seg := cell[i:]
		if end := strings.IndexAny(seg, ",;\n\r"); end > 0 {
			seg = seg[:end]
		}
		trimmed := strings.TrimLeft(seg, ` "`)
		if trimmed != "" && strings.ContainsRune("=+-@\t\r", rune(trimmed[0])) {
			return seg, true
		}
	}
	return "", false
}

var spreadsheetCases = []string{
	"", "oi", "oi;=1+1", "x;=cmd|' /C calc'!A0", "duas\nlinhas", "linha 1\nlinha 2\r\nlinha 3",
	"=HYPERLINK(\"http://evil.test\",\"clique\")", "+5511999999999", "-2+3", "@SUM(A1:A9)", "\t=1+1",
	"'já com apóstrofo", "a;'b", "a, =1", "a;\"=1+1", "\r\n=1", "a\r\rb", "''", "';'", "Olá, tudo bem? d'água",
	"fim;", "fim\r", "\n", "\r", ";", ",@", " ", "a,\n-1",
}

// TestSpreadsheetSafeCellsAreInertAndExact: no piece of a neutralised cell
// starts as a formula, and the reversal gives every byte back; a cell that
// needs nothing is left as it is.
func TestSpreadsheetSafeCellsAreInertAndExact(t *testing.T) {
	check := func(s string) {
		t.Helper()
		safe := domain.SpreadsheetSafe(s)
		if seg, live := liveSegment(quoted(safe)); live {
			t.Fatalf("%q → %q: segment %q is a formula", s, safe, seg)
		}
		if strings.Contains(safe, "\r\n") {
			t.Fatalf("%q → %q keeps CR LF, which a CSV reader turns into LF", s, safe)
		}
		if back := domain.FromSpreadsheetSafe(safe); back != s {
			t.Fatalf("%q → %q → %q", s, safe, back)
		}
	}
	for _, s := range spreadsheetCases {
		check(s)
	}
	for _, s := range []string{"oi", "duas\nlinhas", "Olá, tudo bem? d'água", "2024-01-02T03:04:05Z"} {
		if got := domain.SpreadsheetSafe(s); got != s {
			t.Fatalf("%q needs nothing, got %q", s, got)
		}
	}
	// In a loop: random texts of the bytes that matter.
	const alphabet = "=+-@\t\r\n\"';, aZ"
	r := rand.New(rand.NewPCG(41, 3))
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
}

func FuzzSpreadsheetSafe(f *testing.F) {
	for _, s := range spreadsheetCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		safe := domain.SpreadsheetSafe(s)
		if seg, live := liveSegment(quoted(safe)); live {
			t.Fatalf("%q → %q: segment %q is a formula", s, safe, seg)
		}
		if domain.FromSpreadsheetSafe(safe) != s {
			t.Fatalf("%q does not come back", s)
		}
	})
}
