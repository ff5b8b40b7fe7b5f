-- The request catalog: who manages whom, teams that approve or provision, what each request asks
-- for, its approval steps, its task checklist, and the access people hold as a result.

ALTER TABLE users ADD COLUMN manager_id INTEGER REFERENCES users(id);

-- Teams: built-in approver teams (security, infrastructure, logistics) and the registry's group
-- handles (`gitlab-com/business-technology/team-member-enablement`), so a group named as a
-- system's provisioner reaches the people in it.
CREATE TABLE team_members (
    team    TEXT    NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

-- Kind-specific fields, as parsed and typed by the domain (JSON object).
ALTER TABLE requests ADD COLUMN details TEXT NOT NULL DEFAULT '{}';

CREATE TABLE request_labels (
    request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    label      TEXT    NOT NULL,
    PRIMARY KEY (request_id, label)
);
CREATE INDEX request_labels_label ON request_labels(label, request_id);

-- The people a request is for (who gets the access, who leaves ...).
CREATE TABLE request_people (
    request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (request_id, user_id)
);
CREATE INDEX request_people_user ON request_people(user_id);

-- One line per system asked for: the role, why, and what kind of grant it is.
CREATE TABLE request_lines (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    system_id     INTEGER NOT NULL REFERENCES systems(id),
    role          TEXT    NOT NULL,
    justification TEXT    NOT NULL,
    grant_kind    TEXT    NOT NULL CHECK (grant_kind IN ('role','chat-group','mail-group')),
    UNIQUE (request_id, system_id)
);

-- Approval steps, decided by the policy at submission. Exactly one of approver_id (a person),
-- team, or system_id (that system's owners) says who may decide.
CREATE TABLE approvals (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    step         TEXT    NOT NULL,
    reason       TEXT    NOT NULL,
    approver_id  INTEGER REFERENCES users(id),
    team         TEXT,
    system_id    INTEGER REFERENCES systems(id),
    state        TEXT    NOT NULL CHECK (state IN ('pending','approved','denied','skipped')),
    decided_by   INTEGER REFERENCES users(id),
    decided_at   BIGINT,
    note         TEXT,
    CHECK ((approver_id IS NOT NULL) + (team IS NOT NULL) + (system_id IS NOT NULL) = 1)
);
CREATE INDEX approvals_request ON approvals(request_id, position);
CREATE INDEX approvals_pending_person ON approvals(approver_id) WHERE state = 'pending';
CREATE INDEX approvals_pending_team ON approvals(team) WHERE state = 'pending';

-- The checklist worked after approval. A task is for one system (or none: a laptop task), for
-- one person or all of the request's people.
CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    action      TEXT    NOT NULL CHECK (action IN ('grant','revoke','reset','laptop','work')),
    title       TEXT    NOT NULL,
    system_id   INTEGER REFERENCES systems(id),
    person_id   INTEGER REFERENCES users(id),
    line_id     INTEGER REFERENCES request_lines(id),
    role        TEXT,
    team        TEXT,
    due_at      BIGINT,
    urgent      BOOLEAN NOT NULL DEFAULT FALSE,
    state       TEXT    NOT NULL CHECK (state IN ('open','done','not-applicable')),
    note        TEXT,
    closed_by   INTEGER REFERENCES users(id),
    closed_at   BIGINT,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX tasks_request ON tasks(request_id, id);
CREATE INDEX tasks_open_system ON tasks(system_id) WHERE state = 'open';

-- Identity checks recorded before a reset or lockout task may close.
CREATE TABLE identity_checks (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    method      TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    checked_by  INTEGER NOT NULL REFERENCES users(id),
    at          BIGINT  NOT NULL
);
CREATE INDEX identity_checks_request ON identity_checks(request_id);

-- What people hold. Revoking closes the record; it is never deleted.
CREATE TABLE grants (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES users(id),
    system_id   INTEGER NOT NULL REFERENCES systems(id),
    role        TEXT    NOT NULL,
    granted_by  INTEGER NOT NULL REFERENCES users(id),
    granted_at  BIGINT  NOT NULL,
    expires_at  BIGINT,
    request_id  INTEGER REFERENCES requests(id),
    revoked_by  INTEGER REFERENCES users(id),
    revoked_at  BIGINT,
    revoke_request_id INTEGER REFERENCES requests(id)
);
CREATE INDEX grants_person ON grants(person_id, system_id);
CREATE INDEX grants_system ON grants(system_id);

-- Reports from the sign-in-free lockout form, for rate limiting per address and per network
-- address. Kept whether or not the address has an account, so the limit reveals nothing.
CREATE TABLE lockout_reports (
    id     INTEGER PRIMARY KEY,
    email  TEXT   NOT NULL,
    ip     TEXT   NOT NULL,
    at     BIGINT NOT NULL
);
CREATE INDEX lockout_reports_email ON lockout_reports(email, at);
CREATE INDEX lockout_reports_ip ON lockout_reports(ip, at);

-- The account the background jobs act as in request histories. It cannot sign in: inactive, and
-- its password hash is no hash at all.
INSERT INTO users (email, handle, name, password_hash, active, created_at)
VALUES ('jobs@tierdesk.invalid', 'tierdesk', 'Tierdesk', '!', FALSE, 0);

-- What a background job has done, once per subject and occasion: the primary key makes a second
-- run (or a second server instance) skip what the first already did.
CREATE TABLE job_marks (
    job      TEXT   NOT NULL,
    subject  BIGINT NOT NULL,
    occasion TEXT   NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (job, subject, occasion)
);

-- Role templates: the systems (and role in each) a department's job role gets, kept by admins.
-- Onboarding grants them; a role change grants and revokes the difference.
CREATE TABLE role_templates (
    id          INTEGER PRIMARY KEY,
    department  TEXT    NOT NULL,
    job_role    TEXT    NOT NULL,
    key         TEXT    NOT NULL UNIQUE,   -- lower-cased "department/job role"
    updated_at  BIGINT  NOT NULL
);
CREATE TABLE role_template_systems (
    template_id INTEGER NOT NULL REFERENCES role_templates(id) ON DELETE CASCADE,
    system_id   INTEGER NOT NULL REFERENCES systems(id),
    role        TEXT    NOT NULL,
    PRIMARY KEY (template_id, system_id)
);
