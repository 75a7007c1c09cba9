-- +goose Up
-- A run's status changes are announced too, with the row (migration 8), so
-- that a waiting read (GET /v1/removals/{id}?status=S&wait=N: the web app's
-- progress screen) answers the moment the status moves on. Only the status
-- column's changes fire it: the other writes of a step (audit detail, Meta
-- attempts) stay without a trigger call or a NOTIFY.
CREATE TRIGGER removals_announce_status AFTER UPDATE OF status ON removals
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION removals_announce_change();

-- +goose Down
DROP TRIGGER removals_announce_status ON removals;
