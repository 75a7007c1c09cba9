package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/crm/channel-removal/domain"
)

// RemoveChannel tombstones a channel in one transaction: lock the row, then,
// in one statement, re-check there is no active attendance and, only then,
// move the token to the unlink job, wipe the credentials, detach references,
// mark it removed and write the audit record(s). No statement writes to
// conversations or messages: its cost does not depend on how many there are.
// A second call finds the tombstone and changes nothing.
func (s *Store) RemoveChannel(ctx context.Context, in domain.Tombstone) (domain.TombstoneResult, error) {
	var res domain.TombstoneResult
	err := s.inTx(ctx, func(tx querier) error {
		for try := 0; ; try++ {
			// The lock comes first, in a statement of its own: the re-check
			// must see what committed while this waited for it (READ
			// COMMITTED takes a new snapshot per statement). The reference
			// count it reads can only fall before the next statement (a new
			// reference would need this row's key-share lock); the writes
			// check it, so the record says exactly what was detached.
			var cur struct {
				channelRow
				References   int    `db:"refs"`
				Subscription bool   `db:"subscription"`
				Number       bool   `db:"number"`
				Override     bool   `db:"override"`
				CreditLine   bool   `db:"credit_line"`
				OwedCredit   string `db:"owed_credit"`
			}
			if err := tx.GetContext(ctx, &cur, `SELECT `+channelCols+`,
					(SELECT count(*) FROM channel_references r WHERE r.channel_id = c.id) AS refs,
					EXISTS (SELECT 1 FROM meta_unlinks WHERE removal_id = $2 AND run_id = $3) AS subscription,
					EXISTS (SELECT 1 FROM number_releases WHERE removal_id = $2 AND run_id = $3) AS number,
					EXISTS (SELECT 1 FROM override_releases WHERE removal_id = $2 AND run_id = $3) AS override,
					EXISTS (SELECT 1 FROM credit_line_releases WHERE removal_id = $2 AND run_id = $3) AS credit_line,
					COALESCE(`+unrevokedCreditLine+`, '') AS owed_credit
				FROM channels c WHERE c.id = $1 FOR UPDATE`, in.ChannelID, in.RemovalID, in.RunID); err != nil {
				return err
			}
			ch := cur.toDomain()
			if ch.Status == domain.ChannelRemoved {
				res.AlreadyRemoved, res.Subscription, res.Number, res.Override = true, cur.Subscription, cur.Number, cur.Override
				res.WABAOverride, res.CreditLine = ch.WABAOverride != nil, cur.CreditLine
				return nil
			}
			kind, object := domain.UnlinkTarget(ch)
			number := in.ReleaseNumber && domain.NumberReleaseOffered(ch.Kind, ch.Status == domain.ChannelDisconnected, ch.Coexistence) && ch.PhoneNumber != nil && *ch.PhoneNumber != ""
			res.Subscription, res.Number, res.DetachedReferences = object != "", number, cur.References
			// Overrides are ours to clear only while Meta still lets our app in.
			live := ch.Status != domain.ChannelDisconnected
			res.Override = live && ch.NumberOverride != nil && ch.PhoneNumber != nil
			res.WABAOverride = live && ch.WABAOverride != nil && kind == "waba"
			// Our credit line is revoked with the WABA's unlink; a WABA Meta
			// already took from us is the business's to settle with Meta,
			// unless another removal kept our line for this channel (on its
			// WABA or its allocation config): the other WABA is still on our
			// line, and nobody else is left to revoke it. A channel recorded
			// without the config still owes a line another removal kept, or
			// may keep, for it on its WABA (unrevokedCreditLine).
			onWABA := ch.Kind == domain.KindWhatsAppCloud && ch.WABAID != nil && *ch.WABAID != ""
			res.CreditLine = onWABA && (live && ch.CreditAllocation != nil && *ch.CreditAllocation != "" || cur.OwedCredit != "")
			res.MetaAccessLost = ch.Status == domain.ChannelDisconnected
			cleared, active, err := s.tombstone(ctx, tx, in, ch, res, kind, object)
			if err != nil || cleared {
				return err
			}
			if len(active) > 0 {
				return (&domain.Error{Code: domain.CodeActiveAttendances,
					Message: "o canal tem atendimentos ativos; encerre-os antes de remover"}).With("active_attendances", active)
			}
			if try == 2 {
				return fmt.Errorf("tombstone of %s: its references kept changing", ch.ID)
			}
		}
	})
	return res, err
}

