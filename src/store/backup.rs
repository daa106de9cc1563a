//! The export runs (migrations/0024_backups.sql): start one; and the
//! statements `platform::export_run` runs for `app::backup` — find the one
//! going on, record a written chunk, the manifest, finish, and the runs
//! retention deletes.

use super::{text, Db, StoreResult};

/// Starts the export `id` (nothing if it exists).
pub async fn start(db: &Db, id: &str, now: &str) -> StoreResult<()> {
    db.run(
        "INSERT INTO backup_runs (id, started_at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
        &[text(id), text(now)],
    )
    .await
}

/// The newest unfinished export: its id, step, part and cursor.
pub const CURRENT: &str = "SELECT id, step, part, cursor FROM backup_runs \
    WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1";

/// Records a written chunk and where the export goes on (bound by
/// `platform::export_run`: the next step, part and cursor, the manifest's
/// entry as JSON, then the id, step and part the chunk was written at),
/// only if it still stands there: of two overlapping cron runs, one moves
/// it.
pub const ADVANCE: &str = "UPDATE backup_runs SET step = ?1, part = ?2, cursor = ?3, \
        parts = json_insert(parts, '$[#]', json(?4)) \
    WHERE id = ?5 AND step = ?6 AND part = ?7 AND finished_at IS NULL";

/// The manifest of export ?1 as finished at ?2 (column `a`): its times,
/// the last migration applied, and every part written, in order.
pub const MANIFEST: &str =
    "SELECT json_object('id', id, 'started_at', started_at, 'finished_at', ?2, \
        'migration', (SELECT name FROM d1_migrations ORDER BY id DESC LIMIT 1), \
        'parts', json(parts)) AS a \
    FROM backup_runs WHERE id = ?1";

/// Marks export ?1 finished at ?2.
pub const FINISH: &str =
    "UPDATE backup_runs SET finished_at = ?2 WHERE id = ?1 AND finished_at IS NULL";

/// The oldest export started before ?1 (an id), never the newest finished
/// one: its `id` and `keys`, every object it wrote (its parts' tables and
/// its manifest) as a JSON array.
pub const EXPIRED: &str = "SELECT r.id, \
        (SELECT json_group_array(k) FROM ( \
            SELECT 'backups/' || r.id || '/manifest.json' AS k \
            UNION ALL \
            SELECT 'backups/' || r.id || '/' || json_extract(p.value, '$.step') || '/' \
                   || printf('%05d', json_extract(p.value, '$.part')) || '/' || t.key || '.jsonl.gz' \
            FROM json_each(r.parts) p, json_each(json_extract(p.value, '$.rows')) t)) AS keys \
    FROM backup_runs r \
    WHERE r.id < ?1 AND r.id IS NOT (SELECT max(id) FROM backup_runs WHERE finished_at IS NOT NULL) \
    ORDER BY r.id LIMIT 1";

/// Forgets export ?1 (its objects are gone).
pub const FORGET: &str = "DELETE FROM backup_runs WHERE id = ?1";
