package domain

import (
	"fmt"
	"strings"
	"time"
)

// RemovalNotice is the e-mail every admin of the account gets once a removal
// has removed the channel (completed or completed_with_warnings; SPEC §7):
// which channel, who removed it, when, from which IP, the outcome, and what
// to do if it was not them. A destructive action is never announced only to
// the admin who did it.
type RemovalNotice struct {
	AccountName, ChannelName, ChannelID, RemovalID string
	// RemovedBy is who verified the code: name and e-mail.
	RemovedBy, RemovedByEmail, IP string
	At                            time.Time
	Status                        Status
	MetaError                     string
	// AppURL is the web app's address, for the links.
	AppURL string
	// NumberMove: a WhatsApp Business API number the business may take
	// elsewhere (NumberMoveApplies); the notice says what that needs.
	NumberMove bool
}

// Subject is the notice's subject line. It ends with what happened, not
// with the channel's name, so that the code e-mails (which end with it)
// are still told apart by their subjects.
func (n RemovalNotice) Subject() string {
	return fmt.Sprintf("Aviso de segurança: o canal \"%s\" foi removido", n.ChannelName)
}

// Text is the notice's body, in pt-BR.
func (n RemovalNotice) Text() string {
	who, ip := whoAndWhere(n.RemovedBy, n.RemovedByEmail, n.IP)
	outcome := "concluída: o canal foi removido e desvinculado na Meta quando era uma integração oficial."
	if n.Status == StatusCompletedWithWarnings {
		outcome = "concluída com avisos: o canal foi removido, mas o desvínculo na Meta ficou pendente (" +
			strings.TrimSuffix(n.MetaError, ".") + "). A equipe de operações pode tentar de novo."
	}
	return fmt.Sprintf(`O canal "%s" foi removido da conta %s.

Quem removeu: %s
Quando: %s
De qual IP: %s
Resultado: %s

A remoção é irreversível: o canal não pode ser reativado. As conversas continuam no histórico, marcadas como de um canal removido. Para atender por ele de novo, adicione-o como um canal novo.
%s
Se não foi você nem alguém da sua equipe:
1. Troque sua senha e peça aos outros administradores que troquem as deles.
2. Revise quem é administrador da conta em Ajustes > Conta.
3. Fale com o suporte e informe a remoção %s.

Trilha de auditoria desta remoção: %s
`, n.ChannelName, n.AccountName, who, BrasiliaTime(n.At), ip, outcome, n.numberMove(), n.RemovalID,
		strings.TrimSuffix(n.AppURL, "/")+"/#/historico/"+n.RemovalID)
}

// numberMove is the notice's paragraph on taking the number elsewhere, when
// it has one.
func (n RemovalNotice) numberMove() string {
	if !n.NumberMove {
		return ""
	}
	return "\n" + NumberMoveText
}

// Recipients are who a notice about an account goes to: its admins, with the
// account's name and the name and e-mail of the user who acted (empty when
// the actor is not a user, e.g. a signal from Temporal Web).
type Recipients struct {
	AccountName string
	ActorName   string
	ActorEmail  string
	Admins      []User
}

// whoAndWhere is how a notice names who acted (name and e-mail) and from
// which IP; an input with no IP came through Temporal.
func whoAndWhere(name, email, ip string) (who, where string) {
	who, where = name, ip
	if email != "" {
		who += " (" + email + ")"
	}
	if where == "" {
		where = "não registrado (ação pelo Temporal)"
	}
	return who, where
}
