package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

// The verification code's rules (throttle, attempts, expiry) are decided in
// activities; this file only reads and writes the run's challenge row.

const challengeCols = `removal_id, run_id, account_id, channel_id, recipient, send_seq, code_hash, code_nonce,
	expires_at, sent_at, last_sent_at, attempts, max_attempts, last_attempt_seq, last_attempt_ok, verified_at, version`

// challengeOrNone reads challengeCols from c, which may be a LEFT JOIN's
// nothing: version 0 then.
const challengeOrNone = `COALESCE(c.removal_id, '') AS removal_id, COALESCE(c.run_id, '') AS run_id,
	COALESCE(c.account_id::text, '') AS account_id, COALESCE(c.channel_id::text, '') AS channel_id,
	COALESCE(c.recipient, '') AS recipient, COALESCE(c.send_seq, 0) AS send_seq, COALESCE(c.code_hash, ''::bytea) AS code_hash,
	c.code_nonce, COALESCE(c.expires_at, 'epoch') AS expires_at, c.sent_at, c.last_sent_at, COALESCE(c.attempts, 0) AS attempts,
	COALESCE(c.max_attempts, 0) AS max_attempts, COALESCE(c.last_attempt_seq, 0) AS last_attempt_seq, c.last_attempt_ok,
	c.verified_at, COALESCE(c.version, 0) AS version`

// ChangeChallenge reads the run's challenge (nil when there is none yet) with
// the e-mail of its account's administrator, lets decide say what it becomes
// (nil: unchanged) and which audit record goes with the change, and stores
// both in one statement, provided the challenge is still the version decide
// saw; if another write came first, it reads and decides again. So
// concurrent sends and attempts of one run are serialized without a lock
// held across round trips. It returns the row as stored afterwards.
//
// With codes set, the same read also gives decide the channel's code history
// across runs (codeHistory), which the code's limits count. The account's
// wrong codes are counted over every channel of the account, whose runs
// guess at once: so a code check (codes.Guess) tries in a transaction that
// first locks the account's row, and no two checks of one account decide on
// the same count (3 round trips more; a send spends no guess).
func (s *Store) ChangeChallenge(ctx context.Context, removalID, runID, accountID string, codes *domain.CodeQuery,
	decide func(cur *domain.Challenge, adminEmail string, hist domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error)) (domain.Challenge, error) {
	perAccount := codes != nil && codes.Guess && codes.Limits.LockedPerAccount.Max > 0 && accountID != ""
	for try := 0; ; try++ {
		if try == maxChallengeTries { // a plain error: the activity's retry tries again later
			return domain.Challenge{}, fmt.Errorf("challenge of %s/%s changed %d times while being written", removalID, runID, try)
		}
		var stored *domain.Challenge
		var done bool
		once := func(q querier) (err error) {
			stored, done, err = changeChallengeOnce(ctx, q, removalID, runID, accountID, codes, decide)
			return err
		}
		var err error
		if perAccount {
			err = s.inTx(ctx, func(tx querier) error {
				if _, err := tx.ExecContext(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, accountID); err != nil {
					return err
				}
				return once(tx)
			})
		} else {
			err = once(s.q())
		}
		if err != nil || done {
			return deref(stored), err
		}
	}
}

// changeChallengeOnce is one read, decision and write of ChangeChallenge, on
// q: done, with the row as stored, unless the challenge changed between its
// read and its write.
func changeChallengeOnce(ctx context.Context, q querier, removalID, runID, accountID string, codes *domain.CodeQuery,
	decide func(cur *domain.Challenge, adminEmail string, hist domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error)) (*domain.Challenge, bool, error) {
	var read struct {
		AdminEmail string `db:"admin_email"`
		challengeRow
		historyRow
	}
	cols, from, args := "", "(SELECT 1) one", []any{removalID, runID, accountID}
	if codes != nil {
		h := codeHistory{limits: codes.Limits}
		cols, from = ", h.*", "(SELECT $4::uuid AS channel_id) one"+h.join("one.channel_id", "NULLIF($3, '')::uuid", 5)
		args = append(append(args, codes.ChannelID), h.args()...)
	}
	err := q.GetContext(ctx, &read, `
		SELECT COALESCE(a.admin_email, '') AS admin_email, `+challengeOrNone+cols+`
		FROM `+from+`
		LEFT JOIN accounts a ON a.id = NULLIF($3, '')::uuid
		LEFT JOIN verification_challenges c ON c.removal_id = $1 AND c.run_id = $2`, args...)
	if err != nil {
		return nil, false, mapErr(err)
	}
	var cur *domain.Challenge
	if read.Version > 0 {
		c := domain.Challenge(read.challengeRow)
		cur = &c
	}
	next, rec, err := decide(cur, read.AdminEmail, read.historyRow.history())
	if err != nil {
		return nil, false, err
	}
	if next == nil {
		if rec != nil { // e.g. a retried attempt: its record is keyed, so written once
			if err := appendAudit(ctx, q, *rec); err != nil {
				return nil, false, mapErr(err)
			}
		}
		return cur, true, nil
	}
	stored, err := storeChallenge(ctx, q, *next, read.Version, rec)
	return stored, err == nil && stored != nil, err
}

