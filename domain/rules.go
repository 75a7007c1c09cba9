package domain

// CanRemove says whether u may remove its account's channels and act on
// their removals: only the account's admins may (SPEC §1.1).
func CanRemove(u User) error {
	if u.Role != RoleAdmin {
		return Errorf(CodeForbidden, "apenas administradores da conta podem remover canais")
	}
	return nil
}
