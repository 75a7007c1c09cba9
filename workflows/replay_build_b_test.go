//go:build rehearsal_b

package workflows

import "github.com/crm/channel-removal/internal/devtools/rehearsal/stepb"

func init() {
	replayInterceptors = append(replayInterceptors, &stepb.Interceptor{WorkflowType: WorkflowName})
}
