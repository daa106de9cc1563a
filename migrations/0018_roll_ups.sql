-- Counts kept as the rows change, so the dashboard and the fee
-- reconciliation read a few dozen rows whatever the size of the regency's
-- history (issue 12: at a million applications, counting the raw tables took
-- the dashboard from 8 ms to 375 ms and held D1, which answers one query at a
-- time, for everyone else).
--
-- Triggers keep them: they run inside the statement that changes the row, so
-- a roll-up can never disagree with a committed row, and a rolled-back batch
-- rolls its counts back too. Nothing decrements on DELETE: a row pruned or
-- archived later still counts in the history it belongs to.
-- Days are WIB dates (UTC+7 all year; src/domain/time.rs WIB_SQLITE_MODIFIER).
-- A migration that rebuilds one of these tables must recreate its triggers.
-- tests/e2e/database.rs recounts every roll-up from the raw tables.

-- Applications per current status (a status nobody is in may have no row).
CREATE TABLE status_counts (
    status TEXT PRIMARY KEY,
    count INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO status_counts (status, count) SELECT status, count(*) FROM applications GROUP BY status;

CREATE TRIGGER status_counts_insert AFTER INSERT ON applications
BEGIN
    INSERT INTO status_counts (status, count) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER status_counts_update AFTER UPDATE OF status ON applications
WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE status_counts SET count = count - 1 WHERE status = OLD.status;
    INSERT INTO status_counts (status, count) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET count = count + 1;
END;

-- Applications completed and cancelled per WIB day and kecamatan: the step
-- that moved them there (an event whose status changed), by its time.
CREATE TABLE daily_outcomes (
    day TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    completed INTEGER NOT NULL,
    cancelled INTEGER NOT NULL,
    PRIMARY KEY (day, kecamatan_code)
) WITHOUT ROWID;
INSERT INTO daily_outcomes (day, kecamatan_code, completed, cancelled)
SELECT date(e.created_at, '+7 hours'), v.kecamatan_code,
       sum(e.to_status = 'completed'), sum(e.to_status = 'cancelled')
FROM events e
JOIN applications a ON a.registration_number = e.registration_number
JOIN villages v ON v.code = a.village_code
WHERE e.to_status IN ('completed', 'cancelled') AND e.from_status IS NOT e.to_status
GROUP BY 1, 2;

CREATE TRIGGER daily_outcomes_event AFTER INSERT ON events
WHEN NEW.to_status IN ('completed', 'cancelled') AND NEW.from_status IS NOT NEW.to_status
BEGIN
    INSERT INTO daily_outcomes (day, kecamatan_code, completed, cancelled)
    SELECT date(NEW.created_at, '+7 hours'), v.kecamatan_code,
           NEW.to_status = 'completed', NEW.to_status = 'cancelled'
    FROM applications a JOIN villages v ON v.code = a.village_code
    WHERE a.registration_number = NEW.registration_number
    ON CONFLICT (day, kecamatan_code) DO UPDATE
    SET completed = completed + excluded.completed, cancelled = cancelled + excluded.cancelled;
END;

-- SMS per WIB day they were written and their status now.
CREATE TABLE daily_sms (
    day TEXT NOT NULL,
    status TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, status)
) WITHOUT ROWID;
INSERT INTO daily_sms (day, status, count)
SELECT date(created_at, '+7 hours'), status, count(*) FROM outbox WHERE channel = 'sms' GROUP BY 1, 2;

CREATE TRIGGER daily_sms_insert AFTER INSERT ON outbox
WHEN NEW.channel = 'sms'
BEGIN
    INSERT INTO daily_sms (day, status, count) VALUES (date(NEW.created_at, '+7 hours'), NEW.status, 1)
    ON CONFLICT (day, status) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER daily_sms_update AFTER UPDATE OF status ON outbox
WHEN NEW.channel = 'sms' AND OLD.status IS NOT NEW.status
BEGIN
    UPDATE daily_sms SET count = count - 1 WHERE day = date(OLD.created_at, '+7 hours') AND status = OLD.status;
    INSERT INTO daily_sms (day, status, count) VALUES (date(NEW.created_at, '+7 hours'), NEW.status, 1)
    ON CONFLICT (day, status) DO UPDATE SET count = count + 1;
END;

