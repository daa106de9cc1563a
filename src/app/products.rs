//! The documents themselves (steps h–j and after): production attaches each
//! product's draft PDF exported from SIAK, the head of agency signs it
//! through the e-signature provider, staff download drafts and signed files
//! (every download access-logged), and anyone checks a signed document at
//! `/verifikasi/{code}`. PAK POS never makes a civil document: SIAK does;
//! PAK POS carries, signs and tracks it.

use chrono::NaiveDate;

use super::documents::Upload;
use super::objects;
use super::read::{check_village, not_found};
use super::{after_commit, AppError, Ctx, Staff};
use crate::dispatch::esign;
use crate::domain::hex;
use crate::domain::ids::{IdError, RegistrationNumber, VerificationCode};
use crate::domain::products::{ProductKind, StoredFile};
use crate::domain::workflow::{
    decide, ever_allowed, Action, ApplicationState, Command, Transition,
};
use crate::platform;
use crate::store::applications::{self as store, ApplicationRow, Stamp, StepWrite};
use crate::store::products::{self as products_store, SignatureRow};

/// Who signs, as the verification page says it: the office, never a
/// person's credentials.
pub const SIGNER_OFFICE: &str = "Kepala Dinas Kependudukan dan Pencatatan Sipil Kabupaten Wonogiri";

/// The largest draft or signed PDF kept: 10 MB (SIAK's exports are far
/// smaller; a signed file grows a little).
pub const MAX_PDF_BYTES: usize = 10 * 1024 * 1024;

const PDF: &str = "application/pdf";

/// The draft upload form (multipart): which product, its number, the file.
#[derive(Default)]
pub struct DraftForm {
    pub product: Option<String>,
    pub document_number: Option<String>,
    pub expected_version: Option<i64>,
    pub file: Option<Upload>,
}

/// Refuses (403) an officer whose role never attaches drafts, before the
/// upload is read.
pub fn may_attach(staff: &Staff) -> Result<(), AppError> {
    if ever_allowed(Action::AttachDraft, staff.actor().kind()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "peran {} tidak melampirkan draf dokumen",
            staff.role.code()
        )))
    }
}

/// Reads a product code typed by a client.
pub fn parse_product(code: Option<&str>) -> Result<ProductKind, AppError> {
    let code = code.map(str::trim).unwrap_or_default();
    if code.is_empty() {
        return Err(AppError::invalid("product", "pilih dokumen"));
    }
    Ok(ProductKind::parse_field("product", code)?)
}

/// Whether `bytes` is a PDF by its first bytes.
pub fn is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

/// A random, unguessable R2 key for a product file.
fn object_key(number: &str, kind: ProductKind, what: &str) -> Result<String, AppError> {
    let random = platform::random_bytes::<16>().map_err(|e| AppError::internal("key", e))?;
    Ok(format!(
        "products/{number}/{}/{what}-{}",
        kind.code(),
        hex::encode(&random)
    ))
}

/// Commits the steps decided here (not through `act::perform`) in one
/// batch — several when signing every product, each decided on the state
/// the one before it leaves — then enqueues what they wrote.
pub(super) async fn commit(
    ctx: &Ctx,
    staff: &Staff,
    transitions: &[&Transition],
) -> Result<String, AppError> {
    let now = ctx.now_text();
    let day = platform::wib_date(ctx.now).to_string();
    let actor = staff.actor();
    let steps: Vec<StepWrite> = transitions
        .iter()
        .map(|transition| StepWrite {
            transition,
            actor: &actor,
            at: Stamp {
                now: &now,
                day: &day,
            },
        })
        .collect();
    let rows = store::commit_steps(&ctx.db, &steps).await?;
    after_commit(ctx, &rows).await;
    Ok(now)
}

/// `attach_draft` (step h): reads the application, then
/// [`attach_draft_on`] it.
pub async fn attach_draft(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
    form: DraftForm,
) -> Result<(Transition, String), AppError> {
    let row = store::load(&ctx.db, number).await?;
    attach_draft_on(ctx, staff, number, row, form).await
}

