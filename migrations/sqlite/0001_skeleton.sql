-- People, sign-in, requests, their conversation and history.
-- Times are UTC milliseconds since the epoch in both dialects, so ordering, keyset cursors and
-- service-level arithmetic behave identically on SQLite and Postgres.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,   -- lower-cased by the app
    handle        TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,          -- argon2id PHC string
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role    TEXT    NOT NULL CHECK (role IN ('member','contractor','manager','analyst','engineer','admin')),
    PRIMARY KEY (user_id, role)
);

-- Only a SHA-256 of the session secret is stored: a copy of this table signs nobody in.
CREATE TABLE sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    label       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    last_used_at BIGINT
);

-- Failed sign-ins, for throttling; pruned as they age out.
CREATE TABLE sign_in_failures (
    id     INTEGER PRIMARY KEY,
    email  TEXT   NOT NULL,
    ip     TEXT   NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures(email, at);
CREATE INDEX sign_in_failures_ip ON sign_in_failures(ip, at);

CREATE TABLE requests (
    id           INTEGER PRIMARY KEY,        -- the number in REQ-<id>
    kind         TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL,
    priority     TEXT    NOT NULL CHECK (priority IN ('high','normal','low')),
    state        TEXT    NOT NULL,
    requester_id INTEGER NOT NULL REFERENCES users(id),
    assignee_id  INTEGER REFERENCES users(id),
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX requests_requester ON requests(requester_id, id DESC);
CREATE INDEX requests_queue ON requests(state, assignee_id, id DESC);

-- Public replies and internal notes; requesters never receive rows with internal = TRUE.
CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users(id),
    body        TEXT    NOT NULL,
    internal    BOOLEAN NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX comments_request ON comments(request_id, id);

-- Append-only history: who changed what, when, from what to what.
CREATE TABLE request_events (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    actor_id    INTEGER NOT NULL REFERENCES users(id),
    at          BIGINT  NOT NULL,
    field       TEXT    NOT NULL,
    before      TEXT,
    after       TEXT
);
CREATE INDEX request_events_request ON request_events(request_id, id);
CREATE TRIGGER request_events_no_update BEFORE UPDATE ON request_events
BEGIN SELECT RAISE(ABORT, 'request history is append-only'); END;