-- The courier fee ledger per WIB day, as the daily reconciliation counts it:
-- expected = not void and something to collect (amount > 0), by the day it
-- was expected; outstanding = of those, still expected; collected = reported
-- collected, by the day it was collected.
CREATE TABLE daily_fees (
    day TEXT PRIMARY KEY,
    expected_count INTEGER NOT NULL DEFAULT 0,
    expected_amount INTEGER NOT NULL DEFAULT 0,
    outstanding_count INTEGER NOT NULL DEFAULT 0,
    outstanding_amount INTEGER NOT NULL DEFAULT 0,
    collected_count INTEGER NOT NULL DEFAULT 0,
    collected_amount INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO daily_fees (day, expected_count, expected_amount, outstanding_count, outstanding_amount)
SELECT expected_day, sum(status != 'void'), sum(CASE WHEN status != 'void' THEN amount ELSE 0 END),
       sum(status = 'expected'), sum(CASE WHEN status = 'expected' THEN amount ELSE 0 END)
FROM fees WHERE amount > 0 GROUP BY expected_day;
INSERT INTO daily_fees (day, collected_count, collected_amount)
SELECT collected_day, count(*), coalesce(sum(collected_amount), 0)
FROM fees WHERE status = 'collected' AND collected_day IS NOT NULL GROUP BY collected_day
ON CONFLICT (day) DO UPDATE
SET collected_count = excluded.collected_count, collected_amount = excluded.collected_amount;

-- Each fee row adds its part (sign +1) and, on an update, first takes the
-- old row's part away (sign -1): four statements, each a no-op when its
-- part is empty.
CREATE TRIGGER daily_fees_insert AFTER INSERT ON fees
BEGIN
    INSERT INTO daily_fees (day, expected_count, expected_amount, outstanding_count, outstanding_amount)
    SELECT NEW.expected_day, NEW.status != 'void', CASE WHEN NEW.status != 'void' THEN NEW.amount ELSE 0 END,
           NEW.status = 'expected', CASE WHEN NEW.status = 'expected' THEN NEW.amount ELSE 0 END
    WHERE NEW.amount > 0
    ON CONFLICT (day) DO UPDATE
    SET expected_count = expected_count + excluded.expected_count,
        expected_amount = expected_amount + excluded.expected_amount,
        outstanding_count = outstanding_count + excluded.outstanding_count,
        outstanding_amount = outstanding_amount + excluded.outstanding_amount;
    INSERT INTO daily_fees (day, collected_count, collected_amount)
    SELECT NEW.collected_day, 1, coalesce(NEW.collected_amount, 0)
    WHERE NEW.status = 'collected' AND NEW.collected_day IS NOT NULL
    ON CONFLICT (day) DO UPDATE
    SET collected_count = collected_count + 1, collected_amount = collected_amount + excluded.collected_amount;
END;
CREATE TRIGGER daily_fees_update AFTER UPDATE OF amount, status, collected_amount, expected_day, collected_day ON fees
BEGIN
    UPDATE daily_fees
    SET expected_count = expected_count - (OLD.status != 'void'),
        expected_amount = expected_amount - CASE WHEN OLD.status != 'void' THEN OLD.amount ELSE 0 END,
        outstanding_count = outstanding_count - (OLD.status = 'expected'),
        outstanding_amount = outstanding_amount - CASE WHEN OLD.status = 'expected' THEN OLD.amount ELSE 0 END
    WHERE day = OLD.expected_day AND OLD.amount > 0;
    UPDATE daily_fees
    SET collected_count = collected_count - 1, collected_amount = collected_amount - coalesce(OLD.collected_amount, 0)
    WHERE day = OLD.collected_day AND OLD.status = 'collected';
    INSERT INTO daily_fees (day, expected_count, expected_amount, outstanding_count, outstanding_amount)
    SELECT NEW.expected_day, NEW.status != 'void', CASE WHEN NEW.status != 'void' THEN NEW.amount ELSE 0 END,
           NEW.status = 'expected', CASE WHEN NEW.status = 'expected' THEN NEW.amount ELSE 0 END
    WHERE NEW.amount > 0
    ON CONFLICT (day) DO UPDATE
    SET expected_count = expected_count + excluded.expected_count,
        expected_amount = expected_amount + excluded.expected_amount,
        outstanding_count = outstanding_count + excluded.outstanding_count,
        outstanding_amount = outstanding_amount + excluded.outstanding_amount;
    INSERT INTO daily_fees (day, collected_count, collected_amount)
    SELECT NEW.collected_day, 1, coalesce(NEW.collected_amount, 0)
    WHERE NEW.status = 'collected' AND NEW.collected_day IS NOT NULL
    ON CONFLICT (day) DO UPDATE
    SET collected_count = collected_count + 1, collected_amount = collected_amount + excluded.collected_amount;
END;

-- The reconciliation's paper-return legs are rare: read only theirs.
CREATE INDEX fees_returns ON fees (expected_day) WHERE leg = 'return_documents';
