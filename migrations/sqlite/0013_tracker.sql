-- Tier 3: the engineering tracker (issue 16). Issues have numbers of their own (ENG-N); an
-- escalation links an issue to the request it came from. Templates say what an issue starts with.

CREATE TABLE issue_templates (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL UNIQUE,
    -- JSON array of labels; `{system}` in a label is replaced by the system's label part.
    labels        TEXT    NOT NULL DEFAULT '[]',
    priority      TEXT    NOT NULL CHECK (priority IN ('p0','p1','p2','p3')),
    assign_owners BOOLEAN NOT NULL DEFAULT TRUE,
    description   TEXT    NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL
);

CREATE TABLE issues (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL DEFAULT 'inbox'
                CHECK (state IN ('inbox','backlog','scheduled','wip','blocked','waiting','review','closed')),
    priority    TEXT    NOT NULL CHECK (priority IN ('p0','p1','p2','p3')),
    -- A calendar day, YYYY-MM-DD: engineering promises days, not hours.
    due_on      TEXT,
    system_id   INTEGER REFERENCES systems(id) ON DELETE SET NULL,
    request_id  INTEGER REFERENCES requests(id) ON DELETE SET NULL,
    template_id INTEGER REFERENCES issue_templates(id) ON DELETE SET NULL,
    created_by  INTEGER NOT NULL REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    closed_at   INTEGER
);
-- The board and the list: by state, newest first, a page at a time.
CREATE INDEX issues_state ON issues(state, id);
CREATE INDEX issues_request ON issues(request_id) WHERE request_id IS NOT NULL;
CREATE INDEX issues_system ON issues(system_id, id) WHERE system_id IS NOT NULL;

CREATE TABLE issue_labels (
    issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    label    TEXT    NOT NULL,
    PRIMARY KEY (issue_id, label)
);
CREATE INDEX issue_labels_label ON issue_labels(label, issue_id);

-- People (user_id set) or registry groups and teams (user_id NULL) working an issue.
CREATE TABLE issue_assignees (
    issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    name     TEXT    NOT NULL,
    name_key TEXT    NOT NULL,
    user_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (issue_id, name_key)
);
CREATE INDEX issue_assignees_name ON issue_assignees(name_key, issue_id);
CREATE INDEX issue_assignees_user ON issue_assignees(user_id, issue_id) WHERE user_id IS NOT NULL;

CREATE TABLE issue_comments (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users(id),
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX issue_comments_issue ON issue_comments(issue_id, id);

-- Append-only history of every change to an issue.
CREATE TABLE issue_events (
    id       INTEGER PRIMARY KEY,
    issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    actor_id INTEGER NOT NULL REFERENCES users(id),
    at       INTEGER NOT NULL,
    field    TEXT    NOT NULL,
    before   TEXT,
    after    TEXT
);
CREATE INDEX issue_events_issue ON issue_events(issue_id, id);
