package workflows

import "go.temporal.io/sdk/interceptor"

// replayInterceptors are the worker interceptors the replays run under: none
// in a real build; the rehearsal's build B step under -tags rehearsal_b, so
// `go test -tags rehearsal_b ./workflows -run TestReplayTheCurrentRelease`
// shows the guard catching B's change.
var replayInterceptors []interceptor.WorkerInterceptor
