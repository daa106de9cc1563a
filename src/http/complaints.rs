//! Complaints and suggestions over the API: the public form's endpoint and
//! tracking, and the complaints officer's list, logging and handling. The
//! pages in `crate::ui::complaints` call the same functions below, so both
//! share one set of checks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use worker::{Method, Request};

use super::applications::abuse_key;
use super::auth::{optional_staff, require_staff};
use super::error::ApiError;
use super::{after_commit, json, limits, query_param, read_json, ApiResult, Ctx, Staff};
use crate::domain::complaints::{
    answered_sms, decide, may_handle, Action, Channel, ComplaintInput, NewComplaint, Status,
    StepError, StepInput, Ticket,
};
use crate::domain::ids::{PhoneNumber, REGISTRATION_NUMBER_ALPHABET};
use crate::platform;
use crate::store::complaints::{self as store, ComplaintRow, ListFilter};
use crate::store::StoreError;

/// Routes `/api/v1/complaints…`; `None` when the path is not theirs.
pub async fn route(
    req: Request,
    ctx: &Ctx,
    method: &Method,
    segments: &[&str],
) -> Option<ApiResult> {
    let result = match (method, segments) {
        (Method::Post, ["api", "v1", "complaints"]) => submit(req, ctx).await,
        (Method::Get, ["api", "v1", "complaints"]) => list(req, ctx).await,
        (Method::Get, ["api", "v1", "complaints", ticket]) => read(req, ctx, ticket)
            .await
            .map_err(|e| unknown_if_only_the_check_fails(e, ticket)),
        (Method::Post, ["api", "v1", "complaints", ticket, "actions"]) => act_api(req, ctx, ticket)
            .await
            .map_err(|e| unknown_if_only_the_check_fails(e, ticket)),
        (
            _,
            ["api", "v1", "complaints"]
            | ["api", "v1", "complaints", _]
            | ["api", "v1", "complaints", _, "actions"],
        ) => Err(ApiError::MethodNotAllowed(method.to_string())),
        _ => return None,
    };
    Some(result)
}

/// A ticket in an API path that is well formed but fails its check symbol
/// cannot exist: it is 404 like an unknown ticket, not 422 `ticket` (the
/// citizens' pages keep their message next to the field).
fn unknown_if_only_the_check_fails(e: ApiError, raw_ticket: &str) -> ApiError {
    match e {
        ApiError::InvalidField(f) if f.field == "ticket" && only_the_check_fails(raw_ticket) => {
            ApiError::NotFound(format!("pengaduan tidak ditemukan: {}", f.message))
        }
        other => other,
    }
}

/// Whether another last symbol would make `raw` a valid ticket.
fn only_the_check_fails(raw: &str) -> bool {
    let raw = raw.trim();
    raw.char_indices().last().is_some_and(|(last, _)| {
        REGISTRATION_NUMBER_ALPHABET
            .chars()
            .any(|c| Ticket::parse(&format!("{}{c}", &raw[..last])).is_ok())
    })
}

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

fn new_ticket() -> Result<Ticket, ApiError> {
    let bytes = platform::random_bytes::<32>().map_err(|e| ApiError::internal("ticket", e))?;
    let mut it = bytes.into_iter().cycle();
    Ok(Ticket::generate(move || it.next().unwrap_or(0)))
}

