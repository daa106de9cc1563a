//! Complaints and suggestions (*pengaduan*): the public form and tracking,
//! and the complaints officer's list, logging and handling. The API and the
//! pages call the same functions, so both share one set of checks.

use serde::{Deserialize, Serialize};

use super::{after_commit, limits, paging, AppError, Ctx, Staff};
use crate::domain::complaints::{
    answered_sms, decide, may_handle, Action, Channel, ComplaintInput, EventAction, Kind,
    NewComplaint, Status, StepError, StepInput, Ticket,
};
use crate::domain::ids::PhoneNumber;
use crate::platform;
use crate::store::complaints::{self as store, ComplaintRow, ListFilter};
use crate::store::{StoreError, Timestamp};

/// The bot trap: a field people never see and bots fill in.
pub const HONEYPOT: &str = "website";

/// A complaint as JSON (the public form and the officer's log).
#[derive(Debug, Default, Deserialize)]
pub struct SubmitBody {
    pub kind: Option<String>,
    pub channel: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub text: Option<String>,
    pub registration_number: Option<String>,
    /// The honeypot.
    pub website: Option<String>,
}

impl SubmitBody {
    pub fn input(&self) -> ComplaintInput {
        ComplaintInput {
            kind: self.kind.clone(),
            channel: self.channel.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            text: self.text.clone(),
            registration_number: self.registration_number.clone(),
        }
    }

    pub fn is_bot(&self) -> bool {
        self.website
            .as_deref()
            .is_some_and(|w| !w.trim().is_empty())
    }
}

#[derive(Debug, Serialize)]
pub struct Created {
    pub ticket: String,
    pub status: &'static str,
}

fn new_ticket() -> Result<Ticket, AppError> {
    let bytes = platform::random_bytes::<32>().map_err(|e| AppError::internal("ticket", e))?;
    let mut it = bytes.into_iter().cycle();
    Ok(Ticket::generate(move || it.next().unwrap_or(0)))
}

pub fn require_handler(staff: &Staff) -> Result<(), AppError> {
    if may_handle(staff.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("hanya Kepala Bidang Pelayanan Pencatatan Sipil atau administrator yang menangani pengaduan".into()))
    }
}

/// Records a complaint. A citizen's (no staff) always comes through the
/// website and counts against the per-address limit; an officer logs one
/// from any channel and must name it. A filled honeypot gets a believable
/// answer and nothing is stored.
pub async fn create(
    ctx: &Ctx,
    staff: Option<&Staff>,
    ip: Option<&str>,
    body: &SubmitBody,
) -> Result<Created, AppError> {
    if let Some(s) = staff {
        require_handler(s)?;
    } else if let Some(ip) = ip {
        limits::hit(ctx, limits::COMPLAIN, ip).await?;
    }
    if staff.is_none() && body.is_bot() {
        return Ok(Created {
            ticket: new_ticket()?.as_str().to_string(),
            status: Status::Open.code(),
        });
    }
    let mut input = body.input();
    match staff {
        None => input.channel = Some(Channel::Website.code().into()),
        Some(_)
            if input
                .channel
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .is_empty() =>
        {
            return Err(AppError::invalid(
                "channel",
                "saluran pengaduan wajib diisi",
            ));
        }
        Some(_) => {}
    }
    let complaint = NewComplaint::parse(&input, Channel::Website)?;
    if let Some(number) = &complaint.registration_number {
        let exists = store::application_exists(&ctx.db, number.as_str()).await?;
        if !exists {
            return Err(AppError::invalid(
                "registration_number",
                "nomor pendaftaran tidak ditemukan",
            ));
        }
    }
    let now = ctx.now_text();
    let logged_by = staff.map(|s| (s.id, s.role.code()));
    for _ in 0..4 {
        let ticket = new_ticket()?;
        match store::insert(&ctx.db, &ticket, &complaint, logged_by, &now).await {
            Ok(()) => {
                return Ok(Created {
                    ticket: ticket.as_str().to_string(),
                    status: Status::Open.code(),
                })
            }
            Err(StoreError::Unique(m)) if m.contains("complaints.ticket") => continue,
            Err(e) => return Err(AppError::internal("insert complaint", e)),
        }
    }
    Err(AppError::internal("ticket", "no free ticket after retries"))
}

