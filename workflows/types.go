package workflows

import (
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

// Duration is the inputs' duration, written as text.
type Duration = domain.Duration

// Input starts a removal.
type Input struct {
	ChannelID   string       `json:"channel_id"`
	RequestedBy string       `json:"requested_by"` // user id
	Actor       domain.Actor `json:"actor"`
	// ChannelName and ChannelKind name the channel in Temporal Web (run summary).
	ChannelName string             `json:"channel_name,omitempty"`
	ChannelKind domain.ChannelKind `json:"channel_kind,omitempty"`

	// Zero durations take the contract's defaults (SPEC §1, below).
	AckTimeout          Duration `json:"ack_timeout,omitempty"`           // the wait for the acknowledgement
	ResendInterval      Duration `json:"resend_interval,omitempty"`       // the resend throttle (the activity enforces it too)
	UnlinkRetryWindow   Duration `json:"unlink_retry_window,omitempty"`   // a failed unlink's wait for retry-unlink
	OpsAlertAfter       Duration `json:"ops_alert_after,omitempty"`       // completed_with_warnings this long alerts ops, once (MAIL_OPS)
	OutageWindow        Duration `json:"outage_window,omitempty"`         // a verified removal's wait for the database, then failed
	OutageRetryInterval Duration `json:"outage_retry_interval,omitempty"` // the pause between its tries
	RetentionDay        Duration `json:"retention_day,omitempty"`         // one day of a chosen retention (RETENTION_DAY)
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
	for _, f := range []struct {
		d   *Duration
		def time.Duration
	}{
		{&in.AckTimeout, DefaultAckTimeout}, {&in.ResendInterval, DefaultResendInterval},
		{&in.UnlinkRetryWindow, DefaultUnlinkRetryWindow}, {&in.OpsAlertAfter, domain.OpsAlertAfter},
		{&in.OutageWindow, DefaultOutageWindow}, {&in.OutageRetryInterval, DefaultOutageRetry},
		{&in.RetentionDay, domain.RetentionDay},
	} {
		if *f.d <= 0 {
			*f.d = Duration(f.def)
		}
	}
}

// AcknowledgeRequest confirms the irreversible-removal alert.
type AcknowledgeRequest struct {
	Acknowledged bool `json:"acknowledged"`
	// ReleaseNumber also asks to release the number in Meta after the
	// tombstone (SPEC §7; WhatsApp Business API channels only). Never implied.
	ReleaseNumber bool `json:"release_number,omitempty"`
	// PurgeAfterDays is the history's fate (SPEC §8): 0 keeps it; 30, 90 or
	// 180 purge the channel's messages that many days after the removal.
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

// Outcome is what a removal's run returns and its updates answer: small, so
// no history event carries the document, which each step writes to the read
// model before the run answers. Doc is r6's, whose runs ended a step that
// failed for good with no record and carried the document here (since r7
// that end is recorded). Its JSON names are the document's, so an earlier
// release's result (the whole document) decodes as one.
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
