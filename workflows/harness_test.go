package workflows

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/vcode"
)

var testSecret = []byte("unit-secret")

const testChannel = "ch-1"

// harness runs the workflow on the test environment (time skipping) with
// activities mocked to behave like the real ones on the test clock.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment

	preflight     activities.PreflightResult
	sendErr       error
	verifyErr     error // what every code check returns, when set (a stalled database)
	deleteErr     error
	deleteRes     activities.DeleteResult
	deleteFn      func(activities.DeleteInput) (activities.DeleteResult, error) // replaces the default tombstone
	onSend        func(activities.SendCodeInput)                                // sees each code send
	unlinks       []func() activities.AttemptResult                             // one per attempt; the last repeats
	unlinkCalls   int
	numbers       []func() activities.AttemptResult // the number's attempts; the last repeats
	numberCalls   int
	overrides     []func() activities.AttemptResult // the override's attempts; the last repeats
	overrideCalls int
	credits       []func() activities.AttemptResult // the credit line's attempts; the last repeats
	creditCalls   int
	attemptsAt    []time.Time // when each attempt at Meta (any part) was made, on the test clock
	attempted     []string    // which part each attempt was at, in order

	codes        []string // mailed codes, by send
	hash         string   // current code's hash
	expiresAt    time.Time
	attemptsLeft int
	deleted      int
	abandoned    int
	abandons     []activities.AbandonInput
	opsAlerts    []activities.OpsAlertInput
	notices      []activities.NoticeInput // NotifyAdmins calls that SendGrid accepted
	// noticeErr, when set, is what a NotifyAdmins call returns (nil: accepted).
	noticeErr    func() error
	noticeCalls  int
	guessNotices []activities.GuessLimitInput
	outcomes     []Outcome // what each completed update answered, as sent
	// guessNoticeErr, when set, is what a NotifyGuessLimit call returns (nil: sent).
	guessNoticeErr func() error
	// noticeFailedAlerts are AlertNoticeFailed calls (ops told of a notice not sent).
	noticeFailedAlerts []activities.NoticeFailedInput
	// guessLimitAt is the wrong code (1 on) whose VerifyCode reports GuessLimit.
	guessLimitAt, wrongCodes int

	pending, seq int // updates sent and not yet answered

	statuses []string // RemovalStatus upserts, in order
	accounts []string
	audits   []string
	// auditActors is who each RecordAudit action was written for.
	auditActors map[string]domain.Actor
	// statusAtAudit is the last RemovalStatus published when each audit record was written.
	statusAtAudit map[string]string
	auditCall     *testsuite.MockCallWrapper
}