/// What a complainant sees when tracking: status and answers, nothing else.
#[derive(Debug, Serialize)]
pub struct PublicView {
    pub ticket: String,
    pub kind: Kind,
    pub status: Status,
    pub status_label: &'static str,
    pub created_at: Timestamp,
    pub responses: Vec<PublicResponse>,
    pub closed_reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PublicResponse {
    pub at: Timestamp,
    pub text: String,
}

/// The tracking view for a ticket and the phone it was filed with. Any
/// mismatch is a 404 that does not say which half was wrong; misses count
/// against the caller's address and the ticket, and once either is used up
/// the phone is not even compared, so phone numbers cannot be guessed.
/// `ip` is the caller's abuse key.
pub async fn track(
    ctx: &Ctx,
    ip: &str,
    raw_ticket: &str,
    raw_phone: &str,
) -> Result<PublicView, AppError> {
    let not_found =
        || AppError::NotFound("pengaduan tidak ditemukan; periksa nomor tiket dan nomor HP".into());
    let ticket = Ticket::parse(raw_ticket).map_err(AppError::from)?;
    let phone =
        PhoneNumber::parse(raw_phone).map_err(|e| AppError::invalid("phone", e.to_string()))?;
    let ip_key = format!("complaint:{ip}");
    let ticket_key = limits::ticket_key(ticket.as_str());
    limits::guard(
        ctx,
        &[
            limits::count(limits::TRACK, ip),
            limits::read(limits::TRACK_MISS, &ip_key),
            limits::read(limits::NUMBER_MISS, &ticket_key),
        ],
    )
    .await?;
    let found = store::load_with_events(&ctx.db, &ticket).await?;
    let matches = found
        .as_ref()
        .is_some_and(|(c, _)| c.phone.as_deref() == Some(phone.as_str()));
    let (Some((c, events)), true) = (found, matches) else {
        limits::record(
            ctx,
            &[
                limits::count(limits::TRACK_MISS, &ip_key),
                limits::count(limits::NUMBER_MISS, &ticket_key),
            ],
        )
        .await?;
        return Err(not_found());
    };
    let status = c.status;
    Ok(PublicView {
        ticket: c.ticket,
        kind: c.kind,
        status: c.status,
        status_label: status.label(),
        created_at: c.created_at,
        responses: events
            .iter()
            .filter_map(|e| {
                Some(PublicResponse {
                    at: e.created_at,
                    text: e.response.clone()?,
                })
            })
            .collect(),
        closed_reason: events
            .iter()
            .rev()
            .find(|e| e.to_status == Status::Closed)
            .and_then(|e| e.reason.clone()),
    })
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub seq: i64,
    pub action: EventAction,
    pub actor_role: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub response: Option<String>,
    pub reason: Option<String>,
    pub created_at: Timestamp,
}

impl From<&store::ComplaintEventRow> for EventView {
    fn from(e: &store::ComplaintEventRow) -> Self {
        EventView {
            seq: e.seq,
            action: e.action,
            actor_role: e.actor_role.clone(),
            from_status: e.from_status,
            to_status: e.to_status,
            response: e.response.clone(),
            reason: e.reason.clone(),
            created_at: e.created_at,
        }
    }
}

/// A position in the oldest-first list.
pub struct Cursor {
    pub created_at: String,
    pub ticket: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        paging::encode(&self.created_at, &self.ticket)
    }

    pub fn decode(raw: &str) -> Result<Cursor, AppError> {
        let (at, ticket) = paging::decode(raw)?;
        if crate::domain::time::parse_rfc3339(&at).is_none()
            || Ticket::parse(&ticket).map(|t| t.as_str() == ticket) != Ok(true)
        {
            return Err(paging::bad_cursor());
        }
        Ok(Cursor {
            created_at: at,
            ticket,
        })
    }
}

