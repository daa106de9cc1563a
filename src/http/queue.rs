//! `GET /api/v1/queue`: the caller's work queue (*antrian*), oldest first,
//! keyset-paginated with an opaque cursor so every page costs one index
//! range scan whatever the table size.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json as j, Value};
use worker::Request;

use super::auth::require_staff;
use super::error::ApiError;
use super::{json, query_param, ApiResult, Ctx};
use crate::domain::ids::{Nik, RegistrationNumber};
use crate::domain::roles::Role;
use crate::domain::services::Service;
use crate::domain::workflow::Status;
use crate::store::applications::{queue_page, QueueScope};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// The position after the last row of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub status_since: String,
    pub registration_number: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "{}|{}",
            self.status_since, self.registration_number
        ))
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
        let (since, number) = text.split_once('|').ok_or_else(bad)?;
        let valid_time = since.len() == 24
            && since.ends_with('Z')
            && chrono::DateTime::parse_from_rfc3339(since).is_ok();
        if !valid_time
            || RegistrationNumber::parse(number).map(|n| n.as_str() == number) != Ok(true)
        {
            return Err(bad());
        }
        Ok(Cursor {
            status_since: since.to_string(),
            registration_number: number.to_string(),
        })
    }
}

pub fn parse_limit(raw: Option<&str>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::invalid("limit", format!("limit harus angka 1 sampai {MAX_LIMIT}"))
            }),
    }
}

pub async fn list(req: Request, ctx: &Ctx) -> ApiResult {
    let staff = require_staff(&req, ctx).await?;
    let limit = parse_limit(query_param(&req, "limit")?.as_deref())?;
    // An empty `cursor=` is the first page, as if it were absent.
    let cursor = query_param(&req, "cursor")?
        .filter(|c| !c.is_empty())
        .map(|c| Cursor::decode(&c))
        .transpose()?;
    let status = match query_param(&req, "status")? {
        None => None,
        Some(code) => Some(Status::parse(&code).ok_or_else(|| {
            ApiError::invalid("status", format!("status '{code}' tidak dikenal"))
        })?),
    };

    let village_code = staff
        .village
        .as_ref()
        .map(|v| v.as_str().to_string())
        .unwrap_or_default();
    let scope = match (staff.role, status) {
        (Role::VillageOperator, None) => QueueScope::Village(&village_code),
        (Role::VillageOperator, Some(_)) => {
            return Err(ApiError::invalid(
                "status",
                "filter status tidak tersedia untuk antrian desa",
            ));
        }
        (Role::Admin, Some(s)) => QueueScope::Status(s.code()),
        (Role::Admin, None) => QueueScope::AllOpen,
        (role, Some(s)) if s.awaiting_role() == Some(role) => QueueScope::Status(s.code()),
        (role, Some(s)) => {
            return Err(ApiError::invalid(
                "status",
                format!("status '{}' bukan antrian {}", s.code(), role.label()),
            ));
        }
        (role, None) => QueueScope::Role(role.code()),
    };
    // The complaints officer has no workflow queue (complaints come later).
    let mut rows = if staff.role == Role::ComplaintsOfficer {
        Vec::new()
    } else {
        let after = cursor
            .as_ref()
            .map(|c| (c.status_since.as_str(), c.registration_number.as_str()));
        queue_page(&ctx.db, &scope, after, limit)
            .await
            .map_err(|e| ApiError::internal("queue", e))?
    };
    let next_cursor = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| {
            Cursor {
                status_since: r.status_since.clone(),
                registration_number: r.registration_number.clone(),
            }
            .encode()
        })
    } else {
        None
    };
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let status = Status::parse(&r.status);
            j!({
                "registration_number": r.registration_number,
                "status": r.status,
                "status_label": status.map(Status::label),
                "services": r.services.as_deref().unwrap_or_default().split(',').filter_map(Service::parse).map(Service::code).collect::<Vec<_>>(),
                "applicant_name": r.applicant_name,
                "applicant_nik_masked": Nik::parse(&r.applicant_nik).map(|n| n.masked()).unwrap_or_default(),
                "village": {"code": r.village_code, "name": r.village_name},
                "delivery_method": r.delivery_method,
                "waiting_since": r.status_since,
                "version": r.version,
            })
        })
        .collect();
    json(
        200,
        &j!({"role": staff.role.code(), "items": items, "next_cursor": next_cursor}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_a_tampered_one_is_refused_naming_cursor() {
        let c = Cursor {
            status_since: "2026-11-28T01:02:03.456Z".into(),
            registration_number: "FFFF-FFFF7".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).ok(), Some(c));
        let forged = URL_SAFE_NO_PAD.encode("x' OR 1=1 --|FFFF-FFFF7");
        assert_eq!(
            Cursor::decode(&forged)
                .err()
                .and_then(|e| e.field().map(String::from))
                .as_deref(),
            Some("cursor")
        );
        assert!(Cursor::decode("%%%").is_err());
    }

    #[test]
    fn the_limit_is_bounded() {
        assert_eq!(parse_limit(None).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(parse_limit(Some("200")).ok(), Some(200));
        assert!(parse_limit(Some("0")).is_err());
        assert!(parse_limit(Some("201")).is_err());
        assert!(parse_limit(Some("lima")).is_err());
    }
}
