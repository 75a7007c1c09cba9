-- +goose Up
-- Our shared credit line (issue 43 item 4): a WABA onboarded on it has an
-- allocation config Meta created when we shared the line; we are liable for
-- its spend until that config is deleted.
ALTER TABLE channels ADD COLUMN credit_allocation_config_id text;

-- The revocation owed by a removal run, as number_releases and
-- override_releases are: the tombstone hands it the channel's token; the
-- token is erased once settled or abandoned.
CREATE TABLE credit_line_releases (
    removal_id           text NOT NULL,
    run_id               text NOT NULL,
    channel_id           uuid NOT NULL REFERENCES channels(id),
    waba_id              text NOT NULL,
    allocation_config_id text NOT NULL,
    access_token         text,
    status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'revoked', 'kept', 'failed', 'abandoned')),
    attempts             integer NOT NULL DEFAULT 0,
    last_error           text,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (removal_id, run_id)
);

-- +goose Down
DROP TABLE credit_line_releases;
ALTER TABLE channels DROP COLUMN credit_allocation_config_id;
