//! The application form's view model: every field with its label, hint,
//! value and error, the services and their checklists, and the form's
//! fields read back as the API's input.

use askama::Template;

use super::super::Form;
use crate::app::places::Kecamatan;
use crate::domain::application::{
    ApplicantInput, ApplicationInput, FieldError, SubjectField, SubjectInput,
};
use crate::domain::services::{required_items, Service};
use crate::platform;

// -------------------------------------------------------------------- form

/// One input of the form (a text-like input, or a select when it has
/// `options`), with what the citizen typed and the server's complaint
/// about it. Rendered by its own template, once, not inlined at each of
/// the form's three places.
#[derive(Template)]
#[template(path = "public_input.html", whitespace = "minimize")]
pub struct Input {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub kind: &'static str,
    pub inputmode: &'static str,
    pub autocomplete: &'static str,
    pub maxlength: u32,
    pub required: bool,
    /// Asked but not needed: the label says "(opsional)".
    pub optional: bool,
    /// A select's choices (value, label).
    pub options: &'static [(&'static str, &'static str)],
    pub value: String,
    /// The whole message ("NIK pemohon: wajib diisi"), the same words as
    /// in the error summary.
    pub error: Option<String>,
}

impl Input {
    pub fn id(&self) -> String {
        self.name.replace('.', "-")
    }

    /// This input's HTML.
    pub fn html(&self) -> String {
        self.render().unwrap_or_default()
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
    pub checked: bool,
}

/// One line of the error summary: the field's id on the page and the
/// message.
pub struct Problem {
    pub href: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "public_form.html", whitespace = "minimize")]
pub(super) struct FormPage {
    /// No service chosen yet: the page asks only that (step 1).
    choosing: bool,
    services: Vec<ServiceOption>,
    applicant: Vec<Input>,
    subject: Vec<Input>,
    kecamatan: Vec<Kecamatan>,
    village_code: String,
    delivery_pos: bool,
    delivery_self: bool,
    /// "Pemberitahuan lewat": WhatsApp chosen (else SMS).
    whatsapp: bool,
    delivery_address: Input,
    checklist: Vec<ChecklistOption>,
    /// Field name → message, for fields shown outside the inputs above.
    errors: Vec<(String, String)>,
    /// Every error in page order, linked to its field.
    summary: Vec<Problem>,
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
    /// This form's idempotency key: a double tap, or the same form sent
    /// again when the signal returns, makes one application.
    kunci: String,
}

impl FormPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    fn has_errors(&self) -> bool {
        !self.summary.is_empty() || self.notice.is_some()
    }

    /// The chosen services' names, for step 2's heading.
    fn chosen(&self) -> String {
        let names: Vec<&str> = self
            .services
            .iter()
            .filter(|s| s.checked)
            .map(|s| s.label)
            .collect();
        names.join(", ")
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
        required: true,
        optional: false,
        options: &[],
        value: form.get(name).unwrap_or_default().to_string(),
        error: None,
    }
}

fn numeric(mut i: Input, maxlength: u32) -> Input {
    i.inputmode = "numeric";
    i.maxlength = maxlength;
    i
}

fn auto(mut i: Input, autocomplete: &'static str) -> Input {
    i.autocomplete = autocomplete;
    i
}

const SEXES: &[(&str, &str)] = &[("male", "Laki-laki"), ("female", "Perempuan")];

