//! Registering a new application: a citizen from the public form or the
//! API, or a village operator for their own village.

use serde::Serialize;
use subtle::ConstantTimeEq;

use super::{after_commit, limits, AppError, Ctx, Staff};
use crate::domain::application::{ApplicationInput, Channel, NewApplication};
use crate::domain::ids::RegistrationNumber;
use crate::domain::roles::{Actor, Role};
use crate::domain::workflow::{authorize, submission_effects, Action, ApplicationState, Status};
use crate::platform;
use crate::store::applications::{self as store, Stamp, VillageRow};
use crate::store::StoreError;

/// A registered application, as the API answers it (201).
#[derive(Debug, Serialize)]
pub struct Submitted {
    pub registration_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub version: i64,
    pub services: Vec<&'static str>,
    pub village: Village,
    pub delivery_method: &'static str,
    pub channel: &'static str,
    pub created_at: String,
    pub messages_queued: usize,
    /// The cancelled application this one resubmits, if any.
    pub resubmitted_from: Option<String>,
    /// Whether that application's papers, waiting at the counter, now
    /// belong to this one (no new pickup, no new fee).
    pub papers_carried_over: bool,
}

#[derive(Debug, Serialize)]
pub struct Village {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub kecamatan_code: String,
    pub kecamatan: String,
}

/// How many fresh registration numbers to try before giving up; with 31^8
/// numbers a collision is already rare, two in a row is a broken RNG.
const NUMBER_ATTEMPTS: usize = 3;

fn new_number() -> Result<RegistrationNumber, AppError> {
    let bytes =
        platform::random_bytes::<64>().map_err(|e| AppError::internal("registration number", e))?;
    let mut it = bytes.into_iter().cycle();
    Ok(RegistrationNumber::generate(move || it.next().unwrap_or(0)))
}

/// A client's `Idempotency-Key` with the body it came with, both hashed.
pub struct Idempotency {
    key_hash: String,
    body_sha256: String,
}

/// How long a key holds its first answer (and, for the form's key kept on
/// the phone that sent it, opens `/unggah` without the NIK).
pub const KEY_HOURS: i64 = 24;

/// The 409 code of a key written by another request at the same moment
/// (its answer is then read back).
const KEY_RACE: &str = "idempotency_race";

impl Idempotency {
    /// A key is 1–255 visible ASCII characters (a UUID, typically).
    pub fn parse(key: &str, body: &[u8]) -> Result<Idempotency, AppError> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::invalid(
                "Idempotency-Key",
                "1–255 karakter ASCII terlihat (tanpa spasi), mis. sebuah UUID",
            ));
        }
        Ok(Idempotency {
            key_hash: platform::sha256_hex(key.as_bytes()),
            body_sha256: platform::sha256_hex(body),
        })
    }
}

/// `POST /api/v1/applications`: with a key, the first answer again for the
/// same key and body within a day (never a second application, even for
/// two requests at the same moment: the key is written in the
/// application's batch), and 422 for the key with another body. `partner`:
/// the channel of the partner's API key it came with, recorded whatever the
/// body says. The answer as JSON, and whether it is a repeat.
pub async fn submit_once(
    ctx: &Ctx,
    staff: Option<&Staff>,
    partner: Option<Channel>,
    input: &ApplicationInput,
    key: Option<&Idempotency>,
) -> Result<(String, bool), AppError> {
    let to_json = |s: &Submitted| {
        serde_json::to_string(s).map_err(|e| AppError::internal("serialise answer", e))
    };
    let Some(key) = key else {
        return Ok((
            to_json(&create(ctx, staff, partner, input, None).await?)?,
            false,
        ));
    };
    let since = platform::timestamp(ctx.now - chrono::TimeDelta::hours(KEY_HOURS));
    if let Some(kept) = kept_answer(ctx, key, &since).await? {
        return Ok((kept, true));
    }
    match create(ctx, staff, partner, input, Some((key, &since))).await {
        Ok(s) => Ok((to_json(&s)?, false)),
        Err(AppError::Conflict { code: KEY_RACE, .. }) => kept_answer(ctx, key, &since)
            .await?
            .map(|kept| (kept, true))
            .ok_or_else(|| AppError::internal("idempotency key", "written but not found")),
        Err(e) => Err(e),
    }
}

