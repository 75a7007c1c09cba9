package bench

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/workflows"
)

// medianHistorySize is the median events and bytes of the first removals.
func medianHistorySize(ctx context.Context, tc client.Client, chs []channel) (int, int64, error) {
	var ls []int
	var bs []int64
	for i := 0; i < len(chs) && i < 25; i++ {
		n, b, err := historySize(ctx, tc, workflows.WorkflowID(chs[i].id))
		if err != nil {
			return 0, 0, err
		}
		ls, bs = append(ls, n), append(bs, b)
	}
	sort.Ints(ls)
	sort.Slice(bs, func(i, j int) bool { return bs[i] < bs[j] })
	return ls[len(ls)/2], bs[len(bs)/2], nil
}

// historySize is a closed run's history length in events and bytes.
func historySize(ctx context.Context, tc client.Client, id string) (int, int64, error) {
	for i := 0; i < 50; i++ { // the run closes just after its last update is answered
		d, err := tc.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return 0, 0, err
		}
		if info := d.GetWorkflowExecutionInfo(); info.GetCloseTime() != nil {
			return int(info.GetHistoryLength()), info.GetHistorySizeBytes(), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, 0, fmt.Errorf("%s did not close", id)
}
