-- +goose Up
-- The whole Meta teardown (SPEC §8).

-- A coexistence number is shared with the WhatsApp Business app on the
-- business's phone: it is never deregistered.
ALTER TABLE channels ADD COLUMN coexistence boolean NOT NULL DEFAULT false;
ALTER TABLE channels ADD CONSTRAINT channels_coexistence_kind CHECK (NOT coexistence OR kind = 'whatsapp_cloud');

-- The callback overrides our app set when it connected the channel: on its
-- phone number, and on its WABA (the WABA's goes with the app's subscription).
ALTER TABLE channels ADD COLUMN number_override_uri text, ADD COLUMN waba_override_uri text;

-- The number's override owed a clearing by a removal run: the tombstone hands
-- it the channel's token and the URI we set, as it does to meta_unlinks; the
-- unlink step clears it only while the number still points at that URI.
CREATE TABLE override_releases (
    removal_id      text NOT NULL,
    run_id          text NOT NULL,
    channel_id      uuid NOT NULL REFERENCES channels(id),
    phone_number_id text NOT NULL,
    override_uri    text NOT NULL,
    access_token    text,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'cleared', 'not_ours', 'failed', 'abandoned')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (removal_id, run_id)
);

-- +goose Down
DROP TABLE override_releases;
ALTER TABLE channels DROP COLUMN number_override_uri, DROP COLUMN waba_override_uri;
ALTER TABLE channels DROP CONSTRAINT channels_coexistence_kind;
ALTER TABLE channels DROP COLUMN coexistence;
