package rehearsal

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
)

// alternating: start on one API, acknowledge and verify on the other, wait
// on either; bearer tokens and the session cookie on both.
func (r *rig) alternating(ctx context.Context) error {
	chs := r.take(r.o.Removals)
	if err := r.alternate(ctx, "alternating APIs", chs, "—"); err != nil {
		return err
	}
	share, err := r.share(ctx, chs)
	r.logf("  tasks per worker: %v", share)
	return err
}

func (r *rig) alternate(ctx context.Context, phase string, chs []channel, kills string) error {
	r.logf("%s: %d removals, %d at a time...", phase, len(chs), r.o.Concurrency)
	out, took, err := many(chs, r.o.Concurrency, func(i int, ch channel) (string, error) {
		return r.admin.removal(ctx, r.fleet.apiURLs, ch, i%2, (i/2)%2, auth(i/4%2))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", phase, err)
	}
	return r.row(ctx, Row{Phase: phase, Removals: len(chs), Kills: kills, Outcomes: out, Took: took}, chs)
}

// killWorkerAtTombstone: the channel's row is locked (a long report) when the
// code is verified; the worker whose tombstone waits on the lock is killed.
func (r *rig) killWorkerAtTombstone(ctx context.Context) error {
	ch := r.take(1)[0]
	t0 := time.Now()
	apis := r.fleet.apiURLs
	id, err := r.awaitingCode(ctx, ch, 0, bearer)
	if err != nil {
		return err
	}
	tx, err := r.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM channels WHERE id = $1 FOR UPDATE`, ch.id); err != nil {
		return err
	}
	code, err := r.admin.code(ctx, ch.name)
	if err != nil {
		return err
	}
	verified := make(chan doc, 1)
	go func() {
		st, d, err := r.admin.do(ctx, apis[1], bearer, "POST", "/v1/removals/"+id+"/verify", map[string]any{"code": code})
		if err != nil || st != http.StatusOK {
			d.Status = fmt.Sprintf("HTTP %d %s %v", st, d.Detail, err)
		}
		verified <- d
	}()
	k, err := r.waitingOnLock(ctx)
	if err != nil {
		return err
	}
	r.fleet.workers[k].kill()
	r.logf("killed %s while its tombstone waited on the channel's row lock", r.fleet.workers[k].name)
	time.Sleep(time.Second)
	tx.Rollback()
	d := <-verified
	if d.Status != "removing" && d.Status != "unlinking" && d.Status != "completed" {
		return fmt.Errorf("verify during the kill answered %s", d.Status)
	}
	status, err := r.admin.settle(ctx, apis[0], bearer, id, d.Status)
	if err != nil {
		return err
	}
	if err := r.fleet.startWorker(ctx, k); err != nil {
		return err
	}
	return r.row(ctx, Row{Phase: "worker killed at the tombstone", Removals: 1,
		Kills: "kill -9 " + r.fleet.workers[k].name, Outcomes: map[string]int{status: 1}, Took: time.Since(t0),
		Note: "verify answered " + d.Status}, []channel{ch})
}

// waitingOnLock finds the worker whose Postgres session waits on a lock.
func (r *rig) waitingOnLock(ctx context.Context) (int, error) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var names []string
		err := r.db.SelectContext(ctx, &names, `SELECT application_name FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND application_name LIKE 'rehearsal-worker-%' AND datname = current_database()`)
		if err != nil {
			return 0, err
		}
		for _, n := range names {
			if k, err := strconv.Atoi(strings.TrimPrefix(n, "rehearsal-worker-")); err == nil {
				return k - 1, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("no worker waited on the channel's row lock within 60 s")
}

// awaitingCode starts a removal of ch on API start and acknowledges it there.
func (r *rig) awaitingCode(ctx context.Context, ch channel, start int, how auth) (string, error) {
	api := r.fleet.apiURLs[start]
	st, d, err := r.admin.do(ctx, api, how, "POST", "/v1/channels/"+ch.id+"/removals", nil)
	if err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("start: %d %s %v", st, d.Detail, err)
	}
	id := d.ID
	if st, d, err = r.admin.do(ctx, api, how, "POST", "/v1/removals/"+id+"/acknowledge", map[string]any{"acknowledged": true}); err != nil || st != http.StatusOK {
		return "", fmt.Errorf("acknowledge: %d %s %v", st, d.Detail, err)
	}
	return id, nil
}

// killWorkerAtUnlink: the Graph call is held at the door of the worker that
// made it, that worker is killed, and the call never reaches Meta.
func (r *rig) killWorkerAtUnlink(ctx context.Context) error {
	ch := r.take(1)[0]
	t0 := time.Now()
	held, release := holdNext(r.doors)
	defer release()
	var status string
	done := make(chan error, 1)
	go func() {
		var err error
		status, err = r.admin.removal(ctx, r.fleet.apiURLs, ch, 1, 1, session)
		done <- err
	}()
	var k int
	select {
	case k = <-held:
	case err := <-done:
		return fmt.Errorf("the removal ended (%s, %v) without calling Meta", status, err)
	case <-time.After(90 * time.Second):
		return fmt.Errorf("no Meta call within 90 s")
	}
	r.fleet.workers[k].kill()
	r.logf("killed %s while its Meta unlink was in flight", r.fleet.workers[k].name)
	release()
	if err := <-done; err != nil {
		return fmt.Errorf("removal after the kill at the unlink: %w", err)
	}
	if err := r.fleet.startWorker(ctx, k); err != nil {
		return err
	}
	return r.row(ctx, Row{Phase: "worker killed at the Meta unlink", Removals: 1, Kills: "kill -9 " + r.fleet.workers[k].name,
		Outcomes: map[string]int{status: 1}, Took: time.Since(t0)}, []channel{ch})
}

// killAPIDuringWaitingRead: api-1 is killed while an admin's waiting read
// hangs on it; api-2 answers throughout and the removal goes on there.
func (r *rig) killAPIDuringWaitingRead(ctx context.Context) error {
	ch := r.take(1)[0]
	t0 := time.Now()
	apis := r.fleet.apiURLs
	probe := r.admin.probe(apis[1], "/v1/removals")
	id, err := r.awaitingCode(ctx, ch, 0, bearer)
	if err != nil {
		return err
	}
	cut := make(chan error, 1)
	go func() {
		_, _, err := r.admin.do(ctx, apis[0], bearer, "GET", "/v1/removals/"+id+"?status=awaiting_code&wait=25", nil)
		cut <- err
	}()
	time.Sleep(time.Second)
	r.fleet.apis[0].kill()
	r.logf("killed api-1 during a waiting read")
	readErr := <-cut
	code, err := r.admin.code(ctx, ch.name)
	if err != nil {
		return err
	}
	st, d, err := r.admin.do(ctx, apis[1], bearer, "POST", "/v1/removals/"+id+"/verify", map[string]any{"code": code})
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("verify on api-2 after api-1's kill: %d %s %v", st, d.Detail, err)
	}
	status, err := r.admin.settle(ctx, apis[1], bearer, id, d.Status)
	if err != nil {
		return err
	}
	if err := r.fleet.startAPI(ctx, 0); err != nil {
		return err
	}
	ok, fails := probe.end()
	r.res.SurvivorReads, r.res.SurvivorFailures = ok+fails, fails
	note := "the waiting read on api-1 was cut"
	if readErr == nil {
		note = "the waiting read on api-1 answered before the kill"
	}
	return r.row(ctx, Row{Phase: "API killed during a waiting read", Removals: 1, Kills: "kill -9 api-1",
		Outcomes: map[string]int{status: 1}, Took: time.Since(t0), Note: note}, []channel{ch})
}

// afterRestarts: the same alternating load once every killed process is
// back; each worker's share is counted from the runs' histories.
func (r *rig) afterRestarts(ctx context.Context) error {
	chs := r.take(r.o.AfterRestarts)
	if err := r.alternate(ctx, "after the restarts", chs, "—"); err != nil {
		return err
	}
	share, err := r.share(ctx, chs)
	if err != nil {
		return err
	}
	r.res.Share = share
	for _, w := range r.fleet.workers {
		if share[w.name] == 0 {
			return fmt.Errorf("after the restarts %s took no task (%v)", w.name, share)
		}
	}
	return nil
}

// share counts the workflow and activity tasks of chs' removals per worker.
func (r *rig) share(ctx context.Context, chs []channel) (map[string]int, error) {
	share := map[string]int{}
	for _, ch := range chs {
		it := r.tc.GetWorkflowHistory(ctx, removalID(ch), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return nil, err
			}
			if a := e.GetWorkflowTaskStartedEventAttributes(); a != nil {
				share[r.fleet.workerOf(a.GetIdentity())]++
			}
			if a := e.GetActivityTaskStartedEventAttributes(); a != nil {
				share[r.fleet.workerOf(a.GetIdentity())]++
			}
		}
	}
	return share, nil
}

// throughput: the same load on one worker, then on two.
func (r *rig) throughput(ctx context.Context) error {
	r.fleet.workers[1].stop()
	rate := func(label string, into *float64) error {
		chs := r.take(r.o.Throughput)
		r.logf("throughput with %s: %d removals, %d at a time...", label, len(chs), r.o.Concurrency)
		out, took, err := many(chs, r.o.Concurrency, func(i int, ch channel) (string, error) {
			return r.admin.removal(ctx, r.fleet.apiURLs, ch, i%2, (i+1)%2, bearer)
		})
		if err != nil {
			return err
		}
		*into = float64(len(chs)) / took.Seconds()
		return r.row(ctx, Row{Phase: "throughput, " + label, Removals: len(chs), Kills: "—", Outcomes: out, Took: took,
			Note: fmt.Sprintf("%.2f removals/s", *into)}, chs)
	}
	if err := rate("1 worker", &r.res.OneWorker); err != nil {
		return err
	}
	if err := r.fleet.startWorker(ctx, 1); err != nil {
		return err
	}
	return rate("2 workers", &r.res.TwoWorkers)
}

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

// row checks the phase's effects and adds its line.
func (r *rig) row(ctx context.Context, row Row, chs []channel) error {
	dups, missing, err := r.effects(ctx, chs)
	if err != nil {
		return err
	}
	row.Duplicates, row.Missing = dups, missing
	r.res.Rows = append(r.res.Rows, row)
	r.logf("  %s: %v, duplicate effects %d, missing effects %d, %s", row.Phase, row.Outcomes, dups, missing, row.Took.Round(time.Millisecond))
	return nil
}

// effects counts, over chs' removals, what happened more than once and what
// did not happen at all of what each completed removal owes exactly once: a
// code e-mail, a successful Meta unsubscribe, a tombstone (the channel
// removed, its channel_removed record) and each audit record of one action.
func (r *rig) effects(ctx context.Context, chs []channel) (dups, missing int, err error) {
	mails, metaOK := map[string]int{}, map[string]int{}
	for _, m := range r.admin.mail.Sent() {
		mails[m.Subject]++
	}
	for _, c := range r.graph.Calls() {
		if c.OK {
			metaOK[c.ObjectID]++
		}
	}
	var ids, channelIDs []string
	for _, ch := range chs {
		n := 0
		for subject, k := range mails {
			if strings.HasSuffix(subject, " "+ch.name) {
				n += k
			}
		}
		for _, k := range []int{n, metaOK[ch.waba]} {
			switch {
			case k > 1:
				dups += k - 1
			case k == 0:
				missing++
			}
		}
		ids, channelIDs = append(ids, removalID(ch)), append(channelIDs, ch.id)
	}
	var audit struct {
		Dups       int `db:"dups"`
		Tombstones int `db:"tombstones"`
		Removed    int `db:"removed"`
	}
	err = r.db.GetContext(ctx, &audit, `SELECT
		(SELECT COALESCE(sum(n - 1), 0) FROM (
			SELECT count(*) AS n FROM removal_audit_log WHERE removal_id = ANY($1)
			 AND action NOT IN ('meta_unlink_failed', 'retry_unlink_requested')
			GROUP BY removal_id, action) a) AS dups,
		(SELECT count(*) FROM removal_audit_log WHERE removal_id = ANY($1) AND action = 'channel_removed') AS tombstones,
		(SELECT count(*) FROM channels WHERE id::text = ANY($2) AND status = 'removed') AS removed`, pq.Array(ids), pq.Array(channelIDs))
	missing += 2*len(chs) - audit.Tombstones - audit.Removed
	return dups + audit.Dups, missing, err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func outcomesText(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
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
