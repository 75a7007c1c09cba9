// Package temporalerr carries domain errors across Temporal: the one
// encode/decode pair between *domain.Error and Temporal's application errors,
// for activities' failures and updates' refusals alike. The error's type is
// the domain code and its details are the error's fields, so the workflow and
// the API read them back without parsing messages.
package temporalerr

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
)

// retryable are the domain codes a later attempt may not meet; every other
// domain code is permanent.
var retryable = map[domain.Code]bool{domain.CodeMetaTransient: true, domain.CodeUnavailable: true, domain.CodeInternal: true}

// Encode turns a domain error into an application error typed with its code
// (nil stays nil). Errors outside the domain vocabulary (a dropped
// connection) pass unchanged, and stay retryable.
func Encode(err error) error {
	var de *domain.Error
	if err == nil || !errors.As(err, &de) {
		return err
	}
	opts := temporal.ApplicationErrorOptions{NonRetryable: !retryable[de.Code]}
	if len(de.Fields) > 0 {
		opts.Details = []any{de.Fields}
	}
	return temporal.NewApplicationErrorWithOptions(de.Message, string(de.Code), opts)
}

// Decode reads the domain error that err carries; ok is false when it
// carries none (a timeout, a cancellation, a panic).
func Decode(err error) (de *domain.Error, ok bool) {
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() == "" {
		return nil, false
	}
	de = &domain.Error{Code: domain.Code(ae.Type()), Message: ae.Message()}
	var f map[string]any
	if ae.HasDetails() && ae.Details(&f) == nil {
		de.Fields = f
	}
	return de, true
}

// AsDomain is Decode with anything else as an internal error.
func AsDomain(err error) *domain.Error {
	if de, ok := Decode(err); ok {
		return de
	}
	return &domain.Error{Code: domain.CodeInternal, Message: Message(err)}
}

// Retryable says whether a later attempt may succeed: anything but a
// non-retryable application error (a domain refusal).
func Retryable(err error) bool {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return !ae.NonRetryable()
	}
	return true
}

// Message is err's text without Temporal's wrapping.
func Message(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Message()
	}
	return err.Error()
}
