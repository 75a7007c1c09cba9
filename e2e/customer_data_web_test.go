package e2e

import (
	"archive/zip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// TestAdminExportsAndSchedulesThePurgeInTheBrowser: on the channel page the
// admin exports the conversations (progress, then a .zip saved with both
// CSVs); on the alert chooses Apagar as mensagens após 30 dias, which the
// outcome shows; on the channel page the scheduled purge can be cancelled
// (Cancelar exclusão programada); a purged channel's conversations say
// Mensagens apagadas.
func TestAdminExportsAndSchedulesThePurgeInTheBrowser(t *testing.T) {
	w := newWebStackWith(t, func(s *stack) { s.retentionDay = time.Minute }) // 30 days: half an hour
	for _, body := range tricky {
		w.must(w.b.Message(w.oficialConv, "", body))
	}
	downloads := t.TempDir()
	b := newBrowser(t, w.http.URL)
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	b.signIn(w.adminEmail(), webPassword)
	b.see("Canais de Atendimento")

	b.open("#/canais/" + w.oficial)
	b.click("Exportar conversas")
	b.see("Exportação concluída: 1 conversa e 8 mensagens")
	b.shot("23a-exportar-conversas")
	var zipPath string
	w.eventually(func() bool {
		m, _ := filepath.Glob(filepath.Join(downloads, "conversas-*.zip"))
		if len(m) == 1 {
			zipPath = m[0]
		}
		return zipPath != ""
	})
	w.eventually(func() bool { // fully written
		z, err := zip.OpenReader(zipPath)
		if err != nil {
			return false
		}
		defer z.Close()
		return len(z.File) == 2 && z.File[0].Name == "conversations.csv" && z.File[1].Name == "messages.csv"
	})

	b.run(chromedp.EmulateViewport(375, 812))
	b.noHorizontalScroll("export")
	b.shot("phone-exportar-conversas")
	b.run(chromedp.EmulateViewport(1280, 900))

	b.click("Remover conta")
	b.see("Esta ação é irreversível.")
	b.see("Manter o histórico")
	if b.eval(`String(document.getElementById('retention-keep').checked)`) != "true" {
		t.Fatal("keeping the history is not the default")
	}
	b.clickLabel("Apagar as mensagens após")
	b.clickLabel("Estou ciente e desejo prosseguir com a remoção")
	b.shot("23b-alerta-apagar-mensagens")
	b.click("Continuar")
	b.see("Código de verificação")
	b.fill("Código de verificação", w.lastCode())
	b.click("Continuar")
	b.see("Canal removido")
	b.see("Exclusão programada em")
	b.shot("23c-exclusao-programada")

	b.open("#/canais/" + w.oficial)
	b.see("Exclusão programada das mensagens")
	b.see("Apagar as mensagens após 30 dias")
	b.shot("23d-canal-exclusao-programada")
	b.run(chromedp.EmulateViewport(375, 812)) // the same page on a phone
	b.noHorizontalScroll("scheduled purge")
	b.shot("phone-exclusao-programada")
	b.run(chromedp.EmulateViewport(1280, 900))
	// A date nearer than the admins' notice is refused, with the date to pick.
	yesterday := time.Now().Add(-24 * time.Hour).Format("2006-01-02")
	b.eval(`(() => { document.getElementById('purge-date').value = '` + yesterday + `'; return 'ok'; })()`)
	b.click("Mudar a data")
	b.see("só pode ser marcada com 7 dias de antecedência")
	b.shot("23d2-data-cedo-demais")
	b.click("Cancelar exclusão programada")
	b.see("Exclusão cancelada: histórico mantido")
	b.shot("23e-exclusao-cancelada")
	if !strings.Contains(w.auditActions("remove-channel:"+w.oficial), `"purge_cancelled"`) {
		t.Fatal("the cancellation is not audited")
	}

	if foreign := b.foreignRequests(); len(foreign) > 0 {
		t.Fatalf("requests left the origin: %v", foreign)
	}
}
