package workflows

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	historypb "go.temporal.io/api/history/v1"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/internal/devtools/fixtures"
	"github.com/crm/channel-removal/temporalcodec"
	"github.com/crm/channel-removal/tracing"
)

// TestCommittedHistoriesAreSealed: no history of an open release has been
// rewritten, removed or added since its seal, and the current release is
// sealed. SEAL_RELEASE=1 seals the current release's folder, once, after its
// histories were captured (UPDATE_HISTORIES=1 go test ./e2e -run …).
func TestCommittedHistoriesAreSealed(t *testing.T) {
	if os.Getenv("SEAL_RELEASE") != "" {
		r, err := fixtures.Seal("testdata", Release)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("sealed release %s: %d histories", r.Name, len(r.Histories))
	}
	m, err := fixtures.Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := m.Find(Release); !ok || r.Status != fixtures.Open {
		t.Fatalf("release %s (workflows.Release) is not sealed open in testdata/%s: capture its histories, then SEAL_RELEASE=1 (docs/versioning.md)", Release, fixtures.ManifestFile)
	}
	for _, err := range m.Check("testdata") {
		t.Error(err)
	}
}

// TestReplayTheCurrentRelease replays the current release's sealed
// histories, captured from the real server: a change to the workflows'
// commands fails here, and ships as a new release, pinned (a run stays on
// the build that started it). Older open releases' histories are replayed
// by their own builds, which serve their runs until drained.
func TestReplayTheCurrentRelease(t *testing.T) {
	files, err := fixtures.Histories("testdata", Release)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, f := range files {
		types[workflowType(t, f)]++
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := newReplayer(t)
			logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
			if err := r.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
	// Every workflow's shape is guarded.
	if types[WorkflowName] < 2 || types[MetaAccessLostWorkflowName] < 1 || types[PurgeWorkflowName] < 1 || types[NoticeWorkflowName] < 1 {
		t.Fatalf("release %s's histories by workflow type: %v; want at least 2 of %s and 1 each of %s, %s and %s", Release, types,
			WorkflowName, MetaAccessLostWorkflowName, PurgeWorkflowName, NoticeWorkflowName)
	}
}

// TestReplayPurgeHistoriesOfEveryRelease: PurgeMessagesWorkflow and
// SecurityNoticeWorkflow auto-upgrade (a purge waits longer than a build
// lives; a notice may outlast its removal's build), so the current code
// takes over the runs every open release started: it must replay all of
// them. A change to their commands needs a workflow.GetVersion branch.
func TestReplayPurgeHistoriesOfEveryRelease(t *testing.T) {
	m, err := fixtures.Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	autoUpgrades := map[string]bool{}
	for _, r := range Registrations() {
		autoUpgrades[r.Options.Name] = r.Options.VersioningBehavior == workflow.VersioningBehaviorAutoUpgrade
	}
	n := 0
	for _, rel := range m.Releases {
		if rel.Status != fixtures.Open {
			continue
		}
		files, err := fixtures.Histories("testdata", rel.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !autoUpgrades[workflowType(t, f)] {
				continue
			}
			n++
			t.Run(rel.Name+"/"+filepath.Base(f), func(t *testing.T) {
				r := newReplayer(t)
				logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
				if err := r.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
					t.Fatalf("replay %s: %v", f, err)
				}
			})
		}
	}
	if n == 0 {
		t.Fatal("no purge history in any open release")
	}
}

func workflowType(t *testing.T, file string) string {
	t.Helper()
	return historyEvents(t, file)[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()
}

// historyEvents reads a sealed history's events.
func historyEvents(t *testing.T, file string) []*historypb.HistoryEvent {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return h.GetEvents()
}

// newReplayer replays as the workers run: through the codec-wrapped
// converters. The sealed histories hold plaintext payloads (captured before
// the codec, or decoded by the e2e capture), which the codec passes through
// for want of its encryption metadata, so they replay unchanged.
func newReplayer(t *testing.T) worker.WorkflowReplayer {
	t.Helper()
	codec := temporalcodec.MustParse(temporalcodec.DevKey)
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter: codec.DataConverter(), FailureConverter: codec.FailureConverter(),
		// The tracing interceptor the workers run adds headers, not commands.
		Interceptors: append([]interceptor.WorkerInterceptor{tracing.TemporalInterceptor()}, replayInterceptors...)})
	if err != nil {
		t.Fatal(err)
	}
	for _, reg := range Registrations() {
		r.RegisterWorkflowWithOptions(reg.Workflow, reg.Options)
	}
	return r
}
