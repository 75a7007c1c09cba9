package domain

// What a business needs to take a WhatsApp Business API number elsewhere
// once its channel is removed here (issue 43 item 4), as Meta's WhatsApp
// Business Platform documents it: the two-step verification PIN (no API
// turns it off; registering with a wrong one fails with 133005, and a
// number's register/deregister calls are capped at 10 per 72 h, 133016);
// the 30 days after its last paid message before a number can be deleted
// from its WABA; re-linking through Embedded Signup. Said on the outcome
// screen (a note) and in the admins' notice, never for a coexistence
// number (it stays in the WhatsApp Business app; it is not moved).

// NumberMoveApplies says whether the removal's channel has a number the
// business may take elsewhere: a WhatsApp Business API one, not in coexistence.
func NumberMoveApplies(im *Impact) bool {
	return im != nil && im.Kind == KindWhatsAppCloud && !im.Coexistence
}

// NoteNumberMove is the outcome screen's note on taking the number elsewhere.
const NoteNumberMove = "Para levar este número a outro provedor: " +
	"1) o novo provedor vai pedir o PIN de 6 dígitos da verificação em duas etapas (PIN errado: erro 133005; no máximo 10 tentativas de registro em 72 horas: erro 133016); " +
	"se ninguém o souber, redefina-o no Gerenciador do WhatsApp (WhatsApp Manager), nas configurações do número; " +
	"2) o número só pode ser excluído da WABA 30 dias após a última mensagem paga enviada por ele; " +
	"3) para voltar a usá-lo aqui, crie um canal novo e vincule o número pelo Cadastro incorporado (Embedded Signup)."

// NumberMoveText is the same, as the admins' notice lists it.
const NumberMoveText = `Para usar o número do WhatsApp em outro provedor:
- PIN da verificação em duas etapas: o novo provedor precisa dele (6 dígitos) para registrar o número. Com o PIN errado a Meta recusa o registro (erro 133005), e só são permitidas 10 tentativas de registro a cada 72 horas (erro 133016). Se ninguém souber o PIN, redefina-o no Gerenciador do WhatsApp (WhatsApp Manager): Números de telefone > Configurações > Verificação em duas etapas.
- Exclusão da WABA: o número só pode ser excluído da conta do WhatsApp Business 30 dias depois da última mensagem paga enviada por ele.
- Voltar a atender aqui: adicione um canal novo e vincule o número de novo pelo Cadastro incorporado (Embedded Signup) da Meta.
`
