-- +goose Up
-- Idempotency-Key (SPEC §9): the first answer of each key, replayed to the
-- same request sent again. A row is in flight while status is NULL (its
-- request still runs, under claim, until lease_until), then holds the
-- answer until expires_at (24 h); the API's sweep deletes expired rows.
--
-- No foreign keys: a claim must not wait for a lock on the account's or the
-- user's row (a migration or a failover holding it would stall every POST
-- instead of letting it answer 503), and a deleted user's keys just expire.
CREATE TABLE idempotency_keys (
    account_id  uuid NOT NULL,
    user_id     uuid NOT NULL,
    key         text NOT NULL,
    fingerprint bytea NOT NULL,
    claim       uuid NOT NULL,
    lease_until timestamptz NOT NULL,
    status      integer,
    header      jsonb,
    body        bytea,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (account_id, user_id, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