/// `attach_draft` on the application as already read (`row`; the API reads
/// it with the session in one round trip): checks the form, decides the
/// step with the file as it will be stored, puts the file in R2, commits; a
/// refused commit takes the file back out.
pub async fn attach_draft_on(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
    row: Option<ApplicationRow>,
    form: DraftForm,
) -> Result<(Transition, String), AppError> {
    let kind = parse_product(form.product.as_deref())?;
    let document_number = kind.parse_number(
        "document_number",
        form.document_number.as_deref().unwrap_or_default(),
    )?;
    let file = form
        .file
        .filter(|f| !f.bytes.is_empty())
        .ok_or_else(|| AppError::invalid("file", "pilih berkas PDF draf dari SIAK"))?;
    if file.bytes.len() > MAX_PDF_BYTES {
        return Err(AppError::TooLarge(MAX_PDF_BYTES));
    }
    if !is_pdf(&file.bytes) {
        return Err(AppError::invalid(
            "file",
            "draf harus berkas PDF (ekspor dari SIAK)",
        ));
    }
    let row = row.ok_or_else(|| not_found(number))?;
    check_village(staff, &row.village_code)?;
    let state = row.to_state()?;
    let draft = StoredFile {
        object_key: object_key(&row.registration_number, kind, "draft")?,
        sha256: platform::sha256_hex(&file.bytes),
        size: file.bytes.len() as u64,
    };
    let command = Command::AttachDraft {
        product: kind,
        document_number,
        draft: draft.clone(),
    };
    let transition = decide(
        &state,
        &command,
        &staff.actor(),
        None,
        form.expected_version,
        platform::today_wib(),
        &ctx.public_base_url(),
    )?;
    objects::put(ctx, &draft.object_key, file.bytes, PDF).await?;
    match commit(ctx, staff, &[&transition]).await {
        Ok(at) => Ok((transition, at)),
        Err(e) => {
            objects::forget(ctx, &draft.object_key).await;
            Err(e)
        }
    }
}

/// Where the signature says it was made, and why.
const SIGN_LOCATION: &str = "Wonogiri";
const SIGN_REASON: &str = "Dokumen kependudukan diterbitkan melalui PAK POS Online";

