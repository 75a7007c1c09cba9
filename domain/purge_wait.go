package domain

import (
	"fmt"
	"time"
)

// PurgeWaitAlert is the e-mail to MAIL_OPS about a purge whose date came
// before every admin was told of it (SendGrid refused or failed the notice):
// the purge waits, since no admin may lose messages they were not warned
// of, and ops see why it has not run.
type PurgeWaitAlert struct {
	ChannelID, ChannelName, RemovalID string
	PurgeAt                           time.Time
	// Untold is how many of the account's admins have no notice accepted.
	Untold int
}

// Subject is the alert's subject line.
func (a PurgeWaitAlert) Subject() string {
	return fmt.Sprintf("[channel-removal] Exclusão de mensagens aguardando o aviso: %s", a.ChannelName)
}

// Text is the alert's body.
func (a PurgeWaitAlert) Text() string {
	return fmt.Sprintf(`A exclusão das mensagens do canal "%s" (%s), marcada para %s, não começou: %d administrador(es) da conta ainda não receberam o aviso de %d dias (o SendGrid não aceitou o e-mail).

Remoção: %s

A exclusão só começa depois que todos os administradores forem avisados. O aviso é reenviado a cada quarto de dia; verifique o SendGrid (MAIL_*) e os endereços dos administradores.
`, a.ChannelName, a.ChannelID, BrasiliaTime(a.PurgeAt), a.Untold, PurgeNoticeDays, a.RemovalID)
}
