package api_test

import (
	"fmt"
	"net/url"
	"sync"
	"testing"
)

func (s *storeServer) holdPath() string { return "/v1/channels/" + s.channel + "/hold" }

// setHold puts a hold with reason and answers its version.
func (s *storeServer) setHold(reason string) string {
	s.t.Helper()
	a := s.want(s.as(s.adminToken, "PUT", s.holdPath(), map[string]any{"reason": reason}), 200, "")
	h, _ := a.Body["hold"].(map[string]any)
	v, _ := h["version"].(string)
	if v == "" || h["reason"] != reason {
		s.t.Fatalf("hold set: %s", a.Raw)
	}
	return v
}

func (s *storeServer) standingHold() map[string]any {
	s.t.Helper()
	h, _ := s.want(s.as(s.adminToken, "GET", "/v1/channels/"+s.channel, nil), 200, "").Body["hold"].(map[string]any)
	return h
}

// TestALiftNamesTheHoldItRead: a hold replaced since it was read is not
// lifted by a release of the one read (409 hold_changed, pt-BR); the new
// one stands until a release names it.
func TestALiftNamesTheHoldItRead(t *testing.T) {
	s := newStoreServer(t)
	read := s.setHold("Ofício 1")
	newer := s.setHold("Ofício 2")
	if newer == read {
		t.Fatalf("two holds share the version %s", read)
	}
	a := s.want(s.as(s.adminToken, "DELETE", s.holdPath()+"?version="+url.QueryEscape(read), nil), 409, "hold_changed")
	if a.Header.Get("Content-Type") != "application/problem+json" || a.Body["detail"] == nil {
		t.Fatalf("not a problem: %v %s", a.Header, a.Raw)
	}
	if h := s.standingHold(); h["reason"] != "Ofício 2" {
		t.Fatalf("the newer hold was lifted: %v", h)
	}
	s.want(s.as(s.adminToken, "DELETE", s.holdPath(), nil), 400, "invalid_request")
	s.want(s.as(s.adminToken, "DELETE", s.holdPath()+"?version="+newer, nil), 200, "")
	if h := s.standingHold(); h != nil {
		t.Fatalf("the hold still stands: %v", h)
	}
	s.want(s.as(s.adminToken, "DELETE", s.holdPath()+"?version="+newer, nil), 409, "invalid_state")
}

// TestASetRacingALiftIsNeverWiped: a lift of the hold read and a new hold,
// sent at once, round after round: whichever goes first, the new hold
// stands at the end.
func TestASetRacingALiftIsNeverWiped(t *testing.T) {
	s := newStoreServer(t)
	for round := range 15 {
		read := s.setHold(fmt.Sprint("lida ", round))
		var wg sync.WaitGroup
		var set, lift answer
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			set = s.as(s.adminToken, "PUT", s.holdPath(), map[string]any{"reason": fmt.Sprint("nova ", round)})
		}()
		go func() {
			defer wg.Done()
			<-start
			lift = s.as(s.adminToken, "DELETE", s.holdPath()+"?version="+read, nil)
		}()
		close(start)
		wg.Wait()
		if set.Status != 200 || (lift.Status != 200 && lift.Body["code"] != "hold_changed") {
			t.Fatalf("round %d: set %d %s, lift %d %s", round, set.Status, set.Raw, lift.Status, lift.Raw)
		}
		if h := s.standingHold(); h == nil || h["reason"] != fmt.Sprint("nova ", round) {
			t.Fatalf("round %d: the new hold was wiped (lift %d): %v", round, lift.Status, h)
		}
	}
}
