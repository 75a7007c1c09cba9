package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focused describes the element that has the keyboard's focus: its tag and
// its label (or its own text).
func (b *browser) focused() string {
	return b.eval(`(() => { const e = document.activeElement; if (!e || e === document.body) return 'BODY|';
		const label = (e.labels && e.labels[0] && e.labels[0].textContent) || e.getAttribute('aria-label') || e.textContent || '';
		return e.tagName + '|' + label.replace(/\s+/g, ' ').trim().slice(0, 120); })()`)
}

// press sends one key to whatever has focus (Tab, Enter, Space); shift adds Shift.
func (b *browser) press(key string, shift bool) {
	b.t.Helper()
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	b.run(chromedp.KeyEvent(key, opts...))
}

// tabTo presses Tab (Shift+Tab when back) until focus reaches the element
// whose label or text contains text; the page must let the keyboard get there.
func (b *browser) tabTo(text string, back bool) {
	b.t.Helper()
	for i := 0; i < 60; i++ {
		b.press(kb.Tab, back)
		if f := b.focused(); strings.Contains(f, text) && !strings.HasPrefix(f, "H1|") {
			return
		}
	}
	b.t.Fatalf("Tab never reached %q (focus on %s)", text, b.focused())
}

// typeText types into the focused field, key by key.
func (b *browser) typeText(s string) { b.t.Helper(); b.run(chromedp.KeyEvent(s)) }

// atHeading waits for a screen showing text and checks that focus moved to
// its heading.
func (b *browser) atHeading(text string) {
	b.t.Helper()
	b.see(text)
	b.run(chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.tagName === 'H1'`))
}

// TestTheWholeRemovalWithTheKeyboardAlone: sign-in, the menu, the channel,
// the alert and the code, up to "Canal removido", pressing only Tab,
// Shift+Tab, Enter and Space (and typing into fields); focus moves to each
// screen's heading; the code field takes a paste and says what it is for;
// the resend countdown leaves focus where it was; every button and checkbox
// is at least 24×24 px.
func TestTheWholeRemovalWithTheKeyboardAlone(t *testing.T) {
	w := newWebStack(t)
	b := newBrowser(t, w.http.URL)
	b.open("")
	b.atHeading("Entrar no CRM")
	b.tabTo("E-mail", false)
	b.typeText(w.adminEmail())
	b.tabTo("Senha", false)
	b.typeText(webPassword)
	b.press(kb.Enter, false)
	b.atHeading("Adicionar, ver e remover canais")
	b.tabTo("Canais de Atendimento", false)
	b.press(kb.Enter, false)
	b.atHeading("WhatsApp Oficial")
	b.tabTo("WhatsApp Oficial", false)
	b.press(kb.Enter, false)
	b.atHeading("O que a remoção afeta")
	b.tabTo("Remover conta", false)
	b.press(kb.Enter, false)
	b.atHeading("Esta ação é irreversível.")
	b.targetsAreLargeEnough("alert")
	b.tabTo("Continuar", false)
	b.tabTo("Estou ciente e desejo prosseguir com a remoção", true) // back, with Shift+Tab
	b.press(" ", false)
	b.tabTo("Continuar", false)
	b.press(kb.Enter, false)
	b.atHeading("Código de verificação")
	b.targetsAreLargeEnough("validation")

	// The code field: what it is for, and a pasted code is taken as it is.
	if got := b.eval(`(() => { const c = document.getElementById('code');
		return [c.getAttribute('autocomplete'), c.getAttribute('inputmode'), c.getAttribute('aria-describedby')].join(' '); })()`); got != "one-time-code numeric code-help code-error" {
		t.Fatalf("code field attributes: %s", got)
	}
	if pasted := b.eval(`(() => { const c = document.getElementById('code'); const d = new DataTransfer(); d.setData('text/plain', '123456');
		const ev = new ClipboardEvent('paste', { clipboardData: d, bubbles: true, cancelable: true }); c.dispatchEvent(ev);
		return String(!ev.defaultPrevented); })()`); pasted != "true" {
		t.Fatal("the code field refuses a paste")
	}

	// The resend countdown ticks without moving focus.
	b.tabTo("Reenviar código", false)
	b.press(kb.Enter, false)
	b.see("Você poderá pedir um novo código em")
	first := b.eval(`document.querySelector('[role=timer]').textContent`)
	b.run(chromedp.Poll[chromedp.Void](`document.querySelector('[role=timer]').textContent !== ` + jsString(first)))
	if f := b.focused(); !strings.Contains(f, "Reenviar código") {
		t.Fatalf("the countdown moved focus to %s", f)
	}

	// A wrong code: announced (role=alert) in the box the field is described by.
	code, wrong := w.lastCode(), "000000"
	if code == wrong {
		wrong = "111111"
	}
	b.tabTo("Código de verificação", true)
	b.typeText(wrong)
	b.press(kb.Enter, false)
	b.see("Tentativas restantes: 4")
	if got := b.eval(`(() => { const a = document.querySelector('#code-error [role=alert]'); return a ? a.textContent : ''; })()`); !strings.Contains(got, "incorreto") {
		t.Fatalf("the wrong code's error is not announced with the field: %q", got)
	}
	if f := b.focused(); !strings.Contains(f, "Código de verificação") {
		t.Fatalf("after a wrong code focus is on %s", f)
	}
	b.typeText(code)         // the field's text is selected: typing replaces it
	b.press(kb.Enter, false) // submits the form
	b.atHeading("Canal removido")
	b.targetsAreLargeEnough("outcome")
}

// targetsAreLargeEnough fails when a visible button, checkbox or radio is
// smaller than 24×24 px (WCAG 2.2, 2.5.8); a box's or a radio's target is its
// label, which toggles it.
func (b *browser) targetsAreLargeEnough(screen string) {
	b.t.Helper()
	small := b.eval(`Array.from(document.querySelectorAll('button, input[type=checkbox], input[type=radio], .button'))
		.filter((e) => e.offsetParent !== null)
		.map((e) => { const r = e.getBoundingClientRect(); const box = e.type === 'checkbox' || e.type === 'radio' ? (e.closest('label') || e).getBoundingClientRect() : r;
			return box.width < 24 || box.height < 24 ? (e.textContent || e.id || e.tagName).trim() + ' ' + Math.round(box.width) + 'x' + Math.round(box.height) : ''; })
		.filter(Boolean).join('; ')`)
	if small != "" {
		b.t.Errorf("%s: targets under 24×24 px: %s", screen, small)
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
