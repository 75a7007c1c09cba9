// Package ops holds the on-call commands over removal workflows: list them
// with what ops need to decide, and retry the Meta unlink of every removal
// left in completed_with_warnings. They speak to Temporal only (visibility,
// queries, signals), so they work wherever Temporal Web would.
package ops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	batchpb "go.temporal.io/api/batch/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// Removal is one run as ops see it.
type Removal struct {
	ID            string
	RunID         string
	ChannelID     string
	ChannelName   string
	Status        string
	Running       bool
	Started       time.Time
	UnlinkTries   int
	LastMetaError string
}

// Filter narrows a listing.
type Filter struct {
	Status    string // RemovalStatus, e.g. completed_with_warnings
	ChannelID string
	AccountID string
	Running   bool // only runs still open
}

func (f Filter) query() string {
	q := []string{fmt.Sprintf("WorkflowType = '%s'", workflows.WorkflowName)}
	add := func(key, v string) {
		if v != "" {
			q = append(q, fmt.Sprintf("%s = '%s'", key, strings.ReplaceAll(v, "'", "")))
		}
	}
	add(workflows.SARemovalStatus.GetName(), f.Status)
	add(workflows.SAChannelID.GetName(), f.ChannelID)
	add(workflows.SAAccountID.GetName(), f.AccountID)
	if f.Running {
		q = append(q, "ExecutionStatus = 'Running'")
	}
	return strings.Join(q, " AND ")
}

// List reads the matching runs, newest first, each with its document (query
// while open, result once closed).
func List(ctx context.Context, c client.Client, f Filter) ([]Removal, error) {
	var out []Removal
	var token []byte
	for {
		res, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: f.query(), NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list removals: %w", err)
		}
		for _, e := range res.Executions {
			out = append(out, describe(ctx, c, e))
		}
		if token = res.NextPageToken; len(token) == 0 {
			return out, nil
		}
	}
}

func describe(ctx context.Context, c client.Client, e *workflowpb.WorkflowExecutionInfo) Removal {
	r := Removal{ID: e.GetExecution().GetWorkflowId(), RunID: e.GetExecution().GetRunId(), Started: e.GetStartTime().AsTime(),
		Running: e.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}
	r.ChannelID, _ = workflows.ChannelIDOf(r.ID)
	doc, err := document(ctx, c, r.ID, r.RunID, r.Running)
	if err != nil {
		r.Status = "unknown (" + err.Error() + ")"
		return r
	}
	r.Status = string(doc.Status)
	if doc.Impact != nil {
		r.ChannelName = doc.Impact.ChannelName
	}
	r.UnlinkTries, r.LastMetaError = doc.MetaUnlink.Attempts, doc.MetaUnlink.LastError
	return r
}

func document(ctx context.Context, c client.Client, id, runID string, running bool) (domain.Removal, error) {
	var doc domain.Removal
	if running {
		v, err := c.QueryWorkflow(ctx, id, runID, workflows.QueryStatus)
		if err != nil {
			return doc, err
		}
		return doc, v.Get(&doc)
	}
	return doc, c.GetWorkflow(ctx, id, runID).Get(ctx, &doc)
}

