-- Self-print (cetak mandiri): the third delivery method and the status of an
-- application whose signed documents wait for the citizen to download them.
-- SQLite cannot change a CHECK constraint, so the applications table is
-- rebuilt with the same columns (plus `resubmitted_from`, the cancelled
-- application a resubmission continues), its indexes and the events
-- trigger that reads it. The other tables' foreign keys name it and hold
-- again once its rows are back; D1 checks them at commit.
PRAGMA defer_foreign_keys = true;

-- Keep the rows aside, drop the table (its rows' children now point at
-- nothing; the deferred check counts them), create it anew and put the rows
-- back (each parent row put back settles its children's count), so the
-- check at commit finds every reference whole.
CREATE TABLE applications_saved AS SELECT * FROM applications;
-- The version trigger on events reads the applications table: SQLite will
-- not drop a table a trigger names, so it goes and comes back.
DROP TRIGGER events_follow_the_application_version;
DROP TABLE applications;

CREATE TABLE applications (
    registration_number TEXT PRIMARY KEY,   -- "ABCD-EFGHK", see src/domain/ids
    status TEXT NOT NULL CHECK (status IN ('submitted', 'awaiting_validation', 'awaiting_documents',
        'in_production', 'awaiting_signature_validation', 'awaiting_signature', 'ready_to_print',
        'ready_for_pickup', 'out_for_delivery', 'ready_for_download', 'completed', 'cancelled')),
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
    delivery_method TEXT NOT NULL CHECK (delivery_method IN ('pickup', 'pos', 'self_print')),
    delivery_address TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('village', 'android', 'web')),
    siak_reference TEXT,
    submitted_by INTEGER REFERENCES staff (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- The cancelled application this one was resubmitted from.
    resubmitted_from TEXT
) WITHOUT ROWID;

INSERT INTO applications (registration_number, status, version, awaiting_role, status_since,
    applicant_nik, applicant_name, applicant_phone, applicant_address, village_code, subject_json,
    delivery_method, delivery_address, channel, siak_reference, submitted_by, created_at, updated_at)
SELECT registration_number, status, version, awaiting_role, status_since,
    applicant_nik, applicant_name, applicant_phone, applicant_address, village_code, subject_json,
    delivery_method, delivery_address, channel, siak_reference, submitted_by, created_at, updated_at
FROM applications_saved;
DROP TABLE applications_saved;

CREATE TRIGGER events_follow_the_application_version BEFORE INSERT ON events
WHEN NEW.seq IS NOT (SELECT version FROM applications WHERE registration_number = NEW.registration_number)
BEGIN
    SELECT RAISE(ABORT, 'stale_version');
END;

CREATE INDEX applications_queue ON applications (awaiting_role, status_since, registration_number)
    WHERE awaiting_role IS NOT NULL;
CREATE INDEX applications_open ON applications (status_since, registration_number)
    WHERE awaiting_role IS NOT NULL;
CREATE INDEX applications_by_status ON applications (status, status_since, registration_number);
CREATE INDEX applications_by_village ON applications (village_code, status_since, registration_number)
    WHERE awaiting_role IS NOT NULL;
CREATE INDEX applications_by_nik ON applications (applicant_nik);
CREATE INDEX applications_by_name ON applications (applicant_name COLLATE NOCASE);
CREATE INDEX applications_by_created ON applications (created_at, registration_number);
CREATE INDEX applications_by_predecessor ON applications (resubmitted_from)
    WHERE resubmitted_from IS NOT NULL;

-- The link in the "selesai diproses" SMS: a random token (only its SHA-256
-- is kept) that leads to the download page, valid until `expires_at`; a
-- new one replaces it when the citizen asks again.
CREATE TABLE download_links (
    token_hash TEXT PRIMARY KEY,
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
) WITHOUT ROWID;
CREATE INDEX download_links_by_application ON download_links (registration_number, created_at);

-- One-time codes sent by SMS once the NIK matched: 6 digits (only a keyed
-- hash is kept), 10 minutes, 5 tries. A right code opens a download session
-- (`session_hash`, the cookie's SHA-256) until `session_expires_at`.
CREATE TABLE download_codes (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL REFERENCES download_links (token_hash),
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    used_at TEXT,
    session_hash TEXT UNIQUE,
    session_expires_at TEXT
);
CREATE INDEX download_codes_by_link ON download_codes (token_hash, created_at);

-- When the citizen first downloaded each signed file.
ALTER TABLE signatures ADD COLUMN downloaded_at TEXT;
