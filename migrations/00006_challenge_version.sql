-- +goose Up
-- A challenge changes by compare-and-set on its version instead of under a
-- row lock: the read, the decision (in activities) and one write statement
-- that also carries the step's audit record, instead of a locking
-- transaction of four round trips and a separate audit write.
ALTER TABLE verification_challenges ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE verification_challenges DROP COLUMN version;
