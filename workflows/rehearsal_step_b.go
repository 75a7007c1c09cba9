//go:build rehearsal_b

package workflows

import "go.temporal.io/sdk/workflow"

// RehearsalStepMarker names build B's step in a history.
const RehearsalStepMarker = "rehearsal build B: a step before the alert"

func init() {
	nextReleaseStep = func(ctx workflow.Context) {
		// A side effect is a marker command: a history without it (build
		// A's) replays on this build as a non-determinism error.
		_ = workflow.SideEffect(ctx, func(workflow.Context) any { return RehearsalStepMarker }).Get(new(string))
	}
}
