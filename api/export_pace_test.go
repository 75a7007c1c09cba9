package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// smallBuffers keeps the kernel from absorbing an export for a slow client:
// what the client does not read, the server cannot write.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// TestASlowReaderDoesNotHoldAnExportPlace: a client that reads a trickle
// (512 bytes every 100 ms, as one that reads a chunk every 50 s does, only
// sooner) is cut once it falls below the export's pace, and its account's
// place is free again; meanwhile the account's next export is refused.
// Before, each write only had to finish within a minute, so such a client
// kept the place (and the snapshot) for as long as it liked.
func TestASlowReaderDoesNotHoldAnExportPlace(t *testing.T) {
	_, db := testdb.New(t)
	b := seed.Builder{DB: db}
	a := newTenant(t, b, "loja")
	if _, err := db.Exec(`INSERT INTO messages (conversation_id, body)
		SELECT v.id, (SELECT string_agg(md5(random()::text || g || s), '') FROM generate_series(1, 32) s)
		FROM conversations v, generate_series(1, 400) g WHERE v.channel_id = $1`, a.channel); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(api.New(api.Config{Store: postgres.New(db), Removals: noRemovals{}, JWTSecret: []byte("secret"),
		CodeSecret: []byte("c"), ExportsPerAccount: 1, ExportPace: api.ExportPace{MinRate: 64 << 10},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()

	dialer := &net.Dialer{}
	slow := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4 << 10)
		}
		return c, err
	}}}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/channels/"+a.channel+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := slow.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("slow export: %v %v", res, err)
	}
	if res.Header.Get("X-Accel-Buffering") != "no" {
		t.Errorf("the export does not ask the balancer to stream it: X-Accel-Buffering %q", res.Header.Get("X-Accel-Buffering"))
	}
	if st := exportStatus(t, srv.URL, a); st != http.StatusTooManyRequests {
		t.Fatalf("a second export of the account while the first streams: %d", st)
	}
	var got bytes.Buffer
	buf := make([]byte, 512)
	for {
		n, err := res.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	res.Body.Close()
	if _, err := zip.NewReader(bytes.NewReader(got.Bytes()), int64(got.Len())); err == nil {
		t.Fatalf("a client reading %d bytes a second read the whole export (%d bytes)", 5<<10, got.Len())
	}
	if st := exportStatus(t, srv.URL, a); st != 200 {
		t.Fatalf("after the slow export was cut, the account's export: %d", st)
	}
}

func exportStatus(t *testing.T, url string, a tenant) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/v1/channels/"+a.channel+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
		t.Fatal("a refused export without Retry-After")
	}
	return res.StatusCode
}

// TestAnExportEndsAtItsLongestDuration: read steadily, above its pace, an
// export still ends when it has streamed for Max: its snapshot holds back
// vacuum for every tenant while it lasts.
func TestAnExportEndsAtItsLongestDuration(t *testing.T) {
	_, db := testdb.New(t)
	a := newTenant(t, seed.Builder{DB: db}, "loja")
	if _, err := db.Exec(`INSERT INTO messages (conversation_id, body)
		SELECT v.id, (SELECT string_agg(md5(random()::text || g || s), '') FROM generate_series(1, 32) s)
		FROM conversations v, generate_series(1, 400) g WHERE v.channel_id = $1`, a.channel); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(api.New(api.Config{Store: postgres.New(db), Removals: noRemovals{}, JWTSecret: []byte("secret"),
		CodeSecret: []byte("c"), ExportPace: api.ExportPace{MinRate: 1, Grace: time.Hour, Max: time.Second},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/channels/"+a.channel+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("export: %v %v", res, err)
	}
	var got bytes.Buffer
	buf := make([]byte, 4<<10)
	for {
		n, err := res.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond) // 80 KiB/s: well above its pace
	}
	res.Body.Close()
	if _, err := zip.NewReader(bytes.NewReader(got.Bytes()), int64(got.Len())); err == nil {
		t.Fatalf("an export read for longer than its longest duration was read whole (%d bytes)", got.Len())
	}
}
