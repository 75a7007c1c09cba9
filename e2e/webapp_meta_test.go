package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
)

// The web app on WhatsApp numbers and Meta's side: releasing the number, a
// channel Meta cut off, a coexistence number.

// TestAdminReleasesTheNumberInTheBrowser: the alert of a WhatsApp Business
// API channel offers "Liberar o número na Meta", unchecked; ticked, the
// removal deregisters the number and the outcome screen says so. The alert
// of a channel without a number does not offer it.
func TestAdminReleasesTheNumberInTheBrowser(t *testing.T) {
	w := newWebStack(t)
	b := newBrowser(t, w.http.URL)
	b.signIn(w.adminEmail(), webPassword)
	b.see("Canais de Atendimento")

	b.open("#/canais/" + w.email)
	b.click("Remover conta")
	b.see("Esta ação é irreversível.")
	if b.eval(`String(document.getElementById('release-number') !== null)`) != "false" {
		t.Fatal("an e-mail channel's alert offers to release a number")
	}
	b.click("Cancelar")
	b.see("A remoção foi cancelada; nada foi alterado.")

	b.open("#/canais/" + w.oficial)
	b.click("Remover conta")
	b.run(chromedp.WaitVisible(`//input[@id="release-number"]`))
	if checked := b.eval(`String(document.getElementById('release-number').checked)`); checked != "false" {
		t.Fatal("the release option is checked by default")
	}
	b.clickLabel("Liberar o número na Meta")
	b.clickLabel("Estou ciente e desejo prosseguir com a remoção")
	b.shot("18a-liberar-numero")
	b.click("Continuar")
	b.see("Código de verificação")
	b.fill("Código de verificação", w.lastCode())
	b.click("Continuar")
	b.see("Canal removido")
	b.see("Liberado na Meta")
	b.see("número liberado na Meta")
	b.shot("18b-numero-liberado")
	if !w.graph.Deregistered("PN-" + w.account[:8]) {
		t.Fatalf("the number was not deregistered: %+v", w.graph.Calls())
	}
	b.open("#/historico/remove-channel:" + w.oficial)
	b.see("Liberação do número na Meta pedida")
	b.see("Número liberado na Meta")
}

// TestAdminSeesAChannelMetaCutOffInTheBrowser: after Meta's signed
// PARTNER_REMOVED for its WABA, "WhatsApp Oficial" shows Desconectado na
// Meta in the list and on its page, a send on its conversation is refused
// with the pt-BR reason, and its removal (no number to release) ends with
// nothing owed to Meta and no Graph call.
func TestAdminSeesAChannelMetaCutOffInTheBrowser(t *testing.T) {
	w := newWebStack(t)
	body := accountUpdate("PARTNER_REMOVED", "WABA-"+w.account[:8])
	w.want(w.deliver(body, sign(body)), 200, "")
	w.eventually(func() bool { return w.channelStatus(w.oficial) == domain.ChannelDisconnected })

	b := newBrowser(t, w.http.URL)
	b.signIn(w.adminEmail(), webPassword)
	b.see("Canais de Atendimento")
	b.open("#/canais")
	b.see("Desconectado na Meta")
	b.shot("20a-desconectado-lista")

	b.open("#/conversas/" + w.oficialConv)
	b.see("foi desconectado na Meta e não envia mais mensagens")
	b.fill("Mensagem", "Olá, Maria!")
	b.click("Enviar")
	b.see("este canal foi desconectado na Meta e não envia mais mensagens")
	b.shot("20b-desconectado-envio")

	b.open("#/canais/" + w.oficial)
	b.see("A empresa removeu o acesso do nosso aplicativo")
	b.see("não há nada a desvincular")
	b.shot("20c-desconectado-canal")
	b.click("Remover conta")
	b.see("Esta ação é irreversível.")
	if b.eval(`String(document.getElementById('release-number') !== null)`) != "false" {
		t.Fatal("the alert offers to release the number of a channel Meta cut off")
	}
	b.clickLabel("Estou ciente e desejo prosseguir com a remoção")
	b.click("Continuar")
	b.see("Código de verificação")
	b.fill("Código de verificação", w.lastCode())
	b.click("Continuar")
	b.see("Canal removido")
	b.see("Já desvinculado: o acesso foi removido na Meta")
	b.shot("20d-desconectado-removido")
	if calls := w.graph.Calls(); len(calls) != 0 {
		t.Fatalf("Graph calls: %+v", calls)
	}
}

// TestAdminRemovesACoexistenceNumberInTheBrowser: a number shared with the
// WhatsApp Business app shows Coexistência on its page; its alert offers no
// release and says why; the outcome says the override our app set on the
// number was removed, and Meta's configuration no longer has it.
func TestAdminRemovesACoexistenceNumberInTheBrowser(t *testing.T) {
	w := newWebStack(t)
	phone, ours := "PN-LOJA-"+w.account[:8], "https://crm.example/webhooks/meta/"+w.account[:8]
	w.graph.SetOverride(phone, ours)
	loja := w.must(w.b.Channel(seed.ChannelSpec{AccountID: w.account, Name: "WhatsApp Loja (app)", Kind: "whatsapp_cloud",
		WABAID: "WABA-LOJA-" + w.account[:8], PhoneNumberID: phone, Token: "tok-loja", Coexistence: true, NumberOverride: ours}))
	b := newBrowser(t, w.http.URL)
	b.signIn(w.adminEmail(), webPassword)
	b.see("Canais de Atendimento")

	b.open("#/canais/" + loja)
	b.see("Coexistência")
	b.see("o número também é usado no aplicativo WhatsApp Business")
	b.shot("22a-coexistencia-canal")
	b.click("Remover conta")
	b.see("Esta ação é irreversível.")
	b.see("Liberar o número na Meta: indisponível.")
	if b.eval(`String(document.getElementById('release-number') !== null)`) != "false" {
		t.Fatal("a coexistence number's alert offers to release it")
	}
	b.clickLabel("Estou ciente e desejo prosseguir com a remoção")
	b.shot("22b-coexistencia-alerta")
	b.click("Continuar")
	b.see("Código de verificação")
	b.fill("Código de verificação", w.lastCode())
	b.click("Continuar")
	b.see("Canal removido")
	b.see("Removido (era do nosso aplicativo)")
	b.shot("22c-redirecionamento-removido")
	if w.graph.Override(phone) != "" || w.graph.Deregistered(phone) {
		t.Fatalf("override %q, deregistered %v", w.graph.Override(phone), w.graph.Deregistered(phone))
	}
}
