package domain

import (
	"fmt"
	"strings"
	"time"
)

// PurgeNotice is the e-mail every admin gets PurgeNoticeDays before a
// channel's messages are purged (Soon), and once they were (done).
type PurgeNotice struct {
	AccountName string
	ChannelName string
	ChannelID   string
	Purge       Purge
	Soon        bool
	AppURL      string
}

// Subject is the notice's subject line.
func (n PurgeNotice) Subject() string {
	if n.Soon {
		return fmt.Sprintf("[%s] As mensagens do canal %q serão apagadas em %s", n.AccountName, n.ChannelName, n.Purge.PurgeAt.UTC().Format("02/01/2006"))
	}
	return fmt.Sprintf("[%s] As mensagens do canal %q foram apagadas", n.AccountName, n.ChannelName)
}

// Text is the notice's body, in pt-BR.
func (n PurgeNotice) Text() string {
	var b strings.Builder
	if n.Soon {
		fmt.Fprintf(&b, "As mensagens do canal removido %q serão apagadas em %s (UTC), como escolhido na remoção (%d dias).\n\n",
			n.ChannelName, n.Purge.PurgeAt.UTC().Format("02/01/2006 15:04"), n.Purge.PurgeAfterDays)
		b.WriteString("As conversas continuam listadas, sem o conteúdo das mensagens; o histórico de auditoria é mantido.\n")
		b.WriteString("Até lá, qualquer administrador pode exportar as conversas, cancelar ou adiar a exclusão, ou pedir retenção legal, na página do canal.\n")
	} else {
		fmt.Fprintf(&b, "As mensagens do canal removido %q foram apagadas: %d mensagens de %d conversas.\n\n",
			n.ChannelName, n.Purge.PurgedMessages, n.Purge.PurgedConversations)
		b.WriteString("As conversas continuam listadas, marcadas \"Mensagens apagadas\"; o histórico de auditoria é mantido.\n")
	}
	if n.AppURL != "" {
		fmt.Fprintf(&b, "\nPágina do canal: %s/#/canais/%s\n", strings.TrimRight(n.AppURL, "/"), n.ChannelID)
	}
	return b.String()
}

// PurgeNoticeAt is when the notice of a purge on purgeAt goes out.
func PurgeNoticeAt(purgeAt time.Time, day time.Duration) time.Time {
	return purgeAt.Add(-PurgeNoticeDays * day)
}
