package workflows

import "go.temporal.io/sdk/workflow"

// nextReleaseStep is nil in every real build. The rehearsal's build B
// (-tags rehearsal_b, rehearsal_step_b.go) sets it: a step between the
// preflight and the alert, the kind of change to the commands a release
// makes, so that the rehearsal can show runs of build A finishing on A and
// what happens to them without versioning.
var nextReleaseStep func(ctx workflow.Context)