/// `sign` (step j), one product: checks the step first (role, status,
/// version, the product validated and not yet signed), then sends the
/// draft with the head of agency's passphrase to the e-signature provider,
/// keeps the signed PDF in R2 and commits the product signed with a new
/// verification code. The passphrase goes only to the provider: it is not
/// stored, logged or echoed. A provider failure changes nothing (the
/// product stays unsigned, the officer reads why) and the step may simply
/// be repeated; a refused commit takes the stored files back out.
///
/// Without a product, every validated product still unsigned is signed in
/// turn, each its own step (event, version); the first failure stops there
/// and is returned, the products signed before it committed. The steps are
/// written together, in one batch after the last provider call, so signing
/// every product is two round trips like any step: the session and the
/// application, then the write.
pub async fn sign(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
    row: Option<ApplicationRow>,
    product: Option<ProductKind>,
    passphrase: &str,
    expected_version: Option<i64>,
) -> Result<(Transition, String), AppError> {
    let row = row.ok_or_else(|| not_found(number))?;
    check_village(staff, &row.village_code)?;
    let mut state = row.to_state()?;
    let mut expected = expected_version;
    let mut signed: Vec<(Transition, String)> = Vec::new();
    let mut failure = None;
    loop {
        match sign_one(ctx, staff, &state, product, passphrase, expected).await {
            Ok((transition, key)) => {
                state = transition.next.clone();
                expected = Some(state.version);
                signed.push((transition, key));
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
        if product.is_some() || state.products.iter().all(|p| p.signed.is_some()) {
            break;
        }
    }
    let Some((last, _)) = signed.last() else {
        return Err(failure.unwrap_or_else(|| AppError::internal("sign", "nothing signed")));
    };
    let transitions: Vec<&Transition> = signed.iter().map(|(t, _)| t).collect();
    let at = match commit(ctx, staff, &transitions).await {
        Ok(at) => at,
        Err(e) => {
            for (_, key) in &signed {
                objects::forget(ctx, key).await;
            }
            return Err(e);
        }
    };
    match failure {
        Some(e) => Err(e),
        None => Ok((last.clone(), at)),
    }
}

/// One product signed with the provider and its file kept in R2: the step,
/// decided but not yet committed, and the file's object key.
async fn sign_one(
    ctx: &Ctx,
    staff: &Staff,
    state: &ApplicationState,
    product: Option<ProductKind>,
    passphrase: &str,
    expected_version: Option<i64>,
) -> Result<(Transition, String), AppError> {
    let actor = staff.actor();
    let today = platform::today_wib();
    let kind = product.or_else(|| {
        state
            .products
            .iter()
            .find(|p| p.signed.is_none())
            .map(|p| p.kind)
    });
    let checked = Command::Sign {
        product: kind,
        signed: None,
    };
    decide(
        state,
        &checked,
        &actor,
        None,
        expected_version,
        today,
        &ctx.public_base_url(),
    )?;
    if passphrase.is_empty() {
        return Err(AppError::invalid(
            "passphrase",
            "wajib diisi untuk aksi ini",
        ));
    }
    let Some((kind, draft)) = kind.and_then(|k| {
        let p = state.products.iter().find(|p| p.kind == k)?;
        Some((k, p.draft.clone()?))
    }) else {
        return Err(AppError::invalid(
            "product",
            "dokumen ini belum memiliki draf",
        ));
    };
    let pdf = objects::read(ctx, &draft.object_key).await?;
    let random = platform::random_bytes::<32>().map_err(|e| AppError::internal("code", e))?;
    let mut bytes = random.into_iter().cycle();
    let code = VerificationCode::generate(|| bytes.next().unwrap_or_default());
    let link = format!("{}/verifikasi/{code}", ctx.public_base_url());
    let config = esign::EsignConfig::from_env(&ctx.env).map_err(signing_error)?;
    let signer = ctx
        .env
        .secret("ESIGN_SIGNER_NIK")
        .map(|s| s.to_string())
        .map_err(|_| signing_error(esign::EsignError::Unavailable("no signer NIK".into())))?;
    let request = esign::SignRequest {
        pdf: &pdf,
        nik: signer.trim(),
        passphrase,
        visible: true,
        reason: SIGN_REASON,
        location: SIGN_LOCATION,
        link_qr: Some(&link),
    };
    let signed = esign::sign(&config, &request)
        .await
        .map_err(signing_error)?;
    let file = StoredFile {
        object_key: object_key(state.registration_number.as_str(), kind, "signed")?,
        sha256: platform::sha256_hex(&signed.pdf),
        size: signed.pdf.len() as u64,
    };
    let command = Command::Sign {
        product: Some(kind),
        signed: Some((code, file.clone())),
    };
    let transition = decide(
        state,
        &command,
        &actor,
        None,
        expected_version,
        today,
        &ctx.public_base_url(),
    )?;
    objects::put(ctx, &file.object_key, signed.pdf, PDF).await?;
    Ok((transition, file.object_key))
}

/// The provider's failure as the officer reads it: a wrong passphrase is
/// the passphrase field's error; another refusal needs someone to act
/// (409); no usable answer is a 502 that may be retried.
fn signing_error(e: esign::EsignError) -> AppError {
    crate::platform::log_event(
        crate::platform::Level::Warn,
        "esign",
        &format!("signing failed: {e}"),
    );
    match &e {
        esign::EsignError::Refused {
            code: 2031,
            message,
        } => AppError::invalid("passphrase", *message),
        esign::EsignError::Refused { message, .. } => AppError::Conflict {
            code: "signing_refused",
            message: (*message).into(),
        },
        esign::EsignError::Unavailable(_) | esign::EsignError::Malformed(_) => AppError::Upstream {
            code: "signing_unavailable",
            message: e.officer_message().into(),
        },
    }
}

/// Which file of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Draft,
    Signed,
}

/// A product's draft or current signed PDF, for staff who may see the
/// application; the read is access-logged, a refused one too.
pub async fn open(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
    kind: ProductKind,
    which: Which,
) -> Result<(String, worker::ResponseBody), AppError> {
    let row = store::load(&ctx.db, number)
        .await?
        .ok_or_else(|| not_found(number))?;
    let gone = || AppError::NotFound("berkas tidak ditemukan".into());
    if check_village(staff, &row.village_code).is_err() {
        log(ctx, staff, &row.registration_number, true).await?;
        return Err(not_found(number));
    }
    let product = row
        .products()?
        .into_iter()
        .find(|p| p.kind == kind)
        .ok_or_else(gone)?;
    let key = match which {
        Which::Draft => product.draft.map(|d| d.object_key),
        Which::Signed => match product.signed {
            Some(code) => products_store::find(&ctx.db, &code)
                .await?
                .map(|s| s.object_key),
            None => None,
        },
    }
    .ok_or_else(gone)?;
    let body = objects::response_body(ctx, &key).await?;
    log(ctx, staff, &row.registration_number, false).await?;
    let name = format!(
        "{}-{}{}.pdf",
        row.registration_number,
        kind.code(),
        if which == Which::Draft { "-draf" } else { "" }
    );
    Ok((name, body))
}

async fn log(ctx: &Ctx, staff: &Staff, number: &str, refused: bool) -> Result<(), AppError> {
    let now = ctx.now_text();
    crate::store::documents::log_download(
        &ctx.db,
        staff.id,
        staff.role.code(),
        number,
        &now,
        refused,
    )
    .await?;
    Ok(())
}

/// What `/verifikasi/{code}` shows: no personal data beyond a masked name.
#[derive(Debug, Clone)]
pub struct Verification {
    pub code: VerificationCode,
    pub kind: ProductKind,
    pub document_number: String,
    pub holder: String,
    /// The WIB date it was signed.
    pub signed_on: NaiveDate,
    pub sha256: String,
    pub standing: Standing,
}

/// Whether a signed document still holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// *Berlaku*.
    Valid,
    /// *Diganti*: a corrected document was signed on this date (WIB).
    Replaced { on: NaiveDate },
    /// *Dicabut*: the application was cancelled on this date (WIB).
    Revoked { on: NaiveDate },
}