/// A page of the list; `filter` values are checked codes.
pub async fn page(
    ctx: &Ctx,
    status: Option<&str>,
    channel: Option<&str>,
    cursor: Option<&str>,
    limit: u32,
) -> Result<(Vec<ComplaintRow>, Option<String>), AppError> {
    let status = status
        .map(|s| {
            Status::parse(s)
                .ok_or_else(|| AppError::invalid("status", format!("status '{s}' tidak dikenal")))
        })
        .transpose()?;
    let channel = channel
        .map(|c| {
            Channel::parse(c)
                .ok_or_else(|| AppError::invalid("channel", format!("saluran '{c}' tidak dikenal")))
        })
        .transpose()?;
    let cursor = cursor.map(Cursor::decode).transpose()?;
    let filter = ListFilter {
        status: status.map(Status::code),
        channel: channel.map(Channel::code),
    };
    let after = cursor
        .as_ref()
        .map(|c| (c.created_at.as_str(), c.ticket.as_str()));
    let mut rows = store::list(&ctx.db, &filter, after, limit + 1).await?;
    let next = paging::cut(&mut rows, limit, |r| {
        Cursor {
            created_at: r.created_at.text(),
            ticket: r.ticket.clone(),
        }
        .encode()
    });
    Ok((rows, next))
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionBody {
    pub action: Option<String>,
    pub response: Option<String>,
    pub reason: Option<String>,
    pub expected_version: Option<i64>,
}

/// Takes one handling step: decide, write the step (and the SMS when the
/// complainant is answered and gave a phone) in one batch, then queue it.
pub async fn act(
    ctx: &Ctx,
    staff: &Staff,
    raw_ticket: &str,
    body: &ActionBody,
) -> Result<(Status, i64), AppError> {
    require_handler(staff)?;
    let ticket = Ticket::parse(raw_ticket).map_err(AppError::from)?;
    let code = body.action.as_deref().map(str::trim).unwrap_or_default();
    let action = Action::parse(code).ok_or_else(|| {
        AppError::invalid(
            "action",
            "tindakan harus start, respond, resolve atau close",
        )
    })?;
    let c = store::load(&ctx.db, &ticket)
        .await?
        .ok_or_else(|| AppError::NotFound("pengaduan tidak ditemukan".into()))?;
    if let Some(expected) = body.expected_version {
        if expected != c.version {
            return Err(stale());
        }
    }
    let status = c.status;
    let input = StepInput {
        response: body.response.clone(),
        reason: body.reason.clone(),
    };
    let step = decide(status, action, &input).map_err(|e| match e {
        StepError::NotAllowed { .. } => AppError::Conflict {
            code: "action_not_allowed",
            message: e.to_string(),
        },
        StepError::Field(f) => AppError::InvalidField(f),
    })?;
    let sms_body = answered_sms(&ticket, &ctx.public_base_url());
    let sms = match (&c.phone, step.notify) {
        (Some(phone), true) => Some((phone.as_str(), sms_body.as_str())),
        _ => None,
    };
    let now = ctx.now_text();
    let write = store::StepWrite {
        ticket: &ticket,
        action: action.code(),
        step: &step,
        old_version: c.version,
        staff_id: staff.id,
        role: staff.role.code(),
        sms,
        now: &now,
    };
    let created = match store::commit_step(&ctx.db, &write).await {
        Ok(rows) => rows,
        Err(StoreError::Conflict) => return Err(stale()),
        Err(e) => return Err(AppError::internal("complaint step", e)),
    };
    after_commit(ctx, &created).await;
    Ok((step.to, c.version + 1))
}

fn stale() -> AppError {
    AppError::Conflict {
        code: "stale_version",
        message: "pengaduan sudah diubah petugas lain; muat ulang lalu coba lagi".into(),
    }
}

/// The whole complaint with its handling steps, for the complaints officer.
pub async fn staff_view(
    ctx: &Ctx,
    staff: &Staff,
    ticket: &Ticket,
) -> Result<(ComplaintRow, Vec<store::ComplaintEventRow>), AppError> {
    require_handler(staff)?;
    store::load_with_events(&ctx.db, ticket)
        .await?
        .ok_or_else(|| AppError::NotFound("pengaduan tidak ditemukan".into()))
}
