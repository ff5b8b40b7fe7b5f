-- What a form posted without JavaScript held when the server refused it (issue 15), kept for a
-- short while so that the page it goes back to shows everything typed again, whichever server
-- instance answers. Passwords are never kept.
CREATE TABLE form_drafts (
    id_hash     TEXT    PRIMARY KEY,  -- SHA-256 of the random id in the page's address
    user_id     BIGINT  REFERENCES users(id) ON DELETE CASCADE,  -- who posted it; NULL: a visitor
    action      TEXT    NOT NULL,     -- the server function's path, e.g. /fn/submit_request
    fields      TEXT    NOT NULL,     -- JSON: [[name, value], ...] as the form sent them
    created_at  BIGINT  NOT NULL
);
CREATE INDEX form_drafts_created ON form_drafts(created_at);
