package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
)

// The limits of SPEC §8, tried from outside as a hostile admin of the account
// would: one who lacks the administrator's mailbox and scripts the API.

// wrong is a code that is not the last one mailed.
func (s *stack) wrongCode() string {
	if s.lastCode() == "000000" {
		return "111111"
	}
	return "000000"
}

// retryAfter is the answer's Retry-After in seconds (0 when absent).
func retryAfter(r resp) int {
	n, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	return n
}

// TestGuessingTheCodeIsBoundedAcrossRuns: runs of one channel, each locked
// after 5 wrong codes, until the API refuses a new one. The channel takes the
// wrong codes of MAX_LOCKED_REMOVALS locked runs in 24 h (3 × 5 = 15), then
// refuses new removals with 429 too_many_locked_removals and Retry-After,
// audits the refusal, and every admin is told once who guessed.
func TestGuessingTheCodeIsBoundedAcrossRuns(t *testing.T) {
	s := newStack(t)
	s.start(true)
	admin2 := s.must(s.b.User("", s.account, "admin2-"+s.account[:8]+"@loja.test", "Admin Dois", "admin"))
	ch := s.channel("email", "", "")

	evaluated, runs := 0, 0
	var refused resp
	for runs < 8 {
		r := s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil)
		if r.Status == 429 {
			refused = s.want(r, 429, "too_many_locked_removals")
			break
		}
		id := s.want(r, 201, "").str("id")
		runs++
		s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
		wrong := s.wrongCode()
		for {
			v := s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": wrong})
			if v.Status == 422 || v.Status == 423 {
				evaluated++
			}
			if v.Status != 422 {
				s.want(v, 423, "locked")
				break
			}
		}
		s.until(id, "locked")
		s.closed(id)
	}
	budget := domain.LockedRemovalsPerChannel.Max * domain.MaxCodeAttempts
	if refused.Status != 429 || runs != domain.LockedRemovalsPerChannel.Max || evaluated != budget {
		t.Fatalf("runs %d, wrong codes evaluated %d (budget %d), refusal %d %s", runs, evaluated, budget, refused.Status, refused.Raw)
	}
	if ra := retryAfter(refused); ra < 23*3600 || ra > 24*3600 || !strings.Contains(refused.str("detail"), "errado 15 vezes") {
		t.Fatalf("Retry-After %d, detail %q", ra, refused.str("detail"))
	}
	t.Logf("wrong codes one admin could try on one channel: %d in %d runs, then %d %s (Retry-After %d s)",
		evaluated, runs, refused.Status, refused.str("code"), retryAfter(refused))

	// The refusal is in the removal's audit trail.
	id := refused.str("id")
	trail := s.want(s.do("GET", "/v1/removals/"+id+"/audit", s.adminToken, nil), 200, "")
	if !strings.Contains(trail.Raw, "too_many_locked_removals") {
		t.Fatalf("refusal not audited: %s", trail.Raw)
	}
	// Every admin got the notice once.
	n := map[string]int{}
	for _, m := range s.sg.Sent() {
		if strings.Contains(m.Subject, "tentativas de código") {
			n[m.To]++
			if !strings.Contains(m.Text, "errado 15 vezes") || !strings.Contains(m.Text, "Admin") {
				t.Fatalf("notice text: %s", m.Text)
			}
		}
	}
	admins := []string{s.adminEmail(), "admin2-" + s.account[:8] + "@loja.test"}
	if len(n) != 2 || n[admins[0]] != 1 || n[admins[1]] != 1 {
		t.Fatalf("guess-limit notices %v, want one each to %v (admin2 %s)", n, admins, admin2)
	}
	// Another channel of the account is not affected.
	other := s.channel("webchat", "", "")
	s.want(s.do("POST", "/v1/channels/"+other+"/removals", s.adminToken, nil), 201, "")
}

// TestCodeEmailsAreBoundedPerChannel: 12 loops of start, acknowledge and
// cancel on one channel send MAX_CODE_EMAILS (5) codes; the 6th
// acknowledgement is 429 too_many_codes with Retry-After and sends nothing,
// and the run still waits for an acknowledgement (or a cancel).
func TestCodeEmailsAreBoundedPerChannel(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("email", "", "")
	acks, refusals := 0, 0
	for i := 0; i < 12; i++ {
		id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
		r := s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true})
		switch r.Status {
		case 200:
			acks++
		default:
			s.want(r, 429, "too_many_codes")
			if ra := retryAfter(r); ra < 1 || ra > 3600 {
				t.Fatalf("Retry-After %d", ra)
			}
			refusals++
			if g := s.do("GET", "/v1/removals/"+id, s.adminToken, nil); g.str("status") != "awaiting_acknowledgement" {
				t.Fatalf("after a refused acknowledgement: %s", g.Raw)
			}
		}
		s.want(s.do("POST", "/v1/removals/"+id+"/cancel", s.adminToken, nil), 200, "")
		s.closed(id)
	}
	mails := len(s.codeMails())
	t.Logf("code e-mails from 12 start/acknowledge/cancel loops: %d (acknowledgements refused: %d)", mails, refusals)
	if mails != domain.CodeEmailsPerChannel.Max || acks != mails || refusals != 12-mails {
		t.Fatalf("code e-mails %d, acknowledgements %d, refusals %d", mails, acks, refusals)
	}
}

