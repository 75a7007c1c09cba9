-- +goose Up
-- A phone number's deregistration from our app, owed to Meta when the admin
-- asked to release the number (SPEC §7). The tombstone hands it the channel's
-- token, as it does to meta_unlinks; the token is erased once released or
-- abandoned (nobody retried within the retry window).
CREATE TABLE number_releases (
    removal_id      text NOT NULL,
    run_id          text NOT NULL,
    channel_id      uuid NOT NULL REFERENCES channels(id),
    phone_number_id text NOT NULL,
    access_token    text,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'released', 'failed', 'abandoned')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (removal_id, run_id)
);

-- +goose Down
DROP TABLE number_releases;
