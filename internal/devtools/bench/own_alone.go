package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/vcode"
	"github.com/crm/channel-removal/workflows"
)

// The removal's own work alone: what a whole removal asks of Postgres and of
// its activities' code, with neither Temporal nor HTTP. The two phases'
// difference says the same, but as the difference of two noisy throughputs
// (it moved by ±5 ms between identical runs here); this phase measures it
// directly, and so is the figure to hold against a budget: for the ratio to
// reach 0.9, a removal's whole own work (this, plus its HTTP requests) may
// cost at most a ninth of the bare shape's machine CPU.

// ownWork is one removal's own work on channel ch: the API's five
// authorizing reads (start, acknowledge, verify, one waiting read, one plain
// read, as the driver makes them) and the five steps' activities in the
// workflow's order, each called as the worker calls it.
type ownWork struct {
	acts   *activities.Activities
	api    *postgres.Store // the API's pool, as in the e2e phase
	sink   *mailSink
	secret []byte // the activities' CodeSecret, to hash the code as the API does
	admin  string
}

func (o ownWork) removal(ctx context.Context, ch channel) error {
	removalID := workflows.WorkflowID(ch.id)
	step := activities.Step{RemovalID: removalID, RunID: uuid.NewString(), ChannelID: ch.id,
		Actor: domain.Actor{UserID: o.admin, IP: "127.0.0.1"}}
	authorize := func(channelID, removalID string) error {
		_, _, _, err := o.api.UserWithRemoval(ctx, o.admin, channelID, removalID)
		return err
	}
	if err := authorize(ch.id, ""); err != nil {
		return err
	}
	// Each step writes a document, as the workflow hands them.
	doc := func(s domain.Status, final bool) domain.Removal {
		d := domain.Removal{ID: removalID, RunID: step.RunID, ChannelID: ch.id, Status: s, Notes: []string{}}
		if final {
			now := time.Now()
			d.CompletedAt = &now
		}
		return d
	}
	pre, err := o.acts.Preflight(ctx, activities.PreflightInput{Step: step, RequestedBy: o.admin,
		Decided: domain.Decided{domain.OutcomePassed: doc(domain.StatusAwaitingAcknowledgement, false)}})
	if err != nil || !pre.OK {
		return fmt.Errorf("preflight: %v %v", pre.Reasons, err)
	}
	step.AccountID = pre.AccountID
	if err := authorize("", removalID); err != nil {
		return err
	}
	if _, err := o.acts.SendVerificationCode(ctx, activities.SendCodeInput{Step: step, ChannelName: ch.name, Seq: 1, Acknowledged: true,
		Decided: domain.Decided{domain.OutcomeCodeSent: doc(domain.StatusAwaitingCode, false)}}); err != nil {
		return err
	}
	code, err := o.sink.code(ctx, ch.name)
	if err != nil {
		return err
	}
	if err := authorize("", removalID); err != nil {
		return err
	}
	v, err := o.acts.VerifyCode(ctx, activities.VerifyInput{Step: step, Seq: 1, CodeHash: vcode.Hash(o.secret, removalID, code),
		Decided: domain.Decided{domain.OutcomeVerified: doc(domain.StatusRemoving, false)}})
	if err != nil || !v.OK {
		return fmt.Errorf("verify: %+v %v", v, err)
	}
	d, err := o.acts.DeleteChannel(ctx, activities.DeleteInput{Step: step, Decided: domain.Decided{
		domain.OutcomeUnlinkOwed: doc(domain.StatusRemoving, false), domain.OutcomeNothingOwed: doc(domain.StatusCompleted, true)}})
	if err != nil {
		return err
	}
	if d.Subscription {
		if _, err := o.acts.Unsubscribe(ctx, activities.AttemptInput{Step: step, Attempt: 1,
			Plan: domain.AttemptPlan{Part: domain.PartSubscription, UnlinkAttempts: 1, Owed: domain.MetaOwed{Subscription: true}, At: time.Now()}}); err != nil {
			return err
		}
	}
	for i := 0; i < 2; i++ { // the waiting read and the plain read
		if err := authorize("", removalID); err != nil {
			return err
		}
	}
	return nil
}
