package rehearsal

import (
	"context"
	"fmt"
	"net/http"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/workflows"
)

// waiting is removals left waiting (on build A, across a key rotation), by where they wait.
type waiting struct{ atAlert, atCode, warned []channel }

func (w waiting) all() []channel {
	return append(append(append([]channel{}, w.atAlert...), w.atCode...), w.warned...)
}

// leaveWaiting leaves Deploy removals at the alert, Deploy at the code and
// Deploy in completed_with_warnings (their token revoked).
func (r *rig) leaveWaiting(ctx context.Context, apis []string) (waiting, error) {
	k := r.o.Deploy
	w := waiting{atAlert: r.take(k), atCode: r.take(k), warned: r.take(k)}
	for _, ch := range w.atAlert {
		if st, d, err := r.admin.do(ctx, apis[0], bearer, "POST", "/v1/channels/"+ch.id+"/removals", nil); err != nil || st != http.StatusCreated {
			return w, fmt.Errorf("start %s: %d %s %v", ch.name, st, d.Detail, err)
		}
	}
	for _, ch := range w.atCode {
		if _, err := r.awaitingCodeOn(ctx, apis[0], ch); err != nil {
			return w, err
		}
	}
	for _, ch := range w.warned {
		r.graph.FailObject(ch.waba, graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 190, Message: "Error validating access token: The session has been invalidated."})
	}
	out, _, err := many(w.warned, r.o.Concurrency, func(i int, ch channel) (string, error) {
		return r.admin.removal(ctx, apis, ch, 0, 1, bearer)
	})
	if err != nil || out["completed_with_warnings"] != k {
		return w, fmt.Errorf("want %d removals in completed_with_warnings: %v %v", k, out, err)
	}
	return w, nil
}

// finishAndStart drives w's removals to their end (acknowledge and code,
// code, the Meta token fixed and retry-unlink), then starts and completes
// Deploy new removals. A removal that does not end within patience is left
// to judge.
func (r *rig) finishAndStart(ctx context.Context, apis []string, w waiting, patience time.Duration) ([]channel, error) {
	limit, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	_, _, _ = many(w.atAlert, r.o.Concurrency, func(i int, ch channel) (string, error) {
		id := removalID(ch)
		if st, d, err := r.admin.do(limit, apis[1], bearer, "POST", "/v1/removals/"+id+"/acknowledge", map[string]any{"acknowledged": true}); err != nil || st != http.StatusOK {
			return "", fmt.Errorf("acknowledge: %d %s %v", st, d.Detail, err)
		}
		return r.verify(limit, apis[1], ch)
	})
	_, _, _ = many(w.atCode, r.o.Concurrency, func(i int, ch channel) (string, error) { return r.verify(limit, apis[1], ch) })
	r.graph.ClearFailures()
	for _, ch := range w.warned {
		// The signal alone, as `ops retry-unlinks` sends it.
		r.tc.SignalWorkflow(limit, removalID(ch), "", workflows.SignalRetryUnlink, workflows.ActorRequest{Actor: domain.Actor{UserID: "ops:rehearsal"}})
	}
	fresh := r.take(r.o.Deploy)
	_, _, err := many(fresh, r.o.Concurrency, func(i int, ch channel) (string, error) {
		return r.admin.removal(ctx, apis, ch, 0, 1, bearer)
	})
	if err != nil {
		return fresh, fmt.Errorf("new removals after the deploy: %w", err)
	}
	for _, ch := range w.all() { // wait (bounded) for each to close
		r.closed(limit, removalID(ch))
	}
	// A settled removal closes after its admins' notice.
	closing, cancelClosing := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelClosing()
	for _, ch := range fresh {
		r.closed(closing, removalID(ch))
	}
	return fresh, nil
}

func (r *rig) verify(ctx context.Context, api string, ch channel) (string, error) {
	code, err := r.admin.code(ctx, ch.name)
	if err != nil {
		return "", err
	}
	st, d, err := r.admin.do(ctx, api, bearer, "POST", "/v1/removals/"+removalID(ch)+"/verify", map[string]any{"code": code})
	if err != nil || st != http.StatusOK {
		return "", fmt.Errorf("verify: %d %s %v", st, d.Detail, err)
	}
	return r.admin.settle(ctx, api, bearer, removalID(ch), d.Status)
}

func (r *rig) awaitingCodeOn(ctx context.Context, api string, ch channel) (string, error) {
	st, d, err := r.admin.do(ctx, api, bearer, "POST", "/v1/channels/"+ch.id+"/removals", nil)
	if err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("start %s: %d %s %v", ch.name, st, d.Detail, err)
	}
	if st, d, err = r.admin.do(ctx, api, bearer, "POST", "/v1/removals/"+d.ID+"/acknowledge", map[string]any{"acknowledged": true}); err != nil || st != http.StatusOK {
		return "", fmt.Errorf("acknowledge %s: %d %s %v", ch.name, st, d.Detail, err)
	}
	return d.ID, nil
}

// closed waits until the run is closed or ctx ends.
func (r *rig) closed(ctx context.Context, id string) {
	for {
		d, err := r.tc.DescribeWorkflowExecution(ctx, id, "")
		if err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}
