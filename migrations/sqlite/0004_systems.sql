-- The tech-stack registry. `fields` holds every field of the system as imported or edited here
-- (JSON object, unknown fields included); `imported` the fields as the last import wrote them,
-- the base of the three-way merge that keeps local edits. The other columns are read out of
-- `fields` on every write, so lists filter and sort on indexed columns.
CREATE TABLE systems (
    id             INTEGER PRIMARY KEY,
    slug           TEXT    NOT NULL UNIQUE,
    title          TEXT    NOT NULL,
    title_key      TEXT    NOT NULL UNIQUE,
    description    TEXT    NOT NULL DEFAULT '',
    group_owner    TEXT    NOT NULL DEFAULT '',
    owner_channel  TEXT    NOT NULL DEFAULT '',
    classification TEXT    CHECK (classification IN ('red','orange','yellow','green')),
    tier           INTEGER CHECK (tier BETWEEN 1 AND 4),
    compliance     TEXT,
    baseline       BOOLEAN,
    managed        BOOLEAN NOT NULL,
    labels         TEXT    NOT NULL DEFAULT '[]',
    search_text    TEXT    NOT NULL DEFAULT '',
    fields         TEXT    NOT NULL,
    imported       TEXT    NOT NULL DEFAULT '{}',
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX systems_title ON systems(title_key);

-- The @handles of each system's people fields, linked to users whose handle matches.
CREATE TABLE system_people (
    system_id INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
    role      TEXT    NOT NULL CHECK (role IN ('provisioner','deprovisioner','business_owner','technical_owner')),
    handle    TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (system_id, role, handle)
);
CREATE INDEX system_people_handle ON system_people(handle);

-- Append-only history of every change: imports and edits here, field by field.
CREATE TABLE system_events (
    id         INTEGER PRIMARY KEY,
    system_id  INTEGER NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
    actor_id   INTEGER REFERENCES users(id),
    source     TEXT    NOT NULL CHECK (source IN ('import','edit')),
    changes    TEXT    NOT NULL,
    at         BIGINT  NOT NULL
);
CREATE INDEX system_events_system ON system_events(system_id, id);
CREATE TRIGGER system_events_no_update BEFORE UPDATE ON system_events
BEGIN SELECT RAISE(ABORT, 'system history is append-only'); END;
