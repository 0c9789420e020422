-- Several `serve` replicas on one database (PostgreSQL). Portable SQL like 0001.

-- When the last upstream status call for a payment was made (Unix ms): the per-payment limit
-- (one call per interval, shared by the reconciler and the buyer's check) as a conditional
-- UPDATE, so it holds across processes.
ALTER TABLE payment_attempts ADD COLUMN last_checked_at BIGINT;

-- Short named leases, renewed while held: which replica is paying for a session (across the
-- gateway call) or running a periodic sweep. A crashed holder's lease runs out on its own.
CREATE TABLE leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);
