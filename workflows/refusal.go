package workflows

import "github.com/crm/channel-removal/domain"

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