/// Looks a code up. A code with a wrong check symbol is refused before the
/// database is asked; an unknown one is `None`.
pub async fn verify(ctx: &Ctx, raw: &str) -> Result<Option<Verification>, AppError> {
    // A well-formed code whose check symbol fails cannot exist: 404, with
    // the typo named (as for registration numbers in a path).
    let code = VerificationCode::parse(raw).map_err(|e| match e {
        IdError::VerificationCheck => AppError::NotFound(e.to_string()),
        _ => AppError::invalid("code", e.to_string()),
    })?;
    let Some(row) = products_store::find(&ctx.db, &code).await? else {
        return Ok(None);
    };
    Ok(Some(to_verification(code, row)?))
}

fn to_verification(code: VerificationCode, row: SignatureRow) -> Result<Verification, AppError> {
    let kind = ProductKind::parse(&row.kind)
        .ok_or_else(|| AppError::internal("signature", "unknown product kind"))?;
    let day = |at: &crate::store::Timestamp| crate::domain::time::wib_date(at.0);
    let standing = match (&row.revoked_at, &row.replaced_at) {
        (Some(at), _) => Standing::Revoked { on: day(at) },
        (None, Some(at)) => Standing::Replaced { on: day(at) },
        (None, None) => Standing::Valid,
    };
    Ok(Verification {
        code,
        kind,
        document_number: row.document_number,
        holder: mask_name(&row.holder_name.unwrap_or_default()),
        signed_on: day(&row.signed_at),
        sha256: row.sha256,
        standing,
    })
}

/// "Bima Pratama" → "B*** P******": enough to tell a document is someone's
/// own, not enough to learn a stranger's name.
pub fn mask_name(name: &str) -> String {
    name.split_whitespace()
        .map(|word| {
            let mut chars = word.chars();
            let first = chars.next().map(String::from).unwrap_or_default();
            first + &"*".repeat(chars.count())
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_their_initials() {
        assert_eq!(mask_name("Bima Pratama"), "B*** P******");
        assert_eq!(mask_name("  Sri  "), "S**");
        assert_eq!(mask_name("Ägnes Ö"), "Ä**** Ö");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn only_pdfs_are_drafts() {
        assert!(is_pdf(b"%PDF-1.7\n%..."));
        assert!(!is_pdf(b"\x89PNG\r\n"));
        assert!(!is_pdf(b" %PDF-"));
    }

    #[test]
    fn products_are_named_by_code() {
        assert_eq!(
            parse_product(Some(" family_card ")).ok(),
            Some(ProductKind::FamilyCard)
        );
        assert!(parse_product(Some("kk")).is_err());
        assert!(parse_product(None).is_err());
    }
}
