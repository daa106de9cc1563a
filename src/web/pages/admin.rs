//! The administration page, for the system administrator only: `GET
//! /staff/admin` lists the accounts, live sessions and partners' API keys
//! with the forms to change them; each form POSTs to `/staff/admin/…`,
//! which `act` reads into an `app::admin` command (`forms`) or an API-key
//! request, has performed, and answers with a redirect carrying a notice
//! (a new key: the page showing its secret once), or with the page again
//! naming the field at fault (`view`). The checks and the writes are `crate::app::admin`'s.

mod forms;
mod view;

use futures_util::future::LocalBoxFuture;
use worker::Request;

use super::officer;
use super::{cookies, error_page, form, html, redirect, PageResult, Session, SESSION_COOKIE};
use crate::app::admin::{self, CommandError, Done, Outcome, Refusal};
use crate::app::api_keys;
use crate::app::{AppError, Ctx};
use crate::platform::sha256_hex;
use crate::web::request::query_param;
use forms::{command, key_command, Draft, NotACommand};
use view::{admin_page, location_after, outcome_from_query, View};

/// The hash of the session token the request carries: how the sessions
/// list knows which row is this session.
fn current_token_hash(req: &Request) -> Option<String> {
    cookies(req)
        .remove(SESSION_COOKIE)
        .map(|t| sha256_hex(t.as_bytes()))
}

/// `api_keys::perform`, boxed: polled apart from `act_on`'s state machine,
/// which would otherwise carry a copy of it (0.7 KiB of the wasm, gzip).
fn key_perform<'a>(
    ctx: &'a Ctx,
    admin: &'a crate::app::Staff,
    command: api_keys::KeyCommand,
) -> LocalBoxFuture<'a, Result<Option<String>, AppError>> {
    Box::pin(api_keys::perform(ctx, admin, command))
}

/// The page for the current state: one D1 round trip after the session's.
async fn render(
    ctx: &Ctx,
    session: Session,
    current: Option<&str>,
    view: View,
    status: u16,
) -> PageResult {
    let mut data = admin::overview(ctx, &session.staff).await?;
    html(status, &admin_page(&mut data, session, current, view))
}

fn query(req: &Request, name: &str) -> Option<String> {
    query_param(req, name).ok().flatten()
}

/// `GET /staff/admin[?edit=<id>][&done=<code>&id=<id>]`.
pub async fn page(req: Request, ctx: &Ctx) -> PageResult {
    let session = officer!(&req, ctx);
    if let Err(e) = admin::require_admin(&session.staff) {
        return error_page(&e, Some(session));
    }
    let id = |name: &str| query(&req, name).and_then(|v| v.parse::<i64>().ok());
    let view = View {
        done: outcome_from_query(query(&req, "done").as_deref(), id("id")),
        edit: id("edit").map(|id| (id, None)),
        ..View::default()
    };
    render(ctx, session, current_token_hash(&req).as_deref(), view, 200).await
}

/// `POST /staff/admin/…`: the route table names each form's path; the
/// rest of the path after `/staff/admin/` says which command it is (see
/// `forms::command`).
pub async fn act(req: Request, ctx: &Ctx) -> PageResult {
    let path = crate::web::request::Target::of(&req).path;
    let rest: Vec<&str> = path
        .trim_start_matches("/staff/admin/")
        .trim_end_matches('/')
        .split('/')
        .collect();
    act_on(req, ctx, &rest).await
}

/// What a form asks for.
enum Asked {
    /// About a staff account or session.
    Account(admin::Command),
    /// About a partner's API key.
    Key(api_keys::KeyCommand),
}

async fn act_on(req: Request, ctx: &Ctx, rest: &[&str]) -> PageResult {
    let session = officer!(&req, ctx);
    if let Err(e) = admin::require_admin(&session.staff) {
        return error_page(&e, Some(session));
    }
    let current = current_token_hash(&req);
    let fields = form(req, &session).await?;
    // A refused form comes back with what was typed, on the form it came from.
    let draft = Draft::from_form(&fields);
    let mut view = match rest {
        ["staff", id, "update"] => View {
            edit: id.parse().ok().map(|id| (id, Some(draft))),
            ..View::default()
        },
        ["staff", id, "password"] => View {
            edit: id.parse().ok().map(|id| (id, None)),
            ..View::default()
        },
        _ => View {
            create: draft,
            ..View::default()
        },
    };
    let asked = match rest {
        ["keys", ..] => key_command(rest, &fields).map(Asked::Key),
        _ => command(rest, &fields).map(Asked::Account),
    };
    // `Some`: done, say so after a redirect; `None`: done, show the page
    // (a new API key's secret, which a redirect would put in a URL).
    let performed = match asked {
        Ok(Asked::Account(c)) => admin::perform(ctx, &session.staff, current.as_deref(), c)
            .await
            .map(Some),
        Ok(Asked::Key(c)) => match key_perform(ctx, &session.staff, c).await {
            Ok(Some(secret)) => {
                view.new_key = Some(secret);
                Ok(None)
            }
            Ok(None) => Ok(Some(Outcome {
                done: Done::KeyRevoked,
                staff_id: None,
            })),
            Err(e) => Err(CommandError::Failed(e)),
        },
        Err(NotACommand::UnknownRoute) => {
            return error_page(
                &AppError::NotFound("Tindakan administrasi tidak dikenal.".into()),
                Some(session),
            )
        }
        Err(NotACommand::Refused(refusal)) => Err(CommandError::Refused(refusal)),
    };
    let status = match performed {
        Ok(Some(outcome)) => return redirect(&location_after(outcome)),
        Ok(None) => 200,
        Err(CommandError::Refused(refusal)) => {
            let status = refusal.status();
            view.error = Some(match refusal {
                Refusal::Invalid { field, message } => {
                    format!("Periksa isian — {field}: {message}.")
                }
                Refusal::OwnAccount(message) => message.into(),
            });
            status
        }
        // Our fault: answered (and logged) once, at the edge.
        Err(CommandError::Failed(e)) if e.is_internal() => return Err(e),
        Err(CommandError::Failed(e)) => return error_page(&e, Some(session)),
    };
    render(ctx, session, current.as_deref(), view, status).await
}
