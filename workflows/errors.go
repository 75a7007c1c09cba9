package workflows

import (
	"encoding/json"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
)

// Domain errors cross Temporal as application errors whose type is the domain
// code and whose details are the error's fields; these read and write them,
// for activities' failures and for updates' answers alike.

// InvalidState refuses an action the removal's status does not allow.
func InvalidState(s domain.Status) *domain.Error {
	return domain.Errorf(domain.CodeInvalidState, "a remoção está em %q e não aceita esta ação", s).With("status", string(s))
}

// Refusal answers an action (named by its signal) that the removal's status
// does not allow. It is the one answer for every path an action can take:
// an update's validator, an input queued while the run was ending, and an
// update that reaches an already closed run (api) all say the same, so the
// answer never depends on when exactly it arrived.
func Refusal(action string, s domain.Status) *domain.Error {
	if action == SignalVerifyCode {
		switch s {
		case domain.StatusExpired:
			return domain.Errorf(domain.CodeCodeExpired, "o código expirou; inicie uma nova remoção")
		case domain.StatusLocked:
			return domain.Errorf(domain.CodeLocked, "muitas tentativas incorretas; a remoção foi bloqueada").With("attempts_left", 0)
		}
	}
	return InvalidState(s)
}

// DomainError reads the domain error an application error carries.
func DomainError(err error) (*domain.Error, bool) {
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() == "" {
		return nil, false
	}
	de := &domain.Error{Code: domain.Code(ae.Type()), Message: ae.Message()}
	var f map[string]any
	if ae.HasDetails() && ae.Details(&f) == nil {
		de.Fields = f
	}
	return de, true
}

// asDomain is DomainError with anything else as an internal error.
func asDomain(err error) *domain.Error {
	if de, ok := DomainError(err); ok {
		return de
	}
	return &domain.Error{Code: domain.CodeInternal, Message: errText(err)}
}

// toApp carries a domain error to the caller: its code is the error type.
func toApp(e *domain.Error) error {
	opts := temporal.ApplicationErrorOptions{NonRetryable: true}
	if len(e.Fields) > 0 {
		opts.Details = []any{e.Fields}
	}
	return temporal.NewApplicationErrorWithOptions(e.Message, string(e.Code), opts)
}

// appDetails reads an application error's details (a domain error's fields)
// into a struct. It goes through a map, which every way the error may arrive
// (an activity's encoded payload, a local activity's value) can fill.
func appDetails(err error, into any) {
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || !ae.HasDetails() {
		return
	}
	var m map[string]any
	if ae.Details(&m) != nil {
		return
	}
	if b, err := json.Marshal(m); err == nil {
		_ = json.Unmarshal(b, into)
	}
}

func errText(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Message()
	}
	return err.Error()
}
