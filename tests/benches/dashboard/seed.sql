-- 100,000 sessions spread evenly over the 30 days before :NOW (Unix ms), for the dashboard
-- bench. Portable SQL (SQLite and PostgreSQL). Mix: 45% paid, 5% underpaid (needing
-- attention), 20% pending, 10% open, 10% expired, 5% cancelled, 5% failed; every session but
-- each tenth has one payment attempt (a third each sbp / card_transfer / card_form), paid ones
-- paid 2 to 40 minutes after creation; 35% have a webhook event, 1 in 100 of them failed.
-- Ids are UUIDs and tokens 22 characters, as the server parses them. Status names are
-- shared::SessionStatus wire names. Nothing expires during the bench (the server would
-- expire open sessions while it measures).
WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < :N - 1)
INSERT INTO sessions (id, token, order_id, amount_kopecks, customer_user_id, methods, locale,
    status, current_attempt, created_at, updated_at, expires_at, paid_kopecks, needs_attention)
SELECT '00000000-0000-4000-8000-' || SUBSTR(CAST(1000000000000 + i AS TEXT), 2),
    'benchtoken' || SUBSTR(CAST(1000000000000 + i AS TEXT), 2), 'BENCH-' || i, 100000 + (i % 97) * 1000,
    'user-' || (i % 5000), 'sbp,card_transfer,card_form', 'ru',
    CASE WHEN i % 20 < 9 THEN 'paid' WHEN i % 20 = 9 THEN 'underpaid'
         WHEN i % 20 < 14 THEN 'pending' WHEN i % 20 < 16 THEN 'open'
         WHEN i % 20 < 18 THEN 'expired' WHEN i % 20 = 18 THEN 'cancelled' ELSE 'failed' END,
    CASE WHEN i % 10 = 9 THEN NULL ELSE 1 END,
    :NOW - i * 25920 - 1, :NOW - i * 25920, :NOW + 86400000,
    CASE WHEN i % 20 < 9 THEN 100000 + (i % 97) * 1000
         WHEN i % 20 = 9 THEN 50000 ELSE NULL END,
    CASE WHEN i % 20 = 9 THEN 1 ELSE 0 END
FROM n;

INSERT INTO payment_attempts (session_id, number, method, service, gateway_order_id, state,
    gateway_payment_id, payment_status, paid_amount_kopecks, customer_ip, created_at, updated_at)
SELECT id, 1,
    CASE CAST(SUBSTR(id, 25) AS INTEGER) % 3 WHEN 0 THEN 'sbp' WHEN 1 THEN 'card_transfer'
         ELSE 'card_form' END,
    'payment_card_sbp_rub', id || '-1', 'created', 900000000 + CAST(SUBSTR(id, 25) AS INTEGER),
    CASE status WHEN 'paid' THEN 'paid' WHEN 'underpaid' THEN 'paid' WHEN 'cancelled' THEN 'cancel'
         WHEN 'failed' THEN 'fail' ELSE 'wait' END,
    paid_kopecks, '203.0.113.7', created_at + 1000,
    CASE WHEN status IN ('paid', 'underpaid')
         THEN created_at + 120000 + (CAST(SUBSTR(id, 25) AS INTEGER) % 39) * 60000 ELSE created_at + 1000 END
FROM sessions WHERE current_attempt = 1 AND id LIKE '00000000-0000-4000-8000-%';

INSERT INTO status_history (session_id, seq, status, source, at)
SELECT id, 1, 'open', 'created', created_at FROM sessions WHERE id LIKE '00000000-0000-4000-8000-%';
INSERT INTO status_history (session_id, seq, status, payment_status, source, at)
SELECT session_id, 2, CASE WHEN payment_status = 'paid' THEN 'paid' ELSE 'pending' END,
    payment_status, 'notification', updated_at
FROM payment_attempts WHERE session_id LIKE '00000000-0000-4000-8000-%';

INSERT INTO outbox_events (id, kind, stream, seq, subject_id, body, state, attempts,
    next_attempt_at, queued_at, created_at, delivered_at)
SELECT 'evt_' || REPLACE(id, '-', ''), 'payment.paid', 'session:' || id, 1, id, '{}',
    CASE WHEN CAST(SUBSTR(id, 25) AS INTEGER) % 100 = 3 THEN 'failed' ELSE 'delivered' END, 1,
    updated_at, updated_at, updated_at, updated_at
FROM sessions WHERE id LIKE '00000000-0000-4000-8000-%' AND CAST(SUBSTR(id, 25) AS INTEGER) % 20 IN (0, 3, 5, 8, 11, 13, 16);
