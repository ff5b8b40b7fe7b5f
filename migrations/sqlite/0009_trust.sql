-- Trust (issue 13): sign-in throttling that strangers cannot turn against a person, browsers a
-- person has signed in from, API tokens with scopes and an end, the lockout form's reports kept
-- until a worker turns them into requests, what can be granted on each system, and what each
-- contractor's sponsor allows them to ask for.

-- Attempts per key in a fixed window, counted in one statement before any password is checked:
-- `pair:<email>|<address>`, `address:<address>`, `account:<email>`, `device:<hash>`.
CREATE TABLE throttle (
    key          TEXT    PRIMARY KEY,
    window_start BIGINT  NOT NULL,
    count        BIGINT  NOT NULL
);
DROP TABLE sign_in_failures;

-- Browsers a person signed in from (the SHA-256 of a cookie's secret). A flood of wrong guesses
-- from elsewhere does not keep them out of such a browser.
CREATE TABLE sign_in_devices (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX sign_in_devices_user ON sign_in_devices(user_id);

-- Tokens end, say what they may do, and can be revoked. Tokens made before this had neither:
-- they keep both scopes and end 90 days from now.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read write';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE api_tokens ADD COLUMN revoked_at BIGINT;
UPDATE api_tokens SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 90 * 86400000;

-- The sign-in-free lockout form answers at once and the same way for every address; a worker
-- makes the request afterwards. What was typed waits here until then, and is blanked for an
-- address without an account.
ALTER TABLE lockout_reports ADD COLUMN system TEXT;
ALTER TABLE lockout_reports ADD COLUMN what TEXT;
ALTER TABLE lockout_reports ADD COLUMN processed_at BIGINT;
UPDATE lockout_reports SET processed_at = at;
CREATE INDEX lockout_reports_waiting ON lockout_reports(id) WHERE processed_at IS NULL;

-- A system's roles (lowest first) and its chat and mail groups, kept by admins (JSON list).
ALTER TABLE systems ADD COLUMN access TEXT NOT NULL DEFAULT '[]';

-- The systems a contractor's sponsor (their manager) allows them to ask for.
CREATE TABLE contractor_systems (
    contractor_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    system_id     INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
    added_by      INTEGER NOT NULL REFERENCES users(id),
    added_at      BIGINT  NOT NULL,
    PRIMARY KEY (contractor_id, system_id)
);
