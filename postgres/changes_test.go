package postgres

import (
	"strings"
	"testing"
)

// An announcement is "<removal id> <run id>", with the row as JSON when it
// fit in the NOTIFY; a row that cannot be read is a cue to read it instead.
func TestAnnouncementsAreParsed(t *testing.T) {
	id, a := parseAnnouncement(`remove-channel:c1 run-1 {"removal_id":"remove-channel:c1","run_id":"run-1","account_id":"acc","channel_id":"c1","status":"awaiting_acknowledgement","created_at":"2026-11-26T23:10:00.123456+00:00","updated_at":"2026-11-26T23:10:00.123456+00:00","completed_at":null,"doc":{"attempts_left":5},"requested_by":"u1"}`, nil)
	if id != "remove-channel:c1" || a.RunID != "run-1" || a.Record == nil || a.Record.Status != "awaiting_acknowledgement" ||
		a.Record.AccountID != "acc" || a.Record.CompletedAt != nil || a.Record.CreatedAt.Nanosecond() != 123456000 ||
		!strings.Contains(string(a.Record.Doc), `"attempts_left":5`) {
		t.Fatalf("%s %+v %+v", id, a, a.Record)
	}
	if id, a := parseAnnouncement("remove-channel:c1 run-2", nil); id != "remove-channel:c1" || a.RunID != "run-2" || a.Record != nil {
		t.Fatalf("ids alone: %s %+v", id, a)
	}
	if _, a := parseAnnouncement("remove-channel:c1 run-3 {not json", nil); a.RunID != "run-3" || a.Record != nil {
		t.Fatalf("unreadable row: %+v", a)
	}
}
