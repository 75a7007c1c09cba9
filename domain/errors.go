// Package domain holds the vocabulary every other package speaks: channels,
// removal statuses, impact, and the one set of error codes that the API maps
// to HTTP in a single table.
package domain

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code (SPEC §3).
type Code string

const (
	CodeInvalid           Code = "invalid_request"
	CodeUnauthorized      Code = "unauthorized"
	CodeForbidden         Code = "forbidden"
	CodeNotFound          Code = "not_found"
	CodeMethodNotAllowed  Code = "method_not_allowed"
	CodeConflict          Code = "conflict"
	CodeRemovalInProgress Code = "removal_in_progress"
	CodeChannelRemoved    Code = "channel_removed"
	// CodeChannelDisconnected: Meta cut the channel off (SPEC §7).
	CodeChannelDisconnected Code = "channel_disconnected"
	CodeActiveAttendances   Code = "active_attendances"
	CodeInvalidState        Code = "invalid_state"
	CodeResendTooSoon       Code = "resend_too_soon"
	CodeInvalidCode         Code = "invalid_code"
	CodeCodeExpired         Code = "code_expired"
	CodeLocked              Code = "locked"
	CodeTooLarge            Code = "payload_too_large"
	CodeUnavailable         Code = "unavailable"
	CodeInternal            Code = "internal"
	CodeInvalidCredentials  Code = "invalid_credentials"
	CodeTooManyAttempts     Code = "too_many_attempts"
	// The limits of SPEC §8.
	CodeTooManyRequests       Code = "too_many_requests"
	CodeTooManyCodes          Code = "too_many_codes"
	CodeTooManyLockedRemovals Code = "too_many_locked_removals"
	CodeSameChannel           Code = "same_channel"
	// CodePurgeTooSoon: a purge moved nearer than the admins' notice lead.
	CodePurgeTooSoon Code = "purge_too_soon"
	// CodeMailRejected: SendGrid refused the message for a reason a retry cannot fix.
	CodeMailRejected Code = "mail_rejected"
	// CodeMetaPermanent: the Graph API refused the unlink for a reason a retry cannot fix.
	CodeMetaPermanent Code = "meta_permanent"
	// CodeMetaTransient: the Graph API failed in a way worth retrying.
	CodeMetaTransient Code = "meta_transient"
)

// CodeHoldChanged: the legal hold a release names is no longer the one that
// stands (another was set, or it was lifted, since it was read).
const CodeHoldChanged Code = "hold_changed"

// The integrations' webhooks (SPEC §9): a URL refused (not https, or an
// address inside our network), and an account at its endpoints' limit.
const (
	CodeWebhookURLRefused Code = "webhook_url_refused"
	CodeTooManyWebhooks   Code = "too_many_webhook_endpoints"
)

// Idempotency-Key (SPEC §9): the key came back with another request, or while
// its first request is still being answered.
const (
	CodeIdempotencyKeyReused   Code = "idempotency_key_reused"
	CodeIdempotencyKeyInFlight Code = "idempotency_key_in_flight"
)

// Error is the domain error: a code, a pt-BR message fit for a user, and
// optional machine-readable fields (e.g. attempts_left, retry_after).
type Error struct {
	Code    Code
	Message string
	Fields  map[string]any
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds a domain error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e with one more field.
func (e *Error) With(key string, value any) *Error {
	f := make(map[string]any, len(e.Fields)+1)
	for k, v := range e.Fields {
		f[k] = v
	}
	f[key] = value
	return &Error{Code: e.Code, Message: e.Message, Fields: f}
}

// ErrorCode returns the domain code of err, CodeInternal when it has none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// MsgChannelRemovedSend is the user-facing text of SPEC §1.7.
const MsgChannelRemovedSend = "Não foi possível enviar, verifique sua conexão com a rede e tente novamente"
