package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/workflows"
)

const webPassword = "senha-de-teste-1"

// webStack is a stack whose users can sign in, with channels like the demo's.
type webStack struct {
	*stack
	oficial, vendas, email string
	oficialConv            string
}

// newWebStack starts the API; withWorker also the worker (one per test: the
// task queue is shared).
func newWebStack(t *testing.T, withWorker ...bool) *webStack {
	return newWebStackWith(t, nil, withWorker...)
}

// newWebStackWith is newWebStack with adjust, when set, changing the stack
// before it starts.
func newWebStackWith(t *testing.T, adjust func(*stack), withWorker ...bool) *webStack {
	s := newStack(t)
	if adjust != nil {
		adjust(s)
	}
	s.start(len(withWorker) == 0 || withWorker[0])
	hash, err := api.HashPassword(webPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{s.admin, s.agent} {
		if err := s.store.SetPasswordHash(context.Background(), u, hash); err != nil {
			t.Fatal(err)
		}
	}
	w := &webStack{stack: s}
	w.oficial = s.must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: "WhatsApp Oficial", Kind: "whatsapp_cloud",
		WABAID: "WABA-" + s.account[:8], PhoneNumberID: "PN-" + s.account[:8], Token: "tok-oficial"}))
	w.vendas = s.must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: "WhatsApp Vendas", Kind: "whatsapp_cloud",
		WABAID: "WABA2-" + s.account[:8], Token: "tok-vendas"}))
	w.email = s.must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: "E-mail Suporte", Kind: "email"}))
	w.oficialConv = s.must(s.b.Conversation("", s.account, w.oficial, s.contact, "closed"))
	s.must(s.b.Reference("", s.account, "automation", "Boas-vindas WhatsApp", w.oficial))
	joao := s.must(s.b.Contact("", s.account, "João Pereira", "+5511977776666"))
	s.must(s.b.Conversation("", s.account, w.vendas, joao, "open"))
	return w
}

func (w *webStack) adminEmail() string {
	u, _, _, _ := w.store.UserWithRemoval(context.Background(), w.admin, "", "")
	return u.Email
}
func (w *webStack) agentEmail() string {
	u, _, _, _ := w.store.UserWithRemoval(context.Background(), w.agent, "", "")
	return u.Email
}

