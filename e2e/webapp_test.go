package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
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
