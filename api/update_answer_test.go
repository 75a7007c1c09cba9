package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/mocks"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// answering mocks an update whose run answers out.
func answering(out any) *mocks.Client {
	h := &mocks.WorkflowUpdateHandle{}
	h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		b, _ := json.Marshal(out) // as the data converter hands it over
		if err := json.Unmarshal(b, args.Get(1)); err != nil {
			panic(err)
		}
	}).Return(nil)
	c := &mocks.Client{}
	c.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(h, nil)
	return c
}

// An update's answer is the removal as the read model holds it (the step
// wrote it before the run answered), with the step the run answered: the
// run's answer carries its run, status and step, not the document.
func TestAnUpdateIsAnsweredFromTheReadModel(t *testing.T) {
	id := workflows.WorkflowID(channelID)
	row, _ := json.Marshal(domain.Removal{ID: id, RunID: "run-7", Status: domain.StatusAwaitingCode, CodeSentTo: "a***@loja.test",
		Impact: &domain.Impact{ChannelName: "Loja", Warnings: []string{"irreversível"}}, AttemptsLeft: 5, Notes: []string{}})
	rs := &runs{row: map[string]domain.RemovalRecord{}}
	rs.write(domain.RemovalRecord{RemovalID: id, RunID: "run-7", ChannelID: channelID, Status: string(domain.StatusAwaitingCode), Doc: row})
	c := answering(workflows.Outcome{RunID: "run-7", Status: domain.StatusAwaitingCode, Step: "Aguardando o código (expira 10:00)"})
	doc, err := api.TemporalRemovals{Client: c, Runs: rs}.Update(context.Background(), id, workflows.UpdateAcknowledge, workflows.AcknowledgeRequest{})
	if err != nil || doc.Status != domain.StatusAwaitingCode || doc.Impact == nil || doc.Impact.ChannelName != "Loja" ||
		doc.CodeSentTo != "a***@loja.test" || doc.Step != "Aguardando o código (expira 10:00)" || doc.RunID != "run-7" || rs.reads != 1 {
		t.Fatalf("%+v %v (reads %d)", doc, err, rs.reads)
	}
	// The run moved on before the row was read: the later state is answered, as GET would.
	later, _ := json.Marshal(domain.Removal{ID: id, RunID: "run-9", Status: domain.StatusRemoving, Notes: []string{}})
	rs.write(domain.RemovalRecord{RemovalID: id, RunID: "run-9", ChannelID: channelID, Status: string(domain.StatusRemoving), Doc: later})
	c = answering(workflows.Outcome{RunID: "run-9", Status: domain.StatusAwaitingCode, Step: "Aguardando o código"})
	if doc, err := (api.TemporalRemovals{Client: c, Runs: rs}).Update(context.Background(), id, workflows.UpdateAcknowledge, nil); err != nil ||
		doc.Status != domain.StatusRemoving || doc.Step != domain.StatusStep(domain.StatusRemoving) {
		t.Fatalf("%+v %v", doc, err)
	}
}

// A run that ended with no record answers its document: it is answered as it is.
func TestAnUpdateOfARunEndedWithoutARecordAnswersItsDocument(t *testing.T) {
	failed := domain.Removal{ID: workflows.WorkflowID(channelID), Status: domain.StatusFailed, Step: "Falha ao remover o canal"}
	rs := &runs{row: map[string]domain.RemovalRecord{}}
	c := answering(workflows.Outcome{RunID: "run-8", Status: domain.StatusFailed, Step: failed.Step, Doc: &failed})
	doc, err := api.TemporalRemovals{Client: c, Runs: rs}.Update(context.Background(), failed.ID, workflows.UpdateVerifyCode, nil)
	if err != nil || doc.Status != domain.StatusFailed || doc.Step != failed.Step || rs.reads != 0 {
		t.Fatalf("%+v %v", doc, err)
	}
}

// TestAnUpdateAnsweredWhileTheRowIsBehindSaysTheRunsState: the run answers
// the verification as "removing", awaiting the database, when the
// tombstone could not be written (another transaction holds the channel's
// row): the run's read-model row still says awaiting_code, and reads fine.
// The answer is the state the run is in, never the code's form it has left
// (which would have the admin enter the code again, to a refusal).
func TestAnUpdateAnsweredWhileTheRowIsBehindSaysTheRunsState(t *testing.T) {
	id := workflows.WorkflowID(channelID)
	row, _ := json.Marshal(domain.Removal{ID: id, RunID: "run-5", Status: domain.StatusAwaitingCode, CodeSentTo: "a***@loja.test",
		Impact: &domain.Impact{ChannelName: "Loja"}, AttemptsLeft: 5, Notes: []string{}})
	rs := &runs{row: map[string]domain.RemovalRecord{}}
	rs.write(domain.RemovalRecord{RemovalID: id, RunID: "run-5", ChannelID: channelID, Status: string(domain.StatusAwaitingCode), Doc: row})
	step := domain.StepAwaitingDatabase(time.Minute, time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC))
	c := answering(workflows.Outcome{RunID: "run-5", Status: domain.StatusRemoving, Step: step})
	doc, err := api.TemporalRemovals{Client: c, Runs: rs}.Update(context.Background(), id, workflows.UpdateVerifyCode, nil)
	if err != nil || doc.Status != domain.StatusRemoving || doc.Step != step || doc.Impact == nil || doc.Impact.ChannelName != "Loja" {
		t.Fatalf("the verification answered while the row is behind: %+v %v; want removing, %q", doc, err, step)
	}
}

// TestAnUpdateOfARunPinnedToR5AnswersItsDocument: a run pinned to r5 lives
// on, on r5 workers, after the r6 API is out, and answers an update with the
// whole document (r5's answer). The API answers that document, as the r5 API
// did, not a row the r5 run never promised to write before answering.
func TestAnUpdateOfARunPinnedToR5AnswersItsDocument(t *testing.T) {
	id := workflows.WorkflowID(channelID)
	r5 := domain.Removal{ID: id, RunID: "run-r5", ChannelID: channelID, Status: domain.StatusAwaitingCode, Step: "Aguardando o código",
		CodeSentTo: "a***@loja.test", AttemptsLeft: 5, Impact: &domain.Impact{ChannelName: "Loja"}, Notes: []string{}}
	rs := &runs{row: map[string]domain.RemovalRecord{}}
	behind, _ := json.Marshal(domain.Removal{ID: id, RunID: "run-r5", Status: domain.StatusAwaitingAcknowledgement, Notes: []string{}})
	rs.write(domain.RemovalRecord{RemovalID: id, RunID: "run-r5", ChannelID: channelID, Status: string(domain.StatusAwaitingAcknowledgement), Doc: behind})
	doc, err := api.TemporalRemovals{Client: answering(r5), Runs: rs}.Update(context.Background(), id, workflows.UpdateAcknowledge, nil)
	if err != nil || doc.Status != domain.StatusAwaitingCode || doc.CodeSentTo != "a***@loja.test" || doc.AttemptsLeft != 5 || rs.reads != 0 {
		t.Fatalf("an r5 run's answer: %+v %v (reads %d)", doc, err, rs.reads)
	}
}
