package workflows

import (
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

// Input starts a removal. Zero durations take the contract's defaults.
type Input struct {
	ChannelID   string       `json:"channel_id"`
	RequestedBy string       `json:"requested_by"` // user id
	Actor       domain.Actor `json:"actor"`
	// ChannelName and ChannelKind name the channel in Temporal Web (run summary).
	ChannelName string             `json:"channel_name,omitempty"`
	ChannelKind domain.ChannelKind `json:"channel_kind,omitempty"`
	// AckTimeout bounds the wait for the acknowledgement (default 15 min).
	AckTimeout Duration `json:"ack_timeout,omitempty"`
	// ResendInterval is the resend throttle (default 60 s); the activity enforces it too.
	ResendInterval Duration `json:"resend_interval,omitempty"`
	// UnlinkRetryWindow bounds how long a failed unlink waits for retry-unlink (default 7 days).
	UnlinkRetryWindow Duration `json:"unlink_retry_window,omitempty"`
	// OpsAlertAfter: a removal still in completed_with_warnings this long
	// after it got there alerts ops, once (default 24 h; MAIL_OPS unset:
	// the worker sends nothing).
	OpsAlertAfter Duration `json:"ops_alert_after,omitempty"`
	// OutageWindow bounds how long a verified removal waits for an unreachable
	// database before it ends failed (default 12 h); OutageRetryInterval is the
	// pause between tries (default 30 s).
	OutageWindow        Duration `json:"outage_window,omitempty"`
	OutageRetryInterval Duration `json:"outage_retry_interval,omitempty"`
	// RetentionDay is one day of a chosen retention (RETENTION_DAY, default 24 h).
	RetentionDay Duration `json:"retention_day,omitempty"`
}

// RunSummary is the run's one-line summary in Temporal Web.
func RunSummary(in Input) string {
	if in.ChannelName == "" {
		return "Remoção do canal " + in.ChannelID
	}
	return fmt.Sprintf("Remoção do canal %q (%s, %s)", in.ChannelName, in.ChannelKind, in.ChannelID)
}

// Defaults of SPEC §1.
const (
	DefaultAckTimeout        = 15 * time.Minute
	DefaultResendInterval    = domain.ResendInterval
	DefaultUnlinkRetryWindow = 7 * 24 * time.Hour
	DefaultOutageWindow      = 12 * time.Hour
	DefaultOutageRetry       = 30 * time.Second
)

func (in *Input) withDefaults() {
	if in.AckTimeout <= 0 {
		in.AckTimeout = Duration(DefaultAckTimeout)
	}
	if in.ResendInterval <= 0 {
		in.ResendInterval = Duration(DefaultResendInterval)
	}
	if in.UnlinkRetryWindow <= 0 {
		in.UnlinkRetryWindow = Duration(DefaultUnlinkRetryWindow)
	}
	if in.OpsAlertAfter <= 0 {
		in.OpsAlertAfter = Duration(domain.OpsAlertAfter)
	}
	if in.OutageWindow <= 0 {
		in.OutageWindow = Duration(DefaultOutageWindow)
	}
	if in.OutageRetryInterval <= 0 {
		in.OutageRetryInterval = Duration(DefaultOutageRetry)
	}
	if in.RetentionDay <= 0 {
		in.RetentionDay = Duration(domain.RetentionDay)
	}
}

// AcknowledgeRequest confirms the irreversible-removal alert.
type AcknowledgeRequest struct {
	Acknowledged bool `json:"acknowledged"`
	// ReleaseNumber also asks to release the phone number in Meta after the
	// tombstone (SPEC §7; WhatsApp Business API channels only). Never implied.
	ReleaseNumber bool `json:"release_number,omitempty"`
	// PurgeAfterDays chooses the history's fate (SPEC §8): 0 keeps it, 30,
	// 90 or 180 have the channel's messages purged that many days after the
	// removal.
	PurgeAfterDays int          `json:"purge_after_days,omitempty"`
	Actor          domain.Actor `json:"actor"`
}

// VerifyCodeRequest carries the keyed hash of a code (vcode.Hash), never the code.
type VerifyCodeRequest struct {
	CodeHash string       `json:"code_hash"`
	Actor    domain.Actor `json:"actor"`
}

// ActorRequest is the payload of resend-code, cancel and retry-unlink.
type ActorRequest struct {
	Actor domain.Actor `json:"actor"`
}

// Outcome is what a removal's run returns and what its updates answer: its
// run, status and step, small (the removal's id is the workflow's), so no history event carries the document. The
// document is the read model's: each step that moves it writes it before
// the run answers (the API reads it there, and GET answers from it); Doc
// carries it only when no record holds it (a step that failed for good ends
// the run without one). Its JSON names are the document's: an earlier
// release's result (the whole document) decodes as one, and one decodes as
// a (partial) document.
type Outcome struct {
	RunID       string             `json:"run_id"`
	Status      domain.Status      `json:"status"`
	Step        string             `json:"step"`
	MetaUnlink  *OutcomeMetaUnlink `json:"meta_unlink,omitempty"`
	CompletedAt *time.Time         `json:"completed_at,omitempty"`
	Doc         *domain.Removal    `json:"doc,omitempty"`
}

// OutcomeMetaUnlink is what ops list of a closed run's unlink.
type OutcomeMetaUnlink struct {
	Status    domain.UnlinkStatus `json:"status"`
	Attempts  int                 `json:"attempts"`
	LastError string              `json:"last_error,omitempty"`
}
