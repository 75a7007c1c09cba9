package domain

import (
	"fmt"
	"strings"
	"time"
)

// GuessLimitNotice is the e-mail every admin of the account gets once the
// verification code of a channel was got wrong as often as the
// locked-removals limit allows (SPEC §8): new removals of it are refused
// until the window passes. Who entered the last wrong code, and from where,
// is what an admin needs to tell a forgetful colleague from an attacker.
type GuessLimitNotice struct {
	AccountName, ChannelName, RemovalID string
	Wrong                               int
	By, ByEmail, IP                     string
	At                                  time.Time
	Wait                                time.Duration
	AppURL                              string
}

// Subject is the notice's subject line.
func (n GuessLimitNotice) Subject() string {
	return fmt.Sprintf("Aviso de segurança: tentativas de código no canal \"%s\"", n.ChannelName)
}

// Text is the notice's body, in pt-BR.
func (n GuessLimitNotice) Text() string {
	who, ip := whoAndWhere(n.By, n.ByEmail, n.IP)
	return fmt.Sprintf(`O código de verificação para remover o canal "%s" da conta %s foi errado %d vezes nas últimas 24 horas.

Última tentativa: %s
Quando: %s
De qual IP: %s

Por segurança, novas remoções deste canal ficam bloqueadas por %s. Nada foi removido.

Se não foi você nem alguém da sua equipe, alguém com acesso de administrador pode estar tentando adivinhar o código:
1. Troque sua senha e peça aos outros administradores que troquem as deles.
2. Revise quem é administrador da conta em Ajustes > Conta.
3. Fale com o suporte e informe a remoção %s.

Trilha de auditoria desta remoção: %s
`, n.ChannelName, n.AccountName, n.Wrong, who, BrasiliaTime(n.At), ip, WaitText(n.Wait), n.RemovalID,
		strings.TrimSuffix(n.AppURL, "/")+"/#/historico/"+n.RemovalID)
}
