//! One workflow step by an officer (API or staff UI): the request turned
//! into the domain's command, then load → decide → commit → enqueue.

use crate::domain::set::SortedSet;

use serde::Deserialize;
use serde_json::Value;

use super::read::{check_village, not_found};
use super::{after_commit, AppError, Ctx, Staff};
use crate::domain::application::{
    parse_address, parse_person_name, CorrectableField, DeliveryMethod, FieldError,
};
use crate::domain::ids::{Nik, RegistrationNumber};
use crate::domain::papers::PapersReturn;
use crate::domain::products::ProductKind;
use crate::domain::workflow::{decide, Action, Collector, Command, Transition};
use crate::platform;
use crate::store::applications::{self as store, ApplicationRow, Stamp, StepWrite};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    pub action: Option<String>,
    pub reason: Option<String>,
    pub expected_version: Option<i64>,
    pub siak_reference: Option<String>,
    /// Field path → new value, for `correct`.
    pub changes: Option<serde_json::Map<String, Value>>,
    /// Requirement codes present, for `receive_documents`.
    pub checklist: Option<Vec<String>>,
    /// Who collects, for `hand_over`.
    pub collector: Option<CollectorInput>,
    /// The courier's receipt or waybill number, for `record_delivered`.
    pub receipt_number: Option<String>,
    pub delivery_method: Option<String>,
    pub delivery_address: Option<String>,
    /// The product a per-product step is for (`validate_signature`, `sign`);
    /// without it the step takes every product still waiting.
    pub product: Option<String>,
    /// `sign`: the head of agency's signing passphrase, passed to the
    /// e-signature provider and never stored or logged.
    pub passphrase: Option<String>,
    /// `cancel`: how papers the agency holds go back (`pos`, `counter`,
    /// `not_received`).
    pub papers_return: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorInput {
    pub name: Option<String>,
    pub nik: Option<String>,
}

fn required_text<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, FieldError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| FieldError::new(field, "wajib diisi untuk aksi ini"))
}

/// A short reference typed by an officer (SIAK, receipt): printable, bounded.
fn reference(field: &str, value: &Option<String>) -> Result<String, FieldError> {
    let v = required_text(field, value)?;
    if v.chars().count() > 64
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-/._ ".contains(c))
    {
        return Err(FieldError::new(
            field,
            "paling banyak 64 karakter: huruf, angka, - / . _",
        ));
    }
    Ok(v.to_string())
}

/// The optional `product` of a per-product step.
fn product(input: &ActionInput) -> Result<Option<ProductKind>, FieldError> {
    match input
        .product
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => Ok(None),
        Some(code) => ProductKind::parse_field("product", code).map(Some),
    }
}

/// Who collects at the counter (`hand_over`, `return_papers`).
fn collector(input: &ActionInput) -> Result<Collector, FieldError> {
    let c = input
        .collector
        .as_ref()
        .ok_or_else(|| FieldError::new("collector", "identitas pengambil wajib diisi"))?;
    let name = parse_person_name("collector.name", required_text("collector.name", &c.name)?)?;
    let nik = Nik::parse(required_text("collector.nik", &c.nik)?)
        .map_err(|e| FieldError::new("collector.nik", e.to_string()))?;
    Ok(Collector { name, nik })
}

/// Turns the request body into the domain's command for `action`.
pub fn parse_command(input: &ActionInput) -> Result<Command, FieldError> {
    let code = required_text("action", &input.action)?;
    let action = Action::parse(code)
        .filter(|a| *a != Action::Submit)
        .ok_or_else(|| {
            let known: Vec<&str> = Action::ALL
                .iter()
                .filter(|a| **a != Action::Submit)
                .map(|a| a.code())
                .collect();
            FieldError::new(
                "action",
                format!(
                    "aksi '{code}' tidak dikenal; pilih salah satu: {}",
                    known.join(", ")
                ),
            )
        })?;
    Ok(match action {
        Action::Accept => Command::Accept {
            siak_reference: reference("siak_reference", &input.siak_reference)?,
        },
        Action::Approve => Command::Approve,
        Action::ReceiveDocuments => {
            let list = input
                .checklist
                .as_ref()
                .ok_or_else(|| FieldError::new("checklist", "centang berkas yang diterima"))?;
            // Inserted one by one (collecting would sort first, which costs
            // the Worker a whole stable sort).
            let mut checklist = SortedSet::new();
            for s in list {
                checklist.insert(s.trim().to_string());
            }
            Command::ReceiveDocuments { checklist }
        }
        Action::Correct => {
            let map = input
                .changes
                .as_ref()
                .filter(|m| !m.is_empty())
                .ok_or_else(|| FieldError::new("changes", "isi kolom yang diperbaiki"))?;
            let mut changes = Vec::with_capacity(map.len());
            for (path, value) in map {
                let field = CorrectableField::parse(path).ok_or_else(|| {
                    FieldError::new(
                        format!("changes.{path}"),
                        "kolom ini tidak dapat diperbaiki",
                    )
                })?;
                let value = value.as_str().ok_or_else(|| {
                    FieldError::new(format!("changes.{path}"), "nilai harus teks")
                })?;
                changes.push((field, value.to_string()));
            }
            Command::Correct { changes }
        }
        Action::AttachDraft => {
            return Err(FieldError::new(
                "action",
                "draf dilampirkan lewat POST /api/v1/applications/{nomor}/products/{produk}/draft",
            ))
        }
        Action::RequestSignature => Command::RequestSignature,
        Action::ValidateSignature => Command::ValidateSignature {
            product: product(input)?,
        },
        Action::ReturnToProduction => Command::ReturnToProduction,
        // The passphrase is checked once the role and status are: a role
        // that never signs is told so, not asked for a passphrase.
        Action::Sign => Command::Sign {
            product: product(input)?,
            signed: None,
        },
        Action::MarkPrinted => Command::MarkPrinted {
            download_link: None,
        },
        Action::HandOver => Command::HandOver {
            collector: collector(input)?,
        },
        Action::RecordDelivered => Command::RecordDelivered {
            receipt: reference("receipt_number", &input.receipt_number)?,
        },
        Action::RecordReturned => Command::RecordReturned,
        Action::RecordDownloaded => Command::RecordDownloaded,
        Action::Cancel => Command::Cancel {
            papers_return: match input.papers_return.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(code) => Some(PapersReturn::parse_field("papers_return", code)?),
            },
            return_cod: 0,
        },
        Action::ReturnPapers => Command::ReturnPapers {
            collector: Some(collector(input)?),
            receipt: None,
        },
        Action::ChangeDeliveryMethod => {
            let method = DeliveryMethod::parse(
                "delivery_method",
                required_text("delivery_method", &input.delivery_method)?,
            )?;
            let address = match (&input.delivery_address, method) {
                (Some(a), DeliveryMethod::Pos) if !a.trim().is_empty() => {
                    Some(parse_address("delivery_address", a)?)
                }
                _ => None,
            };
            Command::ChangeDeliveryMethod { method, address }
        }
        Action::Submit => {
            return Err(FieldError::new(
                "action",
                "gunakan POST /api/v1/applications",
            ))
        }
    })
}

