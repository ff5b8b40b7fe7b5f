-- Round-robin stamps each hand-out later than the latest so far (MAX over every person) inside
-- each submission's write transaction: with thousands of people that was a full pass while
-- every other writer waited. The index answers MAX at once.
CREATE INDEX users_last_assigned ON users(last_assigned_at);
