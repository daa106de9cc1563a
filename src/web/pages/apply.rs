//! The application form (*formulir permohonan*) for citizens (`/ajukan`)
//! and for village operators on a citizen's behalf (`/staff/submit`), and
//! its confirmation. The form posts to the same use case the API runs
//! (`create_application`), so the server's checks are the only ones that
//! count; `public.js` only mirrors them as you type. The form's view model
//! is in `form`.

mod form;

use askama::Template;
use worker::Request;

use super::{html, officer, redirect, Form, PageResult};
use crate::app::places::kecamatan_list;
use crate::app::read::{parse_number, staff_resubmission, Resubmittable};
use crate::app::submit::create_application;
use crate::app::{limits, AppError, Ctx};
use crate::domain::application::SUBJECT_FIELDS;
use crate::domain::ids::RegistrationNumber;
use crate::web::request::{abuse_key, read_form, Body};
use form::{application_input, FormPage};

/// The bot trap: a field people never see and bots fill in.
const HONEYPOT: &str = "website";

pub async fn form_page(_req: Request, ctx: &Ctx) -> PageResult {
    html(
        200,
        &FormPage::new(kecamatan_list(ctx).await?, &Form::default()),
    )
}

/// The API's input from the form's fields; checklist ticks for services not
pub async fn submit(mut req: Request, ctx: &Ctx) -> PageResult {
    let ip = abuse_key(&req);
    let form = read_form(&mut req, Body::PublicForm).await?;
    if let Err(e) = limits::hit(ctx, limits::SUBMIT, &ip).await {
        let mut page = FormPage::new(kecamatan_list(ctx).await?, &form);
        page.notice = Some(e.to_string());
        return html(e.status(), &page);
    }
    if form.text(HONEYPOT).is_some() {
        // A bot filled the hidden field: nothing is created, and the answer
        // does not say why.
        let mut page = FormPage::new(kecamatan_list(ctx).await?, &form);
        page.notice = Some(
            "Permohonan tidak dapat diproses. Muat ulang halaman lalu isi formulir kembali.".into(),
        );
        return html(422, &page);
    }
    match create_application(ctx, None, &application_input(&form)).await {
        Ok(created) => {
            let number = created.registration_number;
            redirect(&format!("/ajukan/selesai/{number}"))
        }
        Err(AppError::InvalidField(e)) => {
            let page =
                FormPage::new(kecamatan_list(ctx).await?, &form).with_error(&e.field, &e.message);
            html(422, &page)
        }
        // The phone number had its SMS for the day: said at its field.
        Err(e @ AppError::TooManyAttempts(_)) => {
            let page = FormPage::new(kecamatan_list(ctx).await?, &form)
                .with_error(e.field().unwrap_or("applicant.phone"), &e.to_string());
            html(429, &page)
        }
        Err(e) => Err(e),
    }
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
    html(
        200,
        &FormPage::new(kecamatan_list(ctx).await?, &Form::default()).for_operator(&session),
    )
}

/// `POST /staff/submit`: registers the application on the citizen's behalf
/// (channel `village`, the operator recorded as submitter), then opens it.
pub async fn operator_submit(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    operator_only(&session)?;
    let form = crate::web::pages::form(req, &session).await?;
    let mut input = application_input(&form);
    input.channel = None;
    match create_application(ctx, Some(&session.staff), &input).await {
        Ok(created) => {
            let number = created.registration_number;
            redirect(&format!("/staff/applications/{number}?done=submit"))
        }
        Err(AppError::InvalidField(e)) => {
            let page = FormPage::new(kecamatan_list(ctx).await?, &form)
                .for_operator(&session)
                .with_error(&e.field, &e.message);
            html(422, &page)
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------ resubmission

/// The old application's fields, as the form names them: a resubmission
/// starts from what was sent before, and names the application it resubmits.
fn prefill(old: &Resubmittable) -> Result<Form, AppError> {
    let a = &old.application;
    let subject = serde_json::to_value(a.subject()?).unwrap_or_default();
    let mut fields = vec![
        (
            "resubmitted_from".to_string(),
            a.registration_number.clone(),
        ),
        ("applicant.nik".into(), a.applicant_nik.clone()),
        ("applicant.name".into(), a.applicant_name.clone()),
        ("applicant.phone".into(), a.applicant_phone.clone()),
        ("applicant.address".into(), a.applicant_address.clone()),
        ("applicant.village_code".into(), a.village_code.clone()),
        ("delivery_method".into(), a.delivery_method.code().into()),
    ];
    fields.extend(
        a.delivery_address
            .clone()
            .map(|d| ("delivery_address".into(), d)),
    );
    fields.extend(
        a.service_list()
            .iter()
            .map(|s| ("services".into(), s.code().into())),
    );
    fields.extend(SUBJECT_FIELDS.iter().filter_map(|f| {
        let value = subject[*f].as_str()?;
        Some((format!("subject.{f}"), value.to_string()))
    }));
    fields.extend(
        old.checklist
            .iter()
            .map(|c| ("checklist".into(), c.clone())),
    );
    if old.papers_at_agency {
        fields.push((PAPERS_KEPT.into(), "1".into()));
    }
    Ok(Form(fields))
}

/// A hidden field that only says, on a form shown again after an error,
/// that the papers are kept (the server decides that again at submission).
const PAPERS_KEPT: &str = "berkas_di_dinas";

/// The citizen's form prefilled from their cancelled application (from
/// `POST /ajukan/ulang`, after the number and NIK were checked).
pub(super) async fn citizen_resubmission_form(ctx: &Ctx, old: &Resubmittable) -> PageResult {
    html(
        200,
        &FormPage::new(kecamatan_list(ctx).await?, &prefill(old)?),
    )
}

/// `GET /staff/applications/{n}/ajukan-ulang`: a village operator's form
/// prefilled from their village's cancelled application; it posts to
/// `/staff/submit` like any other.
pub async fn operator_resubmission_form(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    let session = officer!(&req, ctx);
    let number = parse_number(raw)?;
    let old = staff_resubmission(ctx, &session.staff, &number).await?;
    html(
        200,
        &FormPage::new(kecamatan_list(ctx).await?, &prefill(&old)?).for_operator(&session),
    )
}

// ------------------------------------------------------------ confirmation

#[derive(Template)]
#[template(path = "public_done.html")]
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
