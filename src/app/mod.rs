//! The use cases of PAK POS: what a citizen, an officer, the courier or
//! the SMS gateway can do, with typed inputs and typed results. Both the
//! JSON API and the HTML pages (`crate::web`) call these; the queue
//! consumers (`crate::dispatch`) too. Below this layer, `crate::store`
//! speaks SQL and `crate::domain` decides.

pub mod access_log;
pub mod act;
pub mod admin;
pub mod alerts;
pub mod api_keys;
pub mod archive;
pub mod auth;
pub mod backup;
pub mod complaints;
pub mod cron;
pub mod documents;
pub mod error;
pub mod health;
pub mod inbound;
pub mod limits;
pub mod messages;
pub mod objects;
pub mod paging;
pub mod places;
pub mod products;
pub mod queue;
pub mod read;
pub mod recover;
pub mod reports;
pub mod retention;
pub mod returns;
pub mod self_print;
pub mod submit;
pub mod webhooks;

pub use error::AppError;

use std::cell::RefCell;

use chrono::{DateTime, Utc};
use worker::Env;

use crate::domain::ids::VillageCode;
use crate::domain::roles::{Actor, Role};
use crate::platform;
use crate::store::outbox::NewOutboxRow;
use crate::store::Db;

/// Everything a handler needs for one request.
pub struct Ctx {
    pub db: Db,
    pub env: Env,
    pub now: DateTime<Utc>,
    /// In an HTTP request, the committed outbox rows whose queue messages
    /// wait until the answer is out (see [`after_commit`]); `None` in a
    /// queue batch or a cron run, which enqueue at once.
    deferred: Option<RefCell<Vec<NewOutboxRow>>>,
    /// Who the request turned out to be, for its log line: a staff role's
    /// code or `"partner"`, once a session or an API key is resolved.
    caller: std::cell::Cell<Option<&'static str>>,
}

impl Ctx {
    /// The context of one queue batch or cron run: the D1 binding, the
    /// environment, and the time it started.
    pub fn new(env: Env) -> Result<Ctx, AppError> {
        let d1 = env
            .d1("DB")
            .map_err(|e| AppError::internal("D1 binding", e))?;
        Ok(Ctx {
            db: Db::new(d1),
            env,
            now: platform::now(),
            deferred: None,
            caller: std::cell::Cell::new(None),
        })
    }

    /// The context of one HTTP request: as [`Ctx::new`], and the queue
    /// messages of what it commits are sent after its answer
    /// ([`Ctx::take_deferred`], then [`enqueue_deferred`] in the runtime's
    /// `waitUntil`).
    pub fn for_request(env: Env) -> Result<Ctx, AppError> {
        let mut ctx = Ctx::new(env)?;
        ctx.deferred = Some(RefCell::new(Vec::new()));
        Ok(ctx)
    }

    /// The outbox rows committed during this request and not yet on their
    /// queues; empties the list.
    pub fn take_deferred(&self) -> Vec<NewOutboxRow> {
        self.deferred
            .as_ref()
            .map(|cell| std::mem::take(&mut *cell.borrow_mut()))
            .unwrap_or_default()
    }

    /// Notes who is calling (see [`Ctx::caller`]).
    pub fn note_caller(&self, who: &'static str) {
        self.caller.set(Some(who));
    }

    /// The caller's role code, `"partner"` for an API key, or `None` (the
    /// public, or not resolved): for the request's log line.
    pub fn caller(&self) -> Option<&'static str> {
        self.caller.get()
    }

    pub fn now_text(&self) -> String {
        platform::timestamp(self.now)
    }

    /// Our public origin (`PUBLIC_BASE_URL`), without a trailing slash; empty
    /// when unset.
    pub fn public_base_url(&self) -> String {
        self.env
            .var("PUBLIC_BASE_URL")
            .map(|v| v.to_string().trim().trim_end_matches('/').to_string())
            .unwrap_or_default()
    }

    /// A `[vars]` number from wrangler.toml, or its default.
    pub fn var_u32(&self, name: &str, default: u32) -> u32 {
        self.env
            .var(name)
            .ok()
            .and_then(|v| v.to_string().parse().ok())
            .unwrap_or(default)
    }
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: i64,
    pub role: Role,
    pub village: Option<VillageCode>,
    pub username: String,
    pub display_name: String,
}

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            staff_id: self.id,
            role: self.role,
            village: self.village.clone(),
        }
    }
}

/// After a write commits: put its new outbox rows on their queues. Never
/// fails the request — the rows are in D1 and the cron relay sends what
/// this misses. In an HTTP request the rows only wait in the context: the
/// edge sends them once the answer is out (the queue's round trip is not
/// the officer's wait), and if the Worker dies first, the relay sends them.
pub async fn after_commit(ctx: &Ctx, rows: &[NewOutboxRow]) {
    if rows.is_empty() {
        return;
    }
    match &ctx.deferred {
        Some(cell) => cell.borrow_mut().extend_from_slice(rows),
        None => crate::dispatch::enqueue(&ctx.env, rows).await,
    }
}

/// Puts the rows a request deferred on their queues (see [`after_commit`]);
/// the caller hands over only a non-empty list.
pub async fn enqueue_deferred(env: Env, rows: Vec<NewOutboxRow>) {
    crate::dispatch::enqueue(&env, &rows).await;
}
