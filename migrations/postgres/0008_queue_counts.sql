-- Every view's count in one pass: the open requests' kind index also carries what the views
-- test (state, assignee, risk and due times), so counting reads this index and nothing else.
DROP INDEX requests_open_kind;
CREATE INDEX requests_open_kind ON requests(kind, state, assignee_id, risk_at, due_at)
    WHERE state IN ('new','triaged','awaiting-approval','in-progress','waiting-on-requester');
