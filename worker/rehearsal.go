package worker

import "go.temporal.io/sdk/interceptor"

// buildInterceptors is empty in every real build. The rehearsal's build B
// (-tags rehearsal_b, rehearsal_b.go) adds its step here, so that only its
// worker changes the removal's commands.
var buildInterceptors []interceptor.WorkerInterceptor
