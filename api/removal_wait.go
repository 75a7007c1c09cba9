package api

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/crm/channel-removal/domain"
)

// A waiting read, GET /v1/removals/{id}?status=S&wait=N, answers as soon as
// the removal's latest run is no longer in status S, or after N seconds with
// the document as it is. The web app's progress screen waits this way: it
// shows each step the moment the step is written (Canal removido, the Meta
// outcome) with one open request, instead of a read every second.
type waitingRead struct {
	status domain.Status
	wait   time.Duration // zero: answer at once
}

// maxReadWait bounds a waiting read, well inside the server's write timeout
// and the idle timeouts of the proxies in front of it.
const maxReadWait = 30 * time.Second

// rereadEvery is how often a waiting read looks again when nothing announces
// changes (Config.Changes nil).
const rereadEvery = time.Second

type stoppingKey struct{}

// EndWaitsOn makes the waiting reads of requests under ctx answer at once
// when stopping closes: a server that shuts down gracefully (http.Server's
// BaseContext) would otherwise wait for them, up to maxReadWait each.
func EndWaitsOn(ctx context.Context, stopping <-chan struct{}) context.Context {
	return context.WithValue(ctx, stoppingKey{}, stopping)
}

func parseWaitingRead(q url.Values) (waitingRead, error) {
	status, wait := q.Get("status"), q.Get("wait")
	if status == "" && wait == "" {
		return waitingRead{}, nil
	}
	if status == "" || wait == "" {
		return waitingRead{}, domain.Errorf(domain.CodeInvalid, "os parâmetros status e wait vão juntos")
	}
	if !domain.Status(status).Known() {
		return waitingRead{}, domain.Errorf(domain.CodeInvalid, "status %q desconhecido", status)
	}
	n, err := strconv.Atoi(wait)
	if err != nil || n < 1 || time.Duration(n)*time.Second > maxReadWait {
		return waitingRead{}, domain.Errorf(domain.CodeInvalid, "wait deve ser um número de segundos de 1 a %d", int(maxReadWait/time.Second))
	}
	return waitingRead{status: domain.Status(status), wait: time.Duration(n) * time.Second}, nil
}

// awaitChange returns rec, or, while rec's status is the one the read waits
// past, the latest run once its status has changed or the wait is over.
// woken is the watch on the removal begun before rec was read (readRemoval):
// a change is told by its announcement, which carries the row; one that does
// not (a row too long for a NOTIFY, a listener that reconnected) is a cue to
// read the row again. Without a watch, the row is read again every second.
func (s *Server) awaitChange(ctx context.Context, id string, rec domain.RemovalRecord, w waitingRead, woken <-chan domain.RunAnnouncement) (domain.RemovalRecord, error) {
	if w.wait == 0 || domain.Status(rec.Status) != w.status {
		return rec, nil
	}
	var reread <-chan time.Time
	if woken == nil {
		t := time.NewTicker(rereadEvery)
		defer t.Stop()
		reread = t.C
	}
	deadline := time.NewTimer(w.wait)
	defer deadline.Stop()
	stopping, _ := ctx.Value(stoppingKey{}).(<-chan struct{}) // nil: never
	read := false
	for {
		if read {
			fresh, err := s.store.LatestRemoval(ctx, id)
			if err != nil {
				return rec, err
			}
			rec, read = fresh, false
		}
		if domain.Status(rec.Status) != w.status {
			return rec, nil
		}
		select {
		case a := <-woken:
			switch {
			case a.Record == nil:
				read = true
			case newer(*a.Record, rec):
				rec = *a.Record
			}
		case <-reread:
			read = true
		case <-deadline.C:
			return rec, nil
		case <-stopping: // the server shuts down: the client asks again, elsewhere
			return rec, nil
		case <-ctx.Done(): // the client left; what is written is not read
			return rec, nil
		}
	}
}

// newer reports whether announced is a later state than rec: a newer run, or
// the same run written no earlier. An announcement delivered late (committed
// before rec was read, told after the watch began) is older, and is not the
// change the read waits for.
func newer(announced, rec domain.RemovalRecord) bool {
	if announced.RunID != rec.RunID {
		return announced.CreatedAt.After(rec.CreatedAt)
	}
	return !announced.UpdatedAt.Before(rec.UpdatedAt)
}
