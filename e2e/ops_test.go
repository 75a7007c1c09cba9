package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/metagraph/graphsim"
	"github.com/crm/channel-removal/ops"
)

// TestOpsRetryUnlinksAll: three removals end in completed_with_warnings (Meta
// refuses the token); `ops retry-unlinks --all` signals the three, says so, and
// reports each completed.
func TestOpsRetryUnlinksAll(t *testing.T) {
	s := newStack(t)
	s.start(true)
	var ids []string
	for _, page := range []string{"P1", "P2", "P3"} {
		ch := s.channel("messenger", "", page+"-"+s.account[:8])
		id := s.acknowledged(ch)
		s.graph.FailNext(1, graphsim.Failure{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
		s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
		s.until(id, "completed_with_warnings")
		ids = append(ids, id)
	}
	ctx := context.Background()
	f := ops.Filter{AccountID: s.account}
	s.eventually(func() bool { // visibility catches up with the search attribute
		rs, err := ops.List(ctx, s.tc, ops.Filter{AccountID: s.account, Status: "completed_with_warnings"})
		return err == nil && len(rs) == 3
	})
	var list bytes.Buffer
	rs, err := ops.List(ctx, s.tc, f)
	if err != nil {
		t.Fatal(err)
	}
	ops.PrintList(&list, rs, time.Now())
	if !strings.Contains(list.String(), "Canal messengerP1-") || !strings.Contains(list.String(), "token de acesso inválido ou expirado (HTTP 401, código 190)") {
		t.Fatalf("ops list:\n%s", list.String())
	}
	t.Logf("ops list:\n%s", list.String())

	var out bytes.Buffer
	outcomes, err := ops.RetryUnlinks(ctx, s.tc, f, "ops:test", time.Minute, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ops retry-unlinks --all:\n%s", out.String())
	if !strings.Contains(out.String(), "signalled 3 removal(s)") || len(outcomes) != 3 {
		t.Fatalf("ops retry-unlinks:\n%s", out.String())
	}
	for _, o := range outcomes {
		if o.Err != nil || o.Status != "completed" {
			t.Fatalf("outcome %+v\n%s", o, out.String())
		}
	}
	for _, id := range ids {
		s.until(id, "completed")
	}
}
