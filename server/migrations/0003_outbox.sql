-- Events to the merchant's backend (webhooks we send), written in the same transaction as the
-- change they report, and their delivery attempts. Portable SQL: times are Unix ms in BIGINT.

CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY NOT NULL,       -- evt_<32 hex>, also the receiver's de-duplication key
    kind TEXT NOT NULL,                 -- payment.paid, payout.failed, ...
    stream TEXT NOT NULL,               -- ordering key: session:<id> / payout:<id>
    seq BIGINT NOT NULL,                -- delivery order within the stream (a resend moves it last)
    subject_id TEXT NOT NULL,           -- the session or payout id
    body TEXT NOT NULL,                 -- the exact JSON that is signed and sent, never rewritten
    state TEXT NOT NULL,                -- pending | delivered | failed
    attempts BIGINT NOT NULL,           -- attempts of the current delivery (a resend restarts it)
    next_attempt_at BIGINT NOT NULL,
    queued_at BIGINT NOT NULL,          -- start of the current delivery: the give-up deadline counts from it
    lease_owner TEXT,                   -- the worker delivering it right now ...
    lease_until BIGINT,                 -- ... until then (after that another worker may take it)
    endpoint_id TEXT,                   -- the endpoint of the latest attempt
    last_error TEXT,
    delivered_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (stream, seq)
);
CREATE INDEX outbox_events_due ON outbox_events (state, next_attempt_at);
CREATE INDEX outbox_events_by_created ON outbox_events (created_at, id);
CREATE INDEX outbox_events_by_subject ON outbox_events (subject_id);

CREATE TABLE outbox_attempts (
    event_id TEXT NOT NULL REFERENCES outbox_events (id),
    number BIGINT NOT NULL,             -- from 1, across every delivery of the event
    endpoint_id TEXT NOT NULL,
    url TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code BIGINT,                 -- the receiver's answer, if it answered
    error TEXT,                         -- why it counts as failed (non-2xx, timeout, connection)
    PRIMARY KEY (event_id, number)
);
