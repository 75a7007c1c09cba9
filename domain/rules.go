package domain

// CanRemove says whether u may remove its account's channels and act on
// their removals: only the account's admins may (SPEC §1.1).
func CanRemove(u User) error {
	if u.Role != RoleAdmin {
		return Errorf(CodeForbidden, "apenas administradores da conta podem remover canais")
	}
	return nil
}

// CanReadAudit says whether u may read its account's audit trail: it holds
// the admins' IPs and the legal holds' reasons, so only admins may.
func CanReadAudit(u User) error {
	if u.Role != RoleAdmin {
		return Errorf(CodeForbidden, "apenas administradores da conta podem ver a auditoria")
	}
	return nil
}
