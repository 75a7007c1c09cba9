package api

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// The bounds of one export's stream (SPEC §8, issue 41): an export holds a
// place of its process, one of its account's and a Postgres snapshot for as
// long as it streams, so a client must read at a pace that frees them.

// ExportPace is the slowest an export may be read: after Grace, its bytes
// must average at least MinRate a second since it began. A client that reads
// one chunk every 50 s is cut within a minute or so, not after hours; a large
// export read at any usable speed is never cut.
type ExportPace struct {
	MinRate int64 // bytes a second; 0 is DefaultExportPace's
	Grace   time.Duration
	// Max bounds the whole export, however fast it is read: its snapshot
	// holds back vacuum for every tenant while it lasts (0: none).
	Max time.Duration
}

// DefaultExportPace: 16 KiB/s (128 kbit/s, below any usable link) after a
// minute, and an hour at most.
var DefaultExportPace = ExportPace{MinRate: 16 << 10, Grace: time.Minute, Max: time.Hour}

// DefaultExportsPerAccount bounds one account's exports streaming at once,
// across every API process: one account cannot take every process's places.
const DefaultExportsPerAccount = 2

// exportStall is the longest one write may wait on the client.
const exportStall = time.Minute

var (
	errExportTooSlow = errors.New("the client reads the export slower than its minimum pace")
	errExportTooLong = errors.New("the export has streamed for as long as one may")
)

// paceGuard sets the connection's write deadline before each chunk: the
// sooner of exportStall from now and the moment the export would fall below
// its pace with this chunk written. The deadline passes, the write fails and
// the export is cut, which ends its transaction and frees its places.
type paceGuard struct {
	w       io.Writer
	rc      *http.ResponseController
	pace    ExportPace
	start   time.Time
	written int64
}

func (g *paceGuard) Write(p []byte) (int, error) {
	now := time.Now()
	deadline := now.Add(exportStall)
	if g.pace.Max > 0 {
		end := g.start.Add(g.pace.Max)
		if !end.After(now) {
			return 0, errExportTooLong
		}
		if end.Before(deadline) {
			deadline = end
		}
	}
	if g.pace.MinRate > 0 {
		due := g.start.Add(g.pace.Grace + time.Duration(float64(g.written+int64(len(p)))/float64(g.pace.MinRate)*float64(time.Second)))
		if !due.After(now) {
			return 0, errExportTooSlow
		}
		if due.Before(deadline) {
			deadline = due
		}
	}
	_ = g.rc.SetWriteDeadline(deadline)
	n, err := g.w.Write(p)
	g.written += int64(n)
	return n, err
}
