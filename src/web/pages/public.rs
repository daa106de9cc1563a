//! The citizens' pages (Indonesian, mobile first, no JavaScript needed):
//! the landing page that explains PAK POS, the application form, its
//! confirmation, the tracking page, and the village list as JSON for the
//! form's enhancement and the Android app. Forms post to the same code the
//! API runs (`create_application`, `citizen_status`), so the server's checks
//! are the only ones that count; `public.js` only mirrors them as you type.

use askama::Template;

use super::officer;

use worker::Request;

use super::{html, redirect, Form, PageResult};
use crate::app::places::{kecamatan_list, Kecamatan};
use crate::app::read::{citizen_status, CitizenStatus};
use crate::app::submit::create_application;
use crate::app::AppError;
use crate::app::{limits, Ctx};
use crate::domain::application::{ApplicantInput, ApplicationInput, SubjectInput};
use crate::domain::ids::RegistrationNumber;
use crate::domain::services::{required_items, Service};
use crate::web::request::{abuse_key, read_form, Body};

/// The bot trap: a field people never see and bots fill in.
const HONEYPOT: &str = "website";

// ---------------------------------------------------------------- villages

// ----------------------------------------------------------------- landing

#[derive(Template)]
#[template(path = "public_landing.html")]
struct LandingPage {}

pub async fn landing(_req: Request, _ctx: &Ctx) -> PageResult {
    html(200, &LandingPage {})
}

// -------------------------------------------------------------------- form

/// One text-like input of the form, with what the citizen typed and the
/// server's complaint about it.
pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: &'static str,
    pub inputmode: &'static str,
    pub autocomplete: &'static str,
    pub maxlength: u32,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
}

impl Input {
    pub fn id(&self) -> String {
        self.name.replace('.', "-")
    }
}

pub struct ServiceOption {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

pub struct ChecklistOption {
    pub code: &'static str,
    pub label: &'static str,
    /// The services needing it, space-separated (for public.js).
    pub services: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "public_form.html")]
struct FormPage {
    services: Vec<ServiceOption>,
    applicant: Vec<Input>,
    subject: Vec<Input>,
    kecamatan: Vec<Kecamatan>,
    village_code: String,
    sex: String,
    delivery_pos: bool,
    delivery_address: Input,
    checklist: Vec<ChecklistOption>,
    /// Field name → message, for fields shown outside the inputs above.
    errors: Vec<(String, String)>,
    /// A message not about one field (the bot trap, limits).
    notice: Option<String>,
    /// Where the form posts: `/ajukan` for citizens, `/staff/submit` for a
    /// village operator (whose form also carries the CSRF token).
    action: &'static str,
    csrf: Option<String>,
    /// The operator submitting on a citizen's behalf, shown on the page.
    operator: Option<String>,
}

impl FormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn has_errors(&self) -> bool {
        let mut inputs = self
            .applicant
            .iter()
            .chain(&self.subject)
            .chain(std::iter::once(&self.delivery_address));
        !self.errors.is_empty() || self.notice.is_some() || inputs.any(|i| i.error.is_some())
    }
}

fn input(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    kind: &'static str,
    form: &Form,
) -> Input {
    Input {
        name,
        label,
        hint,
        kind,
        inputmode: "",
        autocomplete: "",
        maxlength: 100,
        required: false,
        value: form.get(name).unwrap_or_default().to_string(),
        error: None,
    }
}

fn numeric(mut i: Input, maxlength: u32) -> Input {
    i.inputmode = "numeric";
    i.maxlength = maxlength;
    i
}

fn required(mut i: Input) -> Input {
    i.required = true;
    i
}

fn auto(mut i: Input, autocomplete: &'static str) -> Input {
    i.autocomplete = autocomplete;
    i
}

