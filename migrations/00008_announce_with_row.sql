-- +goose Up
-- A new run's first row travels with its announcement, "<removal id> <run id>
-- <row as JSON>": the start that waits for it answers from the notification
-- and reads nothing more. A row too long for a NOTIFY payload (8000 bytes; a
-- preflight lists at most 50 open attendances) is announced by its ids alone,
-- and the waiter reads it as before.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION removals_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids text := NEW.removal_id || ' ' || NEW.run_id;
  rec text := row_to_json(NEW)::text;
BEGIN
  IF octet_length(ids) + octet_length(rec) < 7900 THEN
    ids := ids || ' ' || rec;
  END IF;
  PERFORM pg_notify('removal_changed', ids);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION removals_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('removal_changed', NEW.removal_id || ' ' || NEW.run_id);
  RETURN NULL;
END $$;
-- +goose StatementEnd
