package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// What the web app refuses, and says why: an agent's removal, a cross-site
// post with the session cookie, values over the limits.

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
