-- PAK POS Online schema. This directory is the only schema source: the Worker
-- never creates tables. Times are ISO-8601 UTC text ("2026-11-28T01:02:03.456Z"),
-- which sorts chronologically; the UI shows them in WIB.

-- Region codes of Kabupaten Wonogiri (Kepmendagri 300.2.2-2138/2025), seeded
-- by 0002_seed_villages.sql.
CREATE TABLE kecamatan (
    code TEXT PRIMARY KEY,                  -- "33.12.01"
    name TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE villages (
    code TEXT PRIMARY KEY,                  -- "33.12.01.2001"
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('desa', 'kelurahan')),
    kecamatan_code TEXT NOT NULL REFERENCES kecamatan (code)
) WITHOUT ROWID;
CREATE INDEX villages_by_kecamatan ON villages (kecamatan_code, name);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('village_operator', 'front_office', 'validator', 'pickup_counter',
                                       'production', 'head_of_agency', 'complaints_officer', 'admin')),
    -- A village operator serves exactly one village; nobody else has one.
    village_code TEXT REFERENCES villages (code),
    password_hash TEXT NOT NULL,            -- see src/domain/password.rs
    disabled_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((role = 'village_operator') = (village_code IS NOT NULL))
);

-- Only a SHA-256 hash of each 128-bit session token is stored. Role and
-- village are copied in at login so authenticating a request is one statement;
-- changing or disabling an account deletes its sessions.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    village_code TEXT,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL                -- absolute expiry
) WITHOUT ROWID;
CREATE INDEX sessions_by_staff ON sessions (staff_id);

-- Failed sign-ins per account ("u:<username>") and per client address
-- ("ip:<address>"): past 5 in a 15-minute window, that key waits.
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_started TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE applications (
    registration_number TEXT PRIMARY KEY,   -- "ABCD-EFGHK", see src/domain/ids.rs
    status TEXT NOT NULL CHECK (status IN ('submitted', 'awaiting_validation', 'awaiting_documents',
        'in_production', 'awaiting_signature_validation', 'awaiting_signature', 'ready_to_print',
        'ready_for_pickup', 'out_for_delivery', 'completed', 'cancelled')),
    -- Bumped by exactly one on every event; events.seq equals it.
    version INTEGER NOT NULL CHECK (version >= 1),
    -- The role whose queue holds the application (NULL once final).
    awaiting_role TEXT,
    status_since TEXT NOT NULL,
    applicant_nik TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    applicant_phone TEXT NOT NULL,          -- E.164
    applicant_address TEXT NOT NULL,
    village_code TEXT NOT NULL REFERENCES villages (code),
    subject_json TEXT NOT NULL,
    delivery_method TEXT NOT NULL CHECK (delivery_method IN ('pickup', 'pos')),
    delivery_address TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('village', 'android', 'web')),
    siak_reference TEXT,
    submitted_by INTEGER REFERENCES staff (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
-- Work queues: oldest first per role, keyset-paginated on (status_since, registration_number).
CREATE INDEX applications_queue ON applications (awaiting_role, status_since, registration_number)
    WHERE awaiting_role IS NOT NULL;
CREATE INDEX applications_open ON applications (status_since, registration_number)
    WHERE awaiting_role IS NOT NULL;
CREATE INDEX applications_by_status ON applications (status, status_since, registration_number);
CREATE INDEX applications_by_village ON applications (village_code, status_since, registration_number)
    WHERE awaiting_role IS NOT NULL;
CREATE INDEX applications_by_nik ON applications (applicant_nik);
-- Staff search by name prefix (LIKE is case-insensitive, so is the index).
CREATE INDEX applications_by_name ON applications (applicant_name COLLATE NOCASE);

CREATE TABLE application_services (
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    service TEXT NOT NULL CHECK (service IN ('birth_certificate', 'family_card', 'child_id_card')),
    PRIMARY KEY (registration_number, service)
) WITHOUT ROWID;

-- The requirement checklist: ticked at submission, confirmed by the pickup
-- counter when the physical documents arrive.
CREATE TABLE requirement_checks (
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    item TEXT NOT NULL,
    submitted INTEGER NOT NULL DEFAULT 0 CHECK (submitted IN (0, 1)),
    received_at TEXT,
    received_by INTEGER REFERENCES staff (id),
    PRIMARY KEY (registration_number, item)
) WITHOUT ROWID;

-- The audit trail: one row per accepted step, never updated or deleted. The
-- key (registration_number, seq) with seq = the application's new version
-- makes a second event for the same version impossible, so of two concurrent
-- identical actions only one batch can commit.
CREATE TABLE events (
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor_id INTEGER REFERENCES staff (id),
    actor_role TEXT NOT NULL,               -- a staff role, 'citizen' or 'courier'
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT,
    changes_json TEXT,                      -- [{field, before, after}]
    details_json TEXT,                      -- {siak_reference, collector_name, ...}
    created_at TEXT NOT NULL,
    PRIMARY KEY (registration_number, seq)
) WITHOUT ROWID;

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
-- A zero-row UPDATE does not fail a D1 batch. The transition batch updates the
-- application (WHERE version = old) and then inserts the event with
-- seq = old + 1: if the update matched nothing, this trigger aborts the whole
-- batch, so no event or outbox row can outlive a lost race.
CREATE TRIGGER events_follow_the_application_version BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT version FROM applications WHERE registration_number = NEW.registration_number)
BEGIN
    SELECT RAISE(ABORT, 'stale_version');
