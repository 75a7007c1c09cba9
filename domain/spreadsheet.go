package domain

import "strings"

// The export's cells are opened by people in spreadsheets, and a Brazilian
// Excel splits CSV on ';', not ','. A cell is safe only if no piece of it
// that a spreadsheet could make a cell of (the text after any ',', ';', line
// feed or carriage return, whichever separator it splits on, with or without
// honouring quotes) starts as a formula. And the export must lose nothing:
// SpreadsheetSafe is reversed exactly by FromSpreadsheetSafe.
//
// The rule (docs/customer-data.md, "The export's cells"):
//
//   - a segment start is the cell's first byte and every byte right after
//     ',', ';', '\n' or '\r';
//   - SpreadsheetSafe puts an apostrophe before the byte at a segment start
//     when that byte is an apostrophe; or when the first byte from there that
//     is not a space is one a spreadsheet runs or unquotes (= + - @ tab CR ");
//     or when it is a line feed right after a carriage return (a CSV reader
//     such as Go's turns CR LF into LF, even inside quotes); and at the end
//     of a cell that ends with a separator (the empty segment there would
//     start with what follows the cell: its closing quote, a line's end);
//   - FromSpreadsheetSafe drops every apostrophe at a segment start.
//
// It is exact: apostrophes go in only at segment starts and are no
// separators, so the segment starts stay where they were, and one that held
// an apostrophe of the text always got another before it.

// segmentEnd reports a byte after which a spreadsheet may start a new cell.
func segmentEnd(b byte) bool { return b == ',' || b == ';' || b == '\n' || b == '\r' }

// formulaLead are the bytes a spreadsheet runs as a formula at a cell's start
// (OWASP, CSV injection), and the quote that would open a quoted cell there.
const formulaLead = "=+-@\t\r\""

// SpreadsheetSafe neutralises s for a spreadsheet (the rule above).
func SpreadsheetSafe(s string) string {
	var b strings.Builder
	marked := false // most cells need nothing, and are returned as they are
	for i := 0; i <= len(s); i++ {
		if (i == 0 || segmentEnd(s[i-1])) && needsMark(s, i) {
			if !marked {
				marked = true
				b.Grow(len(s) + 8)
				b.WriteString(s[:i])
			}
			b.WriteByte('\'')
		}
		if marked && i < len(s) {
			b.WriteByte(s[i])
		}
	}
	if !marked {
		return s
	}
	return b.String()
}

// needsMark says whether the segment starting at i gets an apostrophe.
func needsMark(s string, i int) bool {
	switch {
	case i == len(s):
		return i > 0 // the cell ends with a separator
	case s[i] == '\'':
		return true
	case s[i] == '\n' && i > 0 && s[i-1] == '\r':
		return true
	}
	j := i
	for j < len(s) && s[j] == ' ' {
		j++
	}
	return j < len(s) && strings.IndexByte(formulaLead, s[j]) >= 0
}

// FromSpreadsheetSafe is the text SpreadsheetSafe was given: every apostrophe
// at a segment start dropped. A cell that needed nothing has none, so it
// comes back as it is.
func FromSpreadsheetSafe(s string) string {
	var b strings.Builder
	dropped := false
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' && (i == 0 || segmentEnd(s[i-1])) {
			if !dropped {
				dropped = true
				b.Grow(len(s))
				b.WriteString(s[:i])
			}
			continue
		}
		if dropped {
			b.WriteByte(s[i])
		}
	}
	if !dropped {
		return s
	}
	return b.String()
}
