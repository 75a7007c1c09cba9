package rehearsal

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
)

// opsCommands: `ops list` of the production binary and the temporal CLI's
// visibility query, against this server.
func (r *rig) opsCommands(ctx context.Context) error {
	out, err := r.run(ctx, "ops", "list", "--status", "completed")
	if err != nil {
		return fmt.Errorf("ops list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	r.res.OpsList = lines[len(lines)-1]
	cli, err := temporaldev.Binary(ctx, r.o.Progress)
	if err != nil {
		return err
	}
	count := exec.CommandContext(ctx, cli, "workflow", "count", "--address", r.cluster.Address, "--namespace", "default",
		"--query", "RemovalStatus = 'completed'")
	count.Env = r.env // with the client certificate
	b, err := count.CombinedOutput()
	if err != nil {
		return fmt.Errorf("temporal workflow count: %v\n%s", err, b)
	}
	r.res.CLICount = strings.TrimSpace(string(b))
	return nil
}

// retryAtScale: Warnings removals end completed_with_warnings (their WABA's
// token revoked: Graph 190), the token is fixed, and `ops retry-unlinks
// --all` retries them with one server-side batch signal.
func (r *rig) retryAtScale(ctx context.Context) error {
	chs := r.take(r.o.Warnings)
	for _, ch := range chs {
		r.graph.FailObject(ch.waba, graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 190, Message: "Error validating access token: The session has been invalidated."})
	}
	r.logf("retry at scale: %d removals to completed_with_warnings, %d at a time...", len(chs), r.o.Concurrency)
	out, took, err := many(chs, r.o.Concurrency, func(i int, ch channel) (string, error) {
		return r.admin.removal(ctx, r.fleet.apiURLs, ch, i%2, (i+1)%2, bearer)
	})
	if err != nil {
		return err
	}
	if out["completed_with_warnings"] != len(chs) {
		return fmt.Errorf("want %d removals in completed_with_warnings, got %v", len(chs), out)
	}
	r.graph.ClearFailures()
	// As ops would: retry once `ops list` shows them all, since the command
	// signals the runs visibility lists, and visibility lags the runs.
	if err := r.listed(ctx, chs, string(domain.StatusCompletedWithWarnings)); err != nil {
		return err
	}
	r.logf("ops retry-unlinks --all over %d removals...", len(chs))
	t0 := time.Now()
	text, err := r.run(ctx, "ops", "retry-unlinks", "--all")
	r.res.Batch.Took = time.Since(t0)
	if err != nil {
		return fmt.Errorf("ops retry-unlinks --all: %v\n%s", err, tail(text, 20))
	}
	r.res.Batch.Removals = len(chs)
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "batch job ") && r.res.Batch.JobID == "" {
			r.res.Batch.JobID, _, _ = strings.Cut(strings.TrimPrefix(l, "batch job "), ":")
		}
		if strings.HasPrefix(l, "batch job ") && strings.Contains(l, "signalled") {
			r.res.Batch.JobLine = strings.TrimSpace(l)
		}
		if strings.HasSuffix(l, "): completed") {
			r.res.Batch.Completed++
		}
	}
	job, err := r.tc.WorkflowService().DescribeBatchOperation(ctx, &workflowservice.DescribeBatchOperationRequest{Namespace: "default", JobId: r.res.Batch.JobID})
	if err != nil {
		return fmt.Errorf("describe batch job %q: %w", r.res.Batch.JobID, err)
	}
	r.res.Batch.Signalled = int(job.GetCompleteOperationCount())
	r.res.Batch.JobTook = job.GetCloseTime().AsTime().Sub(job.GetStartTime().AsTime())
	after := map[string]int{}
	for _, ch := range chs {
		st, d, err := r.admin.do(ctx, r.fleet.apiURLs[0], bearer, "GET", "/v1/removals/"+removalID(ch), nil)
		if err != nil || st != http.StatusOK {
			return fmt.Errorf("read %s: %d %v", ch.name, st, err)
		}
		after[d.Status]++
	}
	if after["completed"] != len(chs) {
		return fmt.Errorf("after ops retry-unlinks --all: %v\n%s", after, tail(text, 20))
	}
	return r.row(ctx, Row{Phase: "ops retry-unlinks --all (batch)", Removals: len(chs), Kills: "—", Outcomes: after,
		Took: took + r.res.Batch.Took, Note: fmt.Sprintf("to warnings %s, retried in %s", took.Round(time.Second), r.res.Batch.Took.Round(time.Second))}, chs)
}

// listed waits (30 s at most) until `ops list --status status` names every
// one of chs' removals.
func (r *rig) listed(ctx context.Context, chs []channel, status string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := r.run(ctx, "ops", "list", "--status", status)
		missing := 0
		for _, ch := range chs {
			if !strings.Contains(out, removalID(ch)+" ") {
				missing++
			}
		}
		switch {
		case err == nil && missing == 0:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("ops list --status %s still lacks %d of %d removals after 30 s (%v):\n%s", status, missing, len(chs), err, tail(out, 10))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
