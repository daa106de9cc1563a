-- Alerts (issue 13): the administrator's on-call numbers and thresholds,
-- and where each watched condition stands (`domain::alerts`). The cron
-- judges the conditions every minute and writes an alert SMS into the
-- outbox (registration_number NULL, template `alert` or `alert_resolved`)
-- in the same batch that records the decision, so an alert is sent once.

-- One row. A threshold of 0 switches its condition off; no on-call number:
-- conditions are still judged and shown, nothing is sent.
CREATE TABLE alert_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    on_call TEXT NOT NULL DEFAULT '[]',          -- JSON array of E.164 numbers
    sms_failure_percent INTEGER NOT NULL DEFAULT 20,
    pending_minutes INTEGER NOT NULL DEFAULT 30,
    relay_silent_minutes INTEGER NOT NULL DEFAULT 10,
    dead_letters INTEGER NOT NULL DEFAULT 1,
    webhook_refusals INTEGER NOT NULL DEFAULT 20,
    updated_by INTEGER REFERENCES staff (id),
    updated_at TEXT
);
INSERT INTO alert_settings (id) VALUES (1);

-- Per condition: raised since when (NULL: clear), its last alert SMS, the
-- reading of the last run, and the run that last changed it (`stamp`: the
-- SMS are written only by the run whose change landed).
CREATE TABLE alert_state (
    condition TEXT PRIMARY KEY,
    active_since TEXT,
    notified_at TEXT,
    value INTEGER NOT NULL,
    judged_at TEXT NOT NULL,
    stamp TEXT NOT NULL
) WITHOUT ROWID;
