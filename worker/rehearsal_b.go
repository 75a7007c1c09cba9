//go:build rehearsal_b

package worker

import (
	"github.com/crm/channel-removal/internal/devtools/rehearsal/stepb"
	"github.com/crm/channel-removal/workflows"
)

func init() {
	buildInterceptors = append(buildInterceptors, &stepb.Interceptor{WorkflowType: workflows.WorkflowName})
}
