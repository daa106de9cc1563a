-- Complaints and suggestions (pengaduan, saran dan masukan; seed section 4):
-- from the public form or logged by the complaints officer from the other
-- six channels. Handled open → in_progress → resolved → closed; every step
-- is one row of complaint_events, guarded by the version like applications.
CREATE TABLE complaints (
    ticket TEXT PRIMARY KEY,                -- "ADU-XXXXXXC", see src/domain/complaints.rs
    kind TEXT NOT NULL CHECK (kind IN ('complaint', 'suggestion')),
    channel TEXT NOT NULL CHECK (channel IN ('suggestion_box', 'officer', 'email', 'twitter',
                                             'facebook', 'website', 'hotline')),
    name TEXT NOT NULL,
    phone TEXT,                             -- E.164; without it no SMS is sent
    text TEXT NOT NULL,
    registration_number TEXT REFERENCES applications (registration_number),
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    version INTEGER NOT NULL CHECK (version >= 1),
    logged_by INTEGER REFERENCES staff (id), -- NULL when the complainant used the public form
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    answered_at TEXT                        -- the first response
) WITHOUT ROWID;
-- The officer's list: oldest first, keyset on (created_at, ticket), per status.
CREATE INDEX complaints_by_status ON complaints (status, created_at, ticket);
CREATE INDEX complaints_by_age ON complaints (created_at, ticket);
CREATE INDEX complaints_by_application ON complaints (registration_number)
    WHERE registration_number IS NOT NULL;

-- Append-only: one row per step, seq = the complaint's new version.
CREATE TABLE complaint_events (
    ticket TEXT NOT NULL REFERENCES complaints (ticket),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,                   -- 'receive', 'start', 'respond', 'resolve', 'close'
    actor_id INTEGER REFERENCES staff (id),
    actor_role TEXT NOT NULL,               -- a staff role, or 'citizen'
    from_status TEXT,
    to_status TEXT NOT NULL,
    response TEXT,                          -- shown to the complainant when tracking
    reason TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (ticket, seq)
) WITHOUT ROWID;

CREATE TRIGGER complaint_events_are_append_only_update BEFORE UPDATE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'complaint events are append-only');
END;
CREATE TRIGGER complaint_events_are_append_only_delete BEFORE DELETE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'complaint events are append-only');
END;
-- As for applications: a zero-row guarded UPDATE does not fail a batch, so
-- the event insert aborts it when the complaint is not at seq.
CREATE TRIGGER complaint_events_follow_the_version BEFORE INSERT ON complaint_events
WHEN NEW.seq IS NOT (SELECT version FROM complaints WHERE ticket = NEW.ticket)
BEGIN
    SELECT RAISE(ABORT, 'stale_version');
END;

-- The complaint an SMS answers (registration_number and event_seq are NULL then).
ALTER TABLE outbox ADD COLUMN complaint_ticket TEXT REFERENCES complaints (ticket);
