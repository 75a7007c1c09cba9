package activities_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
)

// failRecordOnce makes the database refuse, once, the audit record of action:
// a crash of the step right where its effect was recorded and its record not.
func (e *env) failRecordOnce(action string) {
	e.t.Helper()
	db := e.store.DB()
	// A sequence, not a row: its advance outlives the failed statement's rollback.
	db.MustExec(`CREATE SEQUENCE IF NOT EXISTS crash_once`)
	db.MustExec(`CREATE OR REPLACE FUNCTION crash_once() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.action = '` + action + `' AND nextval('crash_once') = 1 THEN
				RAISE EXCEPTION 'crash before the record of %', NEW.action USING ERRCODE = 'XX000';
			END IF;
			RETURN NEW;
		END $$`)
	db.MustExec(`CREATE OR REPLACE TRIGGER crash_once BEFORE INSERT ON removal_audit_log FOR EACH ROW EXECUTE FUNCTION crash_once()`)
}

// An effect and its record are one statement (the number's release, the
// unlink's failures): a step that fails where its record is written leaves
// nothing recorded, so its retry (within the attempt, for Meta's answer to a
// release) records it, once, and the read model moves.
func TestAnEffectIsRecordedWithItsRecord(t *testing.T) {
	t.Run("the number's release", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		e.failRecordOnce("number_released")
		if _, err := e.unsubscribe(ch); err != nil {
			t.Fatal(err)
		}
		// The failed write is tried again within the attempt (recordMetaAnswer):
		// a retry of the activity would deregister the number a second time.
		r, err := e.release(ch)
		if err != nil || r.Outcome != domain.OutcomeDone {
			t.Fatalf("release: %+v %v", r, err)
		}
		if got := e.trail(e.step(ch).RemovalID); strings.Count(got, "number_released") != 1 {
			t.Fatalf("trail %s", got)
		}
		rec, err := e.store.LatestRemoval(e.ctx, e.step(ch).RemovalID)
		if err != nil || rec.Document().MetaUnlink.Number == nil || rec.Document().MetaUnlink.Number.Status != domain.NumberReleased {
			t.Fatalf("read model: %s %v", rec.Doc, err)
		}
	})
	t.Run("an unlink's failure counts one attempt", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("whatsapp_cloud", "W1", "")
		e.graph.FailObject("W1", graphsim.Failure{HTTPStatus: http.StatusServiceUnavailable, Code: 2, Message: "unavailable"})
		e.failRecordOnce("meta_unlink_failed")
		e.unsubscribe(ch) // crashes where it records
		e.unsubscribe(ch) // the retry fails at Meta again
		u, _, err := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if err != nil || u.Attempts != 1 || strings.Count(e.trail(e.step(ch).RemovalID), "meta_unlink_failed") != 1 {
			t.Fatalf("attempts %d (%v), trail %s", u.Attempts, err, e.trail(e.step(ch).RemovalID))
		}
	})
}
