-- Paper that never gets lost: where each applicant's physical papers
-- (berkas fisik persyaratan) are, the courier leg that takes them back after
-- a cancellation, and resubmissions that carry them over.

-- NULL: with the citizen (not yet sent, or the pickup was cancelled).
-- at_agency: received at the counter (step g), or carried over from a
--   cancelled application (see `resubmitted_from`).
-- returning_by_pos: cancelled; a return_documents courier leg takes them back.
-- at_counter: cancelled; they wait at the Loket Pengambilan for the citizen.
-- returned: back with the citizen. carried_over: moved to the resubmission.
ALTER TABLE applications ADD COLUMN papers TEXT
    CHECK (papers IN ('at_agency', 'returning_by_pos', 'at_counter', 'returned', 'carried_over'));
UPDATE applications SET papers = 'at_agency'
WHERE status NOT IN ('submitted', 'awaiting_validation', 'awaiting_documents', 'cancelled');

-- The counter's list of papers not yet returned, oldest first.
CREATE INDEX applications_papers_to_return ON applications (status_since, registration_number)
    WHERE papers IN ('returning_by_pos', 'at_counter');
-- A cancelled application is resubmitted at most once.
DROP INDEX applications_by_predecessor;
CREATE UNIQUE INDEX applications_one_resubmission ON applications (resubmitted_from)
    WHERE resubmitted_from IS NOT NULL;

-- The return leg joins the courier legs. SQLite cannot change a CHECK
-- constraint, so `shipments` and `fees` are rebuilt as 0012 rebuilt
-- `applications`: rows aside, table dropped and recreated, rows back; the
-- deferred foreign-key check (shipment_events → shipments) holds at commit.
PRAGMA defer_foreign_keys = true;

CREATE TABLE shipments_saved AS SELECT * FROM shipments;
DROP TABLE shipments;
CREATE TABLE shipments (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    leg TEXT NOT NULL CHECK (leg IN ('pickup_documents', 'deliver_documents', 'return_documents')),
    order_id TEXT NOT NULL UNIQUE,
    waybill TEXT NOT NULL,                  -- resi
    status TEXT NOT NULL,
    cod_amount INTEGER NOT NULL,
    fee_amount INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO shipments (id, outbox_id, registration_number, leg, order_id, waybill, status,
    cod_amount, fee_amount, created_at, updated_at)
SELECT id, outbox_id, registration_number, leg, order_id, waybill, status,
    cod_amount, fee_amount, created_at, updated_at
FROM shipments_saved;
DROP TABLE shipments_saved;
CREATE INDEX shipments_by_application ON shipments (registration_number);
CREATE INDEX shipments_by_update ON shipments (updated_at);

CREATE TABLE fees_saved AS SELECT * FROM fees;
DROP TABLE fees;
-- A return leg's amount is what the citizen pays on delivery: 0 (the
-- agency pays the courier) unless RETURN_COD_RUPIAH is set.
CREATE TABLE fees (
    id INTEGER PRIMARY KEY,
    registration_number TEXT NOT NULL REFERENCES applications (registration_number),
    outbox_id INTEGER NOT NULL UNIQUE REFERENCES outbox (id),
    leg TEXT NOT NULL CHECK (leg IN ('pickup_documents', 'deliver_documents', 'return_documents')),
    amount INTEGER NOT NULL CHECK (amount >= 0),
    status TEXT NOT NULL CHECK (status IN ('expected', 'collected', 'void')),
    collected_amount INTEGER,
    expected_day TEXT NOT NULL,
    collected_day TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO fees (id, registration_number, outbox_id, leg, amount, status, collected_amount,
    expected_day, collected_day, created_at, updated_at)
SELECT id, registration_number, outbox_id, leg, amount, status, collected_amount,
    expected_day, collected_day, created_at, updated_at
FROM fees_saved;
DROP TABLE fees_saved;
CREATE INDEX fees_by_expected_day ON fees (expected_day);
CREATE INDEX fees_by_collected_day ON fees (collected_day) WHERE collected_day IS NOT NULL;
CREATE INDEX fees_by_application ON fees (registration_number, leg);
