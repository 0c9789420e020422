-- Money truth (portable SQL like 0001): what a session received, and whether the merchant
-- must look at it.

-- Money the gateway reports paid for the session, every attempt together (kopecks); NULL
-- until a payment is paid with a known amount.
ALTER TABLE sessions ADD COLUMN paid_kopecks BIGINT;
-- 1 when something about the session's money is odd (underpaid, overpaid, paid twice, paid
-- after the end, an unconfirmed amount, a report that did not match): the merchant's list.
ALTER TABLE sessions ADD COLUMN needs_attention INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_needing_attention ON sessions (needs_attention, created_at);

-- The reconciler's due payments: waiting ones, and paid ones whose amount is not confirmed.
CREATE INDEX attempts_by_next_poll ON payment_attempts (next_poll_at);
