-- +goose Up
-- Meta's side (SPEC §7): a channel whose WABA our app lost access to, on
-- Meta's word, is "disconnected"; it can still be removed, never re-activated
-- by us (a new channel is added instead).
ALTER TABLE channels DROP CONSTRAINT channels_status_check;
ALTER TABLE channels ADD CONSTRAINT channels_status_check CHECK (status IN ('active', 'disconnected', 'removed'));

-- Every signed delivery of POST /webhooks/meta, once: its id is the SHA-256
-- of the raw body, so Meta's retries of a delivery find their row. The body
-- is kept as the bytes that were signed.
CREATE TABLE meta_webhook_deliveries (
    id          text PRIMARY KEY,
    body        bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Which delivery disconnected which channel, and why: the channel's record of
-- it, and what lets a retried step find the channels it disconnected.
CREATE TABLE channel_disconnections (
    channel_id      uuid PRIMARY KEY REFERENCES channels(id),
    delivery_id     text NOT NULL REFERENCES meta_webhook_deliveries(id),
    waba_id         text NOT NULL,
    event           text NOT NULL,
    disconnected_at timestamptz NOT NULL
);
CREATE INDEX channel_disconnections_delivery_idx ON channel_disconnections (delivery_id);

-- Notices of a disconnection belong to no removal.
ALTER TABLE notices ALTER COLUMN removal_id DROP NOT NULL;

-- +goose Down
DELETE FROM notices WHERE removal_id IS NULL;
ALTER TABLE notices ALTER COLUMN removal_id SET NOT NULL;
DROP TABLE channel_disconnections;
DROP TABLE meta_webhook_deliveries;
UPDATE channels SET status = 'active' WHERE status = 'disconnected';
ALTER TABLE channels DROP CONSTRAINT channels_status_check;
ALTER TABLE channels ADD CONSTRAINT channels_status_check CHECK (status IN ('active', 'removed'));
