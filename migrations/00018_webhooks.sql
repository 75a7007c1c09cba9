-- +goose Up
-- Events for integrators (SPEC §9, Standard Webhooks 1.0): the endpoints an
-- account's admins register, and each event's delivery at each endpoint
-- with its attempts.

-- secret and previous_secret are sealed like channel tokens
-- (credentials.Keyring, the endpoint's id as additional data): a database
-- dump alone signs nothing. previous_secret still signs, beside the new one,
-- until previous_until (a rotation's grace).
CREATE TABLE webhook_endpoints (
    id              uuid PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts(id),
    url             text NOT NULL,
    events          text[] NOT NULL CHECK (cardinality(events) > 0),
    secret          text NOT NULL,
    previous_secret text,
    previous_until  timestamptz,
    failing_since   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    disabled_at     timestamptz
);
CREATE INDEX webhook_endpoints_account_idx ON webhook_endpoints (account_id);

-- One row per (event, endpoint): id is the webhook-id (and its delivery
-- workflow's id), derived from the fact, so a fact published twice is one
-- row. payload is the body as first written, signed byte for byte.
CREATE TABLE webhook_deliveries (
    id           text PRIMARY KEY,
    endpoint_id  uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_type   text NOT NULL,
    payload      text NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    last_status  integer,
    last_answer  text,
    next_try_at  timestamptz,
    delivered_at timestamptz,
    failed_at    timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);

-- Each POST: status 0 when no answer came (answer then says why).
CREATE TABLE webhook_attempts (
    delivery_id text NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    n           integer NOT NULL,
    at          timestamptz NOT NULL,
    status      integer NOT NULL,
    answer      text NOT NULL,
    PRIMARY KEY (delivery_id, n)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
