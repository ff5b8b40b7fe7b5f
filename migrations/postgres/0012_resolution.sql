-- Resolution and participants (issue 15).
-- A requester rates the help once a request is resolved: one click ("good" or "bad") and, if
-- they like, a comment. Kept on the request itself, so lists and reports read it with no join.
ALTER TABLE requests ADD COLUMN rating TEXT CHECK (rating IN ('good', 'bad'));
ALTER TABLE requests ADD COLUMN rating_comment TEXT;
ALTER TABLE requests ADD COLUMN rated_at BIGINT;

-- Colleagues copied on a request (CC): they see it and its public replies as its requester does,
-- never its internal notes. Added by the requester or by queue staff.
CREATE TABLE request_participants (
    request_id  BIGINT NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by    BIGINT NOT NULL REFERENCES users(id),
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (request_id, user_id)
);
CREATE INDEX request_participants_user ON request_participants(user_id, request_id);
CREATE INDEX requests_rated ON requests(rated_at) WHERE rated_at IS NOT NULL;
