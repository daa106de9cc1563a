//! Cetak mandiri (self-print), the third way the finished documents reach
//! the citizen (seed step m's alternative to printing at the agency):
//!
//! 1. `mark_printed` on a self-print application makes a download link (a
//!    random token; only its SHA-256 is stored) and sends it by SMS with the
//!    step; the link lasts `DOWNLOAD_LINK_DAYS` (30) days.
//! 2. The link's page asks for the applicant's NIK (limited like tracking:
//!    misses per address and per number, refused before comparing) and then
//!    sends a 6-digit one-time code by SMS: 10 minutes, 5 tries, at most 3
//!    codes per link per hour.
//! 3. The right code opens a download session (a cookie, 30 minutes): each
//!    signed PDF can be downloaded; the first download of the last one
//!    completes the application (`record_downloaded`, by the citizen).
//! 4. An expired link can be renewed from its own page with the NIK: a new
//!    link by SMS, the old one revoked.

use subtle::ConstantTimeEq;

use super::read::not_found;
use super::{after_commit, limits, AppError, Ctx};
use crate::domain::ids::{Nik, RegistrationNumber};
use crate::domain::messages::{self, SmsTemplate};
use crate::domain::products::ProductKind;
use crate::domain::roles::Actor;
use crate::domain::workflow::{decide, ApplicationState, Command, Status};
use crate::platform;
use crate::store::applications::{self as applications_store, Stamp, StepWrite};
use crate::store::products as products_store;
use crate::store::self_print::{self as store, LinkRow};

/// How long a one-time code is good for.
const CODE_MINUTES: i64 = 10;
/// Wrong tries a code takes before it is dead.
pub const CODE_TRIES: i64 = 5;
/// Codes one link may be sent per hour.
const CODES_PER_HOUR: i64 = 3;
/// How long a download session lasts once the code was right.
const SESSION_MINUTES: i64 = 30;

/// A fresh link for `number`: the URL for the SMS, and the statements that
/// store it (to go in the same batch as the step or SMS that sends it).
pub fn new_link(
    ctx: &Ctx,
    number: &str,
) -> Result<(String, Vec<worker::D1PreparedStatement>), AppError> {
    let token = random_token::<16>()?;
    let days = i64::from(ctx.var_u32("DOWNLOAD_LINK_DAYS", 30));
    let expires = platform::timestamp(ctx.now + chrono::TimeDelta::days(days));
    let statements = store::new_link(
        &ctx.db,
        number,
        &platform::sha256_hex(token.as_bytes()),
        &ctx.now_text(),
        &expires,
    )?;
    Ok((
        format!("{}/cetak/{token}", ctx.public_base_url()),
        statements,
    ))
}

/// `N` random bytes as URL-safe text.
fn random_token<const N: usize>() -> Result<String, AppError> {
    use base64::Engine;
    let bytes = platform::random_bytes::<N>().map_err(|e| AppError::internal("token", e))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// A code's stored form: bound to its link, so a code table alone is of no
/// use.
fn code_hash(token_hash: &str, code: &str) -> String {
    platform::sha256_hex(format!("{token_hash}:{code}").as_bytes())
}

/// Where a link stands.
pub enum LinkState {
    /// Usable: the page asks for the NIK.
    Open(LinkRow),
    /// Past its 30 days (or replaced by a newer link): it can be renewed.
    Expired(LinkRow),
}

/// Reads a link from its token; an unknown token (or an application no
/// longer waiting for a download) is 404.
pub async fn link(ctx: &Ctx, token: &str) -> Result<(String, LinkState), AppError> {
    let unknown = || AppError::NotFound("tautan unduhan tidak dikenal; periksa SMS Anda".into());
    if token.len() > 64
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(unknown());
    }
    let token_hash = platform::sha256_hex(token.as_bytes());
    let row = store::find_link(&ctx.db, &token_hash)
        .await?
        .ok_or_else(unknown)?;
    if row.delivery_method != "self_print"
        || !matches!(row.status.as_str(), "ready_for_download" | "completed")
    {
        return Err(unknown());
    }
    let state = if row.revoked_at.is_some() || row.expires_at.0 <= ctx.now {
        LinkState::Expired(row)
    } else {
        LinkState::Open(row)
    };
    Ok((token_hash, state))
}

/// Checks the applicant's NIK for a link's application, limited like
/// tracking: the misses of the address and of the number are read first
/// and, once used up, the NIK is not even compared.
async fn check_nik(ctx: &Ctx, ip: &str, row: &LinkRow, raw_nik: &str) -> Result<(), AppError> {
    let nik = Nik::parse(raw_nik).map_err(|e| AppError::invalid("nik", e.to_string()))?;
    let number = RegistrationNumber::parse(&row.registration_number)
        .map_err(|_| AppError::internal("link", "stored registration number"))?;
    let number_key = limits::number_key(&number);
    limits::guard(
        ctx,
        &[
            limits::read(limits::TRACK_MISS, ip),
            limits::read(limits::NUMBER_MISS, &number_key),
        ],
    )
    .await?;
    if bool::from(row.applicant_nik.as_bytes().ct_eq(nik.as_str().as_bytes())) {
        return Ok(());
    }
    limits::record(
        ctx,
        &[
            limits::count(limits::TRACK_MISS, ip),
            limits::count(limits::NUMBER_MISS, &number_key),
        ],
    )
    .await?;
    Err(AppError::invalid(
        "nik",
        "NIK tidak sesuai dengan data pemohon permohonan ini",
    ))
}

