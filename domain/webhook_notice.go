package domain

import (
	"fmt"
	"strings"
)

// WebhookDisabledNotice is the e-mail every admin of an account gets when one
// of its webhook endpoints, failing for days, was disabled: events stop
// going there until an admin rotates its secret (which enables it again) or
// registers it anew.
type WebhookDisabledNotice struct {
	AccountName string
	Endpoint    WebhookEndpoint
	AppURL      string
}

func (n WebhookDisabledNotice) Subject() string {
	return "Aviso: um endpoint de integração da conta " + n.AccountName + " foi desativado"
}

func (n WebhookDisabledNotice) Text() string {
	var b strings.Builder
	since := "há vários dias"
	if n.Endpoint.FailingSince != nil {
		since = "desde " + BrasiliaTime(*n.Endpoint.FailingSince)
	}
	events := make([]string, len(n.Endpoint.Events))
	for i, e := range n.Endpoint.Events {
		events[i] = string(e)
	}
	fmt.Fprintf(&b, "O endpoint %s não aceita as entregas de eventos %s e foi desativado", n.Endpoint.URL, since)
	if n.Endpoint.DisabledAt != nil {
		fmt.Fprintf(&b, " em %s", BrasiliaTime(*n.Endpoint.DisabledAt))
	}
	fmt.Fprintf(&b, ".\n\nEventos assinados: %s.\n\n", strings.Join(events, ", "))
	fmt.Fprintf(&b, `Enquanto estiver desativado, ele não recebe novos eventos. As entregas e as respostas do endpoint estão em Ajustes → Conta → Integrações: %s

O que fazer: corrija o sistema que recebe os eventos e gere um novo segredo (isso reativa o endpoint), ou apague-o e cadastre-o de novo.
`, strings.TrimSuffix(n.AppURL, "/")+"/#/ajustes/conta/integracoes")
	return b.String()
}
