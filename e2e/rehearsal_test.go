package e2e

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/internal/devtools/rehearsal"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/internal/devtools/testdb"
)

// TestRehearsalOnARealTemporalCluster runs the production rehearsal, small:
// a Temporal server built from source on Postgres, two workers and two APIs
// of the production binary, a worker killed at the tombstone and at the Meta
// unlink, an API killed during a waiting read, the restarted worker's share,
// throughput on one worker and on two, `ops list`, the temporal CLI's
// visibility query, `ops retry-unlinks --all` as one batch signal, the
// codec key rotated with removals waiting across it, and the deploys.
func TestRehearsalOnARealTemporalCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	if _, err := temporaldev.Cluster(ctx, testLog{t}); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Temporal server cannot be built: %v", err)
		}
		t.Skipf("the Temporal server cannot be built here: %v", err)
	}
	const warnings = 20
	const deploy = 2
	binB, err := rehearsal.BuildB(ctx, productionBinary(t), testLog{t})
	if err != nil || binB == "" {
		t.Fatalf("build B: %q %v", binB, err)
	}
	res, err := rehearsal.Run(ctx, rehearsal.Options{Removals: 6, AfterRestarts: 40, Concurrency: 4, Throughput: 8, Warnings: warnings, Deploy: deploy,
		Postgres: testdb.AdminURL(), Prefix: "e2e_rehearsal", Binary: productionBinary(t), BinaryB: binB, WorkDir: t.TempDir(), Progress: testLog{t}})
	var table bytes.Buffer
	if res != nil {
		rehearsal.Print(&table, res)
		t.Logf("\n%s", table.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Persistence != "postgres12" || res.Visibility != "postgres12" {
		t.Fatalf("persistence %q, visibility %q: not the Postgres cluster", res.Persistence, res.Visibility)
	}
	// Every process spoke mTLS (a client without a certificate cannot reach the
	// cluster at all, so the phases below are its proof); strangers were refused.
	if strings.Join(res.MTLS, ", ") != "no client certificate: refused, plaintext: refused" {
		t.Errorf("mTLS: %v", res.MTLS)
	}
	for _, row := range res.Rows {
		if row.Contrast {
			continue
		}
		if row.Outcomes["completed"] != row.Removals || row.Duplicates != 0 || row.Missing != 0 {
			t.Errorf("%s: %v, %d duplicate effects, %d missing", row.Phase, row.Outcomes, row.Duplicates, row.Missing)
		}
	}
	// The deploy, versioned: A's waiting removals (at the alert, at the code,
	// with warnings) finished on A with A's commands, new ones ran on B,
	// nothing failed, A was drained. Unversioned, the same builds fail A's.
	if len(res.Deploys) != 2 {
		t.Fatalf("deploy phases: %+v", res.Deploys)
	}
	v, u := res.Deploys[0], res.Deploys[1]
	if !v.Versioned || v.Waiting != 3*deploy || v.FinishedOnA != v.Waiting || v.New != deploy || v.NewOnB != deploy ||
		v.NDE != 0 || v.Stuck != 0 || v.RanBStep != 0 || v.DrainedAfter == 0 || !strings.Contains(v.Versions, "drained") {
		t.Errorf("versioned deploy: %+v", v)
	}
	if u.Versioned || u.NDE == 0 || u.Stuck == 0 || u.NewOnB != deploy {
		t.Errorf("the unversioned contrast shows no failure: %+v", u)
	}
	// The codec key's rotation: removals left waiting under k1 finished once
	// every process ran with k2,k1 (their row above: all completed, no effect
	// twice or missing); their raw histories hold k1 payloads written before
	// and k2 payloads after, never the other way; and a process with k2
	// alone reads no k1 payload, which is why k1 stays until those runs close.
	k := res.Rotation
	if k == nil {
		t.Fatal("no key rotation phase")
	}
	if k.Waiting != 3*deploy || k.New != deploy || k.Mixed != k.Waiting || k.TaskFailures != 0 ||
		k.Before["k1"] == 0 || k.Before["k2"] != 0 || k.After["k2"] == 0 || k.After["k1"] != 0 {
		t.Errorf("key rotation: %+v", k)
	}
	if !strings.HasPrefix(k.K2Only, "HTTP 400") || !strings.Contains(k.K2Only, `"k1"`) || !strings.Contains(k.ReplayK2Only, `"k1"`) || k.ReplayBoth != "ok" {
		t.Errorf("with k2 alone: codec server %q, replay %q; with k2,k1: replay %q", k.K2Only, k.ReplayK2Only, k.ReplayBoth)
	}
	if res.SurvivorReads == 0 || res.SurvivorFailures != 0 {
		t.Errorf("surviving API: %d reads, %d failed", res.SurvivorReads, res.SurvivorFailures)
	}
	if res.Batch.Completed != warnings || res.Batch.Signalled != warnings || !strings.HasPrefix(res.Batch.JobID, "retry-unlinks-") {
		t.Errorf("ops retry-unlinks --all: %+v", res.Batch)
	}
	if !strings.HasSuffix(res.OpsList, "removal(s)") || !strings.Contains(res.CLICount, "Total:") {
		t.Errorf("ops list %q, temporal workflow count %q", res.OpsList, res.CLICount)
	}
}

// TestTheDevServerIsToldApartFromTheCluster: the check the rehearsal makes
// of its server (the stores the cluster reports of itself) says SQLite for
// the dev server the other tests run on, so a rehearsal that ran on it fails.
func TestTheDevServerIsToldApartFromTheCluster(t *testing.T) {
	s := newStack(t)
	s.start(false)
	p, v, err := rehearsal.StoreNames(context.Background(), s.tc)
	if err != nil {
		t.Fatal(err)
	}
	if p != "sqlite" || v != "sqlite" {
		t.Fatalf("the dev server reports persistence %q and visibility %q", p, v)
	}
}

// testLog writes progress lines to the test's log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
