package domain

import "fmt"

// Our shared credit line (issue 43 item 4). A WABA onboarded through
// Embedded Signup pays for the WhatsApp Business Platform with the Solution
// Partner's line of credit: we are the bill-to party for all its spend until
// the share is revoked (DELETE /{allocation-config-id}, with our business's
// system-user token: config.MetaPartner). A removal that
// unlinks the WABA revokes it with the unlink, as the last Meta part; while
// another live channel still uses the WABA, or another WABA on the same
// allocation config (Meta's revocation applies to every WABA of the client's
// business shared with us), the share is kept.

// CreditLineStatus is what became of the WABA's share of our credit line
// (meta_unlink.credit_line.status, and the credit_line_releases row).
type CreditLineStatus string

const (
	CreditLinePending CreditLineStatus = "pending"
	CreditLineRevoked CreditLineStatus = "revoked"
	// CreditLineKept: another live channel still uses the WABA.
	CreditLineKept   CreditLineStatus = "kept"
	CreditLineFailed CreditLineStatus = "failed"
	// CreditLineAbandoned is the job's state once nobody retried it within
	// the retry window (its token erased); the document says failed.
	CreditLineAbandoned CreditLineStatus = "abandoned"
)

// CreditLineRelease is meta_unlink.credit_line in the removal document.
type CreditLineRelease struct {
	Status    CreditLineStatus `json:"status"`
	LastError string           `json:"last_error,omitempty"`
}

// CreditLineJob is a run's revocation owed to Meta (the credit_line_releases row).
type CreditLineJob struct {
	RemovalID          string
	RunID              string
	ChannelID          string
	WABAID             string
	AllocationConfigID string
	AccessToken        string
	Status             CreditLineStatus
	Attempts           int
	LastError          string
}

// CreditLine is the credit line's revocation read with an unlink job; ok is
// false when the WABA was not on our credit line.
func (u Unlink) CreditLine() (c CreditLineJob, ok bool) {
	return CreditLineJob{RemovalID: u.RemovalID, RunID: u.RunID, ChannelID: u.ChannelID, WABAID: u.CreditWABAID,
		AllocationConfigID: u.CreditConfigID, AccessToken: u.CreditToken, Status: u.CreditStatus, Attempts: u.CreditAttempts,
		LastError: u.CreditLastError}, u.CreditStatus != ""
}

// OwesCreditLine says whether the job's credit line is still owed a
// revocation (pending, or failed and waiting for ops).
func (u Unlink) OwesCreditLine() bool {
	c, on := u.CreditLine()
	return on && (c.Status == CreditLinePending || c.Status == CreditLineFailed)
}

// NoteCreditLineKept is the removal's note when the WABA's share of our
// credit line stays for another live channel (on the WABA, or on another
// WABA of the same business: Meta revokes for all of them at once).
const NoteCreditLineKept = "A linha de crédito compartilhada continua em uso por outro canal ativo (nesta WABA ou em outra WABA da mesma empresa): o compartilhamento foi mantido."

// CreditLineFailureText prefixes Meta's answer to a failed revocation.
const CreditLineFailureText = "Revogação da linha de crédito: "

// CreditLineNoPartnerToken is the revocation's failure when this service
// has no system-user token of our business (META_PARTNER_TOKEN).
const CreditLineNoPartnerToken = "o token de usuário do sistema da nossa empresa (META_PARTNER_TOKEN) não está configurado; " +
	"configure-o no worker e envie retry-unlink (ou revogue o compartilhamento no Meta Business Suite)."

// CreditLineTokenRefused is the revocation's failure when Meta refused our
// business's token or could not load the share with it (code).
func CreditLineTokenRefused(code int, metaMessage string) string {
	s := fmt.Sprintf("a Meta recusou o token de usuário do sistema da nossa empresa (META_PARTNER_TOKEN) ou não encontrou o compartilhamento com ele (código %d); "+
		"confira se o usuário do sistema tem a função Administrador ou Editor financeiro no portfólio e a permissão business_management "+
		"(ou revogue o compartilhamento no Meta Business Suite) e envie retry-unlink.", code)
	if metaMessage != "" {
		s += " Mensagem da Meta: " + metaMessage
	}
	return s
}
