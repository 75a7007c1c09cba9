package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium package (.ci/run installs it). Nothing here
// downloads a browser.
const chromiumPath = "/usr/bin/chromium"

// browser is one headless Chromium driven through the DevTools protocol, with
// every request it makes recorded.
type browser struct {
	t        *testing.T
	ctx      context.Context
	base     string
	shots    string
	mu       sync.Mutex
	requests []string // URLs
	calls    []string // "METHOD URL", in order
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing: CI must install Debian's chromium package (.ci/run does)", chromiumPath)
		}
		t.Skipf("browser tests skipped: %s not installed (apt-get install chromium chromium-l10n)", chromiumPath)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		// The browser of a Brazilian CRM team: pt-BR (dates typed as
		// dd/mm/aaaa; Debian's chromium-l10n) on Brasília's clock, as the
		// screenshots should show them.
		chromedp.Flag("lang", "pt-BR"), chromedp.Env("LANGUAGE=pt-BR", "TZ=America/Sao_Paulo"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &browser{t: t, ctx: ctx, base: base, shots: t.TempDir()}
	if os.Getenv("UPDATE_SCREENS") != "" {
		b.shots = filepath.Join("..", "docs", "screens")
		os.MkdirAll(b.shots, 0o755)
	}
	// The first action starts the browser: it runs on the test-long context,
	// since a timeout there would stop the whole browser.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, e.Request.URL)
			b.calls = append(b.calls, e.Request.Method+" "+e.Request.URL)
			b.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *browser) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failure")
		b.t.Fatalf("browser: %v\n%s", err, b.pageText("body"))
	}
}

// mainText is what the screen shows in <main>.
func (b *browser) mainText() string { return b.pageText("main") }

func (b *browser) pageText(sel string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('`+sel+`') || {}).innerText || ''`))
	return s
}

// xq quotes s for an XPath string literal.
func xq(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

func (b *browser) open(hash string) { b.run(chromedp.Navigate(b.base + "/" + hash)) }

// click presses the button or link whose text is exactly text.
func (b *browser) click(text string) {
	b.t.Helper()
	x := fmt.Sprintf(`//main//*[(self::button or self::a) and normalize-space()=%s] | //header//*[(self::button or self::a) and normalize-space()=%s]`, xq(text), xq(text))
	b.run(chromedp.WaitVisible(x), chromedp.Click(x))
}

// clickLabel clicks a label (e.g. the acknowledgement checkbox's).
func (b *browser) clickLabel(text string) {
	b.t.Helper()
	x := fmt.Sprintf(`//label[normalize-space()=%s]`, xq(text))
	b.run(chromedp.WaitVisible(x), chromedp.Click(x))
}

// fill types into the field labelled label.
func (b *browser) fill(label, value string) {
	b.t.Helper()
	x := fmt.Sprintf(`//*[@id=//label[normalize-space()=%s]/@for]`, xq(label))
	b.run(chromedp.WaitVisible(x))
	quoted, _ := json.Marshal(label)
	b.eval(`(() => { const l = [...document.querySelectorAll('label')].find((l) => l.textContent.trim() === ` + string(quoted) + `);
		document.getElementById(l.htmlFor).value = ''; return 'ok'; })()`)
	b.run(chromedp.SendKeys(x, value))
}

// see waits until text shows inside <main>.
func (b *browser) see(text string) {
	b.t.Helper()
	x := fmt.Sprintf(`//main//*[contains(normalize-space(.), %s)]`, xq(text))
	b.run(chromedp.WaitVisible(x))
}

func (b *browser) eval(js string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// shot checks the screen's accessibility (audit), then saves a PNG of the
// whole page as <name>.png: every screen a test shows is checked.
func (b *browser) shot(name string) {
	b.t.Helper()
	b.audit(name)
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644)
}

// mark is a point in the request log, for callsSince.
func (b *browser) mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

// callsSince lists the requests since mark whose "METHOD URL" contains part.
func (b *browser) callsSince(mark int, part string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, c := range b.calls[mark:] {
		if strings.Contains(c, part) {
			out = append(out, c)
		}
	}
	return out
}

// foreignRequests lists requests the page made to anything but our origin.
func (b *browser) foreignRequests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, u := range b.requests {
		if !strings.HasPrefix(u, b.base+"/") && !strings.HasPrefix(u, "data:") {
			out = append(out, u)
		}
	}
	return out
}

func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.open("")
	b.fill("E-mail", email)
	b.fill("Senha", password)
	b.click("Entrar")
}

// noHorizontalScroll fails when the page is wider than the viewport.
func (b *browser) noHorizontalScroll(screen string) {
	b.t.Helper()
	if got := b.eval(`String(document.documentElement.scrollWidth) + '/' + String(window.innerWidth)`); func() bool {
		var sw, iw int
		fmt.Sscanf(got, "%d/%d", &sw, &iw)
		return sw > iw
	}() {
		b.t.Errorf("%s scrolls horizontally at 375 px: scrollWidth/innerWidth = %s", screen, got)
	}
}
