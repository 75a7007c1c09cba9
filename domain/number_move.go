package domain

// What a business needs to take a WhatsApp Business API number elsewhere
// once its channel is removed here (issue 43 item 4), as Meta's WhatsApp
// Business Platform documents it ("Business phone numbers": two-step
// verification, deleting business phone numbers; docs/deviations.md):
// the two-step verification PIN (registering with a wrong one fails with
// 133005, and a number's register/deregister calls are capped at 10 per
// 72 h, 133016); changing it in WhatsApp Manager asks for the current one,
// so without it the business turns two-step verification off there (Meta
// e-mails a link to the business portfolio's address; the API cannot turn
// it off) and sets a new PIN; only a business portfolio admin can delete
// the number from its WABA, not through the API, and not while it has sent
// paid messages in the last 30 days (WhatsApp Manager's Insights shows the
// last one's date); re-linking through Embedded Signup. Said on the outcome
// screen (a note) and in the admins' notice, never for a coexistence number
// (it stays in the WhatsApp Business app; it is not moved).

// NumberMoveApplies says whether the removal's channel has a number the
// business may take elsewhere: a WhatsApp Business API one, not in coexistence.
func NumberMoveApplies(im *Impact) bool {
	return im != nil && im.Kind == KindWhatsAppCloud && !im.Coexistence
}

// NoteNumberMove is the outcome screen's note on taking the number elsewhere.
const NoteNumberMove = "Para levar este número a outro provedor: " +
	"1) o novo provedor vai pedir o PIN de 6 dígitos da verificação em duas etapas (PIN errado: erro 133005; no máximo 10 tentativas de registro em 72 horas: erro 133016); " +
	"trocar o PIN no Gerenciador do WhatsApp (WhatsApp Manager) pede o PIN atual: se ninguém o souber, desative a verificação em duas etapas do número ali (a Meta envia um link ao e-mail do portfólio empresarial) e defina um PIN novo; " +
	"2) só um administrador do portfólio empresarial pode excluir o número da WABA, e só quando ele não tiver enviado mensagens pagas nos últimos 30 dias (o painel Insights mostra a data da última); " +
	"3) para voltar a usá-lo aqui, crie um canal novo e vincule o número pelo Cadastro incorporado (Embedded Signup)."

// NumberMoveText is the same, as the admins' notice lists it.
const NumberMoveText = `Para usar o número do WhatsApp em outro provedor:
- PIN da verificação em duas etapas: o novo provedor precisa dele (6 dígitos) para registrar o número. Com o PIN errado a Meta recusa o registro (erro 133005), e só são permitidas 10 tentativas de registro a cada 72 horas (erro 133016). Trocar o PIN no Gerenciador do WhatsApp (WhatsApp Manager) pede o PIN atual. Se ninguém o souber: Ferramentas da conta > Números de telefone > o número > Verificação em duas etapas > Desativar a verificação em duas etapas; a Meta envia um link ao e-mail do portfólio empresarial e, depois de desativada, defina um PIN novo.
- Exclusão da WABA: só um administrador do portfólio empresarial pode excluir o número da conta do WhatsApp Business, pelo Gerenciador do WhatsApp (não pela API), e só 30 dias depois da última mensagem paga enviada por ele; o painel Insights mostra a data dessa mensagem. Um número conectado pede o PIN para ser excluído.
- Voltar a atender aqui: adicione um canal novo e vincule o número de novo pelo Cadastro incorporado (Embedded Signup) da Meta.
`
