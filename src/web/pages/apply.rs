//! The application form (*formulir permohonan*) for citizens (`/ajukan`)
//! and for village operators on a citizen's behalf (`/staff/submit`), and
//! its confirmation. The form posts to the same use case the API runs
//! (`create_application`), so the server's checks are the only ones that
//! count; `public.js` only mirrors them as you type. The form's view model
//! is in `form`.

mod form;

use askama::Template;
use worker::Request;

use super::uploads::device_cookie;
use super::{html, officer, redirect, redirect_with_cookie, Form, PageResult, Session};
use crate::app::documents::is_form_key;
use crate::app::places::kecamatan_list;
use crate::app::read::{parse_number, staff_resubmission, Resubmittable};
use crate::app::submit::{submit_once, Idempotency};
use crate::app::{limits, AppError, Ctx};
use crate::domain::application::{FieldError, NewApplication, SUBJECT_FIELDS};
use crate::domain::ids::RegistrationNumber;
use crate::platform;
use crate::web::request::{abuse_key, query_pairs, read_form, Body};
use form::{application_input, FormPage, ReviewPage};

/// The bot trap: a field people never see and bots fill in.
const HONEYPOT: &str = "website";

/// `GET /ajukan`: first which services (step 1), then, with
/// `?services=…`, only those services' fields (step 2).
pub async fn form_page(req: Request, ctx: &Ctx) -> PageResult {
    start(&req, ctx, None).await
}

/// Step 1 or step 2 from the address's `services`; "Lanjut" with nothing
/// ticked says so at step 1.
async fn start(req: &Request, ctx: &Ctx, session: Option<&Session>) -> PageResult {
    let mut form = Form::default();
    let mut asked = false;
    for (k, v) in query_pairs(req)? {
        asked |= k == "lanjut";
        if k == "services" {
            form.0.push((k, v));
        }
    }
    if asked && form.0.is_empty() {
        let none = FieldError::new("services", "pilih minimal satu layanan");
        return show(ctx, &form, session, 422, &[none], None).await;
    }
    show(ctx, &form, session, 200, &[], None).await
}

/// The form page from `form`'s fields, for a citizen or (with a session)
/// for a village operator, with the server's complaints about fields and
/// a message about the whole form. The one place the form is rendered.
async fn show(
    ctx: &Ctx,
    form: &Form,
    session: Option<&Session>,
    status: u16,
    errors: &[FieldError],
    notice: Option<String>,
) -> PageResult {
    let mut page = FormPage::new(kecamatan_list(ctx).await?, form).for_session(session);
    page.notice = notice;
    html(status, &page.with_errors(errors))
}

/// `POST /ajukan`: check every field at once; a complete form is shown
/// back for checking ("Periksa kembali"), and "Kirim permohonan" (or a
/// post without `langkah`, as scripts send) registers it.
pub async fn submit(mut req: Request, ctx: &Ctx) -> PageResult {
    let ip = abuse_key(&req);
    let form = read_form(&mut req, Body::PublicForm).await?;
    proceed(ctx, form, None, Some(&ip)).await
}

