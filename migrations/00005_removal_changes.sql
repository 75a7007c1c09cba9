-- +goose Up
-- Every change of a run's read-model row is announced on the channel
-- removal_changed as "<removal id> <run id>", delivered when its transaction
-- commits: POST /v1/channels/{id}/removals waits for its run's preflight this
-- way instead of polling.
-- +goose StatementBegin
CREATE FUNCTION removals_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('removal_changed', NEW.removal_id || ' ' || NEW.run_id);
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER removals_announce_change AFTER INSERT OR UPDATE ON removals
  FOR EACH ROW EXECUTE FUNCTION removals_announce_change();

-- +goose Down
DROP TRIGGER removals_announce_change ON removals;
DROP FUNCTION removals_announce_change();