pub fn require_handler(staff: &Staff) -> Result<(), ApiError> {
    if may_handle(staff.role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("hanya Kepala Bidang Pelayanan Pencatatan Sipil atau administrator yang menangani pengaduan".into()))
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
) -> Result<Created, ApiError> {
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
            return Err(ApiError::invalid(
                "channel",
                "saluran pengaduan wajib diisi",
            ));
        }
        Some(_) => {}
    }
    let complaint = NewComplaint::parse(&input, Channel::Website)?;
    if let Some(number) = &complaint.registration_number {
        let exists = store::application_exists(&ctx.db, number.as_str())
            .await
            .map_err(|e| ApiError::internal("find application", e))?;
        if !exists {
            return Err(ApiError::invalid(
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
            Err(e) => return Err(ApiError::internal("insert complaint", e)),
        }
    }
    Err(ApiError::internal("ticket", "no free ticket after retries"))
}

/// `POST /api/v1/complaints`: public, or an officer logging one (bearer).
async fn submit(req: Request, ctx: &Ctx) -> ApiResult {
    let staff = optional_staff(&req, ctx).await?;
    let ip = abuse_key(&req);
    let body: SubmitBody = read_json(req).await?;
    json(
        201,
        &create(ctx, staff.as_ref(), ip.as_deref(), &body).await?,
    )
}

/// What a complainant sees when tracking: status and answers, nothing else.
#[derive(Debug, Serialize)]
pub struct PublicView {
    pub ticket: String,
    pub kind: String,
    pub status: String,
    pub status_label: &'static str,
    pub created_at: String,
    pub responses: Vec<PublicResponse>,
    pub closed_reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PublicResponse {
    pub at: String,
    pub text: String,
}

/// The tracking view for a ticket and the phone it was filed with. Any
/// mismatch is a 404 that does not say which half was wrong; misses are
/// counted so phone numbers cannot be guessed.
pub async fn track(
    ctx: &Ctx,
    ip: Option<&str>,
    raw_ticket: &str,
    raw_phone: &str,
) -> Result<PublicView, ApiError> {
    if let Some(ip) = ip {
        limits::hit(ctx, limits::TRACK, ip).await?;
    }
    let not_found =
        || ApiError::NotFound("pengaduan tidak ditemukan; periksa nomor tiket dan nomor HP".into());
    let ticket = Ticket::parse(raw_ticket).map_err(ApiError::from)?;
    let phone =
        PhoneNumber::parse(raw_phone).map_err(|e| ApiError::invalid("phone", e.to_string()))?;
    let found = store::load_with_events(&ctx.db, &ticket)
        .await
        .map_err(|e| ApiError::internal("load complaint", e))?;
    let matches = found
        .as_ref()
        .is_some_and(|(c, _)| c.phone.as_deref() == Some(phone.as_str()));
    let (Some((c, events)), true) = (found, matches) else {
        if let Some(ip) = ip {
            limits::hit(ctx, limits::TRACK_MISS, &format!("complaint:{ip}")).await?;
        }
        return Err(not_found());
    };
    let status = Status::parse(&c.status).unwrap_or(Status::Open);
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
                    at: e.created_at.clone(),
                    text: e.response.clone()?,
                })
            })
            .collect(),
        closed_reason: events
            .iter()
            .rev()
            .find(|e| e.to_status == "closed")
            .and_then(|e| e.reason.clone()),
    })
}

/// `GET /api/v1/complaints/{ticket}`: with `?phone=` for the complainant;
/// with a complaints officer's bearer token, the whole complaint.
async fn read(req: Request, ctx: &Ctx, raw_ticket: &str) -> ApiResult {
    if let Some(staff) = optional_staff(&req, ctx).await? {
        require_handler(&staff)?;
        let ticket = Ticket::parse(raw_ticket).map_err(ApiError::from)?;
        let (c, events) = store::load_with_events(&ctx.db, &ticket)
            .await
            .map_err(|e| ApiError::internal("load complaint", e))?
            .ok_or_else(|| ApiError::NotFound("pengaduan tidak ditemukan".into()))?;
        return json(
            200,
            &serde_json::json!({"complaint": &c, "events": events.iter().map(EventView::from).collect::<Vec<_>>()}),
        );
    }
    let phone = query_param(&req, "phone")?.ok_or(ApiError::Unauthenticated)?;
    json(
        200,
        &track(ctx, abuse_key(&req).as_deref(), raw_ticket, &phone).await?,
    )
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub seq: i64,
    pub action: String,
    pub actor_role: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub response: Option<String>,
    pub reason: Option<String>,
    pub created_at: String,
}