async fn kept_answer(
    ctx: &Ctx,
    key: &Idempotency,
    since: &str,
) -> Result<Option<String>, AppError> {
    match store::kept_answer(&ctx.db, &key.key_hash, since).await? {
        None => Ok(None),
        Some(k) if k.body_sha256 == key.body_sha256 => Ok(Some(k.response_json)),
        Some(_) => Err(AppError::invalid(
            "Idempotency-Key",
            "kunci ini sudah dipakai untuk permohonan lain; buat kunci baru untuk permohonan baru",
        )),
    }
}

/// Registers a new application for a citizen (no session) or a village
/// operator (their own village only): parse → check the village → write the
/// application, its first event and its SMS in one batch → enqueue. Shared
/// by the API, the public pages and the village operator's pages.
pub async fn create_application(
    ctx: &Ctx,
    staff: Option<&Staff>,
    input: &ApplicationInput,
) -> Result<Submitted, AppError> {
    create(ctx, staff, None, input, None).await
}

async fn create(
    ctx: &Ctx,
    staff: Option<&Staff>,
    partner: Option<Channel>,
    input: &ApplicationInput,
    key: Option<(&Idempotency, &str)>,
) -> Result<Submitted, AppError> {
    let actor = staff.map(Staff::actor).unwrap_or(Actor::Citizen);
    if let Some(s) = staff {
        if s.role != Role::VillageOperator {
            return Err(AppError::Forbidden(format!(
                "peran {} tidak mengajukan permohonan",
                s.role.code()
            )));
        }
    }
    let mut app = NewApplication::parse(input, platform::today_wib())?;
    app.channel = match (&actor, partner.unwrap_or(app.channel)) {
        (Actor::Staff { .. }, _) => Channel::Village,
        (_, Channel::Village) if input.channel.is_some() => {
            return Err(AppError::invalid(
                "channel",
                "saluran 'village' hanya untuk operator desa",
            ));
        }
        (_, channel) => channel,
    };
    authorize(None, Action::Submit, &actor, &app.applicant.village_code)?;
    check_predecessor(ctx, staff, &app).await?;
    let now = ctx.now_text();
    let village = match staff {
        // A village operator may register several citizens who share one
        // number (a neighbour's, the village office's).
        Some(_) => store::find_village(&ctx.db, &app.applicant.village_code).await?,
        None => find_village_within_sms_cap(ctx, &app, &now).await?,
    };
    let village = village.ok_or_else(|| {
        AppError::invalid(
            "applicant.village_code",
            "desa/kelurahan tidak terdaftar di Kabupaten Wonogiri",
        )
    })?;

    for _ in 0..NUMBER_ATTEMPTS {
        let state = ApplicationState {
            registration_number: new_number()?,
            status: Status::Submitted,
            version: 1,
            village_code: app.applicant.village_code.clone(),
            services: app.services.clone(),
            phone: app.applicant.phone.clone(),
            applicant_name: app.applicant.name.clone(),
            applicant_address: app.applicant.address.clone(),
            subject: app.subject.clone(),
            delivery_method: app.delivery_method,
            delivery_address: app.delivery_address.clone(),
            siak_reference: None,
            products: crate::domain::products::merge(&app.services, Vec::new()),
            // Carried-over papers are written by the insert itself.
            papers: None,
        };
        let effects = submission_effects(&state, &ctx.public_base_url());
        let day = platform::wib_date(ctx.now).to_string();
        let mut submitted = Submitted {
            registration_number: state.registration_number.as_str().to_string(),
            status: Status::Submitted.code(),
            status_label: Status::Submitted.label(),
            version: 1,
            services: app.services.iter().map(|s| s.code()).collect(),
            village: Village {
                code: village.code.clone(),
                name: village.name.clone(),
                kind: village.kind.clone(),
                kecamatan_code: village.kecamatan_code.clone(),
                kecamatan: village.kecamatan_name.clone(),
            },
            delivery_method: app.delivery_method.code(),
            channel: app.channel.code(),
            created_at: now.clone(),
            messages_queued: effects.len(),
            resubmitted_from: app
                .resubmitted_from
                .as_ref()
                .map(|n| n.as_str().to_string()),
            papers_carried_over: false,
        };
        let response_json = match key {
            Some(_) => serde_json::to_string(&submitted)
                .map_err(|e| AppError::internal("serialise answer", e))?,
            None => String::new(),
        };
        let record = key.map(|(k, since)| store::KeyRecord {
            key_hash: &k.key_hash,
            body_sha256: &k.body_sha256,
            response_json: &response_json,
            expired_before: since,
        });
        match store::insert_new(
            &ctx.db,
            &app,
            &state,
            &actor,
            &effects,
            &Stamp {
                now: &now,
                day: &day,
            },
            record.as_ref(),
        )
        .await
        {
            Ok(inserted) => {
                after_commit(ctx, &inserted.outbox).await;
                submitted.papers_carried_over = inserted.papers_carried_over;
                return Ok(submitted);
            }
            // The same key at the same moment: its batch won.
            Err(StoreError::Unique(m)) if m.contains("idempotency_keys") => {
                return Err(AppError::Conflict {
                    code: KEY_RACE,
                    message: "permohonan yang sama sedang dikirim".into(),
                });
            }
            Err(StoreError::DuplicateRegistrationNumber) => continue,
            // Two resubmissions of one application at once: the unique
            // index let one through.
            Err(StoreError::Unique(m)) if m.contains("applications.resubmitted_from") => {
                return Err(super::read::already_resubmitted());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::internal(
        "registration number",
        "no free number after retries",
    ))
}

/// One answer for a predecessor that does not exist, is not cancelled, or
/// is another applicant's: a citizen learns nothing about numbers that are
/// not theirs.
pub const NOT_RESUBMITTABLE: &str = "permohonan lama tidak ditemukan atau belum dibatalkan";

/// A resubmission names a cancelled application of the same applicant (the
/// NIK, compared in constant time) that has no resubmission yet; a village
/// operator resubmits only their own village's. The unique index on
/// `resubmitted_from` still decides a race between two resubmissions.
async fn check_predecessor(
    ctx: &Ctx,
    staff: Option<&Staff>,
    app: &NewApplication,
) -> Result<(), AppError> {
    let Some(number) = &app.resubmitted_from else {
        return Ok(());
    };
    let refused = || AppError::invalid("resubmitted_from", NOT_RESUBMITTABLE);
    let old = store::links(&ctx.db, number).await?.ok_or_else(refused)?;
    if let Some(own) = staff.and_then(super::read::village_scope) {
        if own != old.village_code || own.is_empty() {
            return Err(AppError::Forbidden(
                "operator desa hanya dapat mengajukan ulang permohonan desa/kelurahannya sendiri"
                    .into(),
            ));
        }
    }
    let same_applicant = bool::from(
        old.applicant_nik
            .as_bytes()
            .ct_eq(app.applicant.nik.as_str().as_bytes()),
    );
    if old.status.as_deref() != Some(Status::Cancelled.code()) || !same_applicant {
        return Err(refused());
    }
    if old.resubmitted_as.is_some() {
        return Err(super::read::already_resubmitted());
    }
    Ok(())
}

/// The village of a citizen's submission, counting its SMS against the
/// phone number's daily cap in the same round trip: a page elsewhere that
/// makes its visitors' browsers submit applications cannot flood one
/// number with our SMS. Refused (429, naming the phone field) past the cap.
async fn find_village_within_sms_cap(
    ctx: &Ctx,
    app: &NewApplication,
    now: &str,
) -> Result<Option<VillageRow>, AppError> {
    let key = limits::phone_key(app.applicant.phone.as_str());
    let check = limits::count(limits::SMS_PER_PHONE, &key);
    let cutoff = limits::cutoff(ctx, check.limit);
    let (village, hits) = store::find_village_counting(
        &ctx.db,
        &app.applicant.village_code,
        now,
        &limits::counter(&check, &cutoff),
    )
    .await?;
    limits::verdict(ctx, &check, hits)?;
    Ok(village)
}

#[cfg(test)]
mod key_tests {
    use super::Idempotency;

    #[test]
    fn a_key_is_visible_ascii_and_binds_the_body_it_came_with() {
        let a = Idempotency::parse("7f3c2a9e-1b4d-4e8f-9a6b-2c1d0e9f8a7b", b"{\"x\":1}");
        let b = Idempotency::parse("7f3c2a9e-1b4d-4e8f-9a6b-2c1d0e9f8a7b", b"{\"x\":2}");
        let (Ok(a), Ok(b)) = (a, b) else {
            panic!("a UUID is a key")
        };
        assert_eq!(a.key_hash, b.key_hash);
        assert_ne!(a.body_sha256, b.body_sha256);
        for bad in ["", "dua kata", "tab\tbed", "ü", &"k".repeat(256)] {
            assert!(Idempotency::parse(bad, b"{}").is_err(), "{bad:?}");
        }
    }
}
