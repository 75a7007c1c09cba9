package workflows

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/fixtures"
)

// covers names the branch each sealed history of the current release
// replays and the end it must reach: a history not listed, listed and
// missing, or ending elsewhere fails TestTheCurrentReleaseCoversEveryEnd.
var covers = map[string]struct{ end, branch string }{
	"happy_path.json":                       {"completed", "removal: acknowledged, right code, tombstone, Meta unsubscribed → completed"},
	"happy_path_wrong_code.json":            {"completed", "removal: a wrong code, then the right one → completed"},
	"nothing_owed_answered_completed.json":  {"completed", "removal: nothing owed to Meta, the verify answered completed"},
	"unlink_failed_then_retry.json":         {"completed", "removal: Meta failed for good → completed_with_warnings, ops' retry-unlink → completed"},
	"retry_unlink_wait_cancelled.json":      {endCancelledFromTemporal, "removal: ops cancel the retry-unlink wait → completed_with_warnings, closed"},
	"unlink_window_closed.json":             {"completed_with_warnings", "removal: Meta failed for good, nobody retried within the window → completed_with_warnings"},
	"credit_line_revoked.json":              {"completed", "removal: a WABA on our credit line, revoked with the unlink → completed"},
	"removal_with_purge.json":               {"completed", "removal: a purge chosen, started after the tombstone → completed"},
	"cancelled_from_temporal.json":          {endCancelledFromTemporal, "removal: cancelled by ops from Temporal at a wait → cancelled"},
	"cancelled_by_admin.json":               {"cancelled", "removal: cancelled by the admin → cancelled"},
	"rejected_by_preflight.json":            {"rejected", "removal: the preflight finds an open attendance → rejected"},
	"rejected_at_the_tombstone.json":        {"rejected", "removal: an attendance opened before the tombstone → rejected"},
	"locked.json":                           {"locked", "removal: five wrong codes → locked"},
	"code_expired.json":                     {"expired", "removal: the code never entered → expired"},
	"code_mail_refused_failed.json":         {"failed", "removal: SendGrid refuses the code e-mail for good → failed"},
	"meta_access_lost.json":                 {"completed", "Meta access lost: a WABA's channels disconnected, admins told"},
	"admins_notice.json":                    {"completed", "notice: every admin told of a removed channel"},
	"purge.json":                            {"purged", "purge: waits for its date, notices, batches → purged"},
	"purge_moved_then_cancelled.json":       {"cancelled", "purge: moved, then cancelled by an admin → cancelled"},
	"purge_held_then_resumed.json":          {"purged", "purge: started while held, the hold lifted → purged on the lead"},
	"purge_hold_lifted_without_signal.json": {"purged", "purge: a hold cleared in Postgres alone, re-read → purged"},
	"purge_cancelled_from_temporal.json":    {endCancelledFromTemporal, "purge: cancelled by ops from Temporal → cancelled"},
	"purge_waits_for_its_notice.json":       {"purged", "purge: an admin untold on the date, moved on by the lead → purged"},
	"webhook_delivery_retried.json":         {"completed", "webhook delivery: the receiver down, retried → delivered"},
}

// endCancelledFromTemporal is a run ops cancelled from Temporal: it closes
// Canceled with no result, whatever its status (a removal waiting for
// retry-unlink is completed_with_warnings), so it stands for no status.
const endCancelledFromTemporal = "cancelled_from_temporal"

// ends are the ends each workflow's sealed histories must reach, as
// howItEnded reads them.
var ends = map[string][]string{
	WorkflowName: {string(domain.StatusCompleted), string(domain.StatusCompletedWithWarnings), string(domain.StatusRejected),
		string(domain.StatusCancelled), string(domain.StatusExpired), string(domain.StatusLocked), string(domain.StatusFailed),
		endCancelledFromTemporal},
	PurgeWorkflowName:           {string(domain.RetentionPurged), string(domain.RetentionCancelled), endCancelledFromTemporal},
	MetaAccessLostWorkflowName:  {"completed"},
	NoticeWorkflowName:          {"completed"},
	WebhookDeliveryWorkflowName: {"completed"},
}

// TestTheCurrentReleaseCoversEveryEnd: the current release's sealed
// histories are the branches listed in covers, and among them every end
// of every workflow (a removal's seven statuses, a purge's two).
func TestTheCurrentReleaseCoversEveryEnd(t *testing.T) {
	files, err := fixtures.Histories("testdata", Release)
	if err != nil {
		t.Fatal(err)
	}
	reached := map[string][]string{}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		c, ok := covers[name]
		wt, end := howItEnded(t, f)
		switch {
		case !ok:
			t.Errorf("%s: not in covers; say which branch it replays", name)
		case end != c.end:
			t.Errorf("%s ends %s, but covers says %s (%s)", name, end, c.end, c.branch)
		}
		reached[wt] = append(reached[wt], end)
		t.Logf("%-40s %-24s %-24s %s", name, wt, end, c.branch)
	}
	for name := range covers {
		if !seen[name] {
			t.Errorf("%s: listed in covers, not among release %s's histories", name, Release)
		}
	}
	for wt, want := range ends {
		for _, end := range want {
			if !slices.Contains(reached[wt], end) {
				got := reached[wt]
				sort.Strings(got)
				t.Errorf("%s: no sealed history of release %s ends %s (ends: %v)", wt, Release, end, got)
			}
		}
	}
}

// howItEnded reads a history's workflow type and end: the status of its
// result (a removal's Outcome, a purge's Purge), endCancelledFromTemporal
// for a run cancelled from Temporal, "completed" for a result without a
// status; a result that does not read (still encrypted) fails the test.
func howItEnded(t *testing.T, file string) (string, string) {
	t.Helper()
	events := historyEvents(t, file)
	wt := events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()
	last := events[len(events)-1]
	switch last.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		return wt, endCancelledFromTemporal
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
	default:
		return wt, last.GetEventType().String()
	}
	p := last.GetWorkflowExecutionCompletedEventAttributes().GetResult().GetPayloads()
	if len(p) == 0 {
		return wt, "completed"
	}
	status, err := resultStatus(p[0].GetData())
	if err != nil {
		t.Fatalf("%s: its result does not read (%v): no end to count", file, err)
	}
	if status == "" {
		return wt, "completed"
	}
	return wt, status
}

// resultStatus is the status a run's result (JSON) says, "" for none.
func resultStatus(data []byte) (string, error) {
	var res struct {
		Status string `json:"status"`
	}
	err := json.Unmarshal(data, &res)
	return res.Status, err
}
