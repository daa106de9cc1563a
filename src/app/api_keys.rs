//! Partners' API keys: the administrator issues one per partner (the
//! Telunjuk Sakti Android app, a partner's website), named, with the channel
//! its submissions are recorded under and its own hourly limit; the secret
//! is shown once and only its SHA-256 is kept (`domain::api_key`); a key is
//! revoked, never deleted, so who had it stays on record.
//!
//! A submission with a key (`X-Api-Key`) is counted against the key's limit
//! instead of its client address: the villages behind one carrier-NAT
//! address share that address, not the app's allowance. A key that is
//! malformed, unknown or revoked is refused (401), never taken as a
//! citizen's submission without a key.

use super::admin::{require_admin, Refusal};
use super::{limits, AppError, Ctx, Staff};
use crate::domain::api_key::{self, SECRET_BYTES};
use crate::domain::application::Channel;
use crate::domain::text::{check_text, Lines};
use crate::platform;
use crate::store::api_keys as store;

/// Submissions per hour a new key is offered (a busy day of the whole
/// kabupaten through one app is far below it).
pub const DEFAULT_HOURLY_LIMIT: i64 = limits::API_KEY.max;
const MAX_HOURLY_LIMIT: i64 = 10_000;
const MAX_NAME_CHARS: usize = 100;

/// The channels a key may submit as: the village operator's channel
/// belongs to the operator's own signed-in submissions.
pub const CHANNELS: [Channel; 2] = [Channel::Android, Channel::Web];

/// How often a key's `last_used_at` is rewritten at most.
const TOUCH_SECONDS: i64 = 60;

/// A key the administrator asks for, checked.
#[derive(Debug, PartialEq, Eq)]
pub struct KeyRequest {
    pub name: String,
    pub channel: Channel,
    pub hourly_limit: i64,
}

fn invalid(field: &'static str, message: &str) -> Refusal {
    Refusal::Invalid {
        field,
        message: message.into(),
    }
}

impl KeyRequest {
    /// The form's fields, trimmed and `None` when blank; a blank limit is
    /// the default.
    pub fn parse(
        name: Option<String>,
        channel: Option<String>,
        hourly_limit: Option<String>,
    ) -> Result<KeyRequest, Refusal> {
        let name = name.ok_or_else(|| invalid("Nama mitra", "wajib diisi"))?;
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(invalid("Nama mitra", "maksimal 100 karakter"));
        }
        check_text("Nama mitra", &name, Lines::One)
            .map_err(|e| invalid("Nama mitra", &e.message))?;
        let channel = channel
            .and_then(|c| Channel::parse(&c))
            .filter(|c| CHANNELS.contains(c))
            .ok_or_else(|| invalid("Saluran", "pilih Aplikasi Android atau Situs web"))?;
        let hourly_limit = match hourly_limit {
            None => DEFAULT_HOURLY_LIMIT,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| (1..=MAX_HOURLY_LIMIT).contains(n))
                .ok_or_else(|| invalid("Batas per jam", "bilangan bulat 1–10000"))?,
        };
        Ok(KeyRequest {
            name,
            channel,
            hourly_limit,
        })
    }
}

/// What the administrator does with keys.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyCommand {
    Create(KeyRequest),
    /// Revokes key `id` (again: nothing changes).
    Revoke(i64),
}

/// Performs `command` in one round trip: a new key's secret, to be shown
/// this once, or `None` for a revocation; 404 for a key nobody has.
pub async fn perform(
    ctx: &Ctx,
    admin: &Staff,
    command: KeyCommand,
) -> Result<Option<String>, AppError> {
    require_admin(admin)?;
    let now = ctx.now_text();
    let request = match command {
        KeyCommand::Create(request) => request,
        KeyCommand::Revoke(id) => {
            return match store::revoke(&ctx.db, id, admin.id, &now).await? {
                Some(_) => Ok(None),
                None => Err(AppError::NotFound("Kunci API tidak ditemukan.".into())),
            }
        }
    };
    let bytes =
        platform::random_bytes::<SECRET_BYTES>().map_err(|e| AppError::internal("API key", e))?;
    let (secret, prefix) = api_key::new_key(bytes);
    store::create(
        &ctx.db,
        &store::NewApiKey {
            name: &request.name,
            channel: request.channel.code(),
            prefix: &prefix,
            sha256: &platform::sha256_hex(secret.as_bytes()),
            hourly_limit: request.hourly_limit,
            created_by: admin.id,
            now: &now,
        },
    )
    .await?;
    Ok(Some(secret))
}

/// The channel a submission with key `raw` is recorded under, once the key
/// is known, live and within its hourly limit (429 past it). Notes the
/// key's use. One round trip.
pub async fn submitting_channel(ctx: &Ctx, raw: &str) -> Result<Channel, AppError> {
    let key = api_key::parse(raw).ok_or(AppError::BadApiKey(
        "bentuk kunci API salah: harus 'pakpos_' diikuti 64 karakter heksadesimal",
    ))?;
    let touch_before = platform::timestamp(ctx.now - chrono::Duration::seconds(TOUCH_SECONDS));
    let cutoff = limits::cutoff(ctx, limits::API_KEY);
    let (key, hits) = store::use_key(
        &ctx.db,
        &platform::sha256_hex(key.as_bytes()),
        &ctx.now_text(),
        &touch_before,
        limits::API_KEY.bucket,
        &cutoff,
    )
    .await?
    .ok_or(AppError::BadApiKey(
        "kunci API tidak dikenal atau sudah dicabut; minta kunci baru kepada administrator",
    ))?;
    let limit = limits::Limit {
        max: key.hourly_limit,
        ..limits::API_KEY
    };
    ctx.note_caller("partner");
    // The counter's own key is not needed to judge it: the limit is the key's.
    limits::verdict(ctx, &limits::count(limit, ""), hits)?;
    Channel::parse(&key.channel).ok_or_else(|| AppError::internal("API key", "unknown channel"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(r: Result<KeyRequest, Refusal>) -> &'static str {
        match r {
            Err(Refusal::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_key_request_is_named_has_a_partners_channel_and_a_sensible_limit() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            KeyRequest::parse(s("Telunjuk Sakti"), s("android"), None),
            Ok(KeyRequest {
                name: "Telunjuk Sakti".into(),
                channel: Channel::Android,
                hourly_limit: DEFAULT_HOURLY_LIMIT
            })
        );
        assert_eq!(
            KeyRequest::parse(s("Situs mitra"), s("web"), s("20")).map(|k| k.hourly_limit),
            Ok(20)
        );
        assert_eq!(
            field_of(KeyRequest::parse(None, s("web"), None)),
            "Nama mitra"
        );
        assert_eq!(
            field_of(KeyRequest::parse(s("A\u{202e}B"), s("web"), None)),
            "Nama mitra"
        );
        for channel in [None, s("village"), s("sms")] {
            assert_eq!(
                field_of(KeyRequest::parse(s("A"), channel, None)),
                "Saluran"
            );
        }
        for limit in ["0", "-1", "10001", "1.5", "banyak"] {
            assert_eq!(
                field_of(KeyRequest::parse(s("A"), s("web"), s(limit))),
                "Batas per jam",
                "{limit}"
            );
        }
    }
}
