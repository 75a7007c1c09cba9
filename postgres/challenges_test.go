package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

func (f fixture) attempt(removalID string, seq int) *domain.AuditEntry {
	return &domain.AuditEntry{RemovalID: removalID, RunID: "run-1", AccountID: f.account, ChannelID: f.channel,
		Action: "code_rejected", Key: removalID + "/attempt/" + string(rune('0'+seq))}
}

// A challenge changes by compare-and-set: a write that lands between another
// change's read and its write makes that change decide again, on what was
// stored, instead of overwriting it (a lost wrong attempt would give a sixth
// try). The first write creates the row with the administrator's e-mail.
func TestChallengeChangeDecidesAgainAfterAConcurrentWrite(t *testing.T) {
	f := newFixture(t)
	const removal = "remove-channel:x"
	expires := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Microsecond)
	created, err := f.store.ChangeChallenge(f.ctx, removal, "run-1", f.account, nil,
		func(cur *domain.Challenge, admin string, _ domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
			if cur != nil || admin != "dono@loja.test" {
				t.Fatalf("first read: %+v %q", cur, admin)
			}
			return &domain.Challenge{RemovalID: removal, RunID: "run-1", AccountID: f.account, ChannelID: f.channel,
				Recipient: admin, SendSeq: 1, CodeHash: []byte("h"), ExpiresAt: expires, MaxAttempts: 5}, nil, nil
		})
	if err != nil || created.Version != 1 || created.Recipient != "dono@loja.test" {
		t.Fatalf("created: %+v %v", created, err)
	}

	wrong := func(seq int) func(cur *domain.Challenge, _ string, _ domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
		return func(cur *domain.Challenge, _ string, _ domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
			next := *cur
			next.Attempts, next.LastAttemptSeq = cur.Attempts+1, seq
			return &next, f.attempt(removal, seq), nil
		}
	}
	decisions := 0
	got, err := f.store.ChangeChallenge(f.ctx, removal, "run-1", f.account, nil,
		func(cur *domain.Challenge, admin string, _ domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
			decisions++
			if decisions == 1 { // another attempt is stored after this read
				if _, err := f.store.ChangeChallenge(f.ctx, removal, "run-1", f.account, nil, wrong(1)); err != nil {
					t.Fatal(err)
				}
			}
			return wrong(2)(cur, admin, domain.CodeHistory{})
		})
	if err != nil {
		t.Fatal(err)
	}
	if decisions != 2 || got.Attempts != 2 || got.LastAttemptSeq != 2 || got.Version != 3 {
		t.Fatalf("decided %d times; stored %+v", decisions, got)
	}
	trail, err := f.store.AuditTrail(f.ctx, removal)
	if err != nil || len(trail) != 2 {
		t.Fatalf("each stored attempt has its record, once: %+v %v", trail, err)
	}
}

// The change and its audit record are one statement: a record that cannot be
// written leaves the challenge as it was.
func TestChallengeChangeIsStoredOnlyWithItsAuditRecord(t *testing.T) {
	f := newFixture(t)
	const removal = "remove-channel:y"
	create := func(cur *domain.Challenge, admin string, _ domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
		return &domain.Challenge{RemovalID: removal, RunID: "run-1", AccountID: f.account, ChannelID: f.channel,
			Recipient: admin, SendSeq: 1, CodeHash: []byte("h"), ExpiresAt: time.Now().Add(time.Minute), MaxAttempts: 5}, f.attempt(removal, 1), nil
	}
	db := f.store.DB()
	db.MustExec(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'audit unavailable'; END $$`)
	db.MustExec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON removal_audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`)
	if _, err := f.store.ChangeChallenge(f.ctx, removal, "run-1", f.account, nil, create); err == nil {
		t.Fatal("a change whose record cannot be written must fail")
	}
	var rows int
	if err := db.Get(&rows, `SELECT count(*) FROM verification_challenges`); err != nil || rows != 0 {
		t.Fatalf("the challenge was stored without its record: %d %v", rows, err)
	}
	db.MustExec(`DROP TRIGGER refuse_audit ON removal_audit_log`)
	if c, err := f.store.ChangeChallenge(f.ctx, removal, "run-1", f.account, nil, create); err != nil || c.Version != 1 {
		t.Fatalf("%+v %v", c, err)
	}
}

// A change that loses every race gives up after a few decisions with a plain
// (retryable) error, instead of looping while another writer keeps writing.
func TestChallengeChangeGivesUpAfterLosingEveryRace(t *testing.T) {
	f := newFixture(t)
	const removal = "remove-channel:z"
	bump := func(cur *domain.Challenge, admin string, _ domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
		next := &domain.Challenge{RemovalID: removal, RunID: "run-1", AccountID: f.account, ChannelID: f.channel,
			Recipient: admin, SendSeq: 1, CodeHash: []byte("h"), ExpiresAt: time.Now().Add(time.Minute), MaxAttempts: 5}
		if cur != nil {
			c := *cur
			c.Attempts++
			next = &c
		}
		return next, nil, nil
	}
	decisions := 0
	_, err := f.store.ChangeChallenge(f.ctx, removal, "run-1", f.account, nil,
		func(cur *domain.Challenge, admin string, _ domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
			decisions++
			if _, err := f.store.ChangeChallenge(f.ctx, removal, "run-1", f.account, nil, bump); err != nil {
				t.Fatal(err)
			}
			return bump(cur, admin, domain.CodeHistory{})
		})
	var de *domain.Error
	if err == nil || errors.As(err, &de) || decisions != 5 {
		t.Fatalf("after %d decisions: %v", decisions, err)
	}
}
