package domain

import (
	"strings"
	"testing"
	"time"
)

// TestReconcileRemovalDecisionTable: a run closed without its end ends
// cancelled before the tombstone and completed_with_warnings after it, with
// what was owed to Meta abandoned; an open run, a run Temporal does not know
// and a final record are left alone.
func TestReconcileRemovalDecisionTable(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	done := now.Add(-time.Hour)
	waiting := Removal{ID: "remove-channel:c", RunID: "r", Status: StatusAwaitingCode, Notes: []string{},
		MetaUnlink: MetaUnlink{Status: UnlinkNotStarted}, Retention: &Retention{PurgeAfterDays: 30, Status: RetentionScheduled}}
	removing := Removal{ID: "remove-channel:c", RunID: "r", Status: StatusRemoving, Notes: []string{"antes"},
		MetaUnlink: MetaUnlink{Status: UnlinkNotStarted, Number: &NumberRelease{Status: NumberPending}}}
	final := waiting
	final.Status, final.CompletedAt = StatusCompleted, &done
	owed := Unlink{Status: UnlinkPending, NumberStatus: NumberPending, OverrideStatus: OverrideFailed}
	abandonedJobs := Unlink{Status: UnlinkAbandoned, NumberStatus: NumberAbandoned, OverrideStatus: OverrideAbandoned}
	settled := Unlink{Status: UnlinkDone, NumberStatus: NumberReleased, OverrideStatus: OverrideCleared}

	for _, c := range []struct {
		name       string
		stale      Removal
		run        RunState
		tombstoned bool
		jobs       Unlink
		want       Status
		action     Action
		abandoned  int // parts abandoned
	}{
		{"running", waiting, RunRunning, false, Unlink{}, "", "", 0},
		{"continued as new", waiting, RunContinuedAsNew, false, Unlink{}, "", "", 0},
		{"reset", waiting, RunReset, false, Unlink{}, "", "", 0},
		{"reset past the tombstone", removing, RunReset, true, owed, "", "", 0},
		{"unknown to Temporal", waiting, RunUnknown, false, Unlink{}, "", "", 0},
		{"final already", final, RunTerminated, false, Unlink{}, "", "", 0},
		{"terminated waiting", waiting, RunTerminated, false, Unlink{}, StatusCancelled, ActionRemovalCancelled, 0},
		{"timed out waiting", waiting, RunTimedOut, false, Unlink{}, StatusCancelled, ActionRemovalCancelled, 0},
		{"failed waiting", waiting, RunFailed, false, Unlink{}, StatusCancelled, ActionRemovalCancelled, 0},
		{"old build cancelled", waiting, RunCanceled, false, Unlink{}, StatusCancelled, ActionRemovalCancelled, 0},
		{"old build completed", waiting, RunCompleted, false, Unlink{}, StatusCancelled, ActionRemovalCancelled, 0},
		{"terminated removing, before the tombstone", removing, RunTerminated, false, Unlink{}, StatusCancelled, ActionRemovalCancelled, 0},
		{"terminated past the tombstone, all owed", removing, RunTerminated, true, owed, StatusCompletedWithWarnings, ActionMetaUnlinkAbandoned, 3},
		{"past the tombstone, abandoned by another reconciler", removing, RunTerminated, true, abandonedJobs, StatusCompletedWithWarnings, ActionMetaUnlinkAbandoned, 3},
		{"terminated past the tombstone, all settled", removing, RunTerminated, true, settled, StatusCompletedWithWarnings, ActionMetaUnlinkAbandoned, 0},
		{"terminated past the tombstone, nothing owed", removing, RunTerminated, true, Unlink{}, StatusCompletedWithWarnings, ActionMetaUnlinkAbandoned, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, ok := ReconcileRemoval(c.stale, c.run, c.tombstoned, c.jobs, now)
			if ok != (c.want != "") {
				t.Fatalf("ok %v, want %v (%+v)", ok, c.want != "", set)
			}
			if !ok {
				return
			}
			d := set.Doc
			if d.Status != c.want || set.Action != c.action || !d.Final() || !d.CompletedAt.Equal(now) {
				t.Fatalf("%s %s final %v, want %s %s", d.Status, set.Action, d.Final(), c.want, c.action)
			}
			if set.Detail["run_closed"] != string(c.run) || set.Detail["previous_status"] != string(c.stale.Status) {
				t.Fatalf("detail %v", set.Detail)
			}
			if !strings.Contains(d.Step, "Temporal") || set.Detail["text"] != d.Step {
				t.Fatalf("step %q, detail %v", d.Step, set.Detail)
			}
			if !c.tombstoned {
				if !strings.Contains(d.Step, "nada foi alterado") || d.MetaUnlink != c.stale.MetaUnlink {
					t.Fatalf("before the tombstone: %q %+v", d.Step, d.MetaUnlink)
				}
				if c.stale.Retention != nil && (d.Retention.Status != RetentionCancelled || c.stale.Retention.Status != RetentionScheduled) {
					t.Fatalf("retention %+v (stale %+v)", d.Retention, c.stale.Retention)
				}
				return
			}
			if got := len(set.Detail["abandoned"].([]string)); got != c.abandoned {
				t.Fatalf("abandoned %v, want %d parts", set.Detail["abandoned"], c.abandoned)
			}
			switch c.abandoned {
			case 3:
				if d.MetaUnlink.Status != UnlinkAbandoned || d.MetaUnlink.LastError == "" || d.MetaUnlink.Number.Status != NumberFailed ||
					d.MetaUnlink.Override.Status != OverrideFailed || !strings.Contains(d.MetaUnlink.LastError, "terminate") {
					t.Fatalf("owed parts: %+v %+v %+v", d.MetaUnlink, d.MetaUnlink.Number, d.MetaUnlink.Override)
				}
				if c.stale.MetaUnlink.Number.Status != NumberPending {
					t.Fatal("the stale document's number was changed")
				}
			case 0:
				if d.MetaUnlink.Status == UnlinkAbandoned || (d.MetaUnlink.Number != nil && d.MetaUnlink.Number.Status == NumberFailed) {
					t.Fatalf("settled parts shown abandoned: %+v %+v", d.MetaUnlink, d.MetaUnlink.Number)
				}
			}
		})
	}
}