/// The subject's inputs, in the order of [`SubjectField::ALL`] (the order
/// the server reports errors in).
fn subject_input(field: SubjectField, form: &Form) -> Input {
    use SubjectField as F;
    let (name, label, hint) = match field {
        F::Name => (
            "subject.name",
            "Nama lengkap",
            "Anak yang baru lahir, atau anggota keluarga yang dimohonkan",
        ),
        F::Sex => ("subject.sex", "Jenis kelamin", ""),
        F::BirthDate => ("subject.birth_date", "Tanggal lahir", ""),
        F::BirthPlace => ("subject.birth_place", "Tempat lahir", "Kota/kabupaten"),
        F::MotherName => ("subject.mother_name", "Nama ibu kandung", ""),
        F::FatherName => ("subject.father_name", "Nama ayah", ""),
        F::FamilyCardNumber => (
            "subject.family_card_number",
            "Nomor KK",
            "16 digit nomor Kartu Keluarga",
        ),
        F::Nik => (
            "subject.nik",
            "NIK",
            "Bila sudah ada; bayi baru lahir belum punya",
        ),
    };
    let kind = if field == F::BirthDate {
        "date"
    } else {
        "text"
    };
    let i = input(name, label, hint, kind, form);
    match field {
        F::Sex => Input {
            options: SEXES,
            ..i
        },
        F::FamilyCardNumber | F::Nik => numeric(i, 16),
        _ => i,
    }
}

impl FormPage {
    pub(super) fn new(kecamatan: Vec<Kecamatan>, form: &Form) -> FormPage {
        let chosen: Vec<Service> = form
            .all("services")
            .iter()
            .filter_map(|c| Service::parse(c))
            .collect();
        let services = Service::ALL
            .iter()
            .map(|s| ServiceOption {
                code: s.code(),
                label: s.label(),
                checked: chosen.contains(s),
            })
            .collect();
        let ticked = form.all("checklist");
        let checklist = required_items(&chosen)
            .into_iter()
            .map(|code| ChecklistOption {
                code,
                label: crate::domain::services::requirement_label(code).unwrap_or(code),
                checked: ticked.iter().any(|t| t == code),
            })
            .collect();
        let applicant = vec![
            auto(
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
            ),
            auto(
                input(
                    "applicant.name",
                    "Nama lengkap pemohon",
                    "Sesuai KTP-el",
                    "text",
                    form,
                ),
                "name",
            ),
            auto(
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
            ),
            auto(
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
            ),
        ];
        let subject = SubjectField::ALL
            .into_iter()
            .filter(|f| chosen.iter().any(|s| f.asked_by(*s)))
            .map(|f| {
                let required = chosen.iter().any(|s| f.required_by(*s));
                Input {
                    required,
                    optional: !required,
                    ..subject_input(f, form)
                }
            })
            .collect();
        let kunci = form
            .text("kunci")
            .filter(|k| k.len() <= 64)
            .or_else(|| {
                platform::random_bytes::<16>()
                    .ok()
                    .map(|b| crate::domain::hex::encode(&b))
            })
            .unwrap_or_default();
        FormPage {
            choosing: chosen.is_empty(),
            services,
            applicant,
            subject,
            kecamatan,
            village_code: form
                .get("applicant.village_code")
                .unwrap_or_default()
                .to_string(),
            delivery_pos: form.get("delivery_method") == Some("pos"),
            delivery_self: form.get("delivery_method") == Some("self_print"),
            whatsapp: form.get("notify_channel") == Some("whatsapp"),
            delivery_address: Input {
                maxlength: 300,
                required: false,
                optional: true,
                ..auto(
                    input(
                        "delivery_address",
                        "Alamat pengiriman pos",
                        "Hanya bila diantar PT Pos; kosongkan bila sama dengan alamat pemohon",
                        "text",
                        form,
                    ),
                    "street-address",
                )
            },
            checklist,
            errors: Vec::new(),
            summary: Vec::new(),
            notice: None,
            action: "/ajukan",
            csrf: None,
            operator: None,
            resubmitted_from: form.text("resubmitted_from"),
            papers_kept: form.text(super::PAPERS_KEPT).is_some(),
            kunci,
        }
    }

