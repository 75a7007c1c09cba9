-- +goose NO TRANSACTION
-- +goose Up
-- No query reads the audit log by channel: a removal's id names its channel
-- (remove-channel:<channel id>), so the trail is read by removal_id through
-- removal_audit_removal_idx. The channel index only cost every audit record
-- one more index insert, on a table that is never pruned.
DROP INDEX CONCURRENTLY IF EXISTS removal_audit_channel_idx;

-- +goose Down
CREATE INDEX CONCURRENTLY IF NOT EXISTS removal_audit_channel_idx ON removal_audit_log (channel_id, created_at);