// TestUnlinkOwedIsWhatAbandonUnlinkAbandons: the parts a closed run still
// owes are those not settled and not abandoned.
func TestUnlinkOwedIsWhatAbandonUnlinkAbandons(t *testing.T) {
	for _, c := range []struct {
		u             Unlink
		sub, num, ovr bool
	}{
		{Unlink{}, false, false, false},
		{Unlink{Status: UnlinkPending}, true, false, false},
		{Unlink{Status: UnlinkFailed}, true, false, false},
		{Unlink{Status: UnlinkDone, NumberStatus: NumberFailed}, false, true, false},
		{Unlink{Status: UnlinkSkipped, NumberStatus: NumberAbandoned, OverrideStatus: OverridePending}, false, false, true},
		{Unlink{Status: UnlinkAbandoned, NumberStatus: NumberReleased, OverrideStatus: OverrideNotOurs}, false, false, false},
	} {
		if s, n, o := c.u.Owed(); s != c.sub || n != c.num || o != c.ovr {
			t.Errorf("%+v: owed %v %v %v, want %v %v %v", c.u, s, n, o, c.sub, c.num, c.ovr)
		}
	}
}

// TestReconcilePurgeDecisionTable: a pending purge whose run closed is
// cancelled, keeping what a purge in flight had deleted and saying so.
func TestReconcilePurgeDecisionTable(t *testing.T) {
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	p := func(s RetentionStatus, n int64) Purge {
		return Purge{ChannelID: "c", RemovalID: "remove-channel:c", PurgeAfterDays: 30, PurgeAt: at, Status: s, PurgedMessages: n, PurgedConversations: n / 10}
	}
	for _, c := range []struct {
		stale Purge
		run   RunState
		ok    bool
	}{
		{p(RetentionScheduled, 0), RunRunning, false},
		{p(RetentionScheduled, 0), RunUnknown, false},
		{p(RetentionScheduled, 0), RunContinuedAsNew, false},
		{p(RetentionScheduled, 0), RunReset, false},
		{p(RetentionPurged, 50), RunTerminated, false},
		{p(RetentionCancelled, 0), RunTerminated, false},
		{p(RetentionScheduled, 0), RunTerminated, true},
		{p(RetentionHeld, 0), RunTimedOut, true},
		{p(RetentionScheduled, 0), RunCompleted, true},
		{p(RetentionPurging, 50), RunTerminated, true},
	} {
		set, ok := ReconcilePurge(c.stale, c.run)
		if ok != c.ok {
			t.Fatalf("%s / %s: ok %v, want %v", c.stale.Status, c.run, ok, c.ok)
		}
		if !ok {
			continue
		}
		got := set.Purge
		if got.Status != RetentionCancelled || set.Action != ActionPurgeCancelled || got.PurgedMessages != c.stale.PurgedMessages ||
			!got.PurgeAt.Equal(at) || set.Detail["run_closed"] != string(c.run) {
			t.Fatalf("%s / %s: %+v %s %v", c.stale.Status, c.run, got, set.Action, set.Detail)
		}
		text, _ := set.Detail["text"].(string)
		if purging := c.stale.Status == RetentionPurging; purging != strings.Contains(text, "50 mensagens de 5 conversas") ||
			purging != (set.Detail["purged_messages"] == int64(50)) {
			t.Fatalf("%s: text %q, detail %v", c.stale.Status, text, set.Detail)
		}
	}
}
