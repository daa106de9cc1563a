-- Archive (issue 12, storage): an application closed (completed or
-- cancelled) longer than ARCHIVE_AFTER_DAYS has its history moved to R2 as
-- one JSON line in a gzip object of its closing month
-- (`arsip/YYYY-MM/…jsonl.gz`); D1 keeps the application row (search, the
-- citizen's status check, the counts), its services, its signatures (the
-- public check of a printed document's QR code) and its complaints.
-- The roll-ups of 0018 never decrement on DELETE, so the archived history
-- stays counted in the dashboard and the reconciliation.

-- When the history left D1, and the R2 object holding it.
ALTER TABLE applications ADD COLUMN archived_at TEXT;
ALTER TABLE applications ADD COLUMN archive_key TEXT;
-- What the archived history came to, kept on the row for the record page:
-- "10 langkah; SMS: 5 sampai ke HP, 1 gagal; 2 pesanan kurir".
ALTER TABLE applications ADD COLUMN archive_summary TEXT;

-- The closed applications not yet archived, oldest first: what the
-- retention run reads (without it, every run would walk past the archived
-- ones in applications_by_status).
CREATE INDEX applications_to_archive ON applications (status_since, registration_number)
    WHERE archived_at IS NULL AND status IN ('completed', 'cancelled');

-- Events stay append-only, except that an archived application's events
-- leave D1 (they are in its R2 object first: the row is marked archived in
-- the same batch, before the delete).
DROP TRIGGER events_are_append_only_delete;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
WHEN (SELECT archived_at FROM applications WHERE registration_number = OLD.registration_number) IS NULL
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- The retention run removes counters whose window closed days ago; without
-- an index each run would read the whole table.
CREATE INDEX rate_limits_by_window ON rate_limits (window_started);

-- Each application's archive line, written by SQLite (every row of its
-- history as JSON; the line starts with the registration number, which is
-- how a reader finds it in its object), and the summary kept on the row.
-- A migration that adds a column to one of these tables adds it here too.
CREATE VIEW archive_lines AS
SELECT a.registration_number,
  json_object(
    'registration_number', a.registration_number,
    'application', json_object('status', a.status, 'version', a.version, 'status_since', a.status_since,
        'applicant_nik', a.applicant_nik, 'applicant_name', a.applicant_name,
        'applicant_phone', a.applicant_phone, 'applicant_address', a.applicant_address,
        'village_code', a.village_code, 'subject', json(a.subject_json),
        'delivery_method', a.delivery_method, 'delivery_address', a.delivery_address,
        'channel', a.channel, 'siak_reference', a.siak_reference, 'submitted_by', a.submitted_by,
        'created_at', a.created_at, 'updated_at', a.updated_at, 'resubmitted_from', a.resubmitted_from,
        'papers', a.papers, 'notify_channel', a.notify_channel),
    'events', json((SELECT json_group_array(json_object('seq', e.seq, 'action', e.action,
        'actor_id', e.actor_id, 'actor_role', e.actor_role, 'from_status', e.from_status,
        'to_status', e.to_status, 'reason', e.reason, 'changes', json(e.changes_json),
        'details', json(e.details_json), 'created_at', e.created_at))
      FROM (SELECT * FROM events WHERE registration_number = a.registration_number ORDER BY seq) e)),
    'requirement_checks', json((SELECT json_group_array(json_object('item', r.item,
        'submitted', r.submitted, 'received_at', r.received_at, 'received_by', r.received_by))
      FROM requirement_checks r WHERE r.registration_number = a.registration_number)),
    'messages', json((SELECT json_group_array(json_object('id', o.id, 'event_seq', o.event_seq,
        'position', o.position, 'channel', o.channel, 'template', o.template,
        'recipient', o.recipient, 'body', o.body, 'status', o.status, 'attempts', o.attempts,
        'provider_id', o.provider_id, 'last_error', o.last_error, 'resend_of', o.resend_of,
        'fallback_of', o.fallback_of, 'created_by', o.created_by, 'created_at', o.created_at,
        'updated_at', o.updated_at,
        'history', json((SELECT json_group_array(json_object('status', h.status, 'detail', h.detail,
            'source', h.source, 'created_at', h.created_at))
          FROM (SELECT * FROM message_status_history WHERE outbox_id = o.id ORDER BY id) h)),
        'polls', (SELECT json_object('polls', q.polls, 'last_polled_at', q.last_polled_at,
            'last_answer', q.last_answer, 'recovered_status', q.recovered_status,
            'recovered_at', q.recovered_at, 'fee_recovered_at', q.fee_recovered_at)
          FROM provider_polls q WHERE q.outbox_id = o.id)))
      FROM (SELECT * FROM outbox WHERE registration_number = a.registration_number ORDER BY id) o)),
    'shipments', json((SELECT json_group_array(json_object('id', s.id, 'outbox_id', s.outbox_id,
        'leg', s.leg, 'order_id', s.order_id, 'waybill', s.waybill, 'status', s.status,
        'cod_amount', s.cod_amount, 'fee_amount', s.fee_amount, 'created_at', s.created_at,
        'updated_at', s.updated_at,
        'events', json((SELECT json_group_array(json_object('event_id', x.event_id,
            'status', x.status, 'cod_collected', x.cod_collected, 'fee_collected', x.fee_collected,
            'occurred_at', x.occurred_at, 'received_at', x.received_at))
          FROM shipment_events x WHERE x.shipment_id = s.id))))
      FROM shipments s WHERE s.registration_number = a.registration_number)),
    'fees', json((SELECT json_group_array(json_object('id', f.id, 'outbox_id', f.outbox_id,
        'leg', f.leg, 'amount', f.amount, 'status', f.status, 'collected_amount', f.collected_amount,
        'expected_day', f.expected_day, 'collected_day', f.collected_day,
        'created_at', f.created_at, 'updated_at', f.updated_at))
      FROM fees f WHERE f.registration_number = a.registration_number)),
    'products', json((SELECT json_group_array(json_object('kind', d.kind,
        'document_number', d.document_number, 'draft_key', d.draft_key,
        'draft_sha256', d.draft_sha256, 'draft_size', d.draft_size, 'validated', d.validated,
        'signed_code', d.signed_code, 'updated_at', d.updated_at))
      FROM products d WHERE d.registration_number = a.registration_number)),
    'download_links', json((SELECT json_group_array(json_object('created_at', l.created_at,
        'expires_at', l.expires_at, 'revoked_at', l.revoked_at,
        'codes', (SELECT count(*) FROM download_codes c WHERE c.token_hash = l.token_hash)))
      FROM download_links l WHERE l.registration_number = a.registration_number))
  ) AS line,
  -- The summary officers read on the record page.
  (a.version || ' langkah' || coalesce((SELECT '; SMS: ' || group_concat(n || ' ' || label, ', ')
      FROM (SELECT count(*) AS n, CASE status WHEN 'delivered' THEN 'sampai ke HP'
              WHEN 'undelivered' THEN 'tidak sampai' WHEN 'failed' THEN 'gagal' WHEN 'sent' THEN 'terkirim'
              WHEN 'accepted' THEN 'diterima gateway' ELSE status END AS label
            FROM outbox WHERE registration_number = a.registration_number AND channel = 'sms'
            GROUP BY status ORDER BY status)), '')
    || '; ' || (SELECT count(*) FROM outbox WHERE registration_number = a.registration_number
      AND channel = 'courier') || ' pesanan kurir') AS summary