/// Step 2: the NIK matches, a one-time code goes out by SMS.
pub async fn send_code(ctx: &Ctx, ip: &str, token: &str, nik: &str) -> Result<(), AppError> {
    let (token_hash, state) = link(ctx, token).await?;
    let LinkState::Open(row) = state else {
        return Err(expired());
    };
    check_nik(ctx, ip, &row, nik).await?;
    let hour_ago = platform::timestamp(ctx.now - chrono::TimeDelta::hours(1));
    let (_, sent) = store::latest_code(&ctx.db, &token_hash, &hour_ago).await?;
    if sent >= CODES_PER_HOUR {
        return Err(AppError::TooManyAttempts(super::error::TooMany {
            field: Some("nik"),
            message:
                "kode sudah dikirim 3 kali dalam satu jam terakhir; tunggu sebentar lalu minta lagi"
                    .into(),
        }));
    }
    let code = six_digits()?;
    let number = RegistrationNumber::parse(&row.registration_number)
        .map_err(|_| AppError::internal("link", "stored registration number"))?;
    let body = messages::download_code_text(&number, &code);
    let expires = platform::timestamp(ctx.now + chrono::TimeDelta::minutes(CODE_MINUTES));
    let rows = store::send_code(
        &ctx.db,
        &row.registration_number,
        &token_hash,
        &code_hash(&token_hash, &code),
        &ctx.now_text(),
        &expires,
        (
            SmsTemplate::DownloadCode.code(),
            &row.applicant_phone,
            &body,
        ),
    )
    .await?;
    after_commit(ctx, &rows).await;
    Ok(())
}

/// A uniform 6-digit code (bytes that would bias it are drawn again).
fn six_digits() -> Result<String, AppError> {
    loop {
        let b = platform::random_bytes::<4>().map_err(|e| AppError::internal("code", e))?;
        let n = u32::from_le_bytes(b);
        // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn expired() -> AppError {
    AppError::Conflict {
        code: "link_expired",
        message: "tautan ini sudah kedaluwarsa; minta tautan baru dengan NIK Anda".into(),
    }
}

/// Step 3: the code typed. Right: a download session token (for the
/// cookie). Wrong: how many tries are left; dead or expired: ask for a new
/// code.
pub async fn verify_code(ctx: &Ctx, token: &str, typed: &str) -> Result<String, AppError> {
    let (token_hash, state) = link(ctx, token).await?;
    if matches!(state, LinkState::Expired(_)) {
        return Err(expired());
    }
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::invalid(
            "kode",
            "kode terdiri dari 6 angka dari SMS",
        ));
    }
    let (latest, _) = store::latest_code(&ctx.db, &token_hash, &ctx.now_text()).await?;
    let ask_again = |why: &str| AppError::invalid("kode", format!("{why}; minta kode baru"));
    let Some(code) = latest.filter(|c| c.used_at.is_none()) else {
        return Err(ask_again("belum ada kode yang berlaku"));
    };
    if code.expires_at.0 <= ctx.now {
        return Err(ask_again("kode sudah kedaluwarsa (berlaku 10 menit)"));
    }
    // The try is counted before the comparison, atomically.
    let Some(tried) = store::take_try(&ctx.db, code.id, CODE_TRIES).await? else {
        return Err(ask_again("kode salah 5 kali"));
    };
    let right = bool::from(
        code.code_hash
            .as_bytes()
            .ct_eq(code_hash(&token_hash, &typed).as_bytes()),
    );
    if !right {
        let left = CODE_TRIES - tried;
        return Err(if left > 0 {
            AppError::invalid("kode", format!("kode salah; sisa {left} kali percobaan"))
        } else {
            ask_again("kode salah 5 kali")
        });
    }
    let session = random_token::<32>()?;
    let until = platform::timestamp(ctx.now + chrono::TimeDelta::minutes(SESSION_MINUTES));
    let opened = store::open_session(
        &ctx.db,
        code.id,
        CODE_TRIES,
        &ctx.now_text(),
        &platform::sha256_hex(session.as_bytes()),
        &until,
    )
    .await?;
    if !opened {
        return Err(ask_again("kode sudah dipakai"));
    }
    Ok(session)
}

/// A live download session for this link, else 403 (the page then asks
/// for the NIK again).
async fn require_session(
    ctx: &Ctx,
    token_hash: &str,
    session: Option<&str>,
) -> Result<(), AppError> {
    let refused = || AppError::Forbidden("masukkan NIK dan kode dari SMS terlebih dahulu".into());
    let session = session.ok_or_else(refused)?;
    let found = store::session_link(
        &ctx.db,
        &platform::sha256_hex(session.as_bytes()),
        &ctx.now_text(),
    )
    .await?;
    match found {
        Some(t) if bool::from(t.as_bytes().ct_eq(token_hash.as_bytes())) => Ok(()),
        _ => Err(refused()),
    }
}