/// The steps after the form, shared by citizens and village operators
/// (`limit_key`: the citizen's address, limited per address).
async fn proceed(
    ctx: &Ctx,
    form: Form,
    session: Option<&Session>,
    limit_key: Option<&str>,
) -> PageResult {
    let step = form.get("langkah").unwrap_or("kirim");
    if step == "ubah" {
        return show(ctx, &form, session, 200, &[], None).await;
    }
    if form.text(HONEYPOT).is_some() {
        // A bot filled the hidden field: nothing is created, and the answer
        // does not say why.
        let message =
            "Permohonan tidak dapat diproses. Muat ulang halaman lalu isi formulir kembali.";
        return show(ctx, &form, session, 422, &[], Some(message.into())).await;
    }
    let mut input = application_input(&form);
    if session.is_some() {
        input.channel = None;
    }
    if let Err(errors) = NewApplication::check(&input, platform::today_wib()) {
        return show(ctx, &form, session, 422, &errors, None).await;
    }
    if step != "kirim" {
        return review(ctx, &form, session).await;
    }
    if let Some(key) = limit_key {
        if let Err(e) = limits::hit(ctx, limits::SUBMIT, key).await {
            return show(ctx, &form, session, e.status(), &[], Some(e.to_string())).await;
        }
    }
    let key = match form.text("kunci") {
        Some(k) => Some(Idempotency::parse(&k, &form_bytes(&form))?),
        None => None,
    };
    let staff = session.map(|s| &s.staff);
    match submit_once(ctx, staff, None, &input, key.as_ref()).await {
        Ok((answer, _)) => {
            let number = serde_json::from_slice::<serde_json::Value>(answer.as_bytes())
                .ok()
                .and_then(|v| v["registration_number"].as_str().map(String::from))
                .ok_or_else(|| AppError::internal("submission answer", "no number"))?;
            match session {
                // The phone that sent it may upload its papers without
                // typing the NIK again, for a day (`/unggah`).
                None => redirect_with_cookie(
                    &format!("/ajukan/selesai/{number}"),
                    form.text("kunci")
                        .filter(|k| is_form_key(k))
                        .map(|k| device_cookie(&number, &k))
                        .as_deref(),
                ),
                Some(_) => redirect(&format!("/staff/applications/{number}?done=submit")),
            }
        }
        // This form was already sent with other answers: a new key lets a
        // new application be sent on purpose.
        Err(AppError::InvalidField(e)) if e.field == IDEMPOTENCY_FIELD => {
            let mut fresh = form;
            fresh.0.retain(|(k, _)| k != "kunci");
            let message = "Formulir ini sudah pernah dikirim dengan isian lain. Periksa isian, lalu kirim sekali lagi bila ini permohonan baru.";
            show(ctx, &fresh, session, 422, &[], Some(message.into())).await
        }
        Err(AppError::InvalidField(e)) => show(ctx, &form, session, 422, &[e], None).await,
        // The phone number had its SMS for the day: said at its field.
        Err(e @ AppError::TooManyAttempts(_)) => {
            let field = e.field().unwrap_or("applicant.phone").to_string();
            let message = e.to_string();
            let message = message
                .strip_prefix(&format!("{field}: "))
                .unwrap_or(&message);
            show(
                ctx,
                &form,
                session,
                429,
                &[FieldError::new(field, message)],
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The field name the submission's idempotency errors carry.
const IDEMPOTENCY_FIELD: &str = "Idempotency-Key";

/// The form's answers as the bytes its idempotency key is bound to (not
/// the key itself, the step or the CSRF token).
fn form_bytes(form: &Form) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (k, v) in &form.0 {
        if !matches!(k.as_str(), "kunci" | "langkah" | "csrf") {
            bytes.extend_from_slice(k.as_bytes());
            bytes.push(b'=');
            bytes.extend_from_slice(v.as_bytes());
            bytes.push(b'\n');
        }
    }
    bytes
}

/// "Periksa kembali": the answers as the citizen gave them, to send or
/// change.
async fn review(ctx: &Ctx, form: &Form, session: Option<&Session>) -> PageResult {
    let page = FormPage::new(kecamatan_list(ctx).await?, form).for_session(session);
    html(200, &ReviewPage::new(page, form))
}

// ------------------------------------------------------ village operators

fn operator_only(session: &crate::web::pages::Session) -> Result<(), AppError> {
    if session.staff.role == crate::domain::roles::Role::VillageOperator {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "hanya operator desa/kelurahan yang mengajukan permohonan atas nama pemohon".into(),
        ))
    }
}

/// `GET /staff/submit`: the application form for a village operator.
pub async fn operator_form(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    operator_only(&session)?;
    start(&req, ctx, Some(&session)).await
}

/// `POST /staff/submit`: registers the application on the citizen's behalf
/// (channel `village`, the operator recorded as submitter), then opens it.
pub async fn operator_submit(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    operator_only(&session)?;
    let form = crate::web::pages::form(req, &session).await?;
    proceed(ctx, form, Some(&session), None).await
}

// ------------------------------------------------------------ resubmission

/// The old application's fields, as the form names them: a resubmission
/// starts from what was sent before, and names the application it resubmits.
fn prefill(old: &Resubmittable) -> Result<Form, AppError> {
    let a = &old.application;
    let subject = serde_json::to_value(a.subject()?).unwrap_or_default();
    let subject_names = SUBJECT_FIELDS.map(|f| format!("subject.{f}"));
    let services = a.service_list();
    let mut fields: Vec<(&str, &str)> = vec![
        ("resubmitted_from", &a.registration_number),
        ("applicant.nik", &a.applicant_nik),
        ("applicant.name", &a.applicant_name),
        ("applicant.phone", &a.applicant_phone),
        ("applicant.address", &a.applicant_address),
        ("applicant.village_code", &a.village_code),
        ("delivery_method", a.delivery_method.code()),
        (
            "delivery_address",
            a.delivery_address.as_deref().unwrap_or_default(),
        ),
    ];
    for s in &services {
        fields.push(("services", s.code()));
    }
    for (name, f) in subject_names.iter().zip(SUBJECT_FIELDS) {
        fields.push((name, subject[f].as_str().unwrap_or_default()));
    }
    for c in &old.checklist {
        fields.push(("checklist", c));
    }
    if old.papers_at_agency {
        fields.push((PAPERS_KEPT, "1"));
    }
    Ok(Form(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    ))
}

/// A hidden field that only says, on a form shown again after an error,
/// that the papers are kept (the server decides that again at submission).
const PAPERS_KEPT: &str = "berkas_di_dinas";

/// The form prefilled from a cancelled application: the citizen's (from
/// `POST /ajukan/ulang`, once the number and NIK were checked), or with a
/// session the village operator's.
pub(super) async fn resubmission_form(
    ctx: &Ctx,
    old: &Resubmittable,
    session: Option<&Session>,
) -> PageResult {
    show(ctx, &prefill(old)?, session, 200, &[], None).await
}

/// `GET /staff/applications/{n}/ajukan-ulang`: a village operator's form
/// prefilled from their village's cancelled application; it posts to
/// `/staff/submit` like any other.
pub async fn operator_resubmission_form(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    let session = officer!(&req, ctx);
    let number = parse_number(raw)?;
    let old = staff_resubmission(ctx, &session.staff, &number).await?;
    resubmission_form(ctx, &old, Some(&session)).await
}

// ------------------------------------------------------------ confirmation

#[derive(Template)]
#[template(path = "public_done.html", whitespace = "minimize")]
struct DonePage {
    number: String,
}

/// Shows only the number from the address: nothing is read, so nothing leaks.
pub async fn confirmation(_req: Request, _ctx: &Ctx, raw: &str) -> PageResult {
    let number = RegistrationNumber::parse(raw)
        .map_err(|_| AppError::NotFound("nomor pendaftaran tidak valid".into()))?;
    html(
        200,
        &DonePage {
            number: number.as_str().to_string(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::DeliveryMethod;
    use crate::domain::services::Service;

    fn cancelled_row() -> crate::store::applications::ApplicationRow {
        let subject = serde_json::json!({
            "name": "Bima Pratama", "sex": "male", "birth_date": "2026-11-01",
            "birth_place": "Wonogiri", "mother_name": "Sri Lestari", "father_name": null,
            "family_card_number": "3312010101200003", "nik": null,
        });
        serde_json::from_value(serde_json::json!({
            "registration_number": "123Z-118ZV", "status": "cancelled", "version": 2,
            "awaiting_role": null, "status_since": "2026-11-28T01:02:03.456Z",
            "applicant_nik": "3312014502900001", "applicant_name": "Sri Lestari",
            "applicant_phone": "+6281234567890", "applicant_address": "Dusun Krajan RT 01 RW 02",
            "village_code": "33.12.01.2001", "village_name": "Sumberagung",
            "kecamatan_name": "Pracimantoro", "subject_json": subject.to_string(),
            "delivery_method": "pos", "delivery_address": "Jl. Mawar 3, Wonogiri",
            "channel": "web", "siak_reference": null, "submitted_by": null,
            "created_at": "2026-11-28T01:02:03.456Z", "updated_at": "2026-11-28T01:02:03.456Z",
            "services": "birth_certificate,child_id_card", "products_json": null,
        }))
        .expect("a stored row")
    }

    /// The prefilled form, posted as it stands, is the old application
    /// again, naming it.
    #[test]
    fn a_prefilled_form_submits_the_old_application_again() {
        let old = Resubmittable {
            application: cancelled_row(),
            checklist: vec!["surat_keterangan_lahir".into()],
            papers_at_agency: true,
        };
        let form = prefill(&old).expect("prefill");
        assert_eq!(form.get(PAPERS_KEPT), Some("1"));
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date");
        let app = NewApplication::parse(&application_input(&form), today).expect("parses");
        assert_eq!(
            app.resubmitted_from.as_ref().map(|n| n.as_str()),
            Some("123Z-118ZV")
        );
        assert_eq!(app.applicant.nik.as_str(), "3312014502900001");
        assert_eq!(app.applicant.phone.as_str(), "+6281234567890");
        assert_eq!(app.applicant.village_code.as_str(), "33.12.01.2001");
        assert_eq!(
            app.services,
            vec![Service::BirthCertificate, Service::ChildIdCard]
        );
        assert_eq!(app.subject.name.as_deref(), Some("Bima Pratama"));
        assert_eq!(app.subject.mother_name.as_deref(), Some("Sri Lestari"));
        assert_eq!(app.delivery_method, DeliveryMethod::Pos);
        assert_eq!(
            app.delivery_address.as_deref(),
            Some("Jl. Mawar 3, Wonogiri")
        );
        assert!(app.checklist.contains("surat_keterangan_lahir"));
    }
}
