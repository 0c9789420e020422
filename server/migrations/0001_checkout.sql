-- alikassa-checkout storage. Portable SQL (SQLite now, PostgreSQL later): times are Unix
-- milliseconds in BIGINT, ids are text, enums are their wire names.

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL UNIQUE,
    amount_kopecks BIGINT NOT NULL,
    customer_user_id TEXT NOT NULL,
    methods TEXT NOT NULL,          -- comma-separated method names, display order
    description TEXT,
    locale TEXT NOT NULL,
    success_url TEXT,
    fail_url TEXT,
    metadata TEXT,                  -- JSON object
    status TEXT NOT NULL,
    current_attempt INTEGER,        -- number of the attempt the buyer sees
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_created ON sessions (created_at, id);
CREATE INDEX sessions_by_status_expiry ON sessions (status, expires_at);
CREATE INDEX sessions_by_customer ON sessions (customer_user_id);

-- One row per gateway payment attempt, committed in state 'creating' BEFORE the create call.
CREATE TABLE payment_attempts (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    number INTEGER NOT NULL,
    method TEXT NOT NULL,
    service TEXT NOT NULL,
    gateway_order_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    gateway_payment_id BIGINT UNIQUE,
    gateway_uuid TEXT,
    payment_status TEXT,
    paid_amount_kopecks BIGINT,
    requisites TEXT,                -- JSON (shared::api::Requisites)
    customer_ip TEXT NOT NULL,
    user_agent TEXT,
    last_error TEXT,
    next_poll_at BIGINT,            -- reconciler schedule
    poll_interval_secs BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, number)
);
CREATE INDEX attempts_by_poll ON payment_attempts (state, payment_status, next_poll_at);

CREATE TABLE status_history (
    session_id TEXT NOT NULL REFERENCES sessions (id),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    payment_status TEXT,
    gateway_payment_id BIGINT,
    source TEXT NOT NULL,
    detail TEXT,
    at BIGINT NOT NULL,
    PRIMARY KEY (session_id, seq)
);

-- Merchant API keys, SHA-256 hex only.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- Verified gateway notifications, for de-duplication and audit.
CREATE TABLE webhook_receipts (
    dedupe_key TEXT PRIMARY KEY NOT NULL,
    gateway_payment_id BIGINT,
    payment_status TEXT,
    outcome TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