func newHarness(t *testing.T) *harness {
	var s testsuite.WorkflowTestSuite
	h := &harness{t: t, env: s.NewTestWorkflowEnvironment(), attemptsLeft: domain.MaxCodeAttempts}
	h.preflight = activities.PreflightResult{OK: true, AccountID: "acc-1", Reasons: []domain.Reason{},
		Impact: domain.Impact{ChannelName: "WhatsApp Oficial", Kind: domain.KindWhatsAppCloud, OfficialIntegration: true,
			Meta: domain.MetaObjects{WABAID: "W1"}, ActiveAttendances: []domain.Attendance{}, Warnings: []string{"irreversível"}}}
	h.deleteRes = activities.DeleteResult{Subscription: true}
	h.unlinks = []func() activities.AttemptResult{doneUnlink}
	h.numbers = []func() activities.AttemptResult{doneUnlink}
	h.overrides = []func() activities.AttemptResult{doneUnlink}
	h.credits = []func() activities.AttemptResult{doneUnlink}
	env := h.env
	for _, r := range Registrations() {
		env.RegisterWorkflowWithOptions(r.Workflow, r.Options)
	}
	env.RegisterActivity(a)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: WorkflowID(testChannel), TaskQueue: TaskQueue})

	env.OnActivity(a.Preflight, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.PreflightInput) (activities.PreflightResult, error) {
			return h.preflight, nil
		})
	env.OnActivity(a.SendVerificationCode, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.SendCodeInput) (activities.SendCodeResult, error) {
			if h.onSend != nil {
				h.onSend(in)
			}
			if in.Acknowledged {
				h.recordAudit("acknowledged")
			}
			if h.sendErr != nil {
				return activities.SendCodeResult{}, h.sendErr
			}
			code := fmt.Sprintf("%06d", 111111*in.Seq)
			h.codes = append(h.codes, code)
			h.hash = vcode.Hash(testSecret, in.RemovalID, code)
			h.expiresAt = env.Now().Add(10 * time.Minute)
			return activities.SendCodeResult{Recipient: "a***@demo.local", ExpiresAt: h.expiresAt}, nil
		})
	env.OnActivity(a.VerifyCode, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.VerifyInput) (activities.VerifyResult, error) {
			if h.verifyErr != nil {
				return activities.VerifyResult{}, h.verifyErr
			}
			switch {
			case h.attemptsLeft <= 0:
				return activities.VerifyResult{Locked: true}, nil
			case !env.Now().Before(h.expiresAt):
				return activities.VerifyResult{Expired: true, AttemptsLeft: h.attemptsLeft}, nil
			case in.CodeHash == h.hash:
				return activities.VerifyResult{OK: true, AttemptsLeft: h.attemptsLeft}, nil
			}
			h.attemptsLeft--
			h.wrongCodes++
			if h.guessLimitAt > 0 && h.wrongCodes == h.guessLimitAt {
				h.attemptsLeft = 0
				return activities.VerifyResult{Locked: true, GuessLimit: true}, nil
			}
			return activities.VerifyResult{AttemptsLeft: h.attemptsLeft, Locked: h.attemptsLeft == 0}, nil
		})
	env.OnActivity(a.DeleteChannel, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DeleteInput) (activities.DeleteResult, error) {
			if h.deleteFn != nil {
				return h.deleteFn(in)
			}
			h.deleted++
			if doc, ok := in.Decided.For(h.deleteRes.Outcome(), h.deleteRes.Facts()); h.deleteErr == nil && ok && doc.Final() {
				h.recordAudit(string(domain.EndAction(doc.Status)))
			}
			return h.deleteRes, h.deleteErr
		})
	attempt := func(part string, fs *[]func() activities.AttemptResult, calls *int) func(context.Context, activities.AttemptInput) (activities.AttemptResult, error) {
		return func(_ context.Context, in activities.AttemptInput) (activities.AttemptResult, error) {
			*calls++
			h.attemptsAt, h.attempted = append(h.attemptsAt, h.env.Now()), append(h.attempted, part)
			if in.Attempt != *calls {
				h.t.Errorf("attempt %d numbered %d", *calls, in.Attempt)
			}
			f := (*fs)[0]
			if len(*fs) > 1 {
				*fs = (*fs)[1:]
			}
			res := f()
			if settles(in.Plan, res.Outcome) {
				h.recordAudit(string(domain.EndAction(domain.StatusCompleted)))
			}
			return res, nil
		}
	}
	env.OnActivity(a.Unsubscribe, mock.Anything, mock.Anything).Return(attempt("subscription", &h.unlinks, &h.unlinkCalls))
	env.OnActivity(a.ReleaseNumber, mock.Anything, mock.Anything).Return(attempt("number", &h.numbers, &h.numberCalls))
	env.OnActivity(a.ReleaseOverride, mock.Anything, mock.Anything).Return(attempt("override", &h.overrides, &h.overrideCalls))
	env.OnActivity(a.RevokeCreditLine, mock.Anything, mock.Anything).Return(attempt("credit_line", &h.credits, &h.creditCalls))
	env.OnActivity(a.AlertOps, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.OpsAlertInput) (bool, error) {
			h.opsAlerts = append(h.opsAlerts, in)
			return true, nil
		})
	env.OnActivity(a.NotifyAdmins, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.NoticeInput) (int, error) {
			h.noticeCalls++
			if h.noticeErr != nil {
				if err := h.noticeErr(); err != nil {
					return 0, err
				}
			}
			h.notices = append(h.notices, in)
			return 1, nil
		})
	env.OnActivity(a.AlertNoticeFailed, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.NoticeFailedInput) (bool, error) {
			h.noticeFailedAlerts = append(h.noticeFailedAlerts, in)
			return true, nil
		})
	env.OnActivity(a.NotifyGuessLimit, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.GuessLimitInput) (int, error) {
			if h.guessNoticeErr != nil {
				if err := h.guessNoticeErr(); err != nil {
					return 0, err
				}
			}
			h.guessNotices = append(h.guessNotices, in)
			return 1, nil
		})
	env.OnActivity(a.AbandonUnlink, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AbandonInput) error {
			h.abandoned++
			h.abandons = append(h.abandons, in)
			return nil
		})
	h.statusAtAudit, h.auditActors = map[string]string{}, map[string]domain.Actor{}
	h.auditCall = env.OnActivity(a.RecordAudit, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.AuditInput) error {
			h.recordAudit(string(in.Action))
			h.auditActors[string(in.Action)] = in.Actor
			return nil
		})
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if s, ok := sa.GetKeyword(SARemovalStatus); ok {
			h.statuses = append(h.statuses, s)
		}
		if acc, ok := sa.GetKeyword(SAAccountID); ok {
			h.accounts = append(h.accounts, acc)
		}
	}).Return(nil)
	return h
}

func (h *harness) at(d time.Duration, f func()) { h.env.RegisterDelayedCallback(f, d) }

// recordAudit notes an audit record written, by RecordAudit or folded into
// another activity, with the RemovalStatus published at that moment.
func (h *harness) recordAudit(action string) {
	h.audits = append(h.audits, action)
	if len(h.statuses) > 0 {
		h.statusAtAudit[action] = h.statuses[len(h.statuses)-1]
	}
}

func (h *harness) signal(name string, arg any) { h.env.SignalWorkflow(name, arg) }

func (h *harness) code(i int) string { return h.codes[i] }