impl From<&store::ComplaintEventRow> for EventView {
    fn from(e: &store::ComplaintEventRow) -> Self {
        EventView {
            seq: e.seq,
            action: e.action.clone(),
            actor_role: e.actor_role.clone(),
            from_status: e.from_status.clone(),
            to_status: e.to_status.clone(),
            response: e.response.clone(),
            reason: e.reason.clone(),
            created_at: e.created_at.clone(),
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
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.created_at, self.ticket))
    }

    pub fn decode(raw: &str) -> Result<Cursor, ApiError> {
        let bad = || {
            ApiError::invalid(
                "cursor",
                "cursor tidak valid; gunakan next_cursor dari halaman sebelumnya",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (at, ticket) = text.split_once('|').ok_or_else(bad)?;
        if chrono::DateTime::parse_from_rfc3339(at).is_err()
            || Ticket::parse(ticket).map(|t| t.as_str() == ticket) != Ok(true)
        {
            return Err(bad());
        }
        Ok(Cursor {
            created_at: at.to_string(),
            ticket: ticket.to_string(),
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
) -> Result<(Vec<ComplaintRow>, Option<String>), ApiError> {
    let status = status
        .map(|s| {
            Status::parse(s)
                .ok_or_else(|| ApiError::invalid("status", format!("status '{s}' tidak dikenal")))
        })
        .transpose()?;
    let channel = channel
        .map(|c| {
            Channel::parse(c)
                .ok_or_else(|| ApiError::invalid("channel", format!("saluran '{c}' tidak dikenal")))
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
    let mut rows = store::list(&ctx.db, &filter, after, limit + 1)
        .await
        .map_err(|e| ApiError::internal("list complaints", e))?;
    let next = (rows.len() > limit as usize).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| {
            Cursor {
                created_at: r.created_at.clone(),
                ticket: r.ticket.clone(),
            }
            .encode()
        })
    });
    Ok((rows, next.flatten()))
}

/// `GET /api/v1/complaints?status=&channel=&cursor=&limit=`: oldest first.
async fn list(req: Request, ctx: &Ctx) -> ApiResult {
    let staff = require_staff(&req, ctx).await?;
    require_handler(&staff)?;
    let limit = match query_param(&req, "limit")? {
        None => 50,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", "limit harus 1–200"))?,
    };
    let status = query_param(&req, "status")?;
    let channel = query_param(&req, "channel")?;
    // An empty `cursor=` is the first page, as if it were absent.
    let cursor = query_param(&req, "cursor")?.filter(|c| !c.is_empty());
    let (rows, next) = page(
        ctx,
        status.as_deref().filter(|s| !s.is_empty()),
        channel.as_deref().filter(|s| !s.is_empty()),
        cursor.as_deref(),
        limit,
    )
    .await?;
    json(
        200,
        &serde_json::json!({"items": &rows, "next_cursor": next}),
    )
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
) -> Result<(Status, i64), ApiError> {
    require_handler(staff)?;
    let ticket = Ticket::parse(raw_ticket).map_err(ApiError::from)?;
    let code = body.action.as_deref().map(str::trim).unwrap_or_default();
    let action = Action::parse(code).ok_or_else(|| {
        ApiError::invalid(
            "action",
            "tindakan harus start, respond, resolve atau close",
        )
    })?;
    let c = store::load(&ctx.db, &ticket)
        .await
        .map_err(|e| ApiError::internal("load complaint", e))?
        .ok_or_else(|| ApiError::NotFound("pengaduan tidak ditemukan".into()))?;
    if let Some(expected) = body.expected_version {
        if expected != c.version {
            return Err(stale());
        }
    }
    let status = Status::parse(&c.status)
        .ok_or_else(|| ApiError::internal("complaint status", &c.status))?;
    let input = StepInput {
        response: body.response.clone(),
        reason: body.reason.clone(),
    };
    let step = decide(status, action, &input).map_err(|e| match e {
        StepError::NotAllowed { .. } => ApiError::Conflict {
            code: "action_not_allowed",
            message: e.to_string(),
        },
        StepError::Field(f) => ApiError::InvalidField(f),
    })?;
    let sms_body = answered_sms(&ticket);
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
        Err(e) => return Err(ApiError::internal("complaint step", e)),
    };
    after_commit(ctx, &created).await;
    Ok((step.to, c.version + 1))
}

fn stale() -> ApiError {
    ApiError::Conflict {
        code: "stale_version",
        message: "pengaduan sudah diubah petugas lain; muat ulang lalu coba lagi".into(),
    }
}

/// `POST /api/v1/complaints/{ticket}/actions`.
async fn act_api(req: Request, ctx: &Ctx, raw_ticket: &str) -> ApiResult {
    let staff = require_staff(&req, ctx).await?;
    require_handler(&staff)?;
    let body: ActionBody = read_json(req).await?;
    let (status, version) = act(ctx, &staff, raw_ticket, &body).await?;
    json(
        200,
        &serde_json::json!({"ticket": Ticket::parse(raw_ticket).map(|t| t.as_str().to_string()).unwrap_or_default(), "status": status.code(), "version": version}),
    )
}
