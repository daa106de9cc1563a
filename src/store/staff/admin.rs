//! Administration (`crate::app::admin`): listing and changing staff
//! accounts and sessions. Every write that changes who an account is (role,
//! village, disabled, password) ends its sessions in the same batch,
//! because a session row carries a copy of role and village taken at
//! sign-in.

use serde::Deserialize;

use crate::store::Timestamp;

use crate::store::{int, opt_text, text, Batch, Db, StoreResult};

/// Caps the administration lists. A kabupaten has a few hundred accounts
/// (one per village plus the agency's officers); the cap only guards the
/// page against a runaway table.
pub const LIST_LIMIT: i64 = 2000;

/// A staff account as the administration page lists it (no password hash).
#[derive(Debug, Deserialize)]
pub struct StaffListRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub village_code: Option<String>,
    pub village_name: Option<String>,
    pub disabled_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A live session (the hash, never the token).
#[derive(Debug, Deserialize)]
pub struct ActiveSessionRow {
    pub token_hash: String,
    pub staff_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub village_code: Option<String>,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Deserialize)]
pub struct VillageChoiceRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kecamatan_name: String,
}

/// Failed sign-ins under one typed username (30 days are kept): whether
/// it names an account, how many, the last, and from which addresses.
#[derive(Debug, Deserialize)]
pub struct FailedSignInRow {
    pub username: String,
    pub known: i64,
    pub failures: i64,
    pub last_failed_at: Timestamp,
    pub addresses: i64,
    pub address_list: String,
}

/// How many usernames the failed sign-ins list shows (latest first).
pub const FAILED_SIGN_INS_SHOWN: i64 = 100;

pub struct Overview {
    pub staff: Vec<StaffListRow>,
    pub sessions: Vec<ActiveSessionRow>,
    pub villages: Vec<VillageChoiceRow>,
    pub failed_sign_ins: Vec<FailedSignInRow>,
    pub api_keys: Vec<crate::store::api_keys::ApiKeyRow>,
}

/// Accounts, live sessions, the villages an operator may serve, the
/// failed sign-ins and the partners' API keys, in one round trip.
/// Params: staff ?1 limit; sessions ?1 now (absolute expiry), ?2 idle cutoff,
/// ?3 limit; villages none; failed sign-ins ?1 limit; keys none.
pub async fn overview(db: &Db, now: &str, idle_cutoff: &str) -> StoreResult<Overview> {
    let results = db
        .batch(vec![
            // `username` is COLLATE NOCASE with a unique index: the order is
            // the index's.
            db.prepare(
                "SELECT s.id, s.username, s.display_name, s.role, s.village_code, v.name AS village_name, \
                        s.disabled_at, s.created_at \
                 FROM staff s LEFT JOIN villages v ON v.code = s.village_code \
                 ORDER BY s.username LIMIT ?1",
                &[int(LIST_LIMIT)],
            )?,
            // Sign-in sweeps an account's dead sessions, so this table holds
            // little more than the live ones; a scan is cheap.
            db.prepare(
                "SELECT token_hash, staff_id, username, display_name, role, village_code, created_at, \
                        last_seen_at, expires_at \
                 FROM sessions WHERE expires_at > ?1 AND last_seen_at > ?2 \
                 ORDER BY last_seen_at DESC LIMIT ?3",
                &[text(now), text(idle_cutoff), int(LIST_LIMIT)],
            )?,
            db.prepare(
                "SELECT v.code, v.name, v.kind, k.name AS kecamatan_name \
                 FROM villages v JOIN kecamatan k ON k.code = v.kecamatan_code \
                 ORDER BY v.kecamatan_code, v.name",
                &[],
            )?,
            // `staff.username` is COLLATE NOCASE: the typed name matches its account.
            db.prepare(
                "SELECT f.username, max(s.id IS NOT NULL) AS known, sum(f.total) AS failures, \
                        max(f.last_failed_at) AS last_failed_at, count(*) AS addresses, \
                        group_concat(f.address, ', ') AS address_list \
                 FROM login_failures f LEFT JOIN staff s ON s.username = f.username \
                 GROUP BY f.username ORDER BY last_failed_at DESC LIMIT ?1",
                &[int(FAILED_SIGN_INS_SHOWN)],
            )?,
            db.prepare(crate::store::api_keys::LIST_SQL, &[])?,
        ])
        .await?;
    Ok(Overview {
        staff: results.rows(0)?,
        sessions: results.rows(1)?,
        villages: results.rows(2)?,
        failed_sign_ins: results.rows(3)?,
        api_keys: results.rows(4)?,
    })
}

