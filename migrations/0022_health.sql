-- The administrator's health page (issue 13): what it reads is kept as it
-- happens, so the page costs a few index steps at any size.

-- Every change of a message's status, per UTC hour, channel, status and who
-- reported it (`dispatch`: our send attempt, `provider`: the gateway's or
-- courier's report, `dead_letter`: retries exhausted, `staff`: a resend):
-- the provider error rate per hour and the failures of the last 24 hours.
-- Kept by a trigger in the statement that writes the history row; hours
-- older than 30 days are purged by the retention run.
CREATE TABLE message_outcomes_hourly (
    hour TEXT NOT NULL,                     -- 'YYYY-MM-DDTHH', UTC
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, channel, status, source)
) WITHOUT ROWID;

CREATE TRIGGER message_outcomes_hourly_insert AFTER INSERT ON message_status_history
BEGIN
    INSERT INTO message_outcomes_hourly (hour, channel, status, source, count)
    VALUES (substr(NEW.created_at, 1, 13),
            coalesce((SELECT channel FROM outbox WHERE id = NEW.outbox_id), 'sms'),
            NEW.status, NEW.source, 1)
    ON CONFLICT (hour, channel, status, source) DO UPDATE SET count = count + 1;
END;

-- Webhook calls refused for a bad signature or secret, per UTC hour and
-- sender (`twilio`, `courier`): a forger trying, or a rotated secret not
-- set on our side. Purged with the hourly outcomes.
CREATE TABLE webhook_refusals_hourly (
    hour TEXT NOT NULL,
    sender TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, sender)
) WITHOUT ROWID;

-- The last run of each scheduled job (`cron`): when it ran and its log
-- line, for the health page and the "relay silent" alert.
CREATE TABLE ops_state (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    detail TEXT NOT NULL
) WITHOUT ROWID;
