-- +goose Up
-- A Meta call's intent, written before the Graph call that unlinks, releases
-- or revokes, and settled with Meta's answer after it (activities/meta_call.go).
-- Its key is the attempt's (removal id, first run id, part, attempt number),
-- which a reset and the activity's retries keep: a later try of the attempt
-- finds Meta's answer here and does not call again. An intent left open
-- (its worker died mid-call) is taken over, once its lease (the attempt's
-- deadline) has passed, by the next try, which makes the call again: each
-- call is safe to repeat (docs/operations.md, "Meta calls in flight").
CREATE TABLE meta_call_intents (
    key         text PRIMARY KEY,
    removal_id  text NOT NULL,
    run_id      text NOT NULL,
    part        text NOT NULL,
    attempt     integer NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'failed', 'abandoned')),
    -- claim names the try that holds the call until lease_until.
    claim       uuid NOT NULL,
    lease_until timestamptz NOT NULL,
    -- calls counts the calls made under the intent (more than 1: taken over).
    calls       integer NOT NULL DEFAULT 1,
    -- answer is Meta's answer: the outcome, or the classified error.
    answer      jsonb,
    opened_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    settled_at  timestamptz
);
CREATE INDEX meta_call_intents_part_idx ON meta_call_intents (removal_id, run_id, part) WHERE status = 'done';
CREATE INDEX meta_call_intents_open_idx ON meta_call_intents (opened_at) WHERE status = 'open';

-- +goose Down
DROP TABLE meta_call_intents;
