package domain

import (
	"fmt"
	"time"
)

// The history's fate (SPEC §8, LGPD arts. 15–16): with the acknowledgement
// the admin keeps the removed channel's conversations (the default) or has
// their messages purged a number of days after the removal. The purge keeps
// the conversations' metadata and the whole audit trail.

// PurgeChoices are the retentions the alert offers, in days.
var PurgeChoices = []int{30, 90, 180}

// RetentionDay is one retention day (RETENTION_DAY shortens it in tests).
const RetentionDay = 24 * time.Hour

// PurgeNoticeDays: every admin is e-mailed this many retention days before a purge.
const PurgeNoticeDays = 7

// ValidPurgeAfterDays: 0 (keep the history) or one of PurgeChoices.
func ValidPurgeAfterDays(days int) bool {
	if days == 0 {
		return true
	}
	for _, d := range PurgeChoices {
		if d == days {
			return true
		}
	}
	return false
}

// PurgeAfterDaysRefusal is the 400's detail for a retention not offered.
const PurgeAfterDaysRefusal = "purge_after_days é 0 (manter o histórico), 30, 90 ou 180"

// RetentionStatus is what becomes of a removed channel's messages
// (retention.status in the removal document, message_purges.status).
type RetentionStatus string

const (
	RetentionKept      RetentionStatus = "kept"
	RetentionScheduled RetentionStatus = "scheduled"
	RetentionCancelled RetentionStatus = "cancelled"
	RetentionHeld      RetentionStatus = "held"
	RetentionPurging   RetentionStatus = "purging"
	RetentionPurged    RetentionStatus = "purged"
)

// Retention is the removal document's retention.
type Retention struct {
	PurgeAfterDays int             `json:"purge_after_days"`
	PurgeAt        *time.Time      `json:"purge_at,omitempty"`
	Status         RetentionStatus `json:"status"`
	// PurgedMessages and PurgedConversations count what the purge deleted
	// and marked so far.
	PurgedMessages      int64 `json:"purged_messages,omitempty"`
	PurgedConversations int64 `json:"purged_conversations,omitempty"`
}

// RetentionChosen is the document's retention once the admin chose days.
func RetentionChosen(days int) *Retention {
	if days == 0 {
		return &Retention{Status: RetentionKept}
	}
	return &Retention{PurgeAfterDays: days, Status: RetentionScheduled}
}

// NotePurgeNotScheduled begins the note of a purge that could not be
// scheduled (the history is then kept).
const NotePurgeNotScheduled = "A exclusão programada das mensagens não pôde ser agendada; o histórico foi mantido: "

// Labels of the choice, as the alert and the audit trail say it.
const (
	RetentionKeepLabel  = "Manter o histórico"
	RetentionPurgeLabel = "Apagar as mensagens após"
)

// RetentionText is the choice in pt-BR.
func RetentionText(days int) string {
	if days == 0 {
		return RetentionKeepLabel
	}
	return fmt.Sprintf("%s %d dias", RetentionPurgeLabel, days)
}

// Purge is a channel's scheduled purge (a message_purges row), which the
// purge workflow alone writes after the removal scheduled it.
type Purge struct {
	ChannelID           string          `json:"channel_id"`
	AccountID           string          `json:"account_id"`
	RemovalID           string          `json:"removal_id"`
	PurgeAfterDays      int             `json:"purge_after_days"`
	PurgeAt             time.Time       `json:"purge_at"`
	Status              RetentionStatus `json:"status"`
	PurgedMessages      int64           `json:"purged_messages"`
	PurgedConversations int64           `json:"purged_conversations"`
	StartedAt           *time.Time      `json:"started_at,omitempty"`
	FinishedAt          *time.Time      `json:"finished_at,omitempty"`
}

// Retention is the purge as the removal document shows it.
func (p Purge) Retention() *Retention {
	at := p.PurgeAt
	return &Retention{PurgeAfterDays: p.PurgeAfterDays, PurgeAt: &at, Status: p.Status,
		PurgedMessages: p.PurgedMessages, PurgedConversations: p.PurgedConversations}
}

