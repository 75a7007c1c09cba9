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

// TestRevokeCreditLine: against the Graph simulator, DELETE
// /{allocation-config-id} revokes the WABA's share of our credit line; a
// second call finds it gone (code 100) and counts as revoked; Meta's
// refusals are classified as every call's (a permission error is permanent,
// a 503 transient).
func TestRevokeCreditLine(t *testing.T) {
	sim := graphsim.New()
	sim.ShareCreditLine("CFG-9", "W9")
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := metagraph.New(srv.URL, "v23.0", 2*time.Second)
	ctx := context.Background()
	if out, err := c.RevokeCreditLine(ctx, "CFG-9", "tok"); err != nil || out != metagraph.Revoked || sim.CreditLineShared("W9") {
		t.Fatalf("%s %v", out, err)
	}
	if out, err := c.RevokeCreditLine(ctx, "CFG-9", "tok"); err != nil || out != metagraph.AlreadyRevoked {
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
		_, err := c.RevokeCreditLine(ctx, "CFG-10", "tok")
		var ge *metagraph.Error
		if !errors.As(err, &ge) || ge.Transient != f.transient || ge.Code != f.failure.Code {
			t.Fatalf("%+v: %v", f.failure, err)
		}
	}
}
