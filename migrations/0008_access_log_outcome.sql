-- Issue 9 (UU PDP): the access log says whether a read was allowed or
-- refused (an operator of another village is refused and logged as such,
-- never as a read), and can be read by time: the administrator's timeline
-- and the retention purge walk it newest- or oldest-first. Workflow
-- changes are read from `events` by time for the same timeline.
ALTER TABLE access_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'read'
    CHECK (outcome IN ('read', 'refused'));
CREATE INDEX access_log_by_time ON access_log (created_at, id);
CREATE INDEX events_by_time ON events (created_at);