func (h *harness) hashOf(code string) string {
	return vcode.Hash(testSecret, WorkflowID(testChannel), code)
}

func (h *harness) query() domain.Removal {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(QueryStatus)
	if err != nil {
		h.t.Fatalf("query: %v", err)
	}
	var r domain.Removal
	if err := v.Get(&r); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// update sends an update; check runs with its result or its error's domain
// code once the workflow answers. run fails if any update went unanswered.
func (h *harness) update(name string, arg any, check func(doc domain.Removal, code domain.Code, fields map[string]any)) {
	args := []any{}
	if arg != nil {
		args = append(args, arg)
	}
	h.pending++
	finish := func(doc domain.Removal, err error) {
		h.pending--
		var code domain.Code
		var fields map[string]any
		if err != nil {
			code, fields = errCode(err)
		}
		check(doc, code, fields)
	}
	h.seq++
	h.env.UpdateWorkflow(name, fmt.Sprint("u-", h.seq), &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { finish(domain.Removal{}, err) },
		OnComplete: func(res any, err error) {
			out, _ := res.(Outcome)
			if err == nil {
				h.outcomes = append(h.outcomes, out)
			}
			finish(h.answered(out, err), err)
		},
	}, args...)
}

// answered is the document an update's outcome stands for: the one it
// carries, else the run's document (the API reads the read model's, which
// the step wrote before the run answered) with the status and step the run
// answered (the run may have moved on since).
func (h *harness) answered(out Outcome, err error) domain.Removal {
	if err != nil {
		return domain.Removal{}
	}
	if out.Doc != nil {
		return *out.Doc
	}
	doc := h.query()
	if doc.RunID != out.RunID {
		h.t.Errorf("update answered run %s, the document is run %s's", out.RunID, doc.RunID)
	}
	doc.Status, doc.Step = out.Status, out.Step
	return doc
}

func errCode(err error) (domain.Code, map[string]any) {
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		return domain.CodeInternal, nil
	}
	var f map[string]any
	if ae.HasDetails() {
		ae.Details(&f)
	}
	return domain.Code(ae.Type()), f
}

func (h *harness) run() domain.Removal {
	h.t.Helper()
	h.env.ExecuteWorkflow(RemoveChannelWorkflow, Input{ChannelID: testChannel, RequestedBy: "admin-1", Actor: domain.Actor{UserID: "admin-1", IP: "10.0.0.1"}})
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow error: %v", err)
	}
	var out Outcome
	if err := h.env.GetWorkflowResult(&out); err != nil {
		h.t.Fatal(err)
	}
	// The result is small (ids, status, step); the document is the status query's.
	v, err := h.env.QueryWorkflow(QueryStatus)
	if err != nil {
		h.t.Fatal(err)
	}
	var r domain.Removal
	if err := v.Get(&r); err != nil {
		h.t.Fatal(err)
	}
	if out.Status != r.Status || out.Step != r.Step || out.RunID != r.RunID {
		h.t.Fatalf("result %+v does not say the document's status %s (%s)", out, r.Status, r.Step)
	}
	if h.pending != 0 {
		h.t.Fatalf("%d update(s) never answered", h.pending)
	}
	return r
}

func (h *harness) wantStatuses(want ...domain.Status) {
	h.t.Helper()
	got := fmt.Sprint(h.statuses)
	ws := make([]string, len(want))
	for i, w := range want {
		ws[i] = string(w)
	}
	if got != fmt.Sprint(ws) {
		h.t.Fatalf("RemovalStatus upserts:\n got %s\nwant %s", got, fmt.Sprint(ws))
	}
}

func ack() AcknowledgeRequest {
	return AcknowledgeRequest{Acknowledged: true, Actor: domain.Actor{UserID: "admin-1"}}
}

func doneUnlink() activities.AttemptResult {
	return activities.AttemptResult{Outcome: domain.OutcomeDone}
}

func transientUnlink() activities.AttemptResult {
	return activities.AttemptResult{Outcome: domain.OutcomeTransient, Error: "code 2"}
}

func permanentUnlink() activities.AttemptResult {
	return activities.AttemptResult{Outcome: domain.OutcomePermanent,
		Error: "graph API permanent failure: HTTP 401, code 190: Error validating access token"}
}

// num reads a number from update error details (int in-process, float64 after JSON).
func num(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return -1
}

// settles says whether an attempt's outcome ends the removal: its part
// settled and no later part owed (the parts go in order, each once the one
// before it settled), as domain.AttemptPlan.After decides from the run's row.
func settles(pl domain.AttemptPlan, o domain.Outcome) bool {
	if o != domain.OutcomeDone && (o != domain.OutcomeKept || pl.Part == domain.PartNumber) {
		return false
	}
	owed := map[domain.MetaPart]bool{domain.PartOverride: pl.Owed.Override, domain.PartSubscription: pl.Owed.Subscription,
		domain.PartNumber: pl.Owed.Number, domain.PartCreditLine: pl.Owed.CreditLine}
	for _, q := range domain.MetaParts {
		if q > pl.Part && owed[q] {
			return false
		}
	}
	return true
}
