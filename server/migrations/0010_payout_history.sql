-- Each payout's history, for the dashboard's payout timeline (portable SQL like 0001): the
-- row written in the same transaction as the change it records — created (by whom), each
-- create call's outcome, each status change with its source (poll, notification, an
-- operator's refresh, a lookup by order id), unknown and resolved, final.
CREATE TABLE payout_history (
    payout_id TEXT NOT NULL REFERENCES payouts (id),
    seq INTEGER NOT NULL,
    at BIGINT NOT NULL,
    source TEXT NOT NULL,               -- created | send | resend | lookup | poll | notification | refresh
    state TEXT NOT NULL,                -- as payouts.state after the change
    status TEXT NOT NULL,               -- as payouts.status after the change
    gateway_status TEXT,
    detail TEXT,                        -- who created it; the gateway id learnt; the error
    PRIMARY KEY (payout_id, seq)
);