FROM applications a;

-- Marking an application archived (its line safely in R2) removes its
-- history in the same statement: children before parents (foreign keys),
-- events last, once the row says archived (their delete guard checks it).
CREATE TRIGGER archive_removes_the_history AFTER UPDATE OF archive_key ON applications
WHEN OLD.archive_key IS NULL AND NEW.archive_key IS NOT NULL
BEGIN
    DELETE FROM message_status_history WHERE outbox_id IN
        (SELECT id FROM outbox WHERE registration_number = NEW.registration_number);
    DELETE FROM provider_polls WHERE outbox_id IN
        (SELECT id FROM outbox WHERE registration_number = NEW.registration_number);
    DELETE FROM shipment_events WHERE shipment_id IN
        (SELECT id FROM shipments WHERE registration_number = NEW.registration_number);
    DELETE FROM shipments WHERE registration_number = NEW.registration_number;
    DELETE FROM fees WHERE registration_number = NEW.registration_number;
    DELETE FROM outbox WHERE registration_number = NEW.registration_number;
    DELETE FROM download_codes WHERE token_hash IN
        (SELECT token_hash FROM download_links WHERE registration_number = NEW.registration_number);
    DELETE FROM download_links WHERE registration_number = NEW.registration_number;
    DELETE FROM products WHERE registration_number = NEW.registration_number;
    DELETE FROM requirement_checks WHERE registration_number = NEW.registration_number;
    DELETE FROM events WHERE registration_number = NEW.registration_number;
END;
