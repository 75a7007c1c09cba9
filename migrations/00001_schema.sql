-- +goose Up
-- Accounts, users and channels as the CRM has them; only what a removal reads or changes.
CREATE TABLE accounts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    admin_email text NOT NULL, -- the account administrator: receives verification codes
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts(id),
    email      text NOT NULL UNIQUE,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('admin', 'agent')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_account_idx ON users (account_id);

CREATE TABLE channels (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id      uuid NOT NULL REFERENCES accounts(id),
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('whatsapp_cloud', 'whatsapp_web', 'messenger', 'instagram', 'email', 'webchat')),
    official        boolean NOT NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    waba_id         text,
    phone_number_id text,
    page_id         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    removed_at      timestamptz,
    removed_by      text, -- removal id (workflow id) that tombstoned it
    CHECK ((status = 'removed') = (removed_at IS NOT NULL))
);
CREATE INDEX channels_account_idx ON channels (account_id, created_at);
-- "is another live channel of ours on this WABA?" (unlink)
CREATE INDEX channels_live_waba_idx ON channels (waba_id) WHERE status = 'active' AND waba_id IS NOT NULL;

-- A tombstone is forever: adding the channel again creates a new row.
-- +goose StatementBegin
CREATE FUNCTION channels_no_resurrection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'removed' AND NEW.status <> 'removed' THEN
        RAISE EXCEPTION 'channel % was removed and cannot be re-activated', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER channels_no_resurrection BEFORE UPDATE ON channels
    FOR EACH ROW EXECUTE FUNCTION channels_no_resurrection();

-- Secrets live apart from the channel row so that listing channels never reads them
-- and wiping them is one DELETE.
CREATE TABLE channel_credentials (
    channel_id   uuid PRIMARY KEY REFERENCES channels(id),
    access_token text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts(id),
    name       text NOT NULL,
    handle     text NOT NULL
);
CREATE INDEX contacts_account_idx ON contacts (account_id);

-- Conversations are never rewritten by a removal: channel_removed is read through
-- the channel's status, so removing a channel costs the same for 10 or 10 million.
CREATE TABLE conversations (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id uuid NOT NULL REFERENCES accounts(id),
    channel_id uuid NOT NULL REFERENCES channels(id),
    contact_id uuid NOT NULL REFERENCES contacts(id),
    status     text NOT NULL CHECK (status IN ('open', 'pending', 'closed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_channel_idx ON conversations (channel_id, created_at DESC);
-- Active attendances: preflight and the in-transaction re-check read only these.
CREATE INDEX conversations_active_idx ON conversations (channel_id) WHERE status IN ('open', 'pending');

CREATE TABLE messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations(id),
    author_user_id  uuid REFERENCES users(id),
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at);

-- Automations, routing rules, chatbots and webhooks that point at a channel.
-- Removal detaches them (channel_id NULL) and remembers what they pointed at.
CREATE TABLE channel_references (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id          uuid NOT NULL REFERENCES accounts(id),
    kind                text NOT NULL CHECK (kind IN ('automation', 'routing_rule', 'chatbot', 'webhook')),
    name                text NOT NULL,
    channel_id          uuid REFERENCES channels(id),
    detached_channel_id uuid REFERENCES channels(id),
    detached_at         timestamptz
);
CREATE INDEX channel_references_channel_idx ON channel_references (channel_id) WHERE channel_id IS NOT NULL;

-- One row per removal run: the verification code's keyed hash, never the code.
-- code_nonce lets a retried send re-derive the same code until the mail is accepted;
-- it is erased as soon as it is.
CREATE TABLE verification_challenges (
    removal_id       text NOT NULL,
    run_id           text NOT NULL,
    account_id       uuid NOT NULL REFERENCES accounts(id),
    channel_id       uuid NOT NULL REFERENCES channels(id),
    recipient        text NOT NULL,
    send_seq         integer NOT NULL,
    code_hash        bytea NOT NULL,
    code_nonce       bytea,
    expires_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    last_sent_at     timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL,
    last_attempt_seq integer NOT NULL DEFAULT 0,
    last_attempt_ok  boolean,
    verified_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (removal_id, run_id)
);

-- The Meta unlink owed by a removal. The channel's token moves here when the channel is
-- tombstoned (so it never travels through workflow history) and is erased when the
-- unlink is settled.
CREATE TABLE meta_unlinks (
    removal_id   text NOT NULL,
    run_id       text NOT NULL,
    channel_id   uuid NOT NULL REFERENCES channels(id),
    object_kind  text NOT NULL CHECK (object_kind IN ('waba', 'page')),
    object_id    text NOT NULL,
    access_token text,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'unlinked', 'skipped', 'failed', 'abandoned')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (removal_id, run_id)
);

-- Append-only audit of every step; outlives Temporal's history retention.
CREATE TABLE removal_audit_log (
    id              bigserial PRIMARY KEY,
    removal_id      text NOT NULL,
    run_id          text NOT NULL,
    account_id      uuid,
    channel_id      uuid,
    actor_user_id   text,
    actor_ip        text,
    action          text NOT NULL,
    detail          jsonb NOT NULL DEFAULT '{}',
    idempotency_key text NOT NULL UNIQUE, -- an activity retry writes its record once
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX removal_audit_removal_idx ON removal_audit_log (removal_id, created_at);
CREATE INDEX removal_audit_channel_idx ON removal_audit_log (channel_id, created_at);

-- +goose StatementBegin
CREATE FUNCTION removal_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'removal_audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER removal_audit_append_only BEFORE UPDATE OR DELETE ON removal_audit_log
    FOR EACH ROW EXECUTE FUNCTION removal_audit_append_only();
CREATE TRIGGER removal_audit_no_truncate BEFORE TRUNCATE ON removal_audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION removal_audit_append_only();

-- +goose Down
DROP TABLE removal_audit_log, meta_unlinks, verification_challenges, channel_references,
    messages, conversations, contacts, channel_credentials, channels, users, accounts;
DROP FUNCTION removal_audit_append_only, channels_no_resurrection;
