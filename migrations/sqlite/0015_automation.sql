-- Tier 4: rules that admins write, and the outbox through which every side effect leaves.

-- The requester's department, for rules ("requests from Finance"); set by an admin or, later,
-- by the identity provider.
ALTER TABLE users ADD COLUMN department TEXT;

-- The rule whose action wrote this history line, if one did. Such lines raise no event (see the
-- trigger below): a rule's change never sets off another rule, so rules cannot loop.
ALTER TABLE request_events ADD COLUMN rule_id BIGINT;

CREATE TABLE rules (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    position    INTEGER NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    trigger     TEXT    NOT NULL,
    match_all   BOOLEAN NOT NULL,
    conditions  TEXT    NOT NULL,   -- JSON, as domain::rule parses it
    actions     TEXT    NOT NULL,   -- JSON
    updated_by  INTEGER REFERENCES users(id),
    updated_at  BIGINT  NOT NULL
);

-- Every side effect waits here, written in the transaction of the change that caused it, until a
-- worker leases it (lease_owner, leased_until), does it, and marks it done. A failure comes back
-- later (due_at, with backoff); after the last attempt it is 'dead' until an admin retries it.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    topic        TEXT    NOT NULL,   -- event | email | webhook
    request_id   BIGINT  REFERENCES requests(id) ON DELETE CASCADE,
    dedupe       TEXT    UNIQUE,     -- a scheduled action's (rule, subject, occasion)
    payload      TEXT    NOT NULL,   -- JSON
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    due_at       BIGINT  NOT NULL,
    lease_owner  TEXT,
    leased_until BIGINT,
    last_error   TEXT,
    created_at   BIGINT  NOT NULL,
    done_at      BIGINT
);
CREATE INDEX outbox_due ON outbox(due_at, id) WHERE state = 'pending';
CREATE INDEX outbox_dead ON outbox(id) WHERE state = 'dead';
CREATE INDEX outbox_done ON outbox(done_at) WHERE state = 'done';

-- Each history line is an event for the rules and notifications, in the same transaction: no
-- write path can forget to raise it.
CREATE TRIGGER request_events_outbox AFTER INSERT ON request_events
WHEN NEW.rule_id IS NULL
BEGIN
    INSERT INTO outbox (topic, request_id, payload, due_at, created_at)
    VALUES ('event', NEW.request_id,
            json_object('history', NEW.id, 'field', NEW.field, 'before', NEW.before,
                        'after', NEW.after, 'actor', NEW.actor_id),
            NEW.at, NEW.at);
END;

-- Which e-mails a person receives; a missing row means yes.
CREATE TABLE notification_prefs (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic    TEXT    NOT NULL,
    email    BOOLEAN NOT NULL,
    PRIMARY KEY (user_id, topic)
);