/// One workflow step by an officer, from the API or the staff UI: parse →
/// load → decide → commit (one batch) → enqueue the new outbox rows.
/// Returns the transition and when it happened.
pub async fn perform(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
    input: &ActionInput,
) -> Result<(Transition, String), AppError> {
    let command = parse_command(input)?;
    let row = store::load(&ctx.db, number).await?;
    perform_on(ctx, staff, number, row, command, input).await
}

/// `perform` of `command` (parsed from `input`) on the application as
/// already read (`row`, read with the session in one round trip by the
/// API: the step is then one more, its write — signing too, however many
/// products it signs).
pub async fn perform_on(
    ctx: &Ctx,
    staff: &Staff,
    number: &RegistrationNumber,
    row: Option<ApplicationRow>,
    command: Command,
    input: &ActionInput,
) -> Result<(Transition, String), AppError> {
    if let Command::Sign { product, .. } = command {
        // Signing calls the e-signature provider between checking and
        // committing: its own flow.
        let passphrase = input.passphrase.as_deref().unwrap_or_default();
        return crate::app::products::sign(
            ctx,
            staff,
            number,
            row,
            product,
            passphrase,
            input.expected_version,
        )
        .await;
    }
    let row = row.ok_or_else(|| not_found(number))?;
    check_village(staff, &row.village_code)?;
    let state = row.to_state()?;
    let actor = staff.actor();
    // Cetak mandiri: the step sends the download link, stored with it.
    let mut extra = Vec::new();
    let mut command = command;
    if let (Command::MarkPrinted { .. }, DeliveryMethod::SelfPrint) =
        (&command, state.delivery_method)
    {
        let (link, statements) = super::self_print::new_link(ctx, &row.registration_number)?;
        command = Command::MarkPrinted {
            download_link: Some(link),
        };
        extra = statements;
    }
    if let Command::Cancel { papers_return, .. } = command {
        command = Command::Cancel {
            papers_return,
            return_cod: crate::dispatch::return_cod(&ctx.env),
        };
    }
    let transition = decide(
        &state,
        &command,
        &actor,
        input.reason.as_deref(),
        input.expected_version,
        platform::today_wib(),
        &ctx.public_base_url(),
    )?;
    let now = ctx.now_text();
    let day = platform::wib_date(ctx.now).to_string();
    let step = StepWrite {
        transition: &transition,
        actor: &actor,
        at: Stamp {
            now: &now,
            day: &day,
        },
    };
    let rows = store::commit_step(&ctx.db, &step, extra).await?;
    after_commit(ctx, &rows).await;
    Ok((transition, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(v: Value) -> ActionInput {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn an_unknown_action_names_the_action_field_and_lists_the_known_ones() {
        let err = parse_command(&input(serde_json::json!({"action": "approve_all"}))).err();
        let err = err.unwrap_or_else(|| FieldError::new("", ""));
        assert_eq!(err.field, "action");
        assert!(err.message.contains("receive_documents"));
    }

    #[test]
    fn accept_needs_a_siak_reference() {
        let err = parse_command(&input(serde_json::json!({"action": "accept"})))
            .err()
            .map(|e| e.field);
        assert_eq!(err.as_deref(), Some("siak_reference"));
        let ok = parse_command(&input(
            serde_json::json!({"action": "accept", "siak_reference": "SIAK/2026/001"}),
        ));
        assert!(matches!(ok, Ok(Command::Accept { .. })));
    }

    #[test]
    fn a_correction_of_the_applicant_nik_is_refused_naming_the_path() {
        let err = parse_command(&input(
            serde_json::json!({"action": "correct", "changes": {"applicant.nik": "3312014502900001"}}),
        ))
        .err();
        assert_eq!(
            err.map(|e| e.field).as_deref(),
            Some("changes.applicant.nik")
        );
    }

    #[test]
    fn hand_over_checks_the_collectors_nik() {
        let err = parse_command(&input(
            serde_json::json!({"action": "hand_over", "collector": {"name": "Sri", "nik": "123"}}),
        ))
        .err();
        assert_eq!(err.map(|e| e.field).as_deref(), Some("collector.nik"));
    }

    #[test]
    fn submit_is_not_an_action_on_an_existing_application() {
        assert!(parse_command(&input(serde_json::json!({"action": "submit"}))).is_err());
    }
}
