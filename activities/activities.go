// Package activities holds every side effect of a channel removal. Each
// activity is a method on Activities, idempotent, and reports permanent
// failures as non-retryable application errors typed with a domain code.
package activities

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/mail"
	"github.com/crm/channel-removal/metagraph"
)

// Store is what the activities need from the database.
type Store interface {
	// RequesterWithImpact reads, in one statement, the requester and the
	// channel when it belongs to the requester's account, with the facts of
	// its impact, the removal's latest run and, with codes, the channel's
	// code history across runs.
	RequesterWithImpact(ctx context.Context, userID, channelID, removalID string, attendances, conversationCap int,
		codes *domain.CodeLimits) (domain.PreflightRead, error)
	// ChangeChallenge reads the run's challenge with the account administrator's
	// e-mail and stores what decide makes of it, with decide's audit record,
	// provided nobody changed it in between (else decide runs again).
	// With codes, decide also gets the channel's code history across runs.
	ChangeChallenge(ctx context.Context, removalID, runID, accountID string, codes *domain.CodeQuery,
		decide func(cur *domain.Challenge, adminEmail string, hist domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error)) (domain.Challenge, error)
	// CodeHistory reads the channel's code e-mails and wrong codes across
	// runs, which the code's limits count.
	CodeHistory(ctx context.Context, channelID, accountID string, l domain.CodeLimits) (domain.CodeHistory, error)
	MarkCodeSent(ctx context.Context, removalID, runID string, seq int, now time.Time, sent domain.AuditEntry) error
	RemoveChannel(ctx context.Context, in domain.Tombstone) (domain.TombstoneResult, error)
	// UnlinkJob reads the run's unlink job with, for a WABA, its other live
	// channels, and the number's release (domain.Unlink.Number).
	UnlinkJob(ctx context.Context, removalID, runID string) (domain.Unlink, bool, error)
	// RecordUnlinkAttempt and RecordNumberAttempt record an attempt with
	// its audit records, in one statement.
	RecordUnlinkAttempt(ctx context.Context, removalID, runID string, status domain.UnlinkStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.Unlink, error)
	RecordNumberAttempt(ctx context.Context, removalID, runID string, status domain.NumberStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.NumberJob, error)
	RecordOverrideAttempt(ctx context.Context, removalID, runID string, status domain.OverrideStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.OverrideJob, error)
	RecordCreditLineAttempt(ctx context.Context, removalID, runID string, status domain.CreditLineStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.CreditLineJob, error)
	AppendAudit(ctx context.Context, e domain.AuditEntry) error
	// RemovalRun reads the run's read-model row: the document a Meta
	// attempt moves on from (its input carries ids, not the document).
	RemovalRun(ctx context.Context, removalID, runID string) (domain.RemovalRecord, error)
	// NoticeSent says whether the notice key has gone out; MarkNoticeSent
	// records it, with its audit record, once the provider accepted it.
	NoticeSent(ctx context.Context, key string) (bool, error)
	NoticeSentAt(ctx context.Context, key string) (at time.Time, found bool, err error)
	MarkNoticeSent(ctx context.Context, key, recipient string, e domain.AuditEntry) error
	// AccountAdmins reads the account's name and admins, and the acting user.
	AccountAdmins(ctx context.Context, accountID, actorUserID string) (domain.Recipients, error)
	// DisconnectWABA marks the WABA's live channels disconnected for a
	// delivery and returns the channels that delivery disconnected; the last
	// event's marks the delivery processed.
	DisconnectWABA(ctx context.Context, deliveryID string, ev domain.AccessLost, at time.Time, last bool) ([]domain.DisconnectedChannel, error)
	MarkDisconnectionNoticeSent(ctx context.Context, key, recipient string) error
	// LiveChannelsOnWABA reads the WABA's live channels (an offboarded
	// coexistence number's); MarkDeliveryProcessed marks a delivery done.
	LiveChannelsOnWABA(ctx context.Context, wabaID string) ([]domain.WABAChannel, error)
	MarkDeliveryProcessed(ctx context.Context, deliveryID string, at time.Time) error
	// MetaCalls writes each Meta call's intent before the call (meta_call.go).
	MetaCalls
}

// Graph is what the activities need from the Meta Graph API.
type Graph interface {
	UnsubscribeApp(ctx context.Context, objectID, token string) (metagraph.Outcome, error)
	DeregisterNumber(ctx context.Context, phoneNumberID, token string) (metagraph.Outcome, error)
	// NumberOverride reads the number's callback override ("" none);
	// ClearNumberOverride removes it.
	NumberOverride(ctx context.Context, phoneNumberID, token string) (string, error)
	ClearNumberOverride(ctx context.Context, phoneNumberID, token string) error
	// RevokeCreditLine deletes the allocation config of our credit line
	// shared with a WABA, with the partner's token.
	RevokeCreditLine(ctx context.Context, allocationConfigID, token string) (metagraph.Outcome, error)
}

// Policy holds the verification rules (SPEC §1.3–1.4) and the code's limits
// across runs (SPEC §8).
type Policy struct {
	CodeTTL        time.Duration
	ResendInterval time.Duration
	MaxAttempts    int
	Limits         domain.CodeLimits
}

// DefaultPolicy is the contract's defaults.
var DefaultPolicy = Policy{CodeTTL: domain.CodeTTL, ResendInterval: domain.ResendInterval, MaxAttempts: domain.MaxCodeAttempts,
	Limits: domain.DefaultCodeLimits}

// Activities holds the dependencies of every activity.
type Activities struct {
	// Credentials opens the channel access tokens sealed at rest.
	Credentials *credentials.Keyring
	Store       Store
	Mail        mail.Sender
	Graph       Graph
	CodeSecret  []byte
	Policy      Policy
	Now         func() time.Time
	// OpsMail receives the alert about a lasting unlink failure (MAIL_OPS;
	// empty: no alert).
	OpsMail string
	// AppURL is the web app's address, for the links in notices (APP_URL).
	AppURL string
	Log    *slog.Logger
	// PurgeStore and Purges serve the purge of a removed channel's messages.
	PurgeStore PurgeStore
	Purges     PurgeStarter
	// Events publishes the integrators' events (events.go; nil: none);
	// Webhooks, WebhookHTTP and WebhookDisableAfter serve their deliveries.
	Events              domain.EventPublisher
	Webhooks            WebhookStore
	WebhookHTTP         *http.Client
	WebhookDisableAfter time.Duration

	// PartnerToken is our business's system-user token (META_PARTNER_TOKEN):
	// the credit line is ours to revoke, not the channel's ("": none).
	PartnerToken string
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Activities) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// Step identifies the removal run an activity works for, and who asked.
type Step struct {
	RemovalID string       `json:"removal_id"`
	RunID     string       `json:"run_id"`
	AccountID string       `json:"account_id,omitempty"`
	ChannelID string       `json:"channel_id"`
	Actor     domain.Actor `json:"actor"`
}

func (s Step) key(action domain.Action, extra ...string) string {
	k := s.RemovalID + "/" + s.RunID + "/" + string(action)
	for _, e := range extra {
		k += "/" + e
	}
	return k
}

func (s Step) audit(action domain.Action, detail map[string]any, key string) domain.AuditEntry {
	return domain.AuditEntry{RemovalID: s.RemovalID, RunID: s.RunID, AccountID: s.AccountID, ChannelID: s.ChannelID,
		Actor: s.Actor, Action: action, Detail: detail, Key: key}
}