/// How an account write ended. Missing rows are answers, not errors: the
/// page tells the administrator which it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountWrite {
    Done,
    NoSuchStaff,
    NoSuchVillage,
}

/// True when ?N names no village or an existing one (`village_ok(3)`).
fn village_ok(param: u8) -> String {
    format!("(?{param} IS NULL OR EXISTS (SELECT 1 FROM villages WHERE code = ?{param}))")
}

pub struct NewStaff<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub village_code: Option<&'a str>,
    pub password_hash: &'a str,
    pub now: &'a str,
}

/// Creates an account; `Ok(None)` when its village does not exist. A taken
/// username (case-insensitive) is `StoreError::Unique`.
/// Params: ?1 username, ?2 display name, ?3 role, ?4 village code or NULL,
/// ?5 password hash, ?6 now (created and updated).
pub async fn create_staff(db: &Db, s: &NewStaff<'_>) -> StoreResult<Option<i64>> {
    let sql = format!(
        "INSERT INTO staff (username, display_name, role, village_code, password_hash, created_at, updated_at) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6 WHERE {} \
         RETURNING id AS n",
        village_ok(4)
    );
    let params = [
        text(s.username),
        text(s.display_name),
        text(s.role),
        opt_text(s.village_code),
        text(s.password_hash),
        text(s.now),
    ];
    let mut created: Vec<crate::store::N> = db.all(&sql, &params).await?;
    Ok(created.pop().map(|c| c.n))
}

/// The first statement of an account write's batch: whether the account
/// and the village (?2, NULL for none) exist. D1 wants exactly as many
/// bound values as the statement's highest `?N`, so each statement below
/// gets its own list.
#[derive(Deserialize)]
struct Probe {
    staff_found: i64,
    village_found: i64,
}

fn probe(db: &Db, id: i64, village_code: Option<&str>) -> StoreResult<worker::D1PreparedStatement> {
    db.prepare(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM staff WHERE id = ?1) AS staff_found, {} AS village_found",
            village_ok(2)
        ),
        &[int(id), opt_text(village_code)],
    )
}

fn probe_outcome(results: &Batch) -> StoreResult<AccountWrite> {
    Ok(match results.one::<Probe>(0)? {
        Some(p) if p.staff_found == 0 => AccountWrite::NoSuchStaff,
        Some(p) if p.village_found == 0 => AccountWrite::NoSuchVillage,
        Some(_) => AccountWrite::Done,
        None => AccountWrite::NoSuchStaff,
    })
}

pub struct StaffChange<'a> {
    pub display_name: &'a str,
    pub role: &'a str,
    pub village_code: Option<&'a str>,
    pub now: &'a str,
}

