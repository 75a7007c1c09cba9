package app

import (
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// A carrier's restarts are counted in its run's memo, which each restart
// carries on to the next run: a notice ops terminate again and again, or a
// delivery whose input fails it every time (a refusal no retry mends), would
// otherwise be restarted at every pass, for as long as its last run closed
// within the lookback, which each restart moves on.

// MaxCarrierRestarts is how many times the reconciler restarts one carrier;
// past it the carrier is left to ops and logged at each pass.
const MaxCarrierRestarts = 5

// restartsMemo names the count in the memo. It is written in plain JSON (the
// payload codec passes a payload it did not encrypt as it is).
const restartsMemo = "reconciler_restarts"

// restartsOf is how many times the run's carrier was restarted before it.
func restartsOf(m *commonpb.Memo) int {
	p := m.GetFields()[restartsMemo]
	var n int
	if p == nil || converter.GetDefaultDataConverter().FromPayload(p, &n) != nil {
		return 0
	}
	return n
}

// withRestarts is m with the count n, its other fields as they are.
func withRestarts(m *commonpb.Memo, n int) *commonpb.Memo {
	fields := map[string]*commonpb.Payload{}
	for k, v := range m.GetFields() {
		fields[k] = v
	}
	if p, err := converter.GetDefaultDataConverter().ToPayload(n); err == nil {
		fields[restartsMemo] = p
	}
	return &commonpb.Memo{Fields: fields}
}
