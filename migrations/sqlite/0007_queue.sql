-- The analyst queue (issue 6): service-level clocks kept on each request, holidays, shifts,
-- round-robin, saved views, macros, and text search over requests.

-- Clocks (app/src/domain/sla.rs). first_due_at / resolve_due_at are the two deadlines as last
-- computed; due_at / risk_at are the next deadline's, NULL while the clock is paused or the
-- request is finished, so "at risk" and "breached" are index range scans against now.
ALTER TABLE requests ADD COLUMN responded_at   BIGINT;
ALTER TABLE requests ADD COLUMN paused_ms      BIGINT NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN paused_since   BIGINT;
ALTER TABLE requests ADD COLUMN first_due_at   BIGINT;
ALTER TABLE requests ADD COLUMN resolve_due_at BIGINT;
ALTER TABLE requests ADD COLUMN due_at         BIGINT;
ALTER TABLE requests ADD COLUMN risk_at        BIGINT;
ALTER TABLE requests ADD COLUMN resolved_at    BIGINT;
-- Sorting by priority with keyset pagination needs a number: high 0, normal 1, low 2.
ALTER TABLE requests ADD COLUMN priority_rank  SMALLINT NOT NULL DEFAULT 1;
UPDATE requests SET priority_rank = CASE priority WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END;
CREATE TRIGGER requests_priority_rank_insert AFTER INSERT ON requests BEGIN
    UPDATE requests SET priority_rank = CASE new.priority WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END
    WHERE id = new.id;
END;
CREATE TRIGGER requests_priority_rank_update AFTER UPDATE OF priority ON requests BEGIN
    UPDATE requests SET priority_rank = CASE new.priority WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END
    WHERE id = new.id;
END;

-- Open requests are a small share of all; every queue view and count reads only them.
CREATE INDEX requests_open_id ON requests(id)
    WHERE state IN ('new','triaged','awaiting-approval','in-progress','waiting-on-requester');
-- The queue's default order: what is due first, paused and finished requests last. The
-- trailing columns let the common filters be checked from the index before any row is read.
CREATE INDEX requests_open_due ON requests(COALESCE(due_at, 9223372036854775807), id, due_at, risk_at, assignee_id, kind)
    WHERE state IN ('new','triaged','awaiting-approval','in-progress','waiting-on-requester');
-- "At risk" and "breached" are counted from the index alone.
CREATE INDEX requests_open_risk ON requests(risk_at, due_at, state)
    WHERE state IN ('new','triaged','awaiting-approval','in-progress','waiting-on-requester');
CREATE INDEX requests_open_assignee ON requests(assignee_id, id)
    WHERE state IN ('new','triaged','awaiting-approval','in-progress','waiting-on-requester');
CREATE INDEX requests_open_kind ON requests(kind, state)
    WHERE state IN ('new','triaged','awaiting-approval','in-progress','waiting-on-requester');
CREATE INDEX requests_open_priority ON requests(priority_rank, id)
    WHERE state IN ('new','triaged','awaiting-approval','in-progress','waiting-on-requester');
CREATE INDEX requests_state_id ON requests(state, id);
CREATE INDEX requests_updated ON requests(updated_at);
CREATE INDEX requests_resolved_at ON requests(resolved_at) WHERE state = 'resolved';
CREATE INDEX request_lines_system ON request_lines(system_id, request_id);

-- Whole UTC days without coverage.
CREATE TABLE holidays (
    day        TEXT    PRIMARY KEY,          -- YYYY-MM-DD
    name       TEXT    NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at BIGINT  NOT NULL
);

-- An analyst's weekly hours in UTC, one row per weekday and stretch (0 = Monday); a night
-- shift is two rows. Support hours take new requests; provisioning hours work tasks.
CREATE TABLE shifts (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    region    TEXT    NOT NULL CHECK (region IN ('amer','emea','japac')),
    duty      TEXT    NOT NULL CHECK (duty IN ('support','provisioning')),
    weekday   SMALLINT NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
    end_min   INTEGER NOT NULL CHECK (end_min BETWEEN 1 AND 1440 AND end_min > start_min)
);
CREATE INDEX shifts_when ON shifts(weekday, duty, start_min);
CREATE INDEX shifts_user ON shifts(user_id);

-- Round-robin: whoever was handed a request longest ago is next, which survives restarts.
ALTER TABLE users ADD COLUMN last_assigned_at BIGINT;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A person's own queue views: a name and the filter query string.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    query      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    UNIQUE (user_id, name)
);

-- Canned replies with placeholders; applying one may also set a state and add labels.
CREATE TABLE macros (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    body       TEXT    NOT NULL,
    set_state  TEXT,
    add_labels TEXT    NOT NULL DEFAULT '',
    updated_by INTEGER REFERENCES users(id),
    updated_at BIGINT  NOT NULL
);

-- Text search over requests' titles and descriptions, kept in step by triggers.
CREATE VIRTUAL TABLE requests_fts USING fts5(
    title, description, content='requests', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO requests_fts(rowid, title, description) SELECT id, title, description FROM requests;
CREATE TRIGGER requests_fts_insert AFTER INSERT ON requests BEGIN
    INSERT INTO requests_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER requests_fts_delete AFTER DELETE ON requests BEGIN
    INSERT INTO requests_fts(requests_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
CREATE TRIGGER requests_fts_update AFTER UPDATE OF title, description ON requests BEGIN
    INSERT INTO requests_fts(requests_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO requests_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
END;