impl FormPage {
    fn new(kecamatan: Vec<Kecamatan>, form: &Form) -> FormPage {
        let chosen = form.all("services");
        let fresh = form.0.is_empty();
        let services = Service::ALL
            .iter()
            .map(|s| ServiceOption {
                code: s.code(),
                label: s.label(),
                checked: chosen.iter().any(|c| c == s.code())
                    || (fresh && *s == Service::BirthCertificate),
            })
            .collect();
        let ticked = form.all("checklist");
        let checklist = required_items(&Service::ALL)
            .into_iter()
            .map(|code| ChecklistOption {
                code,
                label: crate::domain::services::requirement_label(code).unwrap_or(code),
                services: Service::ALL
                    .iter()
                    .filter(|s| s.requirements().iter().any(|r| r.code == code))
                    .map(|s| s.code())
                    .collect::<Vec<_>>()
                    .join(" "),
                checked: ticked.iter().any(|t| t == code),
            })
            .collect();
        let applicant = vec![
            required(auto(
                numeric(
                    input(
                        "applicant.nik",
                        "NIK pemohon",
                        "16 digit, sesuai KTP-el",
                        "text",
                        form,
                    ),
                    16,
                ),
                "off",
            )),
            required(auto(
                input(
                    "applicant.name",
                    "Nama lengkap pemohon",
                    "Sesuai KTP-el",
                    "text",
                    form,
                ),
                "name",
            )),
            required(auto(
                Input {
                    inputmode: "tel",
                    maxlength: 20,
                    ..input(
                        "applicant.phone",
                        "Nomor HP",
                        "Untuk SMS pemberitahuan, contoh 081234567890",
                        "tel",
                        form,
                    )
                },
                "tel",
            )),
            required(auto(
                Input {
                    maxlength: 300,
                    ..input(
                        "applicant.address",
                        "Alamat pemohon",
                        "Jalan/dusun, RT/RW",
                        "text",
                        form,
                    )
                },
                "street-address",
            )),
        ];
        let subject = vec![
            required(input(
                "subject.name",
                "Nama lengkap",
                "Anak yang baru lahir, atau anggota keluarga yang dimohonkan",
                "text",
                form,
            )),
            input(
                "subject.birth_date",
                "Tanggal lahir",
                "Wajib untuk Akta Kelahiran dan KIA",
                "date",
                form,
            ),
            input(
                "subject.birth_place",
                "Tempat lahir",
                "Wajib untuk Akta Kelahiran",
                "text",
                form,
            ),
            input(
                "subject.mother_name",
                "Nama ibu kandung",
                "Wajib untuk Akta Kelahiran",
                "text",
                form,
            ),
            input(
                "subject.father_name",
                "Nama ayah",
                "Boleh dikosongkan",
                "text",
                form,
            ),
            required(numeric(
                input(
                    "subject.family_card_number",
                    "Nomor KK",
                    "16 digit nomor Kartu Keluarga",
                    "text",
                    form,
                ),
                16,
            )),
            numeric(
                input(
                    "subject.nik",
                    "NIK (jika sudah ada)",
                    "Boleh dikosongkan untuk bayi baru lahir",
                    "text",
                    form,
                ),
                16,
            ),
        ];
        FormPage {
            services,
            applicant,
            subject,
            kecamatan,
            village_code: form
                .get("applicant.village_code")
                .unwrap_or_default()
                .to_string(),
            sex: form.get("subject.sex").unwrap_or_default().to_string(),
            delivery_pos: form.get("delivery_method") == Some("pos"),
            delivery_address: Input {
                maxlength: 300,
                ..auto(
                    input(
                        "delivery_address",
                        "Alamat pengiriman pos",
                        "Kosongkan bila sama dengan alamat pemohon",
                        "text",
                        form,
                    ),
                    "street-address",
                )
            },
            checklist,
            errors: Vec::new(),
            notice: None,
            action: "/ajukan",
            csrf: None,
            operator: None,
        }
    }

    /// The same form for a village operator: only their own village, posted
    /// to the staff route with the session's CSRF token.
    fn for_operator(mut self, session: &crate::web::pages::Session) -> FormPage {
        let own = session
            .staff
            .village
            .as_ref()
            .map(|v| v.as_str().to_string())
            .unwrap_or_default();
        for k in &mut self.kecamatan {
            k.villages.retain(|v| v.code == own);
        }
        self.kecamatan.retain(|k| !k.villages.is_empty());
        self.village_code = own;
        self.action = "/staff/submit";
        self.csrf = Some(session.csrf.clone());
        self.operator = Some(session.staff.display_name.clone());
        self
    }

    /// Puts the server's complaint next to its field, or at the top when no
    /// input of the form carries that name.
    fn with_error(mut self, field: &str, message: &str) -> FormPage {
        let target = self
            .applicant
            .iter_mut()
            .chain(self.subject.iter_mut())
            .chain(std::iter::once(&mut self.delivery_address))
            .find(|i| i.name == field);
        match target {
            Some(i) => i.error = Some(message.to_string()),
            None => self.errors.push((field.to_string(), message.to_string())),
        }
        self
    }
}

pub async fn form_page(_req: Request, ctx: &Ctx) -> PageResult {
    html(
        200,
        &FormPage::new(kecamatan_list(ctx).await?, &Form::default()),
    )
}

