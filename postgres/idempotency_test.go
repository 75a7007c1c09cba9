package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// keyStore is a store on a pool opened as production opens it (Open: binary
// parameters), where a []byte argument is bytea whatever its column's type.
func keyStore(t *testing.T) (context.Context, *postgres.Store) {
	t.Helper()
	dsn, _ := testdb.New(t)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return context.Background(), postgres.New(db)
}

func idemKey(account, user, key, fingerprint string) domain.IdempotencyKey {
	return domain.IdempotencyKey{AccountID: account, UserID: user, Key: key, Fingerprint: []byte(fingerprint)}
}

// TestOneOfManyClaimsOfAKeyWins: 10 claims of one key at once: one claims
// it, the others are in flight; once answered, every claim replays the
// answer; another fingerprint is reused; another account's or user's same
// key is a key of its own.
func TestOneOfManyClaimsOfAKeyWins(t *testing.T) {
	ctx, store := keyStore(t)
	now := time.Now()
	account, user := uuid.NewString(), uuid.NewString()
	k := idemKey(account, user, "k1", "POST /v1/x {}")
	var mu sync.Mutex
	var tokens []string
	inFlight := 0
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := store.ClaimIdempotencyKey(ctx, k, now)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && c.Token != "":
				tokens = append(tokens, c.Token)
			case domain.ErrorCode(err) == domain.CodeIdempotencyKeyInFlight:
				inFlight++
			default:
				t.Errorf("claim: %+v %v", c, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(tokens) != 1 || inFlight != 9 {
		t.Fatalf("10 claims at once: %d claimed, %d in flight", len(tokens), inFlight)
	}
	answer := domain.StoredAnswer{Status: 201, Header: map[string]string{"Location": "/v1/removals/r"}, Body: []byte(`{"id":"r"}`)}
	if err := store.FinishIdempotencyKey(ctx, k, tokens[0], answer, now); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c, err := store.ClaimIdempotencyKey(ctx, k, now.Add(time.Minute))
		if err != nil || c.Replay == nil || c.Replay.Status != 201 || string(c.Replay.Body) != `{"id":"r"}` || c.Replay.Header["Location"] != "/v1/removals/r" {
			t.Fatalf("replay: %+v %v", c.Replay, err)
		}
	}
	if _, err := store.ClaimIdempotencyKey(ctx, idemKey(account, user, "k1", "POST /v1/x {\"a\":1}"), now); domain.ErrorCode(err) != domain.CodeIdempotencyKeyReused {
		t.Fatalf("another request under the key: %v", err)
	}
	for name, other := range map[string]domain.IdempotencyKey{
		"another account": idemKey(uuid.NewString(), user, "k1", "POST /v1/x {}"),
		"another user":    idemKey(account, uuid.NewString(), "k1", "POST /v1/x {}"),
	} {
		if c, err := store.ClaimIdempotencyKey(ctx, other, now); err != nil || c.Token == "" {
			t.Fatalf("%s's same key: %+v %v", name, c, err)
		}
	}
}

// TestAKeyExpiresAndAnAbandonedClaimIsTakenOver: a released key runs again;
// an answer is replayed for a day, then the key is new (and swept); a claim
// whose process died is in flight until its lease ends, then taken over by
// the same request only.
func TestAKeyExpiresAndAnAbandonedClaimIsTakenOver(t *testing.T) {
	ctx, store := keyStore(t)
	now := time.Now()
	k := idemKey(uuid.NewString(), uuid.NewString(), "k", "a")
	c, err := store.ClaimIdempotencyKey(ctx, k, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.ReleaseIdempotencyKey(ctx, k, c.Token); err != nil {
		t.Fatal(err)
	}
	if c, err = store.ClaimIdempotencyKey(ctx, k, now); err != nil || c.Token == "" {
		t.Fatalf("a released key: %+v %v", c, err)
	}
	if err := store.FinishIdempotencyKey(ctx, k, c.Token, domain.StoredAnswer{Status: 200, Body: []byte("{}")}, now); err != nil {
		t.Fatal(err)
	}
	if c, err := store.ClaimIdempotencyKey(ctx, k, now.Add(domain.IdempotencyTTL-time.Second)); err != nil || c.Replay == nil {
		t.Fatalf("within a day: %+v %v", c, err)
	}
	if n, err := store.SweepIdempotencyKeys(ctx, now.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("a sweep before expiry deleted %d (%v)", n, err)
	}
	later := now.Add(domain.IdempotencyTTL + time.Second)
	if c, err := store.ClaimIdempotencyKey(ctx, idemKey(k.AccountID, k.UserID, "k", "other"), later); err != nil || c.Token == "" {
		t.Fatalf("an expired key is new, whatever it is used for: %+v %v", c, err)
	}
	// Abandoned in flight (that claim is never finished).
	if _, err := store.ClaimIdempotencyKey(ctx, idemKey(k.AccountID, k.UserID, "k", "other"), later.Add(time.Second)); domain.ErrorCode(err) != domain.CodeIdempotencyKeyInFlight {
		t.Fatalf("within the lease: %v", err)
	}
	past := later.Add(domain.IdempotencyLease + time.Second)
	if _, err := store.ClaimIdempotencyKey(ctx, idemKey(k.AccountID, k.UserID, "k", "a"), past); domain.ErrorCode(err) != domain.CodeIdempotencyKeyReused {
		t.Fatalf("another request after the lease: %v", err)
	}
	if c, err := store.ClaimIdempotencyKey(ctx, idemKey(k.AccountID, k.UserID, "k", "other"), past); err != nil || c.Token == "" {
		t.Fatalf("the same request after the lease: %+v %v", c, err)
	}
	if n, err := store.SweepIdempotencyKeys(ctx, past.Add(domain.IdempotencyTTL+time.Second)); err != nil || n != 1 {
		t.Fatalf("the sweep after expiry deleted %d (%v)", n, err)
	}
}
