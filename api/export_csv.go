package api

import "io"

// csvFile writes an export's CSV: RFC 4180 records ending in CR LF, every
// field quoted, a field's bytes written as they are but for its doubled
// quotes. encoding/csv does not do: it quotes only the fields that need it,
// and with UseCRLF it turns a field's LF into CR LF and drops a lone CR, so a
// body did not come back from a CSV reader as it was written. The fields are
// domain.SpreadsheetSafe already, so no CR LF is left inside one for a reader
// to turn into LF (Go's does, even within quotes).
type csvFile struct {
	w   io.Writer
	buf []byte // one record, written at once
}

func (f *csvFile) Write(record []string) error {
	f.buf = f.buf[:0]
	for i, field := range record {
		if i > 0 {
			f.buf = append(f.buf, ',')
		}
		f.buf = append(f.buf, '"')
		for j := 0; j < len(field); j++ {
			if field[j] == '"' {
				f.buf = append(f.buf, '"')
			}
			f.buf = append(f.buf, field[j])
		}
		f.buf = append(f.buf, '"')
	}
	f.buf = append(f.buf, '\r', '\n')
	_, err := f.w.Write(f.buf)
	return err
}
