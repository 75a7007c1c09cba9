-- +goose Up
-- E-mails that must go out once per key (the ops alert of a removal that
-- stays in completed_with_warnings). A row is written when the provider
-- accepted the mail; a retry finds it and sends nothing.
CREATE TABLE notices (
    key        text PRIMARY KEY,
    removal_id text NOT NULL,
    recipient  text NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE notices;
