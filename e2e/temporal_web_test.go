package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/temporalcodec"
	"github.com/crm/channel-removal/workflows"
)

// TestTemporalWebDecodesARun starts Temporal Web the way `dev` does (the
// embedded server's UI, its codec endpoint dev's codec server, the token in
// the path: temporalcodec.UIPath) and opens a finished removal's run: its
// input, encrypted in Temporal, reads in plain JSON, the channel's name
// included. With UPDATE_SCREENS=1 the page is docs/screens/temporal-web-codec.png.
func TestTemporalWebDecodesARun(t *testing.T) {
	s := newStack(t)
	uiPort, codecPort := freePort(t), freePort(t)
	cfg := config.Config{TemporalCodecKey: temporalcodec.DevKey, CodecAddr: fmt.Sprintf("127.0.0.1:%d", codecPort),
		CodecAuthToken: config.DevCodecAuthToken, CodecOrigins: []string{fmt.Sprintf("http://127.0.0.1:%d", uiPort)}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if _, err := app.ServeCodec(ctx, cfg, quietLog()); err != nil {
		t.Fatal(err)
	}
	// A server of the test's own: the package's has no Web.
	srv, err := temporaldev.Start(ctx, temporaldev.Options{Port: freePort(t), UIPort: uiPort,
		DBFile: filepath.Join(t.TempDir(), "temporal.db"), SearchAttributes: workflows.SearchAttributeNames, Progress: io.Discard,
		UICodecEndpoint: temporalcodec.UIPath(cfg.CodecBaseURL(), string(cfg.CodecAuthToken))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	s.addr = srv.Address
	s.start(true)

	ch := s.channel("messenger", "", "PT-"+s.account[:8])
	id := s.acknowledged(ch)
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, "completed")
	s.closed(id)
	wid := workflows.WorkflowID(ch)
	d, err := s.tc.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		t.Fatal(err)
	}
	run := d.WorkflowExecutionInfo.Execution.RunId
	c, err := s.store.Channel(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, srv.UIURL)
	b.run(chromedp.Navigate(fmt.Sprintf("%s/namespaces/default/workflows/%s/%s/history", srv.UIURL, wid, run)))
	// The input is decoded in the browser, through the codec server, after
	// the page shows: wait for the name as a JSON value (the run's summary
	// may name it too, so the key is what proves the input was decoded).
	want := fmt.Sprintf(`"channel_name": "%s"`, c.Name)
	var body string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(300 * time.Millisecond) {
		if body = b.pageText("body"); strings.Contains(body, want) {
			break
		}
	}
	if !strings.Contains(body, want) {
		b.webShot("temporal-web-codec-failure")
		t.Fatalf("Temporal Web does not show the decoded input (%s):\n%s", want, body)
	}
	if strings.Contains(body, "binary/encrypted") {
		t.Errorf("Temporal Web still shows an encrypted payload:\n%s", body)
	}
	// The payloads are encrypted in Temporal (TestARefusedRemovalsHistoryIsEncrypted):
	// what the page shows, the browser got from the codec server.
	if calls := b.callsSince(0, "127.0.0.1:"+strconv.Itoa(codecPort)+"/ui/"); len(calls) == 0 {
		t.Errorf("Temporal Web never called the codec server")
	}
	b.webShot("temporal-web-codec")
}

// webShot saves the viewport as <name>.png, without shot's accessibility
// audit: the page is Temporal's, not ours to fix.
func (b *browser) webShot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644)
}

func freePort(t *testing.T) int {
	t.Helper()
	p, err := temporaldev.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
