package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/metagraph"
)

// A Meta call's intent (migration 20): each Graph call that unlinks,
// releases or revokes is written down before it is made and settled with
// Meta's answer after, under the attempt's key (removal, first run, part,
// attempt), which a reset and the activity's retries keep. So a try that
// finds the answer written makes no call (a reset run, a retry after the
// job's record failed): Meta is called once per attempt, whatever fails
// after it answered. An intent left open is a call whose fate is unknown
// (the worker died mid-call): the next try takes it over once the dead
// try's lease (its deadline) has passed and calls again, which each call
// allows (docs/operations.md, "Meta calls in flight").

// MetaCalls is what the intents need from the database (part of Store).
type MetaCalls interface {
	ClaimMetaCall(ctx context.Context, removalID, runID string, p domain.MetaPart, n int, lease time.Duration) (string, domain.MetaCallClaim, error)
	SettleMetaCall(ctx context.Context, removalID, runID string, p domain.MetaPart, n int, claim string, status domain.MetaCallStatus, answer []byte) error
	ReleaseMetaCall(ctx context.Context, removalID, runID string, p domain.MetaPart, n int, claim string) error
}

// metaCallLease holds a call for a try without a deadline of its own (the
// unlink's activities have one: StartToCloseTimeout).
const metaCallLease = 30 * time.Second

// metaAnswer is Meta's answer to one call, as its intent keeps it: the
// outcome, or the classified error (network failures included).
type metaAnswer struct {
	Outcome metagraph.Outcome `json:"outcome,omitempty"`
	Error   *metagraph.Error  `json:"error,omitempty"`
}

// callMeta makes attempt in.Attempt's call at part p under its intent, or
// returns the answer an earlier try got. It returns what the Graph call
// returns (outcome, gerr: Meta's answer), and err when the intent could not
// be written or read: then no call was made, or its answer is kept open for
// the next try, and the activity fails and is retried.
func (a *Activities) callMeta(ctx context.Context, in AttemptInput, p domain.MetaPart,
	call func(context.Context) (metagraph.Outcome, error)) (outcome metagraph.Outcome, gerr, err error) {
	calls := a.Store
	for {
		// Worked out at each claim: a try that waited for another's answer
		// holds a call it takes over only until its own deadline.
		lease := metaCallLease
		if dl, ok := ctx.Deadline(); ok {
			lease = time.Until(dl)
		}
		claim, c, err := calls.ClaimMetaCall(ctx, in.RemovalID, in.RunID, p, in.Attempt, lease)
		switch {
		case err != nil:
			return "", nil, err
		case c.Settled:
			var ans metaAnswer
			if err := json.Unmarshal(c.Answer, &ans); err != nil {
				return "", nil, fmt.Errorf("meta call %s: unreadable answer: %w", domain.MetaCallKey(in.RemovalID, in.RunID, p, in.Attempt), err)
			}
			a.log().Info("meta call answered before: not called again", "removal_id", in.RemovalID, "part", p.Name(), "attempt", in.Attempt)
			return ans.result()
		case c.Mine:
			if c.Calls > 1 {
				a.log().Warn("meta call left open by a try that died mid-call: calling again", "removal_id", in.RemovalID,
					"part", p.Name(), "attempt", in.Attempt, "calls", c.Calls)
			}
			return a.settle(ctx, calls, in, p, claim, call)
		}
		// Another try is calling Meta: its answer, or its lease's end, is awaited.
		wait := min(time.Until(c.HeldUntil), time.Second)
		select {
		case <-ctx.Done():
			return "", nil, fmt.Errorf("meta call %s in flight in another try: %w", domain.MetaCallKey(in.RemovalID, in.RunID, p, in.Attempt), ctx.Err())
		case <-time.After(max(wait, 50*time.Millisecond)):
		}
	}
}

// settle makes the call the try holds and writes Meta's answer on its
// intent (tried again within the attempt: recordMetaAnswer).
func (a *Activities) settle(ctx context.Context, calls MetaCalls, in AttemptInput, p domain.MetaPart, claim string,
	call func(context.Context) (metagraph.Outcome, error)) (metagraph.Outcome, error, error) {
	o, gerr := call(ctx)
	if ctx.Err() != nil { // cut off (deadline, worker stopping): Meta may have acted; the fate stays open
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = calls.ReleaseMetaCall(rctx, in.RemovalID, in.RunID, p, in.Attempt, claim)
		return "", nil, fmt.Errorf("meta call cut off: %w", ctx.Err())
	}
	ans, status := metaAnswer{Outcome: o}, domain.MetaCallDone
	if gerr != nil {
		status = domain.MetaCallFailed
		if !errors.As(gerr, &ans.Error) {
			ans.Error = &metagraph.Error{Message: gerr.Error(), Transient: true}
		}
	}
	body, err := json.Marshal(ans)
	if err != nil {
		return "", nil, err
	}
	if err := recordMetaAnswer(ctx, func() error {
		return calls.SettleMetaCall(ctx, in.RemovalID, in.RunID, p, in.Attempt, claim, status, body)
	}); err != nil {
		return "", nil, err
	}
	return o, gerr, nil
}

// result is the answer as the Graph call returned it.
func (m metaAnswer) result() (metagraph.Outcome, error, error) {
	if m.Error != nil {
		return "", m.Error, nil
	}
	return m.Outcome, nil, nil
}
