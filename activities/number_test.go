package activities_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
)

// releasing tombstones a WhatsApp channel on waba with the number's release asked for.
func (e *env) releasing(waba string) string {
	ch := e.channel("whatsapp_cloud", waba, "")
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), ReleaseNumber: true}); err != nil {
		e.t.Fatal(err)
	}
	return ch
}

func TestReleaseNumber(t *testing.T) {
	t.Run("deregistered with the channel's token, once, token erased", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		r, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: e.step(ch), Finish: true})
		if err != nil || r.Status != "unlinked" || r.Number == nil || r.Number.Status != domain.NumberReleased || !e.graph.Deregistered("PN-W1") {
			t.Fatalf("%+v %v", r, err)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.NumberStatus != domain.NumberReleased || u.NumberToken != "" {
			t.Fatalf("job after release: %+v", u)
		}
		if r2, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: e.step(ch), Finish: true}); err != nil || r2.Number.Status != domain.NumberReleased || len(e.graph.Calls()) != 2 {
			t.Fatalf("a settled release called Meta again: %+v %v %+v", r2, err, e.graph.Calls())
		}
	})
	t.Run("not asked: nothing deregistered", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("whatsapp_cloud", "W1", "")
		r, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: e.step(ch)})
		if err != nil || r.Number != nil || e.graph.Deregistered("PN-W1") || len(e.graph.Calls()) != 1 {
			t.Fatalf("%+v %v %+v", r, err, e.graph.Calls())
		}
	})
	t.Run("133016 is permanent and says when to retry", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		e.graph.FailObject("PN-W1", graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 133016, Message: "rate limit"})
		_, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: e.step(ch)})
		ae := appErr(t, err, "meta_permanent", false)
		var f map[string]any
		ae.Details(&f)
		if fmt.Sprint(f["status"]) != "unlinked" || fmt.Sprint(f["number_status"]) != "failed" || f["number_error"] == "" {
			t.Fatalf("details: %v", f)
		}
	})
	t.Run("a transient failure is retried; 133010 counts as released", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		e.graph.FailObject("PN-W1", graphsim.Failure{HTTPStatus: http.StatusServiceUnavailable, Code: 2, Message: "unavailable"})
		_, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: e.step(ch)})
		appErr(t, err, "meta_transient", true)
		e.graph.ClearFailures()
		e.graph.FailObject("PN-W1", graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 133010, Message: "not registered"})
		r, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: e.step(ch)})
		if err != nil || r.Number.Status != domain.NumberReleased {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("abandon erases the number's token", func(t *testing.T) {
		e := newEnv(t)
		ch := e.releasing("W1")
		e.graph.FailObject("PN-W1", graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 133016})
		e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: e.step(ch)})
		if err := e.acts.AbandonUnlink(e.ctx, e.step(ch)); err != nil {
			t.Fatal(err)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.NumberStatus != domain.NumberAbandoned || u.NumberToken != "" || u.Status != "unlinked" {
			t.Fatalf("%+v", u)
		}
	})
}
