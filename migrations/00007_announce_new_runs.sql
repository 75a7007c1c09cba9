-- +goose Up
-- Only a run's first row is announced: the one write anybody waits on is the
-- preflight's (POST /v1/channels/{id}/removals answers with it). Announcing
-- every later step cost each audit statement a trigger call and a NOTIFY
-- (queue lock at commit, a wake-up of the listening backend and of the
-- process behind it) that nobody read.
DROP TRIGGER removals_announce_change ON removals;
CREATE TRIGGER removals_announce_change AFTER INSERT ON removals
  FOR EACH ROW EXECUTE FUNCTION removals_announce_change();

-- +goose Down
DROP TRIGGER removals_announce_change ON removals;
CREATE TRIGGER removals_announce_change AFTER INSERT OR UPDATE ON removals
  FOR EACH ROW EXECUTE FUNCTION removals_announce_change();
