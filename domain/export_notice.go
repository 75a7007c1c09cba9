package domain

import (
	"fmt"
	"strings"
	"time"
)

// ExportNotice is the e-mail every admin of the account gets once for each
// export of a channel's conversations: a bulk copy of the customers' data is
// what a stolen admin session would take, so it is never announced only to
// the admin who made it (issue 41).
type ExportNotice struct {
	AccountName, ChannelName, ChannelID string
	// By is who exported: name and e-mail; IP is from where.
	By, ByEmail, IP         string
	At                      time.Time
	Conversations, Messages int64
	// AppURL is the web app's address, for the link to the channel.
	AppURL string
}

// Subject is the notice's subject line.
func (n ExportNotice) Subject() string {
	return fmt.Sprintf("Aviso de segurança: as conversas do canal \"%s\" foram exportadas", n.ChannelName)
}

// Text is the notice's body, in pt-BR.
func (n ExportNotice) Text() string {
	who, ip := whoAndWhere(n.By, n.ByEmail, n.IP)
	return fmt.Sprintf(`As conversas do canal "%s" da conta %s foram exportadas.

Quem exportou: %s
Quando: %s
De qual IP: %s
O que foi exportado: %d conversas e %d mensagens, com os dados dos contatos.

A exportação é uma cópia dos dados dos seus clientes: quem a tem pode lê-los fora do CRM.

Se não foi você nem alguém da sua equipe:
1. Troque sua senha e peça aos outros administradores que troquem as deles.
2. Revise quem é administrador da conta em Ajustes > Conta.
3. Fale com o suporte e informe a exportação do canal %s.

Canal: %s
`, n.ChannelName, n.AccountName, who, BrasiliaTime(n.At), ip, n.Conversations, n.Messages, n.ChannelID,
		strings.TrimSuffix(n.AppURL, "/")+"/#/canais/"+n.ChannelID)
}
