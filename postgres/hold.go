package postgres

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
)

// SetHold sets (hold non-nil) or lifts the channel's legal hold, with its
// audit record, or does neither: a record not written is an error. It waits for the batch in flight, if any (which holds the
// channel's row locked), and the next batch sees it. A hold set where one
// stands replaces it with a later hold_at, even within one microsecond: the
// instant is the hold's version (domain.Hold.Version), which ReleaseHold
// matches, so a new hold never shares the version of the one it replaced.
// A record not written is an error, and the hold is undone with it.
func (s *Store) SetHold(ctx context.Context, channelID string, hold *domain.Hold, e domain.AuditEntry) error {
	var reason, by any
	var at any
	if hold != nil {
		reason, by, at = hold.Reason, hold.By, hold.At
	}
	// One transaction: a hold whose record was not written is undone with it.
	return mapErr(s.inTx(ctx, func(tx querier) error {
		return appendNewAuditWith(ctx, tx, e, `hold AS (
			UPDATE channels SET hold_reason = $14, hold_by = $15::uuid,
				hold_at = CASE WHEN $14::text IS NULL THEN NULL
					ELSE greatest($16::timestamptz, channels.hold_at + interval '1 microsecond') END
			WHERE id = $13),`,
			channelID, reason, by, at)
	}))
}

// ReleaseHold lifts the channel's legal hold only if it is still the one set
// at version (its hold_at), with its audit record, in one statement: a hold
// set meanwhile (its UPDATE committed while this one waited for the row) is
// not the one read, and stands; that is a hold_changed, and nothing is
// written. A lift whose record was not written is undone with it.
func (s *Store) ReleaseHold(ctx context.Context, channelID string, version time.Time, e domain.AuditEntry) error {
	args, err := auditArgs(e)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx querier) error {
		var released bool
		var written int
		err := tx.ScanRow(ctx, auditStatement(`hold AS (
			UPDATE channels SET hold_reason = NULL, hold_by = NULL, hold_at = NULL
			WHERE id = $13 AND hold_at = $14 RETURNING 1),`, `EXISTS (SELECT 1 FROM hold)`,
			`SELECT EXISTS (SELECT 1 FROM hold), (SELECT count(*) FROM audit)`),
			append(args, channelID, version), &released, &written)
		switch {
		case err != nil:
			return err
		case !released:
			return domain.HoldChanged()
		case written == 0:
			return errNotAudited(e.Action)
		}
		return nil
	})
}