// TestAdminRemovesAChannelInTheBrowser walks the help article in Chromium:
// sign in, Ajustes → Conta → Canais de Atendimento, an open attendance refused
// by contact name, the whole removal of "WhatsApp Oficial" through the alert
// and the code screen (a wrong code first), Canal removido, its conversations
// marked, a refused send, Iniciar novo atendimento, the history and its audit
// trail; at 375 px nothing scrolls sideways, and no request leaves the origin.
func TestAdminRemovesAChannelInTheBrowser(t *testing.T) {
	w := newWebStack(t)
	b := newBrowser(t, w.http.URL)

	b.open("")
	b.see("Entrar no CRM")
	b.shot("01-entrar")
	b.fill("E-mail", w.adminEmail())
	b.fill("Senha", "errada")
	b.click("Entrar")
	b.see("e-mail ou senha incorretos")
	b.fill("Senha", webPassword)
	b.click("Entrar")
	b.see("Adicionar, ver e remover canais")

	// Article steps 1–2: main menu → Ajustes → Conta → Canais de Atendimento.
	b.click("Ajustes")
	b.run(chromedp.WaitVisible(`//header//a[normalize-space()='Conta']`))
	b.shot("02-menu-ajustes")
	b.click("Conta")
	b.see("Histórico de remoções")
	b.shot("03-conta")
	b.click("Canais de Atendimento")
	b.see("WhatsApp Vendas")
	b.shot("04-canais")

	// An open attendance refuses the removal, naming the contact.
	b.click("WhatsApp Vendas")
	b.click("Remover conta")
	b.see("João Pereira")
	b.see("há 1 atendimento ativo neste canal")
	b.shot("05-atendimento-ativo")

	// Step 3: the channel page with the impact preview.
	b.open("#/canais/" + w.oficial)
	b.see("O que a remoção afeta")
	b.see("WABA WABA-" + w.account[:8])
	b.see("1 automação")
	b.shot("06-canal")
	b.click("Remover conta")

	// Step 4: the irreversible-removal alert.
	b.see("Esta ação é irreversível.")
	b.shot("07-alerta")
	b.click("Continuar") // without the acknowledgement: refused inline
	b.see("para continuar")
	b.clickLabel("Estou ciente e desejo prosseguir com a remoção")
	acked := b.mark()
	b.click("Continuar")

	// Step 5: the validation screen, a wrong code, then (after leaving the page
	// half-way and resuming from the channel page) the right one. The screen
	// renders the acknowledgement's answer: the removal is not read again.
	b.see("Código de verificação")
	if reads := b.callsSince(acked, "GET "+w.http.URL+"/v1/removals/"); len(reads) > 0 {
		t.Fatalf("the code screen read the removal again: %v", reads)
	}
	b.see("d***@loja.test")
	b.shot("08-validacao")
	code := w.lastCode()
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	b.fill("Código de verificação", wrong)
	b.click("Continuar")
	b.see("Tentativas restantes: 4")
	b.see("4 tentativas restantes")
	b.shot("09-codigo-incorreto")
	b.click("Reenviar código")
	b.see("Você poderá pedir um novo código em")
	b.shot("10-reenviar-contagem")

	b.open("#/canais/" + w.oficial)
	b.click("Retomar remoção")
	b.fill("Código de verificação", code)
	verified := b.mark()
	b.click("Continuar")
	b.see("Canal removido")
	b.see("Meta Business")
	b.see("Aplicativo desvinculado")
	// The progress screen follows the unlink with waiting reads, which the
	// server answers when the status moves on, not with a read every second.
	reads := b.callsSince(verified, "GET "+w.http.URL+"/v1/removals/")
	for _, r := range reads {
		if !strings.Contains(r, "wait=25") {
			t.Fatalf("the progress screen read without waiting: %v", reads)
		}
	}
	if len(reads) == 0 {
		t.Fatal("the progress screen never read the removal after the verify's answer")
	}
	b.shot("11-canal-removido")

	// Step 6: the removed channel's conversations.
	b.click("Conversas")
	b.see("Canal removido")
	b.shot("12-conversas")
	b.click("Maria")
	b.fill("Mensagem", "Olá, ainda está aí?")
	b.click("Enviar")
	b.see(domain.MsgChannelRemovedSend)
	b.shot("13-envio-recusado")
	b.click("Iniciar novo atendimento")
	b.run(chromedp.WaitNotPresent(`//main//*[contains(text(), 'Canal removido')]`))
	b.see("Conversa com Maria")
	if txt := b.mainText(); strings.Contains(txt, "Canal removido") {
		t.Fatalf("the new attendance is on a removed channel:\n%s", txt)
	}
	b.fill("Mensagem", "Olá! Continuamos por aqui.")
	b.click("Enviar")
	b.see("Continuamos por aqui")
	if strings.Contains(b.mainText(), "Nenhuma mensagem ainda") {
		t.Fatal("the conversation still says it has no message")
	}
	b.shot("14-novo-atendimento")

	// The channel list marks the tombstone; the history shows the removal and its audit.
	b.open("#/canais")
	b.see("Removido")
	b.shot("15-canais-removido")
	b.click("Ajustes")
	b.click("Conta")
	b.click("Histórico de remoções")
	b.see("Concluída")
	b.shot("16-historico")
	b.click("WhatsApp Oficial")
	b.see("Remoção concluída")
	b.see("Novo atendimento iniciado por outro canal")
	b.shot("17-auditoria")

	// 375 px: every screen reads without sideways scrolling (a shot of each in
	// docs/screens/phone-*.png).
	b.run(chromedp.EmulateViewport(375, 812))
	for _, screen := range []struct{ name, hash string }{
		{"conta", "#/ajustes/conta"}, {"canais", "#/canais"}, {"canal", "#/canais/" + w.vendas},
		{"canal-removido", "#/remocoes/remove-channel:" + w.oficial}, {"conversas", "#/canais/" + w.oficial + "/conversas"},
		{"conversa", "#/conversas/" + w.oficialConv}, {"historico", "#/historico"},
		{"auditoria", "#/historico/remove-channel:" + w.oficial},
	} {
		b.open(screen.hash)
		b.run(chromedp.WaitVisible(`//main//h1`))
		b.noHorizontalScroll(screen.hash)
		b.shot("phone-" + screen.name)
	}
	// The menu (article steps 1–2) at 375 px.
	b.open("#/canais")
	b.click("Ajustes")
	b.run(chromedp.WaitVisible(`//header//a[normalize-space()='Conta']`))
	b.noHorizontalScroll("menu")
	b.shot("phone-menu")
	// The alert and the validation screen at 375 px, then Cancelar: nothing changes.
	b.open("#/canais/" + w.email)
	b.click("Remover conta")
	b.see("Esta ação é irreversível.")
	b.noHorizontalScroll("alert")
	b.shot("phone-alerta")
	b.clickLabel("Estou ciente e desejo prosseguir com a remoção")
	b.click("Continuar")
	b.see("Código de verificação")
	b.noHorizontalScroll("validation")
	b.shot("phone-validacao")
	b.click("Cancelar")
	b.see("A remoção foi cancelada; nada foi alterado.")
	if c, _ := w.store.Channel(context.Background(), w.email); c.Status != "active" {
		t.Fatal("a cancelled removal changed the channel")
	}
	b.click("Sair")
	b.see("Entrar no CRM")
	if shown := b.eval(`String(document.getElementById('topbar').offsetParent !== null)`); shown != "false" {
		t.Fatal("the signed-out sign-in screen still shows the menu")
	}
	b.noHorizontalScroll("sign-in")
	b.shot("phone-entrar")

	if foreign := b.foreignRequests(); len(foreign) > 0 {
		t.Fatalf("requests to another origin: %v", foreign)
	}
	if n := len(b.requests); n < 20 {
		t.Fatalf("the request log looks broken: %d requests", n)
	}
}

