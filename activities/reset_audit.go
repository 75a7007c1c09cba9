package activities

import (
	"context"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"

	"github.com/crm/channel-removal/domain"
)

// ResetAuditor records, in the audit trail, that ops reset a removal's run
// (Temporal Web's Reset, `temporal workflow reset`): a removal's steps carry
// its first run (which a reset keeps), so a step whose Temporal run is
// another belongs to a reset run. The first step the reset run takes writes
// removal_reset, once per reset run, by ops (Temporal). It is an activity
// interceptor, not a step of the workflow, because the workflow cannot issue
// a command of its own at the reset point: the reset run replays the old
// run's history up to there. (A function, not a method: every exported
// method of Activities is registered as an activity.)
func ResetAuditor(a *Activities, removalWorkflow string) interceptor.WorkerInterceptor {
	return &resetAuditor{a: a, workflow: removalWorkflow}
}

type resetAuditor struct {
	interceptor.WorkerInterceptorBase
	a        *Activities
	workflow string
}

func (r *resetAuditor) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &resetActivity{r: r}
	i.Next = next
	return i
}

type resetActivity struct {
	interceptor.ActivityInboundInterceptorBase
	r *resetAuditor
}

// stepper is an activity input that names its removal's step.
type stepper interface{ step() Step }

func (s Step) step() Step { return s }

func (i *resetActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	if info.WorkflowType != nil && info.WorkflowType.Name == i.r.workflow {
		for _, arg := range in.Args {
			s, ok := arg.(stepper)
			if !ok {
				continue
			}
			if st := s.step(); st.RunID != "" && st.RunID != info.WorkflowExecution.RunID {
				// Retried with the step itself: a failed write fails the step.
				e := st.audit(domain.ActionRemovalReset, map[string]any{"run_id": info.WorkflowExecution.RunID, "first_run_id": st.RunID},
					st.key(domain.ActionRemovalReset, info.WorkflowExecution.RunID))
				e.Actor = domain.ActorOpsTemporal
				if err := i.r.a.Store.AppendAudit(ctx, e); err != nil {
					return nil, err
				}
			}
			break
		}
	}
	return i.Next.ExecuteActivity(ctx, in)
}
