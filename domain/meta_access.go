package domain

import (
	"fmt"
	"strings"
)

// Meta's side (SPEC §7): when the business unshares its WhatsApp Business
// Account from our app, uninstalls it, deletes the account or moves the number
// off the Cloud API, Meta says so in an account_update webhook. Every live
// channel on that WABA is then disconnected: it can no longer send, its
// admins are told, and removing it later owes Meta nothing.

// ChannelDisconnected is the status of a channel whose WABA our app lost
// access to on Meta's side.
const ChannelDisconnected = "disconnected"

// MsgChannelDisconnectedSend is the refusal of a send on a disconnected channel.
const MsgChannelDisconnectedSend = "Não foi possível enviar: este canal foi desconectado na Meta e não envia mais mensagens. " +
	"Inicie um novo atendimento por outro canal ou peça a um administrador para reconectar o WhatsApp com um novo canal."

// accessLost are the account_update events by which our app lost access to a
// WABA, with what each means to an admin. Meta's account_update reference
// (2026) gives these three; ACCOUNT_RESTRICTION, ACCOUNT_VIOLATION and
// DISABLED_UPDATE limit what the WABA may do but leave it shared with us.
// ACCOUNT_OFFBOARDED is not one (meta_offboard.go): Meta re-onboards a
// coexistence number after a device change unless another partner does first.
var accessLost = map[string]string{
	EventPartnerRemoved:       "a conta do WhatsApp Business deixou de ser compartilhada com o nosso aplicativo",
	"PARTNER_APP_UNINSTALLED": "as permissões do nosso aplicativo na conta do WhatsApp Business foram revogadas",
	"ACCOUNT_DELETED":         "a conta do WhatsApp Business foi excluída na Meta",
}

// AccessLost is one event of a delivery: our app lost access to a WABA.
type AccessLost struct {
	WABAID string `json:"waba_id"`
	Event  string `json:"event"`
}

// Reason is what the event means, in pt-BR.
func (e AccessLost) Reason() string {
	if r, ok := accessLost[e.Event]; ok {
		return r
	}
	if e.Event == EventAccountOffboarded { // runs started before r5 disconnected on it
		return offboardedReason
	}
	return "a Meta informou o evento " + e.Event
}

// LosesAccess says whether an account_update event takes the WABA from us.
func LosesAccess(event string) bool {
	_, ok := accessLost[event]
	return ok
}

// DisconnectedChannel is a channel a delivery disconnected.
type DisconnectedChannel struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Name      string `json:"name"`
	WABAID    string `json:"waba_id"`
	Event     string `json:"event"`
}

// DisconnectionNotice is the e-mail every admin of an account gets, once
// per delivery, when Meta cut channels of the account off: which, why, and
// the link to remove each.
type DisconnectionNotice struct {
	ChannelsNotice[DisconnectedChannel]
}

// Subject is the notice's subject line (it ends with what happened, as the
// removal notice's does).
func (n DisconnectionNotice) Subject() string {
	return n.subject("Aviso: o canal \"%s\" foi desconectado na Meta", "Aviso: %d canais da conta %s foram desconectados na Meta")
}

// Text is the notice's body, in pt-BR, with the link to remove each channel.
func (n DisconnectionNotice) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "A Meta informou em %s que o nosso aplicativo perdeu o acesso %s da conta %s:\n\n",
		BrasiliaTime(n.At), Plural(len(n.Channels), "a este canal", "a estes canais"), n.AccountName)
	for _, ch := range n.Channels {
		fmt.Fprintf(&b, "- %s: %s (WABA %s, evento %s).\n  Para removê-lo: %s\n", ch.Name, AccessLost{Event: ch.Event}.Reason(),
			ch.WABAID, ch.Event, n.link(ch))
	}
	cutOff, remove := "esses canais não enviam nem recebem mensagens", "cada canal"
	if len(n.Channels) == 1 {
		cutOff, remove = "esse canal não envia nem recebe mensagens", "o canal"
	}
	fmt.Fprintf(&b, `
A partir de agora %s, e as tentativas de envio são recusadas. As conversas continuam no histórico.

O que fazer:
- Se foi intencional, remova %s pelo link acima. Não há nada a desvincular na Meta; a remoção só encerra o canal aqui.
- Se não foi, fale com quem administra o Meta Business da empresa. Para voltar a atender pelo número, adicione-o de novo como um canal novo.
`, cutOff, remove)
	return b.String()
}

// NoteMetaAccessLost is the removal's note when Meta had already cut the
// channel off: nothing was owed to Meta.
const NoteMetaAccessLost = "O acesso do aplicativo a esta conta já tinha sido removido na Meta: não havia inscrição a desfazer."

// NumberNotReleasable is meta_unlink.number.last_error when the admin asked
// to release the number and Meta cut the channel off before the tombstone.
const NumberNotReleasable = "O acesso do aplicativo foi removido na Meta antes da remoção: o número não pôde ser liberado por aqui; a empresa pode liberá-lo no Meta Business."

// ByAccount groups channels by account, in the order the accounts come.
func ByAccount(chs []DisconnectedChannel) [][]DisconnectedChannel {
	var groups [][]DisconnectedChannel
	at := map[string]int{}
	for _, ch := range chs {
		i, ok := at[ch.AccountID]
		if !ok {
			i, at[ch.AccountID] = len(groups), len(groups)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], ch)
	}
	return groups
}

// AccessLostDone is what a delivery did, as Temporal Web shows it.
func AccessLostDone(disconnected, notified int) string {
	return fmt.Sprintf("%d %s; %d %s", disconnected, Plural(disconnected, "canal desconectado", "canais desconectados"),
		notified, Plural(notified, "conta avisada", "contas avisadas"))
}
