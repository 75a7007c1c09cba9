-- +goose Up
-- Sign-in for the admin web app: a bcrypt hash per user (NULL: cannot sign in with a password).
ALTER TABLE users ADD COLUMN password_hash text;

-- Web sessions: only the SHA-256 of the cookie's random token is stored, so a read of
-- this table does not hand out sessions. Signing out deletes the row.
CREATE TABLE web_sessions (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users(id),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expiry_idx ON web_sessions (expires_at);

-- Failed sign-ins, counted per e-mail and per IP over a sliding window. Kept in
-- Postgres so every API instance throttles alike and a restart forgets nothing.
CREATE TABLE sign_in_failures (
    id        bigserial PRIMARY KEY,
    email     text NOT NULL,
    ip        text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, failed_at);
CREATE INDEX sign_in_failures_ip_idx ON sign_in_failures (ip, failed_at);

-- The account's removals, one row per run, kept current by the activities in the same
-- transaction as each step's audit record. GET /v1/removals reads it, so the history
-- outlives Temporal's retention.
CREATE TABLE removals (
    removal_id   text NOT NULL,
    run_id       text NOT NULL,
    account_id   uuid NOT NULL REFERENCES accounts(id),
    channel_id   uuid NOT NULL REFERENCES channels(id),
    requested_by text, -- actor user id (a signal sent from Temporal Web may carry none)
    status       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (removal_id, run_id)
);
CREATE INDEX removals_account_idx ON removals (account_id, created_at DESC);

-- +goose Down
DROP TABLE removals, sign_in_failures, web_sessions;
ALTER TABLE users DROP COLUMN password_hash;