/// Changes an account's display name, role and village. Sessions whose
/// copied role or village no longer hold are deleted; the others take the
/// new display name. Nothing is written when the village does not exist.
/// Params: probe ?1 staff id, ?2 village; staff ?1 id, ?2 display name,
/// ?3 role, ?4 village or NULL, ?5 now; session delete ?1 staff id, ?2 role,
/// ?3 village; session rename ?1 staff id, ?2 display name, ?3 village.
pub async fn update_staff(db: &Db, id: i64, c: &StaffChange<'_>) -> StoreResult<AccountWrite> {
    let village = opt_text(c.village_code);
    let statements = vec![
        probe(db, id, c.village_code)?,
        db.prepare(
            &format!(
                "UPDATE staff SET display_name = ?2, role = ?3, village_code = ?4, updated_at = ?5 \
                 WHERE id = ?1 AND {}",
                village_ok(4)
            ),
            &[int(id), text(c.display_name), text(c.role), village.clone(), text(c.now)],
        )?,
        db.prepare(
            &format!(
                "DELETE FROM sessions WHERE staff_id = ?1 AND (role <> ?2 OR village_code IS NOT ?3) AND {}",
                village_ok(3)
            ),
            &[int(id), text(c.role), village.clone()],
        )?,
        db.prepare(
            &format!("UPDATE sessions SET display_name = ?2 WHERE staff_id = ?1 AND {}", village_ok(3)),
            &[int(id), text(c.display_name), village],
        )?,
    ];
    let results = db.batch(statements).await?;
    probe_outcome(&results)
}

/// Disables an account (keeping the first time it was disabled) and ends
/// all its sessions at once; or enables it again.
/// Params: probe ?1 staff id, ?2 NULL; staff ?1 id, ?2 now; sessions ?1 staff id.
pub async fn set_disabled(
    db: &Db,
    id: i64,
    disabled: bool,
    now: &str,
) -> StoreResult<AccountWrite> {
    let mut statements = vec![probe(db, id, None)?];
    if disabled {
        statements.push(db.prepare(
            "UPDATE staff SET disabled_at = COALESCE(disabled_at, ?2), updated_at = ?2 WHERE id = ?1",
            &[int(id), text(now)],
        )?);
        statements.push(db.prepare("DELETE FROM sessions WHERE staff_id = ?1", &[int(id)])?);
    } else {
        statements.push(db.prepare(
            "UPDATE staff SET disabled_at = NULL, updated_at = ?2 WHERE id = ?1 AND disabled_at IS NOT NULL",
            &[int(id), text(now)],
        )?);
    }
    let results = db.batch(statements).await?;
    probe_outcome(&results)
}

/// Sets a new password hash, ends the account's sessions (except `keep`,
/// the administrator's own current session when they reset their own
/// password) and clears the account's failed sign-in counter, so an
/// officer who locked themselves out can sign in with the new password.
/// Params: probe ?1 staff id, ?2 NULL; staff ?1 id, ?2 hash, ?3 now;
/// sessions ?1 staff id, ?2 token hash to keep or NULL; counter ?1 staff id.
pub async fn set_password(
    db: &Db,
    id: i64,
    password_hash: &str,
    now: &str,
    keep: Option<&str>,
) -> StoreResult<AccountWrite> {
    let statements = vec![
        probe(db, id, None)?,
        db.prepare(
            "UPDATE staff SET password_hash = ?2, updated_at = ?3 WHERE id = ?1",
            &[int(id), text(password_hash), text(now)],
        )?,
        db.prepare(
            "DELETE FROM sessions WHERE staff_id = ?1 AND token_hash IS NOT ?2",
            &[int(id), opt_text(keep)],
        )?,
        // A new password ends the waits of the account's sign-in failures
        // (the failures stay listed).
        db.prepare(
            "UPDATE login_failures SET streak = 0 \
             WHERE username = (SELECT lower(username) FROM staff WHERE id = ?1)",
            &[int(id)],
        )?,
    ];
    let results = db.batch(statements).await?;
    probe_outcome(&results)
}

/// Ends one session: the account it belonged to, or `None` when it had
/// already ended.
/// Params: ?1 token hash.
pub async fn revoke_session(db: &Db, token_hash: &str) -> StoreResult<Option<i64>> {
    let revoked: Option<crate::store::N> = db
        .first(
            "DELETE FROM sessions WHERE token_hash = ?1 RETURNING staff_id AS n",
            &[text(token_hash)],
        )
        .await?;
    Ok(revoked.map(|r| r.n))
}
