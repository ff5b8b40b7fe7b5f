-- The board ranks each state's issues by urgency (priority, then newest): an index in that order
-- lets the ranking read issues in order instead of sorting them all.
CREATE INDEX issues_board ON issues(state, priority, id DESC);