END;

-- Messages to send (SMS, courier requests), written in the same batch as
-- their event and relayed to the queues after commit. `status` only moves
-- forward (see src/dispatch/status.rs): pending → sending (claimed by a
-- consumer, with a lease) → retrying ↺ → accepted (the provider took it) →
-- sent → delivered | undelivered | failed.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The step that wrote the row; NULL for messages about something other
    -- than an application step (e.g. a complaint's answer).
    registration_number TEXT,
    event_seq INTEGER,
    position INTEGER NOT NULL,              -- order among the event's effects
    channel TEXT NOT NULL CHECK (channel IN ('sms', 'courier')),
    template TEXT NOT NULL,                 -- SMS template or courier leg
    recipient TEXT NOT NULL,                -- E.164 phone, or the courier
    body TEXT NOT NULL,                     -- SMS text, or the courier request as JSON
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'retrying', 'accepted',
        'sent', 'delivered', 'undelivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until TEXT,                       -- a consumer's claim while it calls the provider
    provider_id TEXT,                       -- Twilio MessageSid, or the courier's order id
    last_error TEXT,
    -- A staff resend of a failed message is a new row pointing at the old one.
    resend_of INTEGER REFERENCES outbox (id),
    created_by INTEGER REFERENCES staff (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (registration_number, event_seq) REFERENCES events (registration_number, seq)
);
-- One row per effect of an event, and at most one resend of any row.
CREATE UNIQUE INDEX outbox_one_per_effect ON outbox (registration_number, event_seq, position)
    WHERE resend_of IS NULL;
CREATE UNIQUE INDEX outbox_one_resend_each ON outbox (resend_of) WHERE resend_of IS NOT NULL;
CREATE INDEX outbox_by_application ON outbox (registration_number, id);
CREATE UNIQUE INDEX outbox_by_provider_id ON outbox (provider_id) WHERE provider_id IS NOT NULL;
-- What the cron relay looks for: rows not yet with the provider.
CREATE INDEX outbox_unfinished ON outbox (updated_at)
    WHERE status IN ('pending', 'sending', 'retrying');

-- Every status a message went through, with where it came from.
CREATE TABLE message_status_history (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox (id),
    status TEXT NOT NULL,
    detail TEXT,                            -- provider error code/message, attempt number
    source TEXT NOT NULL CHECK (source IN ('dispatch', 'provider', 'dead_letter', 'staff')),
    created_at TEXT NOT NULL
);
CREATE INDEX message_status_history_by_outbox ON message_status_history (outbox_id, id);

-- Courier orders (PT Pos Indonesia), one per courier outbox row.
CREATE TABLE shipments (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    leg TEXT NOT NULL CHECK (leg IN ('pickup_documents', 'deliver_documents')),
    order_id TEXT NOT NULL UNIQUE,
    waybill TEXT NOT NULL,                  -- resi
    status TEXT NOT NULL,
    cod_amount INTEGER NOT NULL,
    fee_amount INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX shipments_by_application ON shipments (registration_number);

-- The courier's status reports, keyed by its event id: a replayed report is
-- refused by the key, so nothing changes twice.
CREATE TABLE shipment_events (
    event_id TEXT PRIMARY KEY,
    shipment_id INTEGER NOT NULL REFERENCES shipments (id),
    status TEXT NOT NULL,
    cod_collected INTEGER,
    fee_collected INTEGER,
    occurred_at TEXT NOT NULL,
    received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX shipment_events_by_shipment ON shipment_events (shipment_id, received_at);

-- The fee ledger: what the courier should collect from citizens (Rp 10.000
-- at document pickup, Rp 10.000 cash on delivery) and what it reported
-- collected. Days are WIB dates, for the daily reconciliation.
CREATE TABLE fees (
    id INTEGER PRIMARY KEY,
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
    leg TEXT NOT NULL CHECK (leg IN ('pickup_documents', 'deliver_documents')),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    status TEXT NOT NULL CHECK (status IN ('expected', 'collected', 'void')),
    collected_amount INTEGER,
    expected_day TEXT NOT NULL,
    collected_day TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX fees_by_expected_day ON fees (expected_day);
CREATE INDEX fees_by_collected_day ON fees (collected_day) WHERE collected_day IS NOT NULL;
CREATE INDEX fees_by_application ON fees (registration_number, leg);

-- Who read which record (UU PDP 27/2022).
CREATE TABLE access_log (
    id INTEGER PRIMARY KEY,
    staff_id INTEGER REFERENCES staff (id),
    actor_role TEXT NOT NULL,
    registration_number TEXT NOT NULL,
    what TEXT NOT NULL,                     -- 'record', 'events', 'status'
    created_at TEXT NOT NULL
);
CREATE INDEX access_log_by_record ON access_log (registration_number, created_at);
CREATE INDEX access_log_by_staff ON access_log (staff_id, created_at);
