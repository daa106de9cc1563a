-- The dashboard's last figures that were counted on every load (issue 12:
-- the dashboard grew 1.96x from 1k to 100k applications while everything
-- else stayed within 1.2x): the open applications per queue role and
-- kecamatan, and the complaints per status. Kept by triggers as in
-- 0018_roll_ups.sql: inside the statement that changes the row, so they can
-- never disagree with a committed row. Unlike the daily roll-ups these are
-- counts of what is there now, so a DELETE decrements them.
-- A migration that rebuilds applications or complaints must recreate these
-- triggers. tests/e2e/database.rs recounts both from the raw rows.

-- Open applications (awaiting_role set) per role and kecamatan of their
-- village ('' for a village code the villages table does not know, so the
-- role's total still counts it).
CREATE TABLE open_counts (
    role TEXT NOT NULL,
    kecamatan_code TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (role, kecamatan_code)
) WITHOUT ROWID;
INSERT INTO open_counts (role, kecamatan_code, count)
SELECT a.awaiting_role, coalesce(v.kecamatan_code, ''), count(*)
FROM applications a LEFT JOIN villages v ON v.code = a.village_code
WHERE a.awaiting_role IS NOT NULL
GROUP BY 1, 2;

CREATE TRIGGER open_counts_insert AFTER INSERT ON applications
WHEN NEW.awaiting_role IS NOT NULL
BEGIN
    INSERT INTO open_counts (role, kecamatan_code, count)
    VALUES (NEW.awaiting_role,
            coalesce((SELECT kecamatan_code FROM villages WHERE code = NEW.village_code), ''), 1)
    ON CONFLICT (role, kecamatan_code) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER open_counts_update AFTER UPDATE OF awaiting_role, village_code ON applications
WHEN OLD.awaiting_role IS NOT NEW.awaiting_role OR OLD.village_code IS NOT NEW.village_code
BEGIN
    UPDATE open_counts SET count = count - 1
    WHERE OLD.awaiting_role IS NOT NULL AND role = OLD.awaiting_role
      AND kecamatan_code = coalesce((SELECT kecamatan_code FROM villages WHERE code = OLD.village_code), '');
    INSERT INTO open_counts (role, kecamatan_code, count)
    SELECT NEW.awaiting_role,
           coalesce((SELECT kecamatan_code FROM villages WHERE code = NEW.village_code), ''), 1
    WHERE NEW.awaiting_role IS NOT NULL
    ON CONFLICT (role, kecamatan_code) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER open_counts_delete AFTER DELETE ON applications
WHEN OLD.awaiting_role IS NOT NULL
BEGIN
    UPDATE open_counts SET count = count - 1
    WHERE role = OLD.awaiting_role
      AND kecamatan_code = coalesce((SELECT kecamatan_code FROM villages WHERE code = OLD.village_code), '');
END;

-- Complaints per current status.
CREATE TABLE complaint_counts (
    status TEXT PRIMARY KEY,
    count INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO complaint_counts (status, count) SELECT status, count(*) FROM complaints GROUP BY status;

CREATE TRIGGER complaint_counts_insert AFTER INSERT ON complaints
BEGIN
    INSERT INTO complaint_counts (status, count) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER complaint_counts_update AFTER UPDATE OF status ON complaints
WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE complaint_counts SET count = count - 1 WHERE status = OLD.status;
    INSERT INTO complaint_counts (status, count) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER complaint_counts_delete AFTER DELETE ON complaints
BEGIN
    UPDATE complaint_counts SET count = count - 1 WHERE status = OLD.status;
END;
