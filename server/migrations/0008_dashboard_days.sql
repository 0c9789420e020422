-- The dashboard overview keeps each day's figures until a session created that day changes:
-- finding those days reads this index only (portable SQL like 0001).
CREATE INDEX sessions_by_updated ON sessions (updated_at, created_at);
