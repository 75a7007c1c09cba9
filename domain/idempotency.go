package domain

import "time"

// Idempotency-Key (SPEC §9): a client that did not get an answer sends the
// same request again with the same key, and gets the first answer instead of
// a second effect.

// IdempotencyTTL is how long an answer is kept for replay: a day covers any
// client's retries (and a weekend's batch re-run does not expect them).
const IdempotencyTTL = 24 * time.Hour

// IdempotencyLease is how long a request may hold its key in flight before
// a retry may take it over: longer than any /v1 handler runs (Temporal calls
// are bounded by 15 s, a waiting read is a GET), so only a process that died
// mid-request leaves a key to take over. A taken-over removal update keeps its
// UpdateID, so Temporal still runs it once.
const IdempotencyLease = 2 * time.Minute

// IdempotencyKey names one request: the client's key, scoped to its caller
// (the same key from another user or account is another request), and the
// fingerprint of what was asked (method, path and query, body).
type IdempotencyKey struct {
	AccountID, UserID, Key string
	Fingerprint            []byte
}

// StoredAnswer is a first answer kept for replay: its status, the headers
// that are part of it (Content-Type, Location) and its body.
type StoredAnswer struct {
	Status int               `json:"status"`
	Header map[string]string `json:"header"`
	Body   []byte            `json:"-"`
}

// IdempotencyClaim is what claiming a key gave: the claim to answer the
// request under (Token), or the first answer to replay (Replay non-nil).
type IdempotencyClaim struct {
	Token  string
	Replay *StoredAnswer
}

// IdempotencyKeyReused: the key came back with another request.
func IdempotencyKeyReused() *Error {
	return Errorf(CodeIdempotencyKeyReused, "esta Idempotency-Key já foi usada em outra requisição (outro corpo, rota ou método); "+
		"use uma chave nova para uma requisição nova")
}

// IdempotencyKeyInFlight: the key's first request has not been answered yet.
func IdempotencyKeyInFlight() *Error {
	return Errorf(CodeIdempotencyKeyInFlight, "a primeira requisição com esta Idempotency-Key ainda está em andamento; "+
		"tente de novo em instantes com a mesma chave").With("retry_after", 1)
}
