-- Payouts whose create outcome stays unknown. Portable SQL like 0002.
--
-- A payout is sent a second time (same order id) only after the gateway has said "no such
-- payout" for a whole grace period: when it first said so (Unix ms). A payout that stays
-- unsure is stored in state 'unresolved', public status 'unknown' (no schema change needed).
ALTER TABLE payouts ADD COLUMN first_not_found_at BIGINT;
