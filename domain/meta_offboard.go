package domain

import (
	"fmt"
	"strings"
)

// Coexistence's offboarding (issue 43 item 4). A number used both in the
// WhatsApp Business app and on the Cloud API loses its Cloud API companion
// when the business changes devices or re-registers the app: Meta sends
// account_update ACCOUNT_OFFBOARDED and, unless the business opts out or
// another partner onboards the WABA first, re-onboards it within minutes of
// the new registration. It is not a removal by the business, so the channel
// is not disconnected: its admins are told what happened and what to do.

// The account_update events this service tells apart.
const (
	EventPartnerRemoved    = "PARTNER_REMOVED"
	EventAccountOffboarded = "ACCOUNT_OFFBOARDED"
)

// AccountUpdateKind is what this service does with an account_update event.
type AccountUpdateKind int

const (
	// UpdateIgnored: recorded with its delivery and logged, nothing else
	// (restrictions, violations, verification, eligibility …).
	UpdateIgnored AccountUpdateKind = iota
	// UpdateAccessLost: our app lost the WABA; its channels are disconnected.
	UpdateAccessLost
	// UpdateOffboarded: a coexistence number left the Cloud API for now; the
	// admins are told, the channel stays.
	UpdateOffboarded
)

// KindOfUpdate says what an account_update event is to this service.
func KindOfUpdate(event string) AccountUpdateKind {
	switch {
	case LosesAccess(event):
		return UpdateAccessLost
	case event == EventAccountOffboarded:
		return UpdateOffboarded
	}
	return UpdateIgnored
}

// OffboardedStillOurs drops the offboardings of WABAs the same delivery
// says we lost: whatever order Meta put them in, the business took the WABA
// from us, and telling its admins "nada foi desconectado" beside the
// disconnection's notice (the offboarded notice runs apart, before or after
// the disconnection) would say the opposite of what happened.
func OffboardedStillOurs(offboarded, lost []AccessLost) []AccessLost {
	gone := map[string]bool{}
	for _, ev := range lost {
		gone[ev.WABAID] = true
	}
	var kept []AccessLost
	for _, ev := range offboarded {
		if !gone[ev.WABAID] {
			kept = append(kept, ev)
		}
	}
	return kept
}

const offboardedReason = "o número saiu da API do WhatsApp Business (troca de aparelho ou novo registro no aplicativo WhatsApp Business)"

// WABAChannel is a live channel on a WABA.
type WABAChannel struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Name      string `json:"name"`
	WABAID    string `json:"waba_id"`
}

// OffboardedNotice is the e-mail every admin of an account gets, once per
// delivery and WABA, when a coexistence number of theirs was offboarded.
type OffboardedNotice struct {
	ChannelsNotice[WABAChannel]
	WABAID string
}

// Subject is the notice's subject line.
func (n OffboardedNotice) Subject() string {
	return n.subject("Aviso: o número do canal \"%s\" saiu da API do WhatsApp Business",
		"Aviso: o número de %d canais da conta %s saiu da API do WhatsApp Business")
}

// Text is the notice's body, in pt-BR.
func (n OffboardedNotice) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "A Meta informou em %s que o número da WABA %s saiu da API do WhatsApp Business (evento %s).\n"+
		"Isso acontece quando a empresa troca de aparelho ou registra de novo o número no aplicativo WhatsApp Business.\n\n",
		BrasiliaTime(n.At), n.WABAID, EventAccountOffboarded)
	fmt.Fprintf(&b, "%s da conta %s:\n", Plural(len(n.Channels), "Canal", "Canais"), n.AccountName)
	for _, ch := range n.Channels {
		fmt.Fprintf(&b, "- %s: %s\n", ch.Name, n.link(ch))
	}
	b.WriteString(`
Nada foi desconectado aqui. Ao concluir o registro no novo aparelho, o aplicativo oferece manter as integrações (opção já marcada) e a Meta reconecta o número em alguns minutos, desde que nenhum outro parceiro conecte a conta antes. Até lá, as mensagens podem não chegar por este canal.

O que fazer:
- Se a empresa quer continuar atendendo por aqui, conclua o registro no aparelho sem desmarcar as integrações.
- Se a empresa vai levar o número para outro provedor, remova o canal pelo link acima.
`)
	return b.String()
}
