-- The merchant dashboard (/dashboard/): operators, their signed-in browser sessions, and the
-- failed-login counters behind the lockout. Portable SQL like 0001: times are Unix ms.

-- People who sign in to the dashboard (not API keys). `email` is stored lower-cased.
CREATE TABLE operators (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,                 -- viewer | operator
    password_hash TEXT NOT NULL,        -- argon2id, PHC string (salt and parameters inside)
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

-- Signed-in browsers. Only the SHA-256 of the cookie's token is stored: a copy of the
-- database does not sign anyone in. The CSRF token is checked against every change.
CREATE TABLE dashboard_sessions (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    operator_id TEXT NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,         -- the absolute timeout counts from here
    last_seen_at BIGINT NOT NULL        -- the idle timeout counts from here
);
CREATE INDEX dashboard_sessions_by_operator ON dashboard_sessions (operator_id);

-- Failed logins per e-mail (known or not, so the lockout does not tell which exist).
CREATE TABLE login_failures (
    email TEXT PRIMARY KEY NOT NULL,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);

-- The dashboard's reads (aggregates over a period read these indexes only, never the rows):
-- sessions of a period by status with their money; their attempts' methods; paid ones per
-- day; failed webhook events of a period.
CREATE INDEX sessions_overview ON sessions (created_at, status, paid_kopecks, needs_attention, id);
CREATE INDEX attempts_overview ON payment_attempts (session_id, method, payment_status);
CREATE INDEX sessions_by_status_created ON sessions (status, created_at);
CREATE INDEX outbox_events_by_state_created ON outbox_events (state, created_at);
