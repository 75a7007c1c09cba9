package rehearsal

import (
	"bytes"
	"context"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/proto"
)

// judge reads every run's history: which builds ran its workflow tasks,
// whether B's step is in it, whether a task failed for non-determinism,
// whether it completed.
func (r *rig) judge(ctx context.Context, rep *DeployReport, w waiting, fresh []channel, buildA, buildB string) error {
	rep.Waiting, rep.New = len(w.all()), len(fresh)
	for i, ch := range append(w.all(), fresh...) {
		h, err := r.historyOf(ctx, removalID(ch))
		if err != nil {
			return err
		}
		builds, bStep, nde, completed := readHistory(h)
		if nde {
			rep.NDE++
		}
		if !completed {
			rep.Stuck++
		}
		isA := i < rep.Waiting
		switch {
		case isA && bStep:
			rep.RanBStep++
		case isA && completed && (buildA == "" || builds == buildA):
			rep.FinishedOnA++
		case !isA && completed && bStep && (buildB == "" || builds == buildB):
			rep.NewOnB++
		}
	}
	return nil
}

func (r *rig) historyOf(ctx context.Context, id string) (*historypb.History, error) {
	h, err := r.rawHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	// Its markers and failures are encrypted: read them as they were.
	return h, r.codec.DecodeInPlace(ctx, h)
}

// rawHistory is the run's history as Temporal stores it: its payloads
// encrypted, as the plain temporal CLI shows them.
func (r *rig) rawHistory(ctx context.Context, id string) (*historypb.History, error) {
	it := r.tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, e)
	}
	return h, nil
}

// readHistory: the builds that completed the run's workflow tasks (comma
// separated, in order), B's step, a task failed for non-determinism, the
// run completed.
func readHistory(h *historypb.History) (builds string, bStep, nde, completed bool) {
	var seen []string
	for _, e := range h.Events {
		switch e.EventType {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			b := e.GetWorkflowTaskCompletedEventAttributes().GetDeploymentVersion().GetBuildId()
			if len(seen) == 0 || seen[len(seen)-1] != b {
				seen = append(seen, b)
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			raw, _ := proto.Marshal(e)
			bStep = bStep || bytes.Contains(raw, []byte(nextBuildMarker))
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED:
			a := e.GetWorkflowTaskFailedEventAttributes()
			nde = nde || a.GetCause() == enumspb.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR ||
				strings.Contains(strings.ToLower(a.GetFailure().GetMessage()), "nondeterministic")
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			completed = true
		}
	}
	return strings.Join(seen, ","), bStep, nde, completed
}

// outcomes reads each removal's status from Temporal (a run stuck on a
// failing workflow task still says where it stopped).
func (r *rig) outcomes(ctx context.Context, chs []channel) map[string]int {
	out := map[string]int{}
	for _, ch := range chs {
		d, err := r.tc.DescribeWorkflowExecution(ctx, removalID(ch), "")
		switch {
		case err != nil:
			out["error"]++
		case d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			var doc struct {
				Status string `json:"status"`
			}
			if err := r.tc.GetWorkflow(ctx, removalID(ch), "").Get(ctx, &doc); err != nil {
				out["error"]++
			} else {
				out[doc.Status]++
			}
		default:
			out["stuck"]++
		}
	}
	return out
}