// Pending: nothing was deleted yet, so an admin may still cancel or move it.
func (s RetentionStatus) Pending() bool { return s == RetentionScheduled || s == RetentionHeld }

// PurgeBatch is one short transaction of a purge: the messages it deleted and
// the conversations it left empty (marked messages_purged); Held: a legal
// hold stood, and nothing was touched.
type PurgeBatch struct {
	Messages      int64 `json:"messages"`
	Conversations int64 `json:"conversations"`
	Done          bool  `json:"done"`
	Held          bool  `json:"held"`
}

// PurgeBatchSize bounds the messages one batch deletes: a transaction of a
// fraction of a second, which never locks other channels' rows.
const PurgeBatchSize = 5000

// PurgeStep is the purge's status in pt-BR, for Temporal Web and the channel page.
func PurgeStep(p Purge) string {
	switch p.Status {
	case RetentionScheduled:
		return "Exclusão das mensagens programada para " + p.PurgeAt.Format(time.RFC3339)
	case RetentionHeld:
		return "Exclusão suspensa por retenção legal"
	case RetentionCancelled:
		return "Exclusão programada cancelada; o histórico é mantido"
	case RetentionPurging:
		return fmt.Sprintf("Apagando as mensagens: %d apagadas, %d conversas concluídas", p.PurgedMessages, p.PurgedConversations)
	case RetentionPurged:
		return fmt.Sprintf("Mensagens apagadas: %d mensagens de %d conversas", p.PurgedMessages, p.PurgedConversations)
	}
	return string(p.Status)
}

// PurgeLead is how far ahead of its date a purge is announced to every
// admin, and so the nearest a purge can be set: a stolen admin session
// cannot have messages purged before the other admins could read the
// notice and cancel, move or hold it (SPEC §9).
func PurgeLead(day time.Duration) time.Duration {
	if day <= 0 {
		day = RetentionDay
	}
	return PurgeNoticeDays * day
}

// PurgeTooSoon says a purge set, at now, to run at would not leave the
// admins the notice lead.
func PurgeTooSoon(at, now time.Time, day time.Duration) bool {
	return at.Before(now.Add(PurgeLead(day)))
}

// PurgeTooSoonRefusal is the refusal of a move that would hasten a purge.
func PurgeTooSoonRefusal(now time.Time, day time.Duration) *Error {
	return Errorf(CodePurgeTooSoon, "a exclusão só pode ser marcada com %d dias de antecedência, para que todos os administradores sejam avisados: escolha %s ou depois",
		PurgeNoticeDays, BrasiliaTime(now.Add(PurgeLead(day)).Add(time.Minute).Truncate(time.Minute)))
}

// PurgeAfterHold is the date of a pending purge whose legal hold was lifted
// at now: its own date if that still leaves the notice lead, else now plus
// the lead, so a hold lifted on (or after) the date never purges at once and
// the admins are told again of the new date.
func PurgeAfterHold(at, now time.Time, day time.Duration) time.Time {
	if !PurgeTooSoon(at, now, day) {
		return at
	}
	// Rounded up to a retention hour: lifts and sets over and over within
	// the hour give one date, and so one notice per admin, not one each.
	if day <= 0 {
		day = RetentionDay
	}
	hour := day / 24
	next := now.Add(PurgeLead(day)).UTC()
	if r := next.Truncate(hour); r.Before(next) {
		next = r.Add(hour)
	}
	return next
}

// ToldInTime says a notice of a purge on purgeAt accepted at sentAt gave the
// admin the whole lead: it went out by the notice day, give or take a
// retention hour (at least a minute) for the notice's own delivery. A notice
// accepted later (SendGrid back a day late) leaves the admin less than the
// lead, and the purge moves on.
func ToldInTime(sentAt, purgeAt time.Time, day time.Duration) bool {
	if day <= 0 {
		day = RetentionDay
	}
	slack := max(day/24, time.Minute)
	return !sentAt.After(PurgeNoticeAt(purgeAt, day).Add(slack))
}