// TestResendCountsAgainstTheChannelsCodeEmails: resends are code e-mails too.
func TestResendCountsAgainstTheChannelsCodeEmails(t *testing.T) {
	s := newStack(t)
	s.policy.ResendInterval = time.Millisecond
	s.start(true)
	ch := s.channel("email", "", "")
	id := s.acknowledged(ch)
	for i := 1; i < domain.CodeEmailsPerChannel.Max; i++ {
		s.want(s.do("POST", "/v1/removals/"+id+"/resend-code", s.adminToken, nil), 202, "")
	}
	r := s.want(s.do("POST", "/v1/removals/"+id+"/resend-code", s.adminToken, nil), 429, "too_many_codes")
	if retryAfter(r) < 1 || len(s.codeMails()) != domain.CodeEmailsPerChannel.Max {
		t.Fatalf("Retry-After %q, code e-mails %d", r.Header.Get("Retry-After"), len(s.codeMails()))
	}
	// The code mailed last still works.
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
}

// TestRemovalStartsArePerUserLimited: beyond the start limit a user's starts
// are 429 too_many_requests with Retry-After, before they reach Temporal,
// and audited; 0 turns the limit off.
func TestRemovalStartsArePerUserLimited(t *testing.T) {
	s := newStack(t)
	s.apiConfig = func(c *api.Config) { c.StartLimit = domain.Limit{Max: 3, Window: 10 * time.Minute} }
	s.start(true)
	ch := s.channel("email", "", "")
	for i := 0; i < 3; i++ {
		id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
		s.want(s.do("POST", "/v1/removals/"+id+"/cancel", s.adminToken, nil), 200, "")
		s.closed(id)
	}
	r := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 429, "too_many_requests")
	if ra := retryAfter(r); ra < 1 || ra > 600 {
		t.Fatalf("Retry-After %d", ra)
	}
	trail := s.want(s.do("GET", "/v1/removals/remove-channel:"+ch+"/audit", s.adminToken, nil), 200, "")
	if !strings.Contains(trail.Raw, string(domain.ActionStartRefused)) {
		t.Fatalf("refusal not audited: %s", trail.Raw)
	}
}

// TestSignInThrottleHoldsUnderConcurrency: 30 wrong passwords for one e-mail
// at once; at most the limit are evaluated (401), the rest are 429.
func TestSignInThrottleHoldsUnderConcurrency(t *testing.T) {
	s := newStack(t)
	s.start(false)
	hash, _ := api.HashPassword(webPassword)
	if err := s.store.SetPasswordHash(context.Background(), s.admin, hash); err != nil {
		t.Fatal(err)
	}
	const n = 30
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(map[string]string{"email": s.adminEmail(), "password": "wrong-" + strconv.Itoa(i)})
			req, _ := http.NewRequest("POST", s.http.URL+"/v1/session", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			<-start
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				statuses[i] = res.StatusCode
				res.Body.Close()
			}
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	t.Logf("wrong passwords evaluated of %d sent at once: %d (429: %d)", n, count[401], count[429])
	if count[401] > domain.SignInPerEmail.Max || count[401]+count[429] != n {
		t.Fatalf("answers %v: at most %d may be evaluated", count, domain.SignInPerEmail.Max)
	}
	// The right password is refused too while the e-mail is throttled.
	s.want(s.signInReq(s.adminEmail(), webPassword), 429, "too_many_attempts")
}

// TestStartLimitHoldsUnderConcurrency: 10 starts by one user at once, each
// on a channel of its own, with a limit of 3: exactly 3 reach Temporal.
func TestStartLimitHoldsUnderConcurrency(t *testing.T) {
	s := newStack(t)
	s.apiConfig = func(c *api.Config) { c.StartLimit = domain.Limit{Max: 3, Window: 10 * time.Minute} }
	s.start(true)
	const n = 10
	chs := make([]string, n)
	for i := range chs {
		chs[i] = s.channel("email", "", fmt.Sprint("P", i))
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range chs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", s.http.URL+"/v1/channels/"+chs[i]+"/removals", nil)
			req.Header.Set("Authorization", "Bearer "+s.adminToken)
			<-start
			if res, err := http.DefaultClient.Do(req); err == nil {
				statuses[i] = res.StatusCode
				res.Body.Close()
			}
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[201] != 3 || count[429] != n-3 {
		t.Fatalf("answers %v: exactly 3 starts may pass", count)
	}
}
