-- +goose Up
-- The customer's data (SPEC §8): a legal hold on a channel, a purge of a
-- removed channel's messages on the date its removal chose, and the mark it
-- leaves on each conversation.

-- A legal hold stops any purge of the channel's messages while it stands.
ALTER TABLE channels ADD COLUMN hold_reason text, ADD COLUMN hold_by uuid REFERENCES users(id), ADD COLUMN hold_at timestamptz;
ALTER TABLE channels ADD CONSTRAINT channels_hold_whole CHECK ((hold_reason IS NULL) = (hold_at IS NULL));

-- Set in the batch that deleted the conversation's last message; the list
-- shows it ("Mensagens apagadas"). The partial index is the purge's work
-- queue: each batch takes the next conversations still holding messages.
ALTER TABLE conversations ADD COLUMN messages_purged_at timestamptz;
CREATE INDEX conversations_unpurged_idx ON conversations (channel_id, id) WHERE messages_purged_at IS NULL;

-- One purge per channel (a channel is removed once). The purge workflow is
-- its only writer; the removal that chose it wrote the first row.
CREATE TABLE message_purges (
    channel_id           uuid PRIMARY KEY REFERENCES channels(id),
    account_id           uuid NOT NULL REFERENCES accounts(id),
    removal_id           text NOT NULL,
    purge_after_days     integer NOT NULL CHECK (purge_after_days IN (30, 90, 180)),
    purge_at             timestamptz NOT NULL,
    status               text NOT NULL CHECK (status IN ('scheduled', 'cancelled', 'held', 'purging', 'purged')),
    purged_messages      bigint NOT NULL DEFAULT 0,
    purged_conversations bigint NOT NULL DEFAULT 0,
    started_at           timestamptz,
    finished_at          timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE message_purges;
DROP INDEX conversations_unpurged_idx;
ALTER TABLE conversations DROP COLUMN messages_purged_at;
ALTER TABLE channels DROP CONSTRAINT channels_hold_whole, DROP COLUMN hold_reason, DROP COLUMN hold_by, DROP COLUMN hold_at;
