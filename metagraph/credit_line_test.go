package metagraph_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/metagraph"
)

const partner = "partner-system-user-token"

// TestRevokeCreditLine: against the Graph simulator, DELETE
// /{allocation-config-id} with our business's system-user token revokes
// the WABA's share of our credit line; a second call finds it deleted
// (request_status DELETED) and counts as revoked; Meta's refusals are
// classified as every call's (a permission error is permanent, a 503
// transient).
func TestRevokeCreditLine(t *testing.T) {
	sim, c := onCreditLine(t, "CFG-9", "W9")
	ctx := context.Background()
	if out, err := c.RevokeCreditLine(ctx, "CFG-9", partner); err != nil || out != metagraph.Revoked || sim.CreditLineShared("W9") {
		t.Fatalf("%s %v", out, err)
	}
	if out, err := c.RevokeCreditLine(ctx, "CFG-9", partner); err != nil || out != metagraph.AlreadyRevoked {
		t.Fatalf("again: %s %v", out, err)
	}
	for _, f := range []struct {
		failure   graphsim.Failure
		transient bool
	}{
		{graphsim.Failure{HTTPStatus: http.StatusForbidden, Code: 200, Message: "Permissions error"}, false},
		{graphsim.Failure{HTTPStatus: http.StatusServiceUnavailable, Code: 2, Message: "Service temporarily unavailable"}, true},
	} {
		sim.FailNext(1, f.failure)
		_, err := c.RevokeCreditLine(ctx, "CFG-10", partner)
		var ge *metagraph.Error
		if !errors.As(err, &ge) || ge.Transient != f.transient || ge.Code != f.failure.Code {
			t.Fatalf("%+v: %v", f.failure, err)
		}
	}
}

// TestACreditLineIsNotRevokedWithTheChannelsToken: the allocation config
// is our business's object. With a client WABA's token Graph cannot load
// it and answers code 100, the same code as for a config already deleted:
// that answer is a permanent failure, never "already revoked", and the
// line stays shared; so does a config that never existed. (Before the
// partner's token, the channel's token was sent and a 100 counted as
// revoked while we stayed liable.)
func TestACreditLineIsNotRevokedWithTheChannelsToken(t *testing.T) {
	sim, c := onCreditLine(t, "CFG-1", "W1")
	for _, call := range []struct{ config, token string }{{"CFG-1", "channel-token-of-W1"}, {"CFG-404", partner}} {
		out, err := c.RevokeCreditLine(context.Background(), call.config, call.token)
		var ge *metagraph.Error
		if !errors.As(err, &ge) || ge.Transient || ge.Code != 100 || out != "" {
			t.Fatalf("%+v: %q %v", call, out, err)
		}
	}
	if !sim.CreditLineShared("W1") {
		t.Fatal("the channel's token revoked our credit line")
	}
}

// onCreditLine serves a simulator whose WABA waba shares our credit line
// through config, answering the partner's token.
func onCreditLine(t *testing.T, config, waba string) (*graphsim.Sim, *metagraph.Client) {
	sim := graphsim.New()
	sim.SetPartnerToken(partner)
	sim.ShareCreditLine(config, waba)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, metagraph.New(srv.URL, "v23.0", 2*time.Second)
}
