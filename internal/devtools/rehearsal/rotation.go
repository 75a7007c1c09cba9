package rehearsal

import (
	"context"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/converter"

	"github.com/crm/channel-removal/temporalcodec"
)

// RotationReport is the key rotation phase: removals left waiting under k1
// (at the alert, at the code, with warnings), every process restarted with
// TEMPORAL_CODEC_KEY=k1,k2 (k2 decrypts only) and then k2,k1 (k2 encrypts,
// k1 still decrypts), the waiting removals driven to their end and new ones
// started; then the runs' raw histories (no codec) say which key wrote what,
// and a process with k2 alone tries a k1 payload.
type RotationReport struct {
	Waiting, New int
	// Payloads in the runs' raw histories by key id ("": not encrypted),
	// of the events written before any process encrypted with k2 (Before)
	// and after every process did (After).
	Before, After map[string]int
	// Mixed: runs whose history holds payloads of both keys.
	Mixed int
	// TaskFailures: workflow tasks failed in these runs (a payload a
	// process could not read would fail one).
	TaskFailures int
	// K2Only is what an API with TEMPORAL_CODEC_KEY=k2 alone answered on
	// its codec server's /decode for a k1 payload from Temporal.
	K2Only string
	// ReplayK2Only and ReplayBoth: a run that waited across the rotation,
	// replayed by the workflow's code as a worker replays it, with k2
	// alone and with k2,k1 ("ok").
	ReplayK2Only, ReplayBoth string
	// Roll is the two rolling restarts of the four processes.
	Roll time.Duration
}

// rotateCodecKey: the rotation procedure of docs/operations.md, with
// removals waiting across it.
func (r *rig) rotateCodecKey(ctx context.Context) error {
	t0 := time.Now()
	rep := &RotationReport{Before: map[string]int{}, After: map[string]int{}}
	k1 := r.codecKey
	_, k2 := newCodec("k2")
	r.logf("key rotation: removals left waiting under TEMPORAL_CODEC_KEY=k1...")
	w, err := r.leaveWaiting(ctx, r.fleet.apiURLs)
	if err != nil {
		return err
	}
	// First every process learns k2 without writing with it, so that during
	// the second roll, when some write with k2, every process reads it.
	r.logf("  every process restarted with k1,k2 (k2 decrypts only), workers first...")
	roll := time.Now()
	if err := r.rollCodecKey(ctx, k1+","+k2); err != nil {
		return err
	}
	switching := time.Now()
	r.logf("  every process restarted with k2,k1 (k2 encrypts, k1 still decrypts), workers first...")
	if err := r.rollCodecKey(ctx, k2+","+k1); err != nil {
		return err
	}
	switched := time.Now()
	rep.Roll = switched.Sub(roll)
	r.logf("  driving the %d waiting removals to their end and starting %d new ones...", len(w.all()), r.o.Deploy)
	fresh, err := r.finishAndStart(ctx, r.fleet.apiURLs, w, 2*time.Minute)
	if err != nil {
		return err
	}
	rep.Waiting, rep.New = len(w.all()), len(fresh)
	var k1Payload *commonpb.Payload
	var acrossIt *historypb.History
	for _, ch := range append(w.all(), fresh...) {
		h, err := r.rawHistory(ctx, removalID(ch))
		if err != nil {
			return err
		}
		keys := map[string]bool{}
		for _, e := range h.Events {
			if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED {
				rep.TaskFailures++
			}
			at := e.GetEventTime().AsTime()
			for _, p := range payloadsOf(ctx, e) {
				id := keyID(p)
				keys[id] = true
				switch {
				case at.Before(switching):
					rep.Before[id]++
				case at.After(switched):
					rep.After[id]++
				}
				if id == "k1" && k1Payload == nil {
					k1Payload = p
				}
			}
		}
		if keys["k1"] && keys["k2"] {
			rep.Mixed++
			if acrossIt == nil {
				acrossIt = h
			}
		}
	}
	if k1Payload == nil || acrossIt == nil {
		return fmt.Errorf("key rotation: no k1 payload, or no run holding both keys, in the raw histories (%+v)", rep)
	}
	if rep.K2Only, err = r.decodeWithK2Alone(ctx, k2, k1Payload); err != nil {
		return err
	}
	rep.ReplayK2Only, rep.ReplayBoth = replayWith(k2, acrossIt), replayWith(k2+","+k1, acrossIt)
	r.res.Rotation = rep
	chs := append(w.all(), fresh...)
	return r.row(ctx, Row{Phase: "codec key k1 → k2, removals waiting across it", Removals: len(chs),
		Kills: "every process restarted twice", Outcomes: r.outcomes(ctx, chs), Took: time.Since(t0), Note: rep.note()}, chs)
}

// rollCodecKey restarts every process with TEMPORAL_CODEC_KEY=spec, one at a
// time, workers first (a worker and an API serve throughout), and gives the
// same key to the rehearsal's own client, its commands and later processes.
func (r *rig) rollCodecKey(ctx context.Context, spec string) error {
	set := func(env []string) []string { return setEnv(env, "TEMPORAL_CODEC_KEY", spec) }
	for i, p := range r.fleet.workers {
		p.stop()
		p.env = set(p.env)
		if err := r.fleet.startWorker(ctx, i); err != nil {
			return err
		}
	}
	for i, p := range r.fleet.apis {
		p.stop()
		p.env = set(p.env)
		if err := r.fleet.startAPI(ctx, i); err != nil {
			return err
		}
	}
	r.env, r.fleet.env = set(r.env), set(r.fleet.env)
	codec := temporalcodec.MustParse(spec)
	tc, err := r.dial(codec)
	if err != nil {
		return err
	}
	r.tc.Close()
	r.tc, r.fleet.temporal, r.codec, r.codecKey = tc, tc, codec, spec
	return nil
}

// setEnv is env with key's every entry replaced by key=value.
func setEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// payloadsOf is every payload of e as Temporal stores it, search attributes
// aside (never encrypted: ids and states).
func payloadsOf(ctx context.Context, e *historypb.HistoryEvent) []*commonpb.Payload {
	var out []*commonpb.Payload
	_ = proxy.VisitPayloads(ctx, e, proxy.VisitPayloadsOptions{SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			out = append(out, ps...)
			return ps, nil
		}})
	return out
}

// keyID is the key that encrypted p ("" when p is not encrypted).
func keyID(p *commonpb.Payload) string {
	if string(p.GetMetadata()[converter.MetadataEncoding]) != temporalcodec.Encoding {
		return ""
	}
	return string(p.GetMetadata()[temporalcodec.MetadataKeyID])
}

func (d RotationReport) note() string {
	return fmt.Sprintf("raw histories: before the switch %s, after it %s; %d runs hold both keys; %d workflow tasks failed",
		keysText(d.Before), keysText(d.After), d.Mixed, d.TaskFailures)
}

// keysText is "k1 130" or "k2 88, plaintext 3".
func keysText(m map[string]int) string {
	named := map[string]int{}
	for k, n := range m {
		if k == "" {
			k = "plaintext"
		}
		named[k] = n
	}
	if len(named) == 0 {
		return "none"
	}
	return outcomesText(named)
}