// maxChallengeTries bounds ChangeChallenge's decisions: a run's writes are
// its own sends and attempts, which the workflow serializes, so a second try
// already means an activity retry raced its own first attempt.
const maxChallengeTries = 5

// storeChallenge writes next over version over (0: over no row) and, in the
// same statement, the audit record rec (none when nil). It returns nil when
// the row was no longer at that version.
func storeChallenge(ctx context.Context, q querier, next domain.Challenge, over int64, rec *domain.AuditEntry) (*domain.Challenge, error) {
	var none domain.AuditEntry // no record: an empty key is never written
	if rec == nil {
		rec = &none
	}
	args, err := auditArgs(*rec)
	if err != nil {
		return nil, err
	}
	var rows []challengeRow
	err = q.SelectContext(ctx, &rows, auditStatement(`chal AS (
			INSERT INTO verification_challenges (removal_id, run_id, account_id, channel_id, recipient, send_seq,
				code_hash, code_nonce, expires_at, sent_at, last_sent_at, attempts, max_attempts, last_attempt_seq,
				last_attempt_ok, verified_at, updated_at, version)
			SELECT $13::text, $14::text, $15::uuid, $16::uuid, $17::text, $18::int, $19::bytea, $20::bytea, $21::timestamptz,
				$22::timestamptz, $23::timestamptz, $24::int, $25::int, $26::int, $27::boolean, $28::timestamptz, now(), 1
			WHERE $29 = 0
			ON CONFLICT (removal_id, run_id) DO NOTHING
			RETURNING `+challengeCols+`),
		changed AS (
			UPDATE verification_challenges SET
				recipient = $17, send_seq = $18, code_hash = $19, code_nonce = $20, expires_at = $21, sent_at = $22,
				last_sent_at = $23, attempts = $24, max_attempts = $25, last_attempt_seq = $26, last_attempt_ok = $27,
				verified_at = $28, updated_at = now(), version = version + 1
			WHERE removal_id = $13 AND run_id = $14 AND version = $29 AND $29 > 0
			RETURNING `+challengeCols+`),
		stored AS (SELECT * FROM chal UNION ALL SELECT * FROM changed),`,
		`EXISTS (SELECT 1 FROM stored) AND $9 <> ''`, `SELECT * FROM stored`),
		append(args, next.RemovalID, next.RunID, next.AccountID, next.ChannelID, next.Recipient, next.SendSeq, next.CodeHash,
			next.CodeNonce, next.ExpiresAt, next.SentAt, next.LastSentAt, next.Attempts, next.MaxAttempts, next.LastAttemptSeq,
			next.LastAttemptOK, next.VerifiedAt, over)...)
	if err != nil || len(rows) == 0 {
		return nil, mapErr(err)
	}
	stored := domain.Challenge(rows[0])
	return &stored, nil
}

func deref(c *domain.Challenge) domain.Challenge {
	if c == nil {
		return domain.Challenge{}
	}
	return *c
}

// MarkCodeSent records that send seq was accepted by the mailer: it erases the
// nonce (from here on only the keyed hash remains) and appends sent, the
// send's audit record, in one statement, so a send is marked exactly when its
// record exists; after a failed write the retry re-sends the same code.
func (s *Store) MarkCodeSent(ctx context.Context, removalID, runID string, seq int, now time.Time, sent domain.AuditEntry) error {
	if sent.RemovalID != removalID || sent.RunID != runID {
		return fmt.Errorf("MarkCodeSent: the record is of %s/%s, not %s/%s", sent.RemovalID, sent.RunID, removalID, runID)
	}
	return mapErr(appendAuditWith(ctx, s.q(), sent, `mark AS (
			UPDATE verification_challenges
			SET sent_at = $14, last_sent_at = $14, code_nonce = NULL, updated_at = $14, version = version + 1
			WHERE removal_id = $1 AND run_id = $2 AND send_seq = $13 AND sent_at IS NULL),`, seq, now))
}

