package e2e

import (
	"strings"
	"testing"
)

// TestAnAdminManagesAnIntegrationInTheBrowser: Ajustes › Conta ›
// Integrações registers the receiver, shows its secret once (which the
// reference library verifies the next event with), lists the delivery and
// its answer, rotates the secret and deletes the endpoint.
func TestAnAdminManagesAnIntegrationInTheBrowser(t *testing.T) {
	w := newWebStack(t)
	rc := newReceiver(t)
	ch := w.channel("messenger", "", "page-web-hooks")
	w.conversationsWith(ch, 1)

	b := newBrowser(t, w.http.URL)
	b.signIn(w.adminEmail(), webPassword)
	b.see("Canais de Atendimento")
	b.open("#/ajustes/conta")
	b.click("Integrações")
	b.see("Nenhum endpoint cadastrado.")
	b.fill("Endereço (URL)", rc.url())
	b.click("Cadastrar endpoint")
	b.see("Guarde agora o segredo")
	secret := b.eval(`document.getElementById('secret').textContent`)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret shown: %q", secret)
	}
	b.shot("30a-integracoes-segredo")

	w.export(ch, w.adminToken)
	w.within(func() bool { return len(rc.events()["conversations.exported"]) == 1 })
	if err := verify(t, secret, rc.events()["conversations.exported"][0]); err != nil {
		t.Fatalf("the secret the screen showed does not verify: %v", err)
	}
	b.open("#/ajustes/conta")
	b.click("Integrações")
	if strings.Contains(b.mainText(), "whsec_") {
		t.Fatal("the secret is shown again")
	}
	b.click("Ver entregas")
	b.see("Entregue em")
	b.shot("30b-integracoes-entregas")

	b.click("Gerar novo segredo")
	b.see("Guarde agora o segredo")
	if again := b.eval(`document.getElementById('secret').textContent`); again == secret || !strings.HasPrefix(again, "whsec_") {
		t.Fatalf("rotated secret %q", again)
	}
	b.eval(`(() => { window.confirm = () => true; return 'ok'; })()`)
	b.click("Apagar")
	b.see("Nenhum endpoint cadastrado.")
}
