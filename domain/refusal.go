package domain

// InvalidState refuses an action the removal's status does not allow.
func InvalidState(s Status) *Error {
	return Errorf(CodeInvalidState, "a remoção está em %q e não aceita esta ação", s).With("status", string(s))
}

// Refusal is the one answer to an action the removal in s does not allow,
// whenever it arrives (an update's validator, an input queued as the run
// ends, an update to a closed run), so it never depends on timing. A code
// check (codeCheck) on an expired or locked removal learns why.
func Refusal(codeCheck bool, s Status) *Error {
	switch {
	case codeCheck && s == StatusExpired:
		return Errorf(CodeCodeExpired, "o código expirou; inicie uma nova remoção")
	case codeCheck && s == StatusLocked:
		return Errorf(CodeLocked, "muitas tentativas incorretas; a remoção foi bloqueada").With("attempts_left", 0)
	}
	return InvalidState(s)
}
