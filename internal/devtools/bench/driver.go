package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/crm/channel-removal/mail"
)

// readWait is how long each of the driver's waiting reads may wait: the web
// app's progress screen asks for 25 s.
const readWait = "25"

// driver plays the admin's web app: start, acknowledge, read the code from
// the mail sink, verify, then wait on the removal with waiting reads
// (?status=…&wait=…) until it is completed, as the progress screen does. As
// in the web app, each action's answer is the removal the next screen shows.
//
// A waiting read lasts as long as the step it waits on, so it says nothing
// of what a read costs. Beside each run, off its path, the driver makes one
// plain read of the removal as it is removed (another tab, the history
// screen): get is the service time of a read under the same load.
type driver struct {
	base, token string
	sink        *mailSink
	http        *http.Client

	steps            steps
	mu               sync.Mutex
	post, get, waits Latencies
}

// answer is what the driver reads of a response: a browser's parsing is not
// the service's cost, so the driver decodes no more than it needs.
type answer struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

func (d *driver) do(ctx context.Context, method, path string, body any) (int, answer, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, d.base+path, rd)
	if err != nil {
		return 0, answer{}, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	req.Header.Set("Content-Type", "application/json")
	t0 := time.Now()
	res, err := d.http.Do(req)
	if err != nil {
		return 0, answer{}, 0, err
	}
	defer res.Body.Close()
	var out answer
	json.NewDecoder(res.Body).Decode(&out)
	io.Copy(io.Discard, res.Body) // the connection is reused only once drained
	return res.StatusCode, out, time.Since(t0), nil
}

// acknowledged starts a removal of ch and acknowledges its alert, as the
// admin's first two clicks; it returns the removal's id.
func (d *driver) acknowledged(ctx context.Context, ch channel) (string, error) {
	st, doc, took, err := d.do(ctx, "POST", "/v1/channels/"+ch.id+"/removals", nil)
	if err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("start: %d %v %v", st, doc, err)
	}
	d.record(&d.post, took)
	d.steps.add(stepStart, took)
	id := doc.ID
	if st, doc, took, err = d.do(ctx, "POST", "/v1/removals/"+id+"/acknowledge", map[string]any{"acknowledged": true}); err != nil || st != http.StatusOK {
		return "", fmt.Errorf("acknowledge: %d %v %v", st, doc, err)
	}
	d.steps.add(stepAcknowledge, took)
	return id, nil
}

func (d *driver) removal(ctx context.Context, ch channel) (rerr error) {
	id, err := d.acknowledged(ctx, ch)
	if err != nil {
		return err
	}
	t0 := time.Now()
	code, err := d.sink.code(ctx, ch.name)
	if err != nil {
		return err
	}
	d.steps.add(stepMail, time.Since(t0))
	st, doc, took, err := d.do(ctx, "POST", "/v1/removals/"+id+"/verify", map[string]any{"code": code})
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("verify: %d %v %v", st, doc, err)
	}
	d.steps.add(stepVerify, took)
	t0 = time.Now()
	read := make(chan error, 1)
	go func() { read <- d.plainRead(ctx, id) }()
	defer func() {
		d.steps.add(stepEnd, time.Since(t0))
		if err := <-read; err != nil && rerr == nil {
			rerr = err
		}
	}()
	// The verify's answer is the state until the next read.
	for {
		switch doc.Status {
		case "completed":
			return nil
		case "removing", "unlinking":
		default:
			return fmt.Errorf("removal ended %s", doc.Status)
		}
		st, doc, took, err = d.do(ctx, "GET", "/v1/removals/"+id+"?status="+doc.Status+"&wait="+readWait, nil)
		if err != nil || st != http.StatusOK {
			return fmt.Errorf("get: %d %v %v", st, doc, err)
		}
		d.record(&d.waits, took)
	}
}

// resendInterval is the bench stack's resend throttle: an admin clicks
// "Reenviar código" once its countdown ends.
const resendInterval = time.Second

// cancelled plays the admin who asks for a new code, then gives up: start,
// acknowledge, resend once the countdown ends, cancel.
func (d *driver) cancelled(ctx context.Context, ch channel) error {
	id, err := d.acknowledged(ctx, ch)
	if err != nil {
		return err
	}
	time.Sleep(resendInterval)
	st, doc, took, err := d.do(ctx, "POST", "/v1/removals/"+id+"/resend-code", nil)
	if err != nil || st != http.StatusAccepted {
		return fmt.Errorf("resend: %d %v %v", st, doc, err)
	}
	d.steps.add(stepResend, took)
	if st, doc, took, err = d.do(ctx, "POST", "/v1/removals/"+id+"/cancel", nil); err != nil || st != http.StatusOK || doc.Status != "cancelled" {
		return fmt.Errorf("cancel: %d %v %v", st, doc, err)
	}
	d.steps.add(stepCancel, took)
	return nil
}

// plainRead reads the removal once, without waiting.
func (d *driver) plainRead(ctx context.Context, id string) error {
	st, doc, took, err := d.do(ctx, "GET", "/v1/removals/"+id, nil)
	if err != nil || st != http.StatusOK {
		return fmt.Errorf("get: %d %v %v", st, doc, err)
	}
	d.record(&d.get, took)
	return nil
}

// The steps of one run, as the admin (or the bare driver) waits for them.
const (
	stepStart       = "start, until preflight answered"
	stepAcknowledge = "acknowledge"
	stepMail        = "code mail arrives"
	stepVerify      = "verify"
	stepEnd         = "after verify, until completed"
	stepResend      = "resend code"
	stepCancel      = "cancel"
)

var stepOrder = []string{stepStart, stepAcknowledge, stepMail, stepVerify, stepEnd}

// steps collects latencies per step.
type steps struct {
	mu sync.Mutex
	m  map[string]Latencies
}

func (s *steps) add(step string, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]Latencies{}
	}
	s.m[step] = append(s.m[step], took)
}

// sorted returns every step's latencies, sorted.
func (s *steps) sorted() map[string]Latencies {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.m {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	return s.m
}

func (d *driver) record(into *Latencies, took time.Duration) {
	d.mu.Lock()
	*into = append(*into, took)
	d.mu.Unlock()
}

func (d *driver) sorted() (post, get, waits Latencies) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range []Latencies{d.post, d.get, d.waits} {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	}
	return d.post, d.get, d.waits
}

// mailSink is the bench's mailbox: it keeps the last code mailed per channel.
type mailSink struct {
	mu    sync.Mutex
	codes map[string]string
	wake  chan struct{}
}

func newMailSink() *mailSink { return &mailSink{codes: map[string]string{}, wake: make(chan struct{})} }

var codeLine = regexp.MustCompile(`Código de verificação: (\d+)`)

func (m *mailSink) Send(_ context.Context, msg mail.Message) error {
	code := codeLine.FindStringSubmatch(msg.Text)
	if code == nil {
		return nil // the admins' notice that a removal ended: accepted, not kept
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[msg.Subject] = code[1]
	close(m.wake)
	m.wake = make(chan struct{})
	return nil
}

// code waits for the mail about the channel named name.
func (m *mailSink) code(ctx context.Context, name string) (string, error) {
	for {
		m.mu.Lock()
		for subject, c := range m.codes {
			if strings.HasSuffix(subject, " "+name) {
				m.mu.Unlock()
				return c, nil
			}
		}
		wake := m.wake
		m.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(30 * time.Second):
			return "", fmt.Errorf("no code mailed for %s", name)
		}
	}
}
