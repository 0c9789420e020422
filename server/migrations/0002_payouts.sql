-- Merchant payouts (POST /api/v1/payouts). Portable SQL: times are Unix milliseconds in
-- BIGINT, amounts kopecks in BIGINT, enums their wire names.
--
-- A row is committed in state 'sending' (with its gateway order id) BEFORE the create call,
-- so a crash in between is resolved by looking the order id up at the gateway, never by a
-- second payout. One idempotency key names one payout (UNIQUE), whatever the concurrency.
CREATE TABLE payouts (
    id TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_hash TEXT NOT NULL,         -- SHA-256 hex of the canonical request
    kind TEXT NOT NULL,                 -- sbp | account
    amount_kopecks BIGINT NOT NULL,
    phone TEXT,                         -- sbp
    bank_member_id TEXT,                -- sbp
    account_number TEXT,                -- account
    bic TEXT,                           -- account
    bank TEXT,                          -- account: customer_code sent (member id or slug)
    holder TEXT,                        -- account: recipient's name, for the merchant's records
    order_id TEXT,                      -- the merchant's reference
    description TEXT,
    service TEXT NOT NULL,
    gateway_order_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,                -- sending | unknown | sent | refused
    status TEXT NOT NULL,               -- public: creating | pending | paid | failed | rejected
    gateway_payout_id BIGINT UNIQUE,
    gateway_status TEXT,                -- wait | paid | cancel | fail
    paid_amount_kopecks BIGINT,
    rejection TEXT,                     -- JSON: the gateway's validation error, when refused
    last_error TEXT,
    sends BIGINT NOT NULL,              -- create calls made (all with gateway_order_id)
    version BIGINT NOT NULL,            -- bumped by every write; writes are guarded by it
    next_check_at BIGINT,               -- reconciler schedule (lookup, resend or status poll)
    check_interval_secs BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX payouts_by_created ON payouts (created_at, id);
CREATE INDEX payouts_by_check ON payouts (state, next_check_at);
CREATE INDEX payouts_by_status ON payouts (status);
