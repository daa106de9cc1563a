-- The nightly export to R2 (issue 13, `app::backup`): one row per export,
-- the cursor that lets it go on over as many cron runs as it needs, and the
-- parts written so far (the manifest's `parts`, in order). Retention deletes
-- a row after its objects.
CREATE TABLE backup_runs (
    id TEXT PRIMARY KEY,                    -- `YYYY-MM-DDTHH-MM-SSZ`, UTC start; the R2 folder
    started_at TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,        -- index into app::backup::STEPS
    part INTEGER NOT NULL DEFAULT 1,        -- the step's next part
    cursor TEXT,                            -- JSON array: the last key exported in this step
    parts TEXT NOT NULL DEFAULT '[]',       -- JSON array of {step, part, rows: {table: n}}
    finished_at TEXT
) WITHOUT ROWID;
