package activities_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
)

// releasing tombstones a WhatsApp channel on waba with the number's release asked for.
func (e *env) releasing(waba string) string {
	ch := e.channel("whatsapp_cloud", waba, "")
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), ReleaseNumber: true, Decided: e.tombstoneDocs(ch)}); err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// release makes the next attempt at ch's number, numbered as the workflow numbers them.
func (e *env) release(ch string) (activities.AttemptResult, error) {
	u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
	return e.acts.ReleaseNumber(e.ctx, e.attemptAt(ch, domain.PartNumber, u.NumberAttempts+1))
}

func TestReleaseNumber(t *testing.T) {
	t.Run("deregistered with the channel's token, once, token erased", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		r, err := e.unsubscribe(ch)
		n, nerr := e.release(ch)
		if err != nil || nerr != nil || r.Outcome != domain.OutcomeDone || n.Outcome != domain.OutcomeDone || !e.graph.Deregistered("PN-W1") {
			t.Fatalf("%+v %v / %+v %v", r, err, n, nerr)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.NumberStatus != domain.NumberReleased || u.NumberToken != "" {
			t.Fatalf("job after release: %+v", u)
		}
		if n2, err := e.release(ch); err != nil || n2.Outcome != domain.OutcomeDone || len(e.graph.Calls()) != 2 {
			t.Fatalf("a settled release called Meta again: %+v %v %+v", n2, err, e.graph.Calls())
		}
	})
	t.Run("not asked: nothing deregistered", func(t *testing.T) {
		e := newEnv(t)
		ch := e.channel("whatsapp_cloud", "W1", "")
		d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)})
		if err != nil || d.Number || !d.Subscription {
			t.Fatalf("%+v %v", d, err)
		}
		e.unsubscribe(ch)
		if e.graph.Deregistered("PN-W1") || len(e.graph.Calls()) != 1 {
			t.Fatalf("%+v", e.graph.Calls())
		}
	})
	t.Run("133016 is permanent and says when to retry", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		e.graph.FailObject("PN-W1", graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 133016, Message: "rate limit"})
		r, _ := e.unsubscribe(ch)
		n, err := e.release(ch)
		if r.Outcome != domain.OutcomeDone || err != nil || n.Outcome != domain.OutcomePermanent || !strings.Contains(n.Error, "133016") {
			t.Fatalf("%+v / %+v %v", r, n, err)
		}
	})
	t.Run("a transient failure is transient; 133010 counts as released", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		e.unsubscribe(ch)
		e.graph.FailObject("PN-W1", graphsim.Failure{HTTPStatus: http.StatusServiceUnavailable, Code: 2, Message: "unavailable"})
		if n, err := e.release(ch); err != nil || n.Outcome != domain.OutcomeTransient {
			t.Fatalf("%+v %v", n, err)
		}
		e.graph.ClearFailures()
		e.graph.FailObject("PN-W1", graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 133010, Message: "not registered"})
		if n, err := e.release(ch); err != nil || n.Outcome != domain.OutcomeDone {
			t.Fatalf("%+v %v", n, err)
		}
	})
	t.Run("abandon erases the number's token", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		e.graph.FailObject("PN-W1", graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 133016})
		e.unsubscribe(ch)
		e.release(ch)
		if err := e.acts.AbandonUnlink(e.ctx, activities.AbandonInput{Step: e.step(ch)}); err != nil {
			t.Fatal(err)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.NumberStatus != domain.NumberAbandoned || u.NumberToken != "" || u.Status != "unlinked" {
			t.Fatalf("%+v", u)
		}
	})
}

// recordFailsOnce is the store whose first number record fails, as a
// database blip right after Meta answered.
type recordFailsOnce struct {
	activities.Store
	failed bool
}

func (s *recordFailsOnce) RecordNumberAttempt(ctx context.Context, removalID, runID string, status domain.NumberStatus, lastError string,
	now time.Time, records ...domain.AuditEntry) (domain.NumberJob, error) {
	if !s.failed {
		s.failed = true
		return domain.NumberJob{}, errors.New("connection reset by peer")
	}
	return s.Store.RecordNumberAttempt(ctx, removalID, runID, status, lastError, now, records...)
}

// TestAReleaseWhoseRecordFailedOnceCallsMetaOnce: Meta deregistered the
// number, the record of it failed once; the attempt writes it again rather
// than fail and be retried, which would deregister a second time and spend
// Meta's registration quota.
func TestAReleaseWhoseRecordFailedOnceCallsMetaOnce(t *testing.T) {
	e := newEnv(t)
	ch := e.releasing("W1")
	e.unsubscribe(ch)
	e.acts.Store = &recordFailsOnce{Store: e.store}
	n, err := e.release(ch)
	if err != nil || n.Outcome != domain.OutcomeDone {
		t.Fatalf("%+v %v", n, err)
	}
	deregisters := 0
	for _, c := range e.graph.Calls() {
		if strings.Contains(c.Path, "deregister") {
			deregisters++
		}
	}
	if deregisters != 1 {
		t.Fatalf("%d deregister calls: %+v", deregisters, e.graph.Calls())
	}
}
