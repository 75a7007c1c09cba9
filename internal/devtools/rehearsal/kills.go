package rehearsal

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

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
