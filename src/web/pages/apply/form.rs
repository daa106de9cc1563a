//! The application form's view model: every field with its label, hint,
//! value and error, the services and their checklists, and the form's
//! fields read back as the API's input.

use askama::Template;

use super::super::Form;
use crate::app::places::Kecamatan;
use crate::domain::application::{ApplicantInput, ApplicationInput, SubjectInput};
use crate::domain::services::{required_items, Service};

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
pub(super) struct FormPage {
    services: Vec<ServiceOption>,
    applicant: Vec<Input>,
    subject: Vec<Input>,
    kecamatan: Vec<Kecamatan>,
    village_code: String,
    sex: String,
    delivery_pos: bool,
    delivery_self: bool,
    delivery_address: Input,
    checklist: Vec<ChecklistOption>,
    /// Field name → message, for fields shown outside the inputs above.
    errors: Vec<(String, String)>,
    /// A message not about one field (the bot trap, limits).
    pub(super) notice: Option<String>,
    /// Where the form posts: `/ajukan` for citizens, `/staff/submit` for a
    /// village operator (whose form also carries the CSRF token).
    action: &'static str,
    csrf: Option<String>,
    /// The operator submitting on a citizen's behalf, shown on the page.
    operator: Option<String>,
    /// The cancelled application this form resubmits (a hidden field).
    resubmitted_from: Option<String>,
    /// Its papers are still at the agency and are carried over.
    papers_kept: bool,
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
    pub(super) fn new(kecamatan: Vec<Kecamatan>, form: &Form) -> FormPage {
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
            delivery_self: form.get("delivery_method") == Some("self_print"),
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
            resubmitted_from: form.text("resubmitted_from"),
            papers_kept: form.text(super::PAPERS_KEPT).is_some(),
        }
    }

    /// The same form for a village operator: only their own village, posted
    /// to the staff route with the session's CSRF token.
    pub(super) fn for_operator(mut self, session: &crate::web::pages::Session) -> FormPage {
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
    pub(super) fn with_error(mut self, field: &str, message: &str) -> FormPage {
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

/// chosen are dropped (without JavaScript every item is on the page).
pub(super) fn application_input(form: &Form) -> ApplicationInput {
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
        resubmitted_from: form.text("resubmitted_from"),
    }
}