// CodeHistory reads a channel's code e-mails and its and its account's wrong
// codes within the limits' windows (codeHistory).
func (s *Store) CodeHistory(ctx context.Context, channelID, accountID string, l domain.CodeLimits) (domain.CodeHistory, error) {
	q := codeHistory{limits: l}
	var r historyRow
	err := s.q().GetContext(ctx, &r, `SELECT h.* FROM (SELECT $1::uuid AS channel_id, NULLIF($2, '')::uuid AS account_id) k`+
		q.join("k.channel_id", "k.account_id", 3), append([]any{channelID, accountID}, q.args()...)...)
	return r.history(), mapErr(err)
}

// codeHistory reads what the code's limits across runs count, from the audit
// trail's code_sent and code_rejected records (by their partial indexes), as
// a lateral join h of any statement that knows the channel and the account:
// the counts and how long until each falls under its limit (historyRow).
// Windows are measured on the database's clock, the one that stamped the
// records.
type codeHistory struct{ limits domain.CodeLimits }

// join is the lateral join for channel ch and account acc (SQL expressions),
// its parameters numbered from p.
func (q codeHistory) join(ch, acc string, p int) string {
	return fmt.Sprintf(`
		LEFT JOIN LATERAL (
			WITH sent AS (SELECT created_at FROM removal_audit_log
				WHERE channel_id = %[1]s AND action = 'code_sent' AND created_at > now() - make_interval(secs => $%[3]d)),
			wrong_ch AS (SELECT created_at FROM removal_audit_log
				WHERE channel_id = %[1]s AND action = 'code_rejected' AND created_at > now() - make_interval(secs => $%[5]d)),
			wrong_acc AS (SELECT created_at FROM removal_audit_log
				WHERE account_id = %[2]s AND action = 'code_rejected' AND created_at > now() - make_interval(secs => $%[8]d))
			SELECT (SELECT count(*) FROM sent) AS code_emails,
			       COALESCE((SELECT extract(epoch FROM created_at + make_interval(secs => $%[3]d) - now()) FROM sent
			                 ORDER BY created_at DESC OFFSET greatest($%[4]d::int - 1, 0) LIMIT 1), 0) AS code_emails_wait,
			       (SELECT count(*) FROM wrong_ch) AS wrong_by_channel,
			       COALESCE((SELECT extract(epoch FROM created_at + make_interval(secs => $%[5]d) - now()) FROM wrong_ch
			                 ORDER BY created_at DESC OFFSET greatest($%[6]d::int - 1, 0) LIMIT 1), 0) AS channel_wait,
			       (SELECT count(*) FROM wrong_acc) AS wrong_by_account,
			       COALESCE((SELECT extract(epoch FROM created_at + make_interval(secs => $%[8]d) - now()) FROM wrong_acc
			                 ORDER BY created_at DESC OFFSET greatest($%[7]d::int - 1, 0) LIMIT 1), 0) AS account_wait) h ON true`,
		ch, acc, p, p+1, p+2, p+3, p+4, p+5)
}

func (q codeHistory) args() []any {
	l := q.limits
	return []any{l.CodeEmails.Window.Seconds(), l.CodeEmails.Max, l.LockedPerChannel.Window.Seconds(),
		l.LockedPerChannel.WrongCodeBudget(), l.LockedPerAccount.WrongCodeBudget(), l.LockedPerAccount.Window.Seconds()}
}

// historyRow is codeHistory's columns as read.
type historyRow struct {
	CodeEmails     int     `db:"code_emails"`
	CodeEmailsWait float64 `db:"code_emails_wait"`
	WrongByChannel int     `db:"wrong_by_channel"`
	ChannelWait    float64 `db:"channel_wait"`
	WrongByAccount int     `db:"wrong_by_account"`
	AccountWait    float64 `db:"account_wait"`
}

func (r historyRow) history() domain.CodeHistory {
	sec := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	return domain.CodeHistory{CodeEmails: r.CodeEmails, CodeEmailsWait: sec(r.CodeEmailsWait), WrongByChannel: r.WrongByChannel,
		ChannelWait: sec(r.ChannelWait), WrongByAccount: r.WrongByAccount, AccountWait: sec(r.AccountWait)}
}
