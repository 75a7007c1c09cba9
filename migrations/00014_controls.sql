-- +goose Up
-- Controls that hold against a patient admin and a concurrent writer.

-- Throttles (sign-in per e-mail and per IP, removal starts per user) as one
-- counter row per bucket: an attempt is counted by one upsert, which locks the
-- bucket's row and reads its latest version, before anything is evaluated; so
-- however many attempts arrive at once, at most the limit gets through.
CREATE TABLE rate_limits (
    key          text PRIMARY KEY,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL
);
CREATE INDEX rate_limits_window_idx ON rate_limits (window_start);
DROP TABLE sign_in_failures;

-- Sign-in looks users up by lower(email).
CREATE UNIQUE INDEX users_email_lower_idx ON users (lower(email));

-- The code's limits across runs read a channel's (and an account's) wrong codes
-- and code e-mails of the last hours from the audit trail.
CREATE INDEX removal_audit_code_channel_idx ON removal_audit_log (channel_id, created_at)
    WHERE action IN ('code_rejected', 'code_sent');
CREATE INDEX removal_audit_code_account_idx ON removal_audit_log (account_id, created_at)
    WHERE action = 'code_rejected';

-- No row slips past a tombstone or a disconnection: an attendance (an open or
-- pending conversation) and a message need a live channel, checked under a
-- share lock on the channel's row. The lock waits for a tombstone that holds
-- the row and then reads the row as it committed; and while it is held, the
-- tombstone waits and then sees the new attendance in its re-check.
-- +goose StatementBegin
CREATE FUNCTION attendance_needs_live_channel() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE st text;
BEGIN
    SELECT status INTO st FROM channels WHERE id = NEW.channel_id FOR SHARE;
    IF st IS DISTINCT FROM 'active' THEN
        RAISE EXCEPTION 'channel % is %', NEW.channel_id, coalesce(st, 'missing')
            USING ERRCODE = 'CR001', DETAIL = coalesce(st, 'missing');
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER attendance_needs_live_channel BEFORE INSERT OR UPDATE OF status, channel_id ON conversations
    FOR EACH ROW WHEN (NEW.status IN ('open', 'pending'))
    EXECUTE FUNCTION attendance_needs_live_channel();

-- +goose StatementBegin
CREATE FUNCTION message_needs_live_channel() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE st text;
BEGIN
    SELECT ch.status INTO st FROM conversations v JOIN channels ch ON ch.id = v.channel_id
    WHERE v.id = NEW.conversation_id FOR SHARE OF ch;
    IF st IS DISTINCT FROM 'active' THEN
        RAISE EXCEPTION 'the channel of conversation % is %', NEW.conversation_id, coalesce(st, 'missing')
            USING ERRCODE = 'CR001', DETAIL = coalesce(st, 'missing');
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER message_needs_live_channel BEFORE INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION message_needs_live_channel();

-- A webhook delivery is processed once, ever: once its run has carried it out
-- (or it had nothing for us), a replay of its body starts nothing, even after
-- Temporal's retention has dropped the run.
ALTER TABLE meta_webhook_deliveries ADD COLUMN processed_at timestamptz;
UPDATE meta_webhook_deliveries SET processed_at = received_at;

-- +goose Down
ALTER TABLE meta_webhook_deliveries DROP COLUMN processed_at;
DROP TRIGGER message_needs_live_channel ON messages;
DROP FUNCTION message_needs_live_channel;
DROP TRIGGER attendance_needs_live_channel ON conversations;
DROP FUNCTION attendance_needs_live_channel;
DROP INDEX removal_audit_code_account_idx, removal_audit_code_channel_idx, users_email_lower_idx;
CREATE TABLE sign_in_failures (
    id        bigserial PRIMARY KEY,
    email     text NOT NULL,
    ip        text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, failed_at);
CREATE INDEX sign_in_failures_ip_idx ON sign_in_failures (ip, failed_at);
DROP TABLE rate_limits;