// TestAgentSeesWhyNotAndCannotRemove: an agent signs in, finds Remover conta
// disabled with the reason, and the API refuses the agent anyway.
func TestAgentSeesWhyNotAndCannotRemove(t *testing.T) {
	w := newWebStack(t)
	b := newBrowser(t, w.http.URL)
	b.signIn(w.agentEmail(), webPassword)
	b.see("Canais de Atendimento")
	b.open("#/canais/" + w.oficial)
	b.see("Apenas administradores da conta podem remover canais.")
	disabled := b.eval(`String([...document.querySelectorAll('main button')].find(b => b.textContent.trim() === 'Remover conta').disabled)`)
	if disabled != "true" {
		t.Fatalf("Remover conta enabled for an agent")
	}
	b.shot("19-atendente")
	// The button is only a hint; the API is the guard.
	got := b.eval(`fetch('/v1/channels/` + w.oficial + `/removals', {method: 'POST'}).then(r => String(r.status))`)
	if got != "403" {
		t.Fatalf("agent's POST …/removals from the page: %s", got)
	}
	b.click("Sair")
	b.see("Entrar no CRM")
	if got := b.eval(`fetch('/v1/channels').then(r => String(r.status))`); got != "401" {
		t.Fatalf("after Sair the session still works: %s", got)
	}
}

// TestCrossSitePostWithTheSessionCookieIsRefused: the cookie alone does not
// authorise a state-changing request from another site (CSRF).
func TestCrossSitePostWithTheSessionCookieIsRefused(t *testing.T) {
	w := newWebStack(t)
	cookie := w.signInCookie(w.adminEmail(), webPassword)
	post := func(headers map[string]string) resp {
		req, _ := http.NewRequest("POST", w.http.URL+"/v1/channels/"+w.oficial+"/removals", nil)
		req.AddCookie(cookie)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return w.send(req)
	}
	w.want(post(map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}), 403, "forbidden")
	w.want(post(map[string]string{"Origin": "https://evil.example"}), 403, "forbidden")
	w.want(post(map[string]string{"Sec-Fetch-Site": "same-site"}), 403, "forbidden")
	if c, _ := w.store.Channel(context.Background(), w.oficial); c.Status != "active" {
		t.Fatal("a refused cross-site request changed the channel")
	}
	// The same request from our own page goes through.
	r := w.want(post(map[string]string{"Origin": w.http.URL, "Sec-Fetch-Site": "same-origin"}), 201, "")
	if r.str("status") != "awaiting_acknowledgement" {
		t.Fatalf("%s", r.Raw)
	}
}

