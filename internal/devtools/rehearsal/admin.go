package rehearsal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/crm/channel-removal/internal/devtools/fakesendgrid"
)

// admin plays the account's admin from outside: a bearer token from the
// production binary's `token` command, and a web-app session cookie signed
// in on one API instance; either is used on either instance.
type admin struct {
	token, cookie string
	mail          *fakesendgrid.Server
	http          *http.Client
}

// auth says how a request authenticates.
type auth int

const (
	bearer auth = iota
	session
)

func (a auth) String() string { return [...]string{"bearer", "session"}[a] }

type doc struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	Code       string `json:"code"`
	Detail     string `json:"detail"`
	MetaUnlink struct {
		Status    string `json:"status"`
		LastError string `json:"last_error"`
	} `json:"meta_unlink"`
}

func (a *admin) do(ctx context.Context, base string, how auth, method, path string, body any) (int, doc, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, doc{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if how == bearer {
		req.Header.Set("Authorization", "Bearer "+a.token)
	} else {
		req.Header.Set("Cookie", a.cookie)
		req.Header.Set("Origin", base) // the web app's own origin
	}
	res, err := a.http.Do(req)
	if err != nil {
		return 0, doc{}, err
	}
	defer res.Body.Close()
	var d doc
	b, _ := io.ReadAll(res.Body)
	json.Unmarshal(b, &d)
	return res.StatusCode, d, nil
}

// signIn opens a web-app session on base.
func (a *admin) signIn(ctx context.Context, base, email, password string) error {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/session", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	res, err := a.http.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		return fmt.Errorf("sign-in: HTTP %d", res.StatusCode)
	}
	// Every cookie the sign-in set, as a browser sends them: the session's
	// and the device's (cr_device, since the sign-in's device cookies).
	var cookies []string
	for _, c := range res.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	a.cookie = strings.Join(cookies, "; ")
	return nil
}

// code waits for the verification code mailed about channel name.
func (a *admin) code(ctx context.Context, name string) (string, error) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, m := range a.mail.Sent() {
			if strings.HasSuffix(m.Subject, " "+name) {
				if c, ok := m.CodeIn(); ok {
					return c, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no code mailed for %s", name)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// removal drives one removal of ch through the given instances: start on
// startOn, acknowledge and verify on the other, waiting reads on readOn,
// until it ends; it returns the final status.
func (a *admin) removal(ctx context.Context, apis []string, ch channel, startOn, readOn int, how auth) (string, error) {
	other := 1 - startOn
	st, d, err := a.do(ctx, apis[startOn], how, "POST", "/v1/channels/"+ch.id+"/removals", nil)
	if err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("start on api-%d: %d %s %v", startOn+1, st, d.Detail, err)
	}
	id := d.ID
	if st, d, err = a.do(ctx, apis[other], how, "POST", "/v1/removals/"+id+"/acknowledge", map[string]any{"acknowledged": true}); err != nil || st != http.StatusOK {
		return "", fmt.Errorf("acknowledge on api-%d: %d %s %v", other+1, st, d.Detail, err)
	}
	code, err := a.code(ctx, ch.name)
	if err != nil {
		return "", err
	}
	if st, d, err = a.do(ctx, apis[other], how, "POST", "/v1/removals/"+id+"/verify", map[string]any{"code": code}); err != nil || st != http.StatusOK {
		return "", fmt.Errorf("verify on api-%d: %d %s %v", other+1, st, d.Detail, err)
	}
	return a.settle(ctx, apis[readOn], how, id, d.Status)
}

// settle waits with waiting reads until the removal leaves the steps that
// are still moving (removing, unlinking).
func (a *admin) settle(ctx context.Context, api string, how auth, id, status string) (string, error) {
	deadline := time.Now().Add(3 * time.Minute)
	for status == "removing" || status == "unlinking" {
		if time.Now().After(deadline) {
			return status, fmt.Errorf("%s still %s after 3 minutes", id, status)
		}
		st, d, err := a.do(ctx, api, how, "GET", "/v1/removals/"+id+"?status="+status+"&wait=25", nil)
		if err != nil || st != http.StatusOK {
			return status, fmt.Errorf("waiting read: %d %v", st, err)
		}
		status = d.Status
	}
	return status, nil
}

// prober reads from one API instance every interval until stopped, counting
// the answers that were not 200.
type prober struct {
	mu        sync.Mutex
	ok, fails int
	stop      chan struct{}
	done      chan struct{}
}

func (a *admin) probe(api, path string) *prober {
	p := &prober{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for {
			select {
			case <-p.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, _, err := a.do(ctx, api, bearer, "GET", path, nil)
			cancel()
			p.mu.Lock()
			if err == nil && st == http.StatusOK {
				p.ok++
			} else {
				p.fails++
			}
			p.mu.Unlock()
		}
	}()
	return p
}

func (p *prober) end() (ok, fails int) {
	close(p.stop)
	<-p.done
	return p.ok, p.fails
}
