-- +goose Up
-- Sign-in's device cookies (issue 41 item 4, OWASP "Slow Down Online
-- Guessing Attacks with Device Cookies"): a successful sign-in makes its
-- browser a trusted device of its user. Only the SHA-256 of the cookie's
-- nonce is kept, so this table gives no one a cookie; a revoked or expired
-- device is never trusted again, whatever cookie a browser still holds.
CREATE TABLE sign_in_devices (
    id           bytea PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);
CREATE INDEX sign_in_devices_user_idx ON sign_in_devices (user_id);
CREATE INDEX sign_in_devices_expiry_idx ON sign_in_devices (expires_at);

-- The addresses (domain.AddressKey) a user signed in from: while an e-mail's
-- untrusted sign-ins are locked out, its owner on a new browser still gets in
-- from one of them.
CREATE TABLE sign_in_addresses (
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address         text NOT NULL,
    last_success_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, address)
);
CREATE INDEX sign_in_addresses_age_idx ON sign_in_addresses (last_success_at);

-- +goose Down
DROP TABLE sign_in_addresses;
DROP TABLE sign_in_devices;