    /// A village operator's form when there is a session, else the citizen's.
    pub(super) fn for_session(self, session: Option<&crate::web::pages::Session>) -> FormPage {
        match session {
            Some(s) => self.for_operator(s),
            None => self,
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

    /// Puts each of the server's complaints next to its field and in the
    /// summary at the top, in the order given (the form's order).
    pub(super) fn with_errors(mut self, errors: &[FieldError]) -> FormPage {
        for e in errors {
            let target = self
                .applicant
                .iter_mut()
                .chain(self.subject.iter_mut())
                .chain(std::iter::once(&mut self.delivery_address))
                .find(|i| i.name == e.field);
            let (href, text) = match target {
                Some(i) => {
                    let text = format!("{}: {}", i.label, e.message);
                    i.error = Some(text.clone());
                    (i.id(), text)
                }
                None => {
                    let (href, label) = match e.field.as_str() {
                        "services" => ("services", "Layanan"),
                        "applicant.village_code" => {
                            ("applicant-village_code", "Desa/Kelurahan tempat tinggal")
                        }
                        "delivery_method" => ("delivery", "Cara menerima dokumen"),
                        "checklist" => ("checklist", "Berkas persyaratan"),
                        _ => ("ajukan", "Formulir"),
                    };
                    let text = format!("{label}: {}", e.message);
                    self.errors.push((e.field.clone(), text.clone()));
                    (href.to_string(), text)
                }
            };
            self.summary.push(Problem { href, text });
        }
        self
    }
}

/// The API's input from the form's fields; checklist ticks for services not
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
        notify_channel: form.text("notify_channel"),
    }
}

// ------------------------------------------------------------------ review

/// "Periksa kembali": the answers, carried in hidden fields, to send as
/// they are or to change.
#[derive(Template)]
#[template(path = "public_review.html", whitespace = "minimize")]
pub(super) struct ReviewPage {
    rows: Vec<(&'static str, String)>,
    fields: Vec<(String, String)>,
    action: &'static str,
    csrf: Option<String>,
    operator: Option<String>,
}

impl ReviewPage {
    pub(super) fn new(page: FormPage, form: &Form) -> ReviewPage {
        let mut rows = vec![("Layanan", page.chosen())];
        for i in &page.applicant {
            rows.push((i.label, i.value.clone()));
        }
        let notify = if page.whatsapp { "WhatsApp" } else { "SMS" };
        rows.push(("Pemberitahuan lewat", notify.into()));
        let village = page
            .kecamatan
            .iter()
            .flat_map(|k| k.villages.iter().map(move |v| (k, v)))
            .find(|(_, v)| v.code == page.village_code)
            .map(|(k, v)| format!("{}, Kec. {}", v.name, k.name))
            .unwrap_or_default();
        rows.push(("Desa/Kelurahan tempat tinggal", village));
        for i in page.subject.iter().filter(|i| !i.value.trim().is_empty()) {
            let value = match (i.options.iter().find(|o| o.0 == i.value), i.kind) {
                (Some(option), _) => option.1.to_string(),
                (None, "date") => crate::domain::time::parse_day(&i.value)
                    .map(crate::domain::time::day_label)
                    .unwrap_or_else(|| i.value.clone()),
                _ => i.value.clone(),
            };
            rows.push((i.label, value));
        }
        let delivery = match form.get("delivery_method") {
            Some("pos") => "Diantar PT Pos ke alamat (COD Rp 10.000)",
            Some("self_print") => "Cetak mandiri (unduh lewat tautan SMS)",
            _ => "Diambil di Loket Pengambilan Disdukcapil",
        };
        rows.push(("Dokumen jadi diterima dengan", delivery.to_string()));
        if page.delivery_pos && !page.delivery_address.value.trim().is_empty() {
            rows.push((page.delivery_address.label, page.delivery_address.value));
        }
        let ticked: Vec<&str> = page
            .checklist
            .iter()
            .filter(|c| c.checked)
            .map(|c| c.label)
            .collect();
        rows.push((
            "Berkas yang sudah disiapkan",
            if ticked.is_empty() {
                "belum ada yang dicentang".to_string()
            } else {
                ticked.join("; ")
            },
        ));
        let mut fields: Vec<(String, String)> = form
            .0
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "langkah" | "csrf" | "kunci"))
            .cloned()
            .collect();
        fields.push(("kunci".into(), page.kunci));
        ReviewPage {
            rows,
            fields,
            action: page.action,
            csrf: page.csrf,
            operator: page.operator,
        }
    }
}
