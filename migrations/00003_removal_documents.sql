-- +goose Up
-- The removal document (SPEC §3) per run, kept by the activities in the same
-- statement as each step's audit record: GET /v1/removals/{id} reads it without
-- calling Temporal, after Temporal's retention, and while Temporal is down.
ALTER TABLE removals ADD COLUMN doc jsonb NOT NULL DEFAULT '{}';
CREATE INDEX removals_latest_idx ON removals (removal_id, created_at DESC);

-- +goose Down
DROP INDEX removals_latest_idx;
ALTER TABLE removals DROP COLUMN doc;
