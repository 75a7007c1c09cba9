package config

// MetaPartner is what this service does as Meta's Solution Partner rather
// than with a channel's token.
type MetaPartner struct {
	// MetaPartnerToken is our business portfolio's system-user access token
	// (a system user with the Admin or Financial Editor role who granted
	// our app business_management). Revoking our credit line from a
	// client's WABA (DELETE /{allocation-config-id}) is the partner's call:
	// the channel's token belongs to the client's business and cannot load
	// our allocation configs. Unset outside dev, every revocation fails
	// (permanent, audited, the removal ends completed_with_warnings and ops
	// are alerted) until it is set and ops send retry-unlink.
	MetaPartnerToken Secret `env:"META_PARTNER_TOKEN"`
}

// DevPartnerToken is the partner's token `dev` gives its Graph simulator.
const DevPartnerToken = "dev-only-meta-partner-token"

func (m *MetaPartner) applyDev(filled []string) []string {
	if m.MetaPartnerToken == "" {
		m.MetaPartnerToken, filled = DevPartnerToken, append(filled, "META_PARTNER_TOKEN")
	}
	return filled
}
