//! The application page: everything about one application for the officer
//! (each view is written to the access log), the timeline, messages,
//! shipments and fees, and a form for each action the officer's role may
//! take now. When someone else acted first, the page says so and shows the
//! new state; nothing is applied twice (`expected_version`).

use super::officer;
use serde_json::Value;
use worker::Request;

use super::{error_page, form, html, redirect, Form, PageResult, Session};
use crate::app::act::{perform, ActionInput, CollectorInput};
use crate::app::messages::resend_sms;
use crate::app::read::{parse_number, staff_page, StaffPage};
use crate::app::AppError;
use crate::app::Ctx;
use crate::domain::application::{DeliveryMethod, SUBJECT_FIELDS};
use crate::domain::ids::RegistrationNumber;
use crate::domain::papers::Papers;
use crate::domain::roles::{ActorKind, Role};
use crate::domain::services::requirement_label;
use crate::domain::workflow::{available_actions, Action, Command, Status};
use view::*;
mod view;

fn query(req: &Request, name: &str) -> Option<String> {
    crate::web::request::Target::of(req)
        .pairs()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Renders the page for the current state, with a notice or an error.
pub(super) async fn render(
    ctx: &Ctx,
    session: Session,
    number: &RegistrationNumber,
    notice: Option<String>,
    error: Option<String>,
    status: u16,
) -> PageResult {
    let StaffPage {
        record,
        events,
        documents,
        duplicates,
    } = staff_page(ctx, &session.staff, number).await?;
    let a = &record.application;
    let status_now = a.status;
    let subject = a.subject().map_err(|e| AppError::internal("subject", e))?;
    let subject_json = serde_json::to_value(&subject).unwrap_or_default();
    let services = a.service_list();

    let applicant = vec![
        Field {
            label: "NIK",
            value: a.applicant_nik.clone(),
        },
        Field {
            label: "Nama",
            value: a.applicant_name.clone(),
        },
        Field {
            label: "Nomor HP",
            value: a.applicant_phone.clone(),
        },
        Field {
            label: "Alamat",
            value: a.applicant_address.clone(),
        },
        Field {
            label: "Desa/Kelurahan",
            value: format!(
                "{} ({}), Kec. {}",
                a.village_name.clone().unwrap_or_default(),
                a.village_code,
                a.kecamatan_name.clone().unwrap_or_default()
            ),
        },
        Field {
            label: "Saluran",
            value: a.channel.label().into(),
        },
        Field {
            label: "Referensi SIAK",
            value: a.siak_reference.clone().unwrap_or_else(|| "-".into()),
        },
    ];
    let subject_fields: Vec<Field> = SUBJECT_FIELDS
        .iter()
        .filter_map(|f| {
            let value = subject_json[*f].as_str()?;
            let shown = if *f == "sex" {
                sex_label(value).to_string()
            } else {
                value.to_string()
            };
            Some(Field {
                label: subject_label(f),
                value: shown,
            })
        })
        .collect();
    let mut correctable = vec![
        Correctable {
            path: "applicant.name".into(),
            label: "Nama pemohon",
            value: a.applicant_name.clone(),
            kind: "text",
        },
        Correctable {
            path: "applicant.address".into(),
            label: "Alamat pemohon",
            value: a.applicant_address.clone(),
            kind: "text",
        },
    ];
    correctable.extend(SUBJECT_FIELDS.iter().map(|f| Correctable {
        path: format!("subject.{f}"),
        label: subject_label(f),
        value: subject_json[*f].as_str().unwrap_or_default().to_string(),
        kind: match *f {
            "sex" => "sex",
            "birth_date" => "date",
            _ => "text",
        },
    }));
    let received: std::collections::HashMap<&str, (bool, bool)> = record
        .requirements
        .iter()
        .map(|r| (r.item.as_str(), (r.submitted == 1, r.received_at.is_some())))
        .collect();
    let checklist = a
        .required_papers(crate::platform::today_wib())?
        .into_iter()
        .map(|code| {
            let (submitted, got) = received.get(code).copied().unwrap_or_default();
            Check {
                code: code.into(),
                label: requirement_label(code).unwrap_or(code).into(),
                submitted,
                received: got,
                uploads: documents
                    .iter()
                    .filter(|d| d.item == code)
                    .map(|d| (d.id, d.filename.clone()))
                    .collect(),
            }
        })
        .collect();
    let allowed = available_actions(status_now, ActorKind::Staff(session.staff.role));
    let products: Vec<ProductView> = a
        .products()?
        .into_iter()
        .map(|p| ProductView {
            code: p.kind.code(),
            label: p.kind.label(),
            number_label: p.kind.number_label(),
            document_number: p.document_number.clone().unwrap_or_default(),
            has_draft: p.draft.is_some(),
            draft_sha: p
                .draft
                .as_ref()
                .map(|d| d.sha256.chars().take(12).collect())
                .unwrap_or_default(),
            validated: p.validated,
            signed_code: p.signed.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            can_attach: allowed.contains(&Action::AttachDraft),
            can_validate: allowed.contains(&Action::ValidateSignature) && !p.validated,
            can_sign: allowed.contains(&Action::Sign) && p.validated && p.signed.is_none(),
        })
        .collect();
    let any_signed = products.iter().any(|p| !p.signed_code.is_empty());
    let a_delivery = a.delivery_method;
    let papers = a.papers;
    let actions = allowed
        .into_iter()
        // Drafts have their own form per product (a file upload); papers
        // are returned only when the agency still holds some.
        .filter(|a| *a != Action::AttachDraft)
        .filter(|a| *a != Action::ReturnPapers || papers.is_some_and(Papers::to_return))
        .map(|a| ActionForm {
            code: a.code(),
            label: match (a, a_delivery) {
                (Action::MarkPrinted, DeliveryMethod::SelfPrint) => {
                    "Rilis untuk cetak mandiri (kirim tautan unduh lewat SMS)"
                }
                _ => a.label(),
            },
            needs_reason: Command::requires_reason(a),
        })
        .collect();
    let timeline = timeline(&events);
    let messages = messages(&record, session.staff.role);
    let shipments = shipments(&record);
    let fees = fees(&record);
    let documents = documents_view(documents);
    let page = RecordPage {
        number: a.registration_number.clone(),
        status_label: status_now.label().into(),
        version: a.version,
        notice,
        error,
        applicant,
        subject: subject_fields,
        services: services
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join(", "),
        checklist,
        actions,
        correctable,
        delivery_method: a.delivery_method.label().into(),
        delivery_code: a.delivery_method.code(),
        duplicates,
        delivery_address: a
            .delivery_address
            .clone()
            .unwrap_or_else(|| a.applicant_address.clone()),
        timeline,
        messages,
        shipments,
        fees,
        documents,
        products,
        any_signed,
        papers: papers.map(|p| p.label()).unwrap_or_default(),
        // How the cancel form asks about the papers: held by the agency
        // (by post or at the counter), maybe arrived at the counter (step
        // g), or not sent yet (no question).
        papers_question: match (papers, status_now) {
            (Some(Papers::AtAgency), _) | (_, Status::InProduction) => "held",
            (None, Status::AwaitingDocuments) => "arrived?",
            _ => "",
        },
        can_resubmit: status_now == Status::Cancelled
            && record.links.resubmitted_as.is_none()
            && session.staff.role == Role::VillageOperator,
        resubmitted_from: record.links.resubmitted_from.clone(),
        resubmitted_as: record.links.resubmitted_as.clone(),
        archived: a.archived.clone(),
        session: Some(session),
    };
    html(status, &page)
}

pub async fn page(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    let session = officer!(&req, ctx);
    let number = parse_number(raw)?;
    if let Some(which) = query(&req, "arsip") {
        return super::archive::page(ctx, session, &number, which == "json").await;
    }
    let notice = query(&req, "done")
        .and_then(|a| Action::parse(&a))
        .map(|a| format!("Berhasil: {}.", a.label()))
        .or_else(|| {
            // Only a message number: free text here would be a phishing line
            // inside the agency's own notice.
            query(&req, "resent")
                .and_then(|id| id.trim().parse::<i64>().ok())
                .filter(|id| *id > 0)
                .map(|id| format!("SMS #{id} dijadwalkan untuk dikirim ulang."))
        });
    render(ctx, session, &number, notice, None, 200).await
}

/// The action form's fields as the API's action input. A correction sends
/// only the fields the officer changed (the form carries the old values).
pub fn action_input(form: &Form) -> ActionInput {
    let mut changes = serde_json::Map::new();
    for (name, value) in &form.0 {
        if let Some(path) = name.strip_prefix("change:") {
            let before = form.get(&format!("before:{path}")).unwrap_or_default();
            if !value.trim().is_empty() && value.trim() != before.trim() {
                changes.insert(path.to_string(), Value::String(value.trim().to_string()));
            }
        }
    }
    let collector = (form.text("collector_name").is_some() || form.text("collector_nik").is_some())
        .then(|| CollectorInput {
            name: form.text("collector_name"),
            nik: form.text("collector_nik"),
        });
    ActionInput {
        action: form.text("action"),
        reason: form.text("reason"),
        expected_version: form.text("expected_version").and_then(|v| v.parse().ok()),
        siak_reference: form.text("siak_reference"),
        changes: (form.get("action") == Some("correct")).then_some(changes),
        checklist: (form.get("action") == Some("receive_documents")).then(|| form.all("checklist")),
        collector,
        receipt_number: form.text("receipt_number"),
        delivery_method: form.text("delivery_method"),
        delivery_address: form.text("delivery_address"),
        product: form.text("product"),
        // As typed: a passphrase may begin or end with a space.
        passphrase: form.get("passphrase").map(str::to_string),
        papers_return: form.text("papers_return"),
    }
}

pub async fn act(req: Request, ctx: &Ctx, raw: &str) -> PageResult {
    let session = officer!(&req, ctx);
    let number = parse_number(raw)?;
    let fields = form(req, &session).await?;
    let input = action_input(&fields);
    match perform(ctx, &session.staff, &number, &input).await {
        Ok((t, _)) => redirect(&format!(
            "/staff/applications/{}?done={}",
            number.as_str(),
            t.action.code()
        )),
        Err(AppError::Conflict { .. }) => {
            let message = "Tidak ada yang diubah: permohonan ini sudah diproses oleh petugas lain atau statusnya \
                           telah berubah. Berikut keadaan terbarunya; periksa lalu lanjutkan bila masih perlu."
                .to_string();
            render(ctx, session, &number, None, Some(message), 409).await
        }
        Err(e @ AppError::InvalidField(_)) => {
            render(
                ctx,
                session,
                &number,
                None,
                Some(format!("Periksa isian: {e}")),
                422,
            )
            .await
        }
        Err(e) => error_page(&e, Some(session)),
    }
}

pub async fn resend(req: Request, ctx: &Ctx, raw_id: &str) -> PageResult {
    let session = officer!(&req, ctx);
    form(req, &session).await?;
    let id: i64 = raw_id
        .parse()
        .map_err(|_| AppError::invalid("id", "nomor pesan harus angka"))?;
    let (_, number) = resend_sms(ctx, &session.staff, id).await?;
    redirect(&format!("/staff/applications/{number}?resent={id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correction_sends_only_changed_fields() {
        let form = Form::parse(
            b"action=correct&change:subject.name=Bima+Sakti&before:subject.name=Bima&change:subject.nik=&before:subject.nik=&change:applicant.name=Sri&before:applicant.name=Sri",
        );
        let input = action_input(&form);
        let changes = input.changes.unwrap_or_default();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes["subject.name"], "Bima Sakti");
    }

    #[test]
    fn receive_documents_keeps_every_ticked_item_and_the_version() {
        let form = Form::parse(
            b"action=receive_documents&checklist=kk_lama&checklist=buku_nikah&expected_version=3",
        );
        let input = action_input(&form);
        assert_eq!(
            input.checklist,
            Some(vec!["kk_lama".to_string(), "buku_nikah".to_string()])
        );
        assert_eq!(input.expected_version, Some(3));
    }
}