// PrintList writes removals as a table: channel, status, age, last Meta error.
func PrintList(w io.Writer, rs []Removal, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REMOVAL\tCHANNEL\tSTATUS\tAGE\tLAST META ERROR")
	for _, r := range rs {
		name := r.ChannelName
		if name == "" {
			name = "—"
		}
		lastErr := r.LastMetaError
		if lastErr == "" {
			lastErr = "—"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, name, r.Status, age(now.Sub(r.Started)), lastErr)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d removal(s)\n", len(rs))
}

func age(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", d/time.Hour, (d%time.Hour)/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// Outcome is what a retried unlink came to.
type Outcome struct {
	Removal
	Err error // the signal failed, or no outcome within the wait
}

// RetryUnlinks retries the Meta unlink of every open removal in
// completed_with_warnings that f matches, with one server-side batch
// operation: Temporal signals retry-unlink to each run the listing found, at
// its own pace, whatever happens to this process meanwhile. It prints the
// batch job and how to follow it, waits for the job, then (up to wait) for
// each removal to settle: completed, or completed_with_warnings again with
// one more attempt.
//
// The batch is given the listed runs, not the query: visibility lags the
// runs by up to a second or so, and a second reading of it could signal a
// removal this command never reports (CI saw 20 signalled, 18 reported).
//
// dc is the client's data converter: the batch's signal input is built
// here, not by the client, so it must be encoded (encrypted) the same way.
func RetryUnlinks(ctx context.Context, c client.Client, dc converter.DataConverter, namespace string, f Filter, actor string, wait time.Duration, out io.Writer) (string, []Outcome, error) {
	f.Status, f.Running = string(domain.StatusCompletedWithWarnings), true
	targets, err := List(ctx, c, f)
	if err != nil {
		return "", nil, err
	}
	if len(targets) == 0 {
		fmt.Fprintln(out, "no removal in completed_with_warnings matches; nothing to retry")
		return "", nil, nil
	}
	input, err := dc.ToPayloads(workflows.ActorRequest{Actor: domain.Actor{UserID: actor}})
	if err != nil {
		return "", nil, err
	}
	runs := make([]*commonpb.WorkflowExecution, len(targets))
	for i, r := range targets {
		runs[i] = &commonpb.WorkflowExecution{WorkflowId: r.ID, RunId: r.RunID}
	}
	job := "retry-unlinks-" + uuid.NewString()
	_, err = c.WorkflowService().StartBatchOperation(ctx, &workflowservice.StartBatchOperationRequest{
		// Executions, not its successor TargetExecutions: server v1.29 reads only this one.
		Namespace: namespace, JobId: job, Executions: runs, Reason: "ops retry-unlinks by " + actor,
		Operation: &workflowservice.StartBatchOperationRequest_SignalOperation{SignalOperation: &batchpb.BatchOperationSignal{
			Signal: workflows.SignalRetryUnlink, Input: input, Identity: actor}},
	})
	if err != nil {
		return "", nil, fmt.Errorf("start the batch signal: %w", err)
	}
	fmt.Fprintf(out, "batch job %s: %s to %d removal(s) in completed_with_warnings\n", job, workflows.SignalRetryUnlink, len(targets))
	fmt.Fprintf(out, "follow it: temporal batch describe --job-id %s (or Temporal Web, Batch Operations)\n", job)
	done, err := awaitBatch(ctx, c, namespace, job)
	if err != nil {
		return job, nil, err
	}
	fmt.Fprintf(out, "batch job %s: %s, %d signalled, %d failed\n", job, strings.ToLower(strings.TrimPrefix(done.GetState().String(), "BATCH_OPERATION_STATE_")),
		done.GetCompleteOperationCount(), done.GetFailureOperationCount())
	// Each removal is watched until it settles, several at a time (500
	// removals one by one took 40 s on the rehearsal), printed in order.
	deadline := time.Now().Add(wait)
	outcomes := make([]Outcome, len(targets))
	settled := make([]chan struct{}, len(targets))
	sem := make(chan struct{}, 8)
	for i, r := range targets {
		settled[i] = make(chan struct{})
		go func() {
			sem <- struct{}{}
			defer func() { <-sem; close(settled[i]) }()
			outcomes[i] = settle(ctx, c, r, deadline)
		}()
	}
	for i := range targets {
		<-settled[i]
		o := outcomes[i]
		switch {
		case o.Err != nil:
			fmt.Fprintf(out, "%s (%s): %v\n", o.ID, o.ChannelName, o.Err)
		case o.Status == string(domain.StatusCompleted):
			fmt.Fprintf(out, "%s (%s): completed\n", o.ID, o.ChannelName)
		default:
			fmt.Fprintf(out, "%s (%s): %s — %s\n", o.ID, o.ChannelName, o.Status, o.LastMetaError)
		}
	}
	return job, outcomes, nil
}

// awaitBatch waits for a batch job to leave the running state.
func awaitBatch(ctx context.Context, c client.Client, namespace, job string) (*workflowservice.DescribeBatchOperationResponse, error) {
	for {
		d, err := c.WorkflowService().DescribeBatchOperation(ctx, &workflowservice.DescribeBatchOperationRequest{Namespace: namespace, JobId: job})
		if err == nil && d.GetState() != enumspb.BATCH_OPERATION_STATE_RUNNING && d.GetState() != enumspb.BATCH_OPERATION_STATE_UNSPECIFIED {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

var errNoOutcome = errors.New("no outcome yet; check again with `ops list`")

func settle(ctx context.Context, c client.Client, before Removal, deadline time.Time) Outcome {
	for {
		doc, err := document(ctx, c, before.ID, before.RunID, true)
		if err != nil { // closed meanwhile (retry window ended): read its result
			doc, err = document(ctx, c, before.ID, before.RunID, false)
		}
		o := Outcome{Removal: before}
		if err == nil {
			o.Status, o.UnlinkTries, o.LastMetaError = string(doc.Status), doc.MetaUnlink.Attempts, doc.MetaUnlink.LastError
			retried := doc.MetaUnlink.Attempts > before.UnlinkTries
			if doc.Status == domain.StatusCompleted || (retried && doc.Status == domain.StatusCompletedWithWarnings) {
				return o
			}
		}
		if time.Now().After(deadline) {
			o.Err = errNoOutcome
			return o
		}
		select {
		case <-ctx.Done():
			o.Err = ctx.Err()
			return o
		case <-time.After(200 * time.Millisecond):
		}
	}
}
