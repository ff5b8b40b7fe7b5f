-- Every registry import from the admin page, with who ran it and its report, so an admin can
-- look back at what an import did (or why it was refused).
CREATE TABLE registry_imports (
    id         INTEGER PRIMARY KEY,
    actor_id   INTEGER REFERENCES users(id),
    file_name  TEXT    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('imported','preview','refused','failed')),
    report     TEXT    NOT NULL,
    at         BIGINT  NOT NULL
);
