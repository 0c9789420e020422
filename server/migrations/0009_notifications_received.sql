-- Gateway notifications as received at /webhooks/alikassa, for the dashboard's timelines
-- (portable SQL like 0001). Accepted ones: the delivery that applied a notification (its
-- receipt in webhook_receipts); refused ones: a bounded sample (notify/journal.rs caps them per
-- address and per minute and prunes them after 7 days or past 20,000 rows). Never the body:
-- only what the sender claims, and for a refused one a short excerpt of its fields.
CREATE TABLE notifications_received (
    id TEXT PRIMARY KEY NOT NULL,
    received_at BIGINT NOT NULL,
    refused INTEGER NOT NULL,           -- 1 when refused or not applied
    outcome TEXT NOT NULL,              -- accepted: changed | unchanged | conflict | mismatch;
                                        -- refused: the reason's code (notify::journal::Refusal)
    client TEXT NOT NULL,               -- the sender's address (IPv6: its /64)
    kind TEXT,                          -- payment | payout, as the notification says
    gateway_id BIGINT,                  -- the gateway's payment or payout id it names
    order_id TEXT,                      -- the gateway order id it names
    session_id TEXT,                    -- the session whose attempt has that id or order id
    payout_id TEXT,                     -- the payout with that id or order id
    excerpt TEXT                        -- refused ones: at most 200 characters of the fields
);
CREATE INDEX notifications_by_session ON notifications_received (session_id, received_at);
CREATE INDEX notifications_by_payout ON notifications_received (payout_id, received_at);
CREATE INDEX notifications_refused ON notifications_received (refused, received_at);
