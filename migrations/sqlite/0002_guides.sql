-- Tier 1: guides and runbooks, their revisions, votes, and full-text search.
-- body_text is the guide's words without Markdown syntax; search and snippets use it.

CREATE TABLE guides (
    id               INTEGER PRIMARY KEY,
    slug             TEXT    NOT NULL UNIQUE,
    title            TEXT    NOT NULL,
    category         TEXT    NOT NULL,
    visibility       TEXT    NOT NULL CHECK (visibility IN ('public','internal')),
    owner            TEXT    NOT NULL DEFAULT '',
    body             TEXT    NOT NULL,
    body_text        TEXT    NOT NULL,
    revision         INTEGER NOT NULL DEFAULT 1,
    last_reviewed_at BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    solved_count     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX guides_category ON guides(category, visibility);

-- External-content FTS5 index kept in step by triggers, so every write to guides updates it in
-- the same transaction. Porter stemming: "resetting" finds "reset".
CREATE VIRTUAL TABLE guides_fts USING fts5(
    title, body_text, content='guides', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER guides_fts_insert AFTER INSERT ON guides BEGIN
    INSERT INTO guides_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;
CREATE TRIGGER guides_fts_delete AFTER DELETE ON guides BEGIN
    INSERT INTO guides_fts(guides_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
END;
CREATE TRIGGER guides_fts_update AFTER UPDATE OF title, body_text ON guides BEGIN
    INSERT INTO guides_fts(guides_fts, rowid, title, body_text) VALUES ('delete', old.id, old.title, old.body_text);
    INSERT INTO guides_fts(rowid, title, body_text) VALUES (new.id, new.title, new.body_text);
END;

-- Every save is a revision; author_id is NULL for imports.
CREATE TABLE guide_revisions (
    id          INTEGER PRIMARY KEY,
    guide_id    INTEGER NOT NULL REFERENCES guides(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    visibility  TEXT    NOT NULL,
    owner       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    author_id   INTEGER REFERENCES users(id),
    note        TEXT    NOT NULL DEFAULT '',
    at          BIGINT  NOT NULL,
    UNIQUE (guide_id, number)
);

-- One vote per person (user:<id>) or browser (visitor:<hash>) per guide; a new vote replaces it.
CREATE TABLE guide_votes (
    guide_id  INTEGER NOT NULL REFERENCES guides(id) ON DELETE CASCADE,
    voter     TEXT    NOT NULL,
    helpful   BOOLEAN NOT NULL,
    at        BIGINT  NOT NULL,
    PRIMARY KEY (guide_id, voter)
);
