//! Signing in and out of the staff UI.

use askama::Template;
use worker::Request;

use super::{cookies, html, redirect, redirect_with_cookie, PageResult, SESSION_COOKIE};
use crate::app::auth::{sign_in, sign_out, DEFAULT_ABSOLUTE_HOURS};
use crate::app::AppError;
use crate::app::Ctx;
use crate::web::request::{abuse_key, read_form, same_site_form, Body};

#[derive(Template)]
#[template(path = "login.html", whitespace = "minimize")]
struct LoginPage {
    session: Option<super::Session>,
    next: String,
    username: String,
    error: Option<String>,
    expired: bool,
}

/// Only our own staff pages may be a post-login destination (no open
/// redirect to another site), written as a plain path: anything else —
/// including control characters such as CR/LF, which cannot go into a
/// `Location` header — goes to the default page instead.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/staff")
                && !n.starts_with("/staff/login")
                && !n.contains("//")
                && !n.contains('\\')
                && n.chars().all(|c| c.is_ascii_graphic()) =>
        {
            n.to_string()
        }
        _ => "/staff".into(),
    }
}

fn query(req: &Request, name: &str) -> Option<String> {
    crate::web::request::Target::of(req)
        .pairs()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub async fn form(req: Request, _ctx: &Ctx) -> PageResult {
    let page = LoginPage {
        session: None,
        next: safe_next(query(&req, "next").as_deref()),
        username: String::new(),
        error: None,
        expired: query(&req, "expired").is_some(),
    };
    html(200, &page)
}

pub async fn submit(mut req: Request, ctx: &Ctx) -> PageResult {
    // No login CSRF: a foreign page must not sign its visitors in here.
    same_site_form(&req)?;
    let ip = abuse_key(&req);
    let form = read_form(&mut req, Body::StaffForm).await?;
    let next = safe_next(form.get("next"));
    let username = form.get("username").unwrap_or_default().trim().to_string();
    match sign_in(
        ctx,
        &username,
        form.get("password").unwrap_or_default(),
        &ip,
    )
    .await
    {
        Ok(signed) => {
            let max_age =
                i64::from(ctx.var_u32("SESSION_ABSOLUTE_HOURS", DEFAULT_ABSOLUTE_HOURS)) * 3600;
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}",
                signed.token
            );
            redirect_with_cookie(&next, Some(&cookie))
        }
        Err(
            e @ (AppError::BadCredentials
            | AppError::TooManyAttempts(_)
            | AppError::InvalidField(_)),
        ) => {
            let message = match &e {
                AppError::InvalidField(f) => f.message.clone(),
                other => other.to_string(),
            };
            html(
                e.status(),
                &LoginPage {
                    session: None,
                    next,
                    username,
                    error: Some(message),
                    expired: false,
                },
            )
        }
        Err(e) => Err(e),
    }
}

pub async fn logout(req: Request, ctx: &Ctx) -> PageResult {
    let token = cookies(&req).remove(SESSION_COOKIE);
    if let Ok(session) = super::session(&req, ctx).await {
        // A logout needs the form's token too: no cross-site sign-outs.
        super::form(req, &session).await?;
        if let Some(token) = token {
            sign_out(ctx, &token).await?;
        }
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    redirect_with_cookie("/staff/login", Some(&clear)).or_else(|_| redirect("/staff/login"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_staff_pages_are_login_destinations() {
        assert_eq!(
            safe_next(Some("/staff/applications/ABCD-EFGHK")),
            "/staff/applications/ABCD-EFGHK"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/staff");
        assert_eq!(safe_next(Some("//evil.example/staff")), "/staff");
        assert_eq!(safe_next(Some("/staff//evil")), "/staff");
        assert_eq!(safe_next(Some("/staff/login")), "/staff");
        assert_eq!(safe_next(None), "/staff");
        assert_eq!(safe_next(Some("/staff\r\nSet-Cookie: x=1")), "/staff");
        assert_eq!(safe_next(Some("/staff/a b")), "/staff");
    }
}