// unrevokedCreditLine is the allocation config of our credit line that
// another removal on channel c's WABA owes or kept and has not revoked: a
// number added to the WABA after the share may be recorded without the
// config, and when that removal keeps the line for it (c live), c's removal
// is the one left to revoke it. Not only "kept": the other removal may have
// seen c live and not yet recorded its keep, and this tombstone cannot wait
// for it; if it revokes after all, c's revocation finds it already revoked.
//
// The same holds for a line another removal kept on the same allocation
// config (another WABA of the client's business): a channel Meta cut off
// since owes it still, for a cut-off channel is nobody's to keep it for.
const unrevokedCreditLine = `(SELECT k.allocation_config_id FROM credit_line_releases k
	WHERE (k.waba_id = c.waba_id OR k.allocation_config_id = c.credit_allocation_config_id) AND k.status <> 'revoked'
	ORDER BY k.updated_at DESC LIMIT 1)`

// tombstone is the tombstone's one writing statement: nothing is written
// unless the channel has no active attendance and still the references
// counted under the lock (cleared false: active lists the attendances, or
// none when only the count moved).
func (s *Store) tombstone(ctx context.Context, tx querier, in domain.Tombstone, ch domain.Channel, res domain.TombstoneResult, kind, object string) (bool, []domain.Attendance, error) {
	records := domain.TombstoneRecords(in, ch, res)
	last := records[len(records)-1]
	args, err := auditArgs(last)
	if err != nil {
		return false, nil, err
	}
	earlier, err := earlierArgs(last, records[:len(records)-1])
	if err != nil {
		return false, nil, err
	}
	at := make([]int, len(records)-1)
	for i := range at {
		at[i] = 21 + 3*i
	}
	// The unlink job takes the token (the statement's snapshot still has it)
	// as the credentials are deleted.
	var cleared bool
	var active []byte
	err = tx.ScanRow(ctx, auditStatement(`active AS (
			SELECT v.id AS conversation_id, ct.name AS contact, v.status
			FROM conversations v JOIN contacts ct ON ct.id = v.contact_id
			WHERE v.channel_id = $16 AND v.status IN ('open', 'pending')
			ORDER BY v.updated_at DESC LIMIT 20),
		clear AS (SELECT NOT EXISTS (SELECT 1 FROM active)
			AND (SELECT count(*) FROM channel_references WHERE channel_id = $16) = $17 AS ok),
		unlink AS (
			INSERT INTO meta_unlinks (removal_id, run_id, channel_id, object_kind, object_id, access_token, updated_at)
			SELECT $1, $2, $16, $13, $14, (SELECT access_token FROM channel_credentials WHERE channel_id = $16), $15
			WHERE $14 <> '' AND (SELECT ok FROM clear)
			ON CONFLICT (removal_id, run_id) DO NOTHING),
		number AS (
			INSERT INTO number_releases (removal_id, run_id, channel_id, phone_number_id, access_token, updated_at)
			SELECT $1, $2, $16, c.phone_number_id, (SELECT access_token FROM channel_credentials WHERE channel_id = $16), $15
			FROM channels c WHERE c.id = $16 AND $18 AND (SELECT ok FROM clear)
			ON CONFLICT (removal_id, run_id) DO NOTHING),
		override AS (
			INSERT INTO override_releases (removal_id, run_id, channel_id, phone_number_id, override_uri, access_token, updated_at)
			SELECT $1, $2, $16, c.phone_number_id, c.number_override_uri, (SELECT access_token FROM channel_credentials WHERE channel_id = $16), $15
			FROM channels c WHERE c.id = $16 AND $19 AND (SELECT ok FROM clear)
			ON CONFLICT (removal_id, run_id) DO NOTHING),
		credit AS (
			-- no token: the revocation is our business's (META_PARTNER_TOKEN), not the channel's
			INSERT INTO credit_line_releases (removal_id, run_id, channel_id, waba_id, allocation_config_id, access_token, updated_at)
			SELECT $1, $2, $16, c.waba_id, COALESCE(c.credit_allocation_config_id, `+unrevokedCreditLine+`), NULL, $15
			FROM channels c WHERE c.id = $16 AND $20 AND (SELECT ok FROM clear)
			ON CONFLICT (removal_id, run_id) DO NOTHING),
		credentials AS (DELETE FROM channel_credentials WHERE channel_id = $16 AND (SELECT ok FROM clear)),
		tombstone AS (UPDATE channels SET status = 'removed', removed_at = $15, removed_by = $1 WHERE id = $16 AND (SELECT ok FROM clear)),
		detached AS (
			UPDATE channel_references SET detached_channel_id = channel_id, channel_id = NULL, detached_at = $15
			WHERE channel_id = $16 AND (SELECT ok FROM clear)),`,
		`(SELECT ok FROM clear)`,
		`SELECT (SELECT ok FROM clear), (SELECT coalesce(json_agg(a), '[]') FROM active a)`, at...),
		append(append(args, kind, object, in.Now, ch.ID, res.DetachedReferences, res.Number, res.Override, res.CreditLine), earlier...), &cleared, &active)
	if err != nil || cleared {
		return cleared, nil, err
	}
	var as []domain.Attendance
	return false, as, json.Unmarshal(active, &as)
}
