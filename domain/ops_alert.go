package domain

import (
	"fmt"
	"time"
)

// OpsAlertAfter is how long a removal stays in completed_with_warnings before
// ops are e-mailed (OPS_ALERT_AFTER).
const OpsAlertAfter = 24 * time.Hour

// OpsAlert is the e-mail to MAIL_OPS about a Meta unlink that stays failed:
// which channel, since when, Meta's error, and the command that retries it.
type OpsAlert struct {
	RemovalID, ChannelID, ChannelName, LastError string
	Since, RetryUntil                            time.Time
	Attempts                                     int
}

// Subject is the alert's subject line.
func (a OpsAlert) Subject() string {
	return fmt.Sprintf("[channel-removal] Desvínculo na Meta pendente: %s", a.ChannelName)
}

// Text is the alert's body, in pt-BR like every text of the service.
func (a OpsAlert) Text() string {
	return fmt.Sprintf(`O canal "%s" (%s) foi removido, mas o desvínculo na Meta falhou e continua pendente desde %s.

Remoção: %s
Tentativas: %d
Último erro da Meta: %s

Depois de corrigir a causa (por exemplo, reconectar o canal no Meta Business), tente de novo:

  channel-removal ops retry-unlinks --channel %s

A remoção aceita novas tentativas até %s; depois disso o desvínculo é abandonado e o token apagado.
`, a.ChannelName, a.ChannelID, BrasiliaTime(a.Since), a.RemovalID, a.Attempts, a.LastError, a.ChannelID, BrasiliaTime(a.RetryUntil))
}

// NoticeFailedAlert is the e-mail to MAIL_OPS about a security notice that
// will not go out (SendGrid refused it for good, or a week of failures): the
// admins were not told, so ops must tell them another way.
type NoticeFailedAlert struct {
	RemovalID, ChannelName string
	Notice                 NoticeKind
	Error                  string
}

// Subject is the alert's subject line.
func (a NoticeFailedAlert) Subject() string {
	return fmt.Sprintf("[channel-removal] Aviso de segurança não enviado: %s", a.ChannelName)
}

// Text is the alert's body.
func (a NoticeFailedAlert) Text() string {
	return fmt.Sprintf(`O aviso de segurança "%s" da remoção %s (canal "%s") não pôde ser enviado aos administradores da conta.

Erro do SendGrid: %s

Os administradores não foram avisados por e-mail: avise-os por outro meio. A trilha de auditoria da remoção registra notice_failed.
`, a.Notice, a.RemovalID, a.ChannelName, a.Error)
}
