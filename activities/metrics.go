package activities

import (
	"context"
	"errors"
	"strconv"

	"go.temporal.io/sdk/activity"

	"github.com/crm/channel-removal/metagraph"
)

// MetaAttemptsMetric counts the calls to Meta's Graph API by call and
// classified answer (ok, transient, permanent, rate_limited, network) and
// Graph error code, through the SDK's metrics handler: on /metrics beside
// the SDK's own, with the activity's tags (task queue, activity type).
const MetaAttemptsMetric = "channel_removal_meta_attempts"

// CountMetaAttempt counts one call's answer. Outside an activity (unit tests
// calling the methods directly) it counts nothing.
func CountMetaAttempt(ctx context.Context, call string, err error) {
	if !activity.IsActivity(ctx) {
		return
	}
	class, code := "ok", ""
	var ge *metagraph.Error
	switch {
	case err == nil:
	case errors.As(err, &ge) && ge.Code == metagraph.CodeNumberRateLimited, errors.As(err, &ge) && ge.RetryAfter > 0:
		class, code = "rate_limited", strconv.Itoa(ge.Code)
	case errors.As(err, &ge) && ge.Transient:
		class, code = "transient", strconv.Itoa(ge.Code)
	case errors.As(err, &ge):
		class, code = "permanent", strconv.Itoa(ge.Code)
	default:
		class = "network"
	}
	activity.GetMetricsHandler(ctx).WithTags(map[string]string{"call": call, "class": class, "graph_code": code}).
		Counter(MetaAttemptsMetric).Inc(1)
}