// A session that ends while the progress screen waits sends the admin to the
// sign-in form, and nothing of the screen left behind (its waiting read, a
// retry) draws that form again under the admin's typing.
func TestSessionEndingDuringAWaitLeavesTheSignInAlone(t *testing.T) {
	w := newWebStack(t, false)
	id := "remove-channel:" + w.email
	exec := func(q string, args ...any) {
		if _, err := w.b.DB.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status, doc)
		VALUES ($1, 'run-1', $2, $3, 'unlinking', '{"impact": {"channel_name": "E-mail Suporte"}}')`, id, w.account, w.email)
	b := newBrowser(t, w.http.URL)
	b.signIn(w.adminEmail(), webPassword)
	b.see("Adicionar, ver e remover canais")
	b.open("#/remocoes/" + id)
	b.see("esta página se atualiza sozinha")
	// Signed out elsewhere; then the run moves on, which answers the waiting
	// read, and the screen's next read finds no session.
	exec(`DELETE FROM web_sessions`)
	exec(`UPDATE removals SET status = 'completed_with_warnings', updated_at = now() WHERE removal_id = $1`, id)
	b.see("Entrar no CRM")
	b.fill("E-mail", "digitando@loja.test")
	time.Sleep(4 * time.Second) // past the 3 s after which a failed waiting read tries again
	if v := b.eval(`document.getElementById('email').value`); v != "digitando@loja.test" {
		t.Fatalf("the sign-in form was drawn again under the admin's typing: e-mail field %q", v)
	}
}

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

// TestAdminSeesTheLimitsInlineInTheBrowser: once the channel's wrong codes
// reached the limit, Remover conta answers inline in pt-BR with how long it
// stays refused; an acknowledgement beyond the code e-mails' limit says so on
// the alert.
func TestAdminSeesTheLimitsInlineInTheBrowser(t *testing.T) {
	w := newWebStack(t)
	// The earlier runs' records only (their runs are long closed).
	earlier := func(ch string, action domain.Action, n int) {
		for i := 0; i < n; i++ {
			w.store.DB().MustExec(`INSERT INTO removal_audit_log (removal_id, run_id, account_id, channel_id, actor_user_id, actor_ip, action, idempotency_key)
				VALUES ($1, $2, $3, $4, $5, '203.0.113.9', $6, $7)`, workflows.WorkflowID(ch), fmt.Sprint("earlier-", i/5), w.account, ch, w.admin,
				action, fmt.Sprint(action, "-", ch, "-", i))
		}
	}
	earlier(w.email, domain.ActionCodeRejected, domain.LockedRemovalsPerChannel.WrongCodeBudget())
	earlier(w.oficial, domain.ActionCodeSent, domain.CodeEmailsPerChannel.Max)
	b := newBrowser(t, w.http.URL)
	b.signIn(w.adminEmail(), webPassword)
	b.see("Canais de Atendimento")
	b.open("#/canais/" + w.email)
	b.see("O que a remoção afeta")
	b.click("Remover conta")
	b.see("o código de verificação foi errado 15 vezes nas últimas 24 horas")
	b.see("ficam bloqueadas por 24 h")
	b.shot("21a-limite-tentativas")

	b.open("#/canais/" + w.oficial)
	b.see("WABA WABA-" + w.account[:8])
	b.click("Remover conta")
	b.see("Esta ação é irreversível.")
	b.clickLabel("Estou ciente e desejo prosseguir com a remoção")
	b.click("Continuar")
	b.see("já foram enviados 5 códigos de verificação para este canal na última hora")
	b.shot("21b-limite-codigos")

	// Both refusals at 375 px.
	b.run(chromedp.EmulateViewport(375, 812))
	b.noHorizontalScroll("the code e-mails' refusal")
	b.shot("phone-limite-codigos")
	b.open("#/canais/" + w.email)
	b.see("O que a remoção afeta")
	b.click("Remover conta")
	b.see("o código de verificação foi errado 15 vezes")
	b.noHorizontalScroll("the wrong codes' refusal")
	b.shot("phone-limite-tentativas")
	if n := len(w.codeMails()); n != 0 {
		t.Fatalf("%d code e-mails sent beyond the limit", n)
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