/// One signed document offered for download.
pub struct Offered {
    pub kind: ProductKind,
    pub document_number: String,
    pub code: String,
}

/// Step 3's page: the signed documents of the link's application.
pub async fn offered(
    ctx: &Ctx,
    token: &str,
    session: Option<&str>,
) -> Result<(String, Vec<Offered>), AppError> {
    let (token_hash, state) = link(ctx, token).await?;
    let LinkState::Open(row) = state else {
        return Err(expired());
    };
    require_session(ctx, &token_hash, session).await?;
    let (_, app) = load(ctx, &row.registration_number).await?;
    let list = app
        .products
        .into_iter()
        .filter_map(|p| {
            Some(Offered {
                kind: p.kind,
                document_number: p.document_number?,
                code: p.signed?.to_string(),
            })
        })
        .collect();
    Ok((row.registration_number, list))
}

async fn load(ctx: &Ctx, number: &str) -> Result<(RegistrationNumber, ApplicationState), AppError> {
    let number = RegistrationNumber::parse(number)
        .map_err(|_| AppError::internal("link", "stored registration number"))?;
    let row = applications_store::load(&ctx.db, &number)
        .await?
        .ok_or_else(|| not_found(&number))?;
    Ok((number, row.to_state()?))
}

/// A signed PDF for the session's citizen. The first download of the last
/// file not yet downloaded completes the application.
pub async fn download(
    ctx: &Ctx,
    token: &str,
    session: Option<&str>,
    kind: ProductKind,
) -> Result<(String, worker::ResponseBody), AppError> {
    let (token_hash, state) = link(ctx, token).await?;
    let LinkState::Open(row) = state else {
        return Err(expired());
    };
    require_session(ctx, &token_hash, session).await?;
    let (number, app) = load(ctx, &row.registration_number).await?;
    let gone = || AppError::NotFound("dokumen tidak ditemukan".into());
    let code = app
        .products
        .iter()
        .find(|p| p.kind == kind)
        .and_then(|p| p.signed.clone())
        .ok_or_else(gone)?;
    let signature = products_store::find(&ctx.db, &code)
        .await?
        .ok_or_else(gone)?;
    let body = super::objects::response_body(ctx, &signature.object_key).await?;
    let left = store::downloaded(&ctx.db, number.as_str(), code.as_str(), &ctx.now_text()).await?;
    if left == 0 && app.status == Status::ReadyForDownload {
        complete(ctx, &app).await;
    }
    Ok((format!("{}-{}.pdf", number.as_str(), kind.code()), body))
}

/// `record_downloaded` by the citizen. A lost race (someone recorded it
/// first) is fine: the application is completed either way.
async fn complete(ctx: &Ctx, app: &ApplicationState) {
    let step = decide(
        app,
        &Command::RecordDownloaded,
        &Actor::Citizen,
        None,
        Some(app.version),
        platform::today_wib(),
        &ctx.public_base_url(),
    );
    let Ok(transition) = step else {
        return;
    };
    let now = ctx.now_text();
    let day = platform::wib_date(ctx.now).to_string();
    let write = StepWrite {
        transition: &transition,
        actor: &Actor::Citizen,
        at: Stamp {
            now: &now,
            day: &day,
        },
    };
    match applications_store::commit_step(&ctx.db, &write, Vec::new()).await {
        Ok(rows) => after_commit(ctx, &rows).await,
        Err(e) => crate::platform::log_event(
            crate::platform::Level::Warn,
            "self_print",
            &format!("record_downloaded not written: {e}"),
        ),
    }
}

/// Step 4: an expired (or replaced) link renewed with the NIK: a new link
/// by SMS.
pub async fn renew(ctx: &Ctx, ip: &str, token: &str, nik: &str) -> Result<(), AppError> {
    let (_, state) = link(ctx, token).await?;
    let row = match state {
        LinkState::Open(row) | LinkState::Expired(row) => row,
    };
    check_nik(ctx, ip, &row, nik).await?;
    let number = RegistrationNumber::parse(&row.registration_number)
        .map_err(|_| AppError::internal("link", "stored registration number"))?;
    limits::hit(ctx, limits::SMS_PER_PHONE, &limits::number_key(&number)).await?;
    let (url, statements) = new_link(ctx, number.as_str())?;
    let body = messages::download_link_text(&number, &url);
    let rows = store::renew_link(
        &ctx.db,
        statements,
        number.as_str(),
        &ctx.now_text(),
        (
            SmsTemplate::DownloadLink.code(),
            &row.applicant_phone,
            &body,
        ),
    )
    .await?;
    after_commit(ctx, &rows).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_bound_to_their_link() {
        let code = six_digits().unwrap_or_default();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(code_hash("link-a", "123456"), code_hash("link-b", "123456"));
        assert_eq!(code_hash("link-a", "123456").len(), 64);
    }
}
