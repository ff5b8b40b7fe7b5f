-- Files on requests, replies, internal notes and guides (issue 15). The bytes live in the
-- database so that every server instance on one database serves the same files. A row with no
-- request and no guide is an upload not yet sent with its form: only its uploader may see it, it
-- is attached when the form is accepted; one no form took is deleted, once a day old, when the
-- next file is uploaded.
CREATE TABLE attachments (
    seq           INTEGER PRIMARY KEY,   -- upload order
    id            TEXT    NOT NULL UNIQUE,  -- random, 128 bits, hex: addresses cannot be guessed
    uploader_id   BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    request_id    BIGINT  REFERENCES requests(id) ON DELETE CASCADE,
    comment_id    BIGINT  REFERENCES comments(id) ON DELETE CASCADE,  -- NULL: on the request itself
    guide_id      BIGINT  REFERENCES guides(id) ON DELETE CASCADE,
    internal      BOOLEAN NOT NULL DEFAULT FALSE,  -- on an internal note: staff only
    file_name     TEXT    NOT NULL,      -- as uploaded, cleaned; shown, never trusted
    content_type  TEXT    NOT NULL,      -- from the bytes, never from the name or the browser
    size          BIGINT  NOT NULL,
    sha256        TEXT    NOT NULL,
    data          BLOB   NOT NULL,
    created_at    BIGINT  NOT NULL
);
CREATE INDEX attachments_request ON attachments(request_id);
CREATE INDEX attachments_guide ON attachments(guide_id);
CREATE INDEX attachments_uploader ON attachments(uploader_id, created_at);
