package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// An endpoint's life in the store: created within the account's limit, seen
// only by its account, its deliveries written once per webhook-id with each
// attempt, failing_since set by a failure and cleared by a success, and
// disabled only when it has failed since before the cut-off.
func TestWebhookEndpointsAndDeliveries(t *testing.T) {
	_, db := testdb.New(t)
	s, b, ctx := postgres.New(db), seed.Builder{DB: db}, context.Background()
	acc, err := b.Account("", "Loja", "dono@loja.test")
	other, err2 := b.Account("", "Outra", "dono@outra.test")
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	ep := domain.WebhookEndpoint{ID: uuid.NewString(), AccountID: acc, URL: "https://hooks.example.com/in",
		Events: []domain.EventType{domain.EventChannelRemoved, domain.EventMessagesPurged}}
	if _, err := s.CreateWebhookEndpoint(ctx, ep, "sealed-1", 1); err != nil {
		t.Fatal(err)
	}
	second := ep
	second.ID = uuid.NewString()
	if _, err := s.CreateWebhookEndpoint(ctx, second, "sealed-2", 1); domain.ErrorCode(err) != domain.CodeTooManyWebhooks {
		t.Fatalf("an endpoint past the limit: %v", err)
	}
	if _, err := s.WebhookEndpoint(ctx, other, ep.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("another account read the endpoint: %v", err)
	}
	if err := s.DeleteWebhookEndpoint(ctx, other, ep.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("another account deleted the endpoint: %v", err)
	}
	if ids, err := s.SubscribedEndpoints(ctx, acc, domain.EventMessagesPurged); err != nil || len(ids) != 1 {
		t.Fatalf("subscribed to messages.purged: %v %v", ids, err)
	}
	if ids, _ := s.SubscribedEndpoints(ctx, acc, domain.EventChannelDisconnected); len(ids) != 0 {
		t.Fatalf("subscribed to channel.disconnected: %v", ids)
	}
	for _, body := range []string{`{"first":true}`, `{"second":true}`} {
		if err := s.AddWebhookDelivery(ctx, "msg_1", ep.ID, domain.EventChannelRemoved, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	tg, err := s.WebhookTarget(ctx, "msg_1")
	if err != nil || string(tg.Payload) != `{"first":true}` || tg.Secret != "sealed-1" || tg.URL != ep.URL {
		t.Fatalf("target %+v %v", tg, err)
	}
	t0 := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Microsecond)
	next := t0.Add(time.Minute)
	since, err := s.RecordWebhookAttempt(ctx, "msg_1", t0, 503, "indisponível", false, &next)
	if err != nil || since == nil || !since.Equal(t0) {
		t.Fatalf("failing since %v %v", since, err)
	}
	if since, _ = s.RecordWebhookAttempt(ctx, "msg_1", t0.Add(time.Hour), 0, "connection refused", false, &next); !since.Equal(t0) {
		t.Fatalf("a second failure moved failing_since to %v", since)
	}
	if ep2, err := s.GiveUpWebhookDelivery(ctx, "msg_1", time.Now(), t0.Add(-time.Hour)); err != nil || ep2 != nil {
		t.Fatalf("disabled before its time: %v %v", ep2, err)
	}
	off, err := s.GiveUpWebhookDelivery(ctx, "msg_1", time.Now(), t0.Add(time.Hour))
	if err != nil || off == nil || off.DisabledAt == nil {
		t.Fatalf("not disabled: %v %v", off, err)
	}
	if again, _ := s.GiveUpWebhookDelivery(ctx, "msg_1", time.Now(), t0.Add(time.Hour)); again == nil || !again.DisabledAt.Equal(*off.DisabledAt) {
		t.Fatalf("a retried give-up: %+v (first %v)", again, off.DisabledAt)
	}
	if ids, _ := s.SubscribedEndpoints(ctx, acc, domain.EventChannelRemoved); len(ids) != 0 {
		t.Fatal("a disabled endpoint still gets events")
	}
	rot, err := s.RotateWebhookSecret(ctx, acc, ep.ID, "sealed-3", time.Now().Add(time.Hour))
	if err != nil || rot.DisabledAt != nil || rot.FailingSince != nil {
		t.Fatalf("rotated %+v %v", rot, err)
	}
	if tg, _ = s.WebhookTarget(ctx, "msg_1"); tg.Secret != "sealed-3" || tg.Previous != "sealed-1" || tg.PreviousUntil == nil {
		t.Fatalf("secrets after rotation %+v", tg)
	}
	if since, _ = s.RecordWebhookAttempt(ctx, "msg_1", time.Now(), 204, "", true, nil); since != nil {
		t.Fatalf("a success left failing_since %v", since)
	}
	ds, err := s.WebhookDeliveries(ctx, acc, ep.ID, 50)
	if err != nil || len(ds) != 1 || ds[0].Attempts != 3 || len(ds[0].History) != 3 || ds[0].DeliveredAt == nil ||
		ds[0].History[0].Status != 503 || ds[0].History[1].Answer != "connection refused" {
		t.Fatalf("deliveries %+v %v", ds, err)
	}
	if ds, err := s.WebhookDeliveries(ctx, other, ep.ID, 50); err != nil || len(ds) != 0 {
		t.Fatalf("another account's view: %v %v", ds, err)
	}
	if err := s.DeleteWebhookEndpoint(ctx, acc, ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WebhookTarget(ctx, "msg_1"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("a deleted endpoint's delivery: %v", err)
	}
}

// TestEndpointsCreatedAtOnceStayWithinTheLimit: 12 creates of one account at
// once, its limit 3: exactly 3 are stored (without the account's lock each
// counted the others out, and all passed).
func TestEndpointsCreatedAtOnceStayWithinTheLimit(t *testing.T) {
	_, db := testdb.New(t)
	s, b, ctx := postgres.New(db), seed.Builder{DB: db}, context.Background()
	acc, err := b.Account("", "Loja", "dono@loja.test")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ep := domain.WebhookEndpoint{ID: uuid.NewString(), AccountID: acc, URL: "https://hooks.example.com/in",
				Events: []domain.EventType{domain.EventChannelRemoved}}
			if _, err := s.CreateWebhookEndpoint(ctx, ep, "sealed", 3); err != nil && domain.ErrorCode(err) != domain.CodeTooManyWebhooks {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if eps, err := s.WebhookEndpoints(ctx, acc); err != nil || len(eps) != 3 {
		t.Fatalf("%d endpoints stored (%v), want the limit, 3", len(eps), err)
	}
}
