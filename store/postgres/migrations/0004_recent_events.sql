-- 0004_recent_events: RecentEvents reads the latest events of every
-- tenant (newest first) for operators' dashboards; the dead ones are the
-- failures to act on, kept apart in a small partial index.
CREATE INDEX events_seq_idx ON events (seq);
CREATE INDEX events_dead_seq_idx ON events (seq) WHERE status = 'dead';