/// The API's input from the form's fields; checklist ticks for services not
/// chosen are dropped (without JavaScript every item is on the page).
fn application_input(form: &Form) -> ApplicationInput {
    let services = form.all("services");
    let chosen: Vec<Service> = services.iter().filter_map(|c| Service::parse(c)).collect();
    let allowed = required_items(&chosen);
    let checklist = form
        .all("checklist")
        .into_iter()
        .filter(|c| allowed.contains(&c.as_str()))
        .collect();
    ApplicationInput {
        service: None,
        services: Some(services),
        applicant: Some(ApplicantInput {
            nik: form.text("applicant.nik"),
            name: form.text("applicant.name"),
            phone: form.text("applicant.phone"),
            village_code: form.text("applicant.village_code"),
            address: form.text("applicant.address"),
        }),
        subject: Some(SubjectInput {
            name: form.text("subject.name"),
            sex: form.text("subject.sex"),
            birth_date: form.text("subject.birth_date"),
            birth_place: form.text("subject.birth_place"),
            mother_name: form.text("subject.mother_name"),
            father_name: form.text("subject.father_name"),
            family_card_number: form.text("subject.family_card_number"),
            nik: form.text("subject.nik"),
        }),
        delivery_method: form.text("delivery_method"),
        delivery_address: if form.get("delivery_method") == Some("pos") {
            form.text("delivery_address")
        } else {
            None
        },
        channel: Some("web".into()),
        checklist: Some(checklist),
    }
}

pub async fn submit(mut req: Request, ctx: &Ctx) -> PageResult {
    let ip = abuse_key(&req);
    let form = read_form(&mut req, Body::PublicForm).await?;
    if let Some(ip) = &ip {
        if let Err(e) = limits::hit(ctx, limits::SUBMIT, ip).await {
            let mut page = FormPage::new(kecamatan_list(ctx).await?, &form);
            page.notice = Some(e.to_string());
            return html(e.status(), &page);
        }
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

// ---------------------------------------------------------------- tracking

pub struct Step {
    pub label: String,
    pub at: String,
    pub reason: Option<String>,
}

#[derive(Template)]
#[template(path = "public_track.html")]
struct TrackPage {
    number: String,
    nik: String,
    error: Option<String>,
    result: Option<TrackResult>,
}

pub struct TrackResult {
    pub number: String,
    pub status_label: String,
    pub next_step: Option<String>,
    pub cancelled: bool,
    pub finished: bool,
    pub steps: Vec<Step>,
}

fn track_result(v: &CitizenStatus) -> TrackResult {
    TrackResult {
        number: v.registration_number.clone(),
        status_label: v.status_label.to_string(),
        next_step: v.next_step.map(String::from),
        cancelled: v.status == "cancelled",
        finished: v.status == "completed",
        steps: v
            .history
            .iter()
            .map(|h| Step {
                label: h.label.to_string(),
                at: super::wib(&h.at),
                reason: h.reason.clone(),
            })
            .collect(),
    }
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url()
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim().to_string())
}

pub async fn track(req: Request, ctx: &Ctx) -> PageResult {
    let number = query(&req, "nomor").unwrap_or_default();
    let nik = query(&req, "nik");
    let asked = nik.is_some();
    let nik = nik.unwrap_or_default();
    let mut page = TrackPage {
        number: number.clone(),
        nik: nik.clone(),
        error: None,
        result: None,
    };
    // `/lacak?nomor=…` alone (the confirmation page's link) only fills the form in.
    if !asked {
        return html(200, &page);
    }
    if number.is_empty() || nik.is_empty() {
        page.error = Some("Isi nomor pendaftaran dan NIK pemohon.".into());
        return html(422, &page);
    }
    let outcome = match RegistrationNumber::parse(&number) {
        Ok(n) => citizen_status(ctx, abuse_key(&req).as_deref(), &n, &nik).await,
        Err(e) => Err(AppError::invalid("nomor", e.to_string())),
    };
    match outcome {
        Ok(v) => {
            // The NIK is not echoed back: the result page holds no personal data.
            page.nik.clear();
            page.result = Some(track_result(&v));
            html(200, &page)
        }
        Err(AppError::NotFound(_)) => {
            page.error = Some("Permohonan dengan nomor pendaftaran dan NIK tersebut tidak ditemukan. Periksa kembali keduanya.".into());
            html(404, &page)
        }
        Err(e @ (AppError::InvalidField(_) | AppError::TooManyAttempts(_))) => {
            let status = e.status();
            page.error = Some(match &e {
                AppError::InvalidField(f) if f.field == "nik" => format!("NIK: {}", f.message),
                AppError::InvalidField(f) => format!("Nomor pendaftaran: {}", f.message),
                other => format!(
                    "Terlalu banyak percobaan. {}",
                    capitalised(&other.to_string())
                ),
            });
            html(status, &page)
        }
        Err(e) => Err(e),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
