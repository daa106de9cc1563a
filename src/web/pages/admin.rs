//! The administration page, for the system administrator only: `GET
//! /staff/admin` lists the accounts, live sessions and partners' API keys
//! with the forms to change them; each form POSTs to `/staff/admin/…`, which `act` reads into
//! an `app::admin` command (`forms`), has performed, and answers with a
//! redirect carrying a notice, or with the page again naming the field at
//! fault (`view`). The checks and the writes are `crate::app::admin`'s.

mod forms;
mod view;

use worker::Request;

use super::officer;
use super::{cookies, error_page, form, html, redirect, PageResult, Session, SESSION_COOKIE};
use crate::app::admin::{self, CommandError, Done, Outcome, Refusal};
use crate::app::api_keys::{self, KeyRequest};
use crate::app::{AppError, Ctx};
use crate::platform::sha256_hex;
use crate::web::request::{query_param, Form};
use forms::{command, Draft, NotACommand};
use view::{admin_page, location_after, outcome_from_query, View};

/// The hash of the session token the request carries: how the sessions
/// list knows which row is this session.
fn current_token_hash(req: &Request) -> Option<String> {
    cookies(req)
        .remove(SESSION_COOKIE)
        .map(|t| sha256_hex(t.as_bytes()))
}

/// The page for the current state: one D1 round trip after the session's.
async fn render(
    ctx: &Ctx,
    session: Session,
    current: Option<&str>,
    view: View,
    status: u16,
) -> PageResult {
    let data = admin::overview(ctx, &session.staff).await?;
    html(status, &admin_page(&data, session, current, view))
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

async fn act_on(req: Request, ctx: &Ctx, rest: &[&str]) -> PageResult {
    let session = officer!(&req, ctx);
    if let Err(e) = admin::require_admin(&session.staff) {
        return error_page(&e, Some(session));
    }
    let current = current_token_hash(&req);
    let fields = form(req, &session).await?;
    if rest.first() == Some(&"keys") {
        return keys(ctx, session, current.as_deref(), rest, &fields).await;
    }
    // A refused form comes back with what was typed, on the form it came from.
    let draft = Draft::from_form(&fields);
    let view = match rest {
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
    let performed = match command(rest, &fields) {
        Ok(c) => admin::perform(ctx, &session.staff, current.as_deref(), c).await,
        Err(NotACommand::Refused(refusal)) => Err(CommandError::Refused(refusal)),
        Err(NotACommand::UnknownRoute) => {
            return error_page(
                &AppError::NotFound("Tindakan administrasi tidak dikenal.".into()),
                Some(session),
            )
        }
    };
    match performed {
        Ok(outcome) => redirect(&location_after(outcome)),
        Err(e) => refused(ctx, session, current.as_deref(), view, e).await,
    }
}

/// The answer to a command that did not happen: the page again naming the
/// field at fault, or an error page.
async fn refused(
    ctx: &Ctx,
    session: Session,
    current: Option<&str>,
    mut view: View,
    error: CommandError,
) -> PageResult {
    match error {
        CommandError::Refused(refusal) => {
            let status = refusal.status();
            view.error = Some(match refusal {
                Refusal::Invalid { field, message } => {
                    format!("Periksa isian — {field}: {message}.")
                }
                Refusal::OwnAccount(message) => message.into(),
            });
            render(ctx, session, current, view, status).await
        }
        // Our fault: answered (and logged) once, at the edge.
        CommandError::Failed(e) if e.is_internal() => Err(e),
        CommandError::Failed(e) => error_page(&e, Some(session)),
    }
}

/// `POST /staff/admin/keys` issues a partner's API key and answers with the
/// page showing its secret this once (a redirect would put it in a URL);
/// `POST /staff/admin/keys/{id}/revoke` revokes one.
async fn keys(
    ctx: &Ctx,
    session: Session,
    current: Option<&str>,
    rest: &[&str],
    fields: &Form,
) -> PageResult {
    let done = match rest {
        ["keys"] => {
            let request = KeyRequest::parse(
                fields.text("name"),
                fields.text("channel"),
                fields.text("hourly_limit"),
            );
            match request {
                Ok(r) => {
                    let view = View {
                        new_key: Some(api_keys::create(ctx, &session.staff, &r).await?),
                        ..View::default()
                    };
                    return render(ctx, session, current, view, 200).await;
                }
                Err(refusal) => Err(CommandError::Refused(refusal)),
            }
        }
        ["keys", id, "revoke"] => match id.parse().ok().filter(|id: &i64| *id > 0) {
            Some(id) => api_keys::revoke(ctx, &session.staff, id).await,
            None => Err(CommandError::Failed(AppError::NotFound(
                "Kunci API tidak ditemukan.".into(),
            ))),
        },
        _ => Err(CommandError::Failed(AppError::NotFound(
            "Tindakan administrasi tidak dikenal.".into(),
        ))),
    };
    match done {
        Ok(()) => redirect(&location_after(Outcome {
            done: Done::KeyRevoked,
            staff_id: None,
        })),
        Err(e) => refused(ctx, session, current, View::default(), e).await,
    }
}
