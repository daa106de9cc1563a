//! The staff web UI over plain HTTP: what a browser is told (cookie
//! attributes, security headers, redirects) and what the server refuses
//! (no CSRF token, wrong role, state change on GET). The real-browser tests
//! in tests/browser/ walk the pages themselves.

use std::time::Duration;

use crate::api::{username, Api, Resp, DEMO_PASSWORD};
use crate::workflow::{submit, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        the_session_cookie_is_host_prefixed_secure_httponly_and_strict,
        every_page_carries_the_security_headers,
        a_form_without_its_csrf_token_changes_nothing,
        nothing_changes_on_get,
        pages_of_another_role_are_refused,
        an_ended_session_goes_to_the_login_page_and_remembers_where_it_was,
        a_stale_form_says_someone_else_acted_and_applies_nothing,
        disabling_an_account_ends_its_sessions_at_once,
        the_export_masks_personal_data_for_the_administrator,
        a_village_operator_submits_on_a_citizens_behalf_for_their_own_village_only,
        a_village_operator_sees_every_application_reports_the_month_and_prints_a_receipt,
        the_record_page_warns_of_a_likely_duplicate_and_of_unticked_papers,
        a_login_posted_from_another_site_is_refused_and_opens_no_session,
        the_resent_notice_shows_only_a_message_number,
    ]
}

/// An HTTP agent that shows redirects instead of following them, with a
/// fresh connection per request.
pub fn no_redirect_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_idle_connections(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .middleware(crate::contract::RecordMethod)
        .build()
        .into()
}

/// A browser-like client that does not follow redirects, so tests see them.
pub struct Browser {
    base: String,
    agent: ureq::Agent,
    /// Its own client address (`CF-Connecting-IP`), for the per-address limits.
    address: String,
}

impl Browser {
    pub fn new(env: &Env) -> Browser {
        Browser {
            base: env.api.base.clone(),
            agent: no_redirect_agent(),
            address: crate::api::fresh_address(),
        }
    }

    pub fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        Api::exchange(|| {
            let mut r = self
                .agent
                .get(format!("{}{path}", self.base))
                .header("CF-Connecting-IP", &self.address);
            if let Some(c) = cookie {
                r = r.header("Cookie", format!("__Host-pakpos={c}"));
            }
            r.call()
        })
    }

    pub fn post(&self, path: &str, cookie: Option<&str>, form: &str) -> Resp {
        Api::exchange(|| {
            let mut r = self
                .agent
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("CF-Connecting-IP", &self.address);
            if let Some(c) = cookie {
                r = r.header("Cookie", format!("__Host-pakpos={c}"));
            }
            r.send(form)
        })
    }

    /// A GET with extra headers (another cookie).
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        Api::exchange(|| {
            let mut r = self
                .agent
                .get(format!("{}{path}", self.base))
                .header("CF-Connecting-IP", &self.address);
            for (name, value) in headers {
                r = r.header(*name, *value);
            }
            r.call()
        })
    }

    /// A form POST with extra headers (what a browser adds: `Origin`,
    /// `Sec-Fetch-Site`).
    pub fn post_with(&self, path: &str, form: &str, headers: &[(&str, &str)]) -> Resp {
        Api::exchange(|| {
            let mut r = self
                .agent
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/x-www-form-urlencoded");
            for (name, value) in headers {
                r = r.header(*name, *value);
            }
            r.send(form)
        })
    }

    /// A form POST as a citizen at client address `ip` (what Cloudflare
    /// reports as `CF-Connecting-IP`), for the per-address limits.
    pub fn post_from(&self, ip: &str, path: &str, form: &str) -> Resp {
        Api::exchange(|| {
            let r = self
                .agent
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("CF-Connecting-IP", ip);
            r.send(form)
        })
    }

    /// Signs in through the login form; returns the session cookie's value.
    pub fn sign_in(&self, user: &str, password: &str) -> Result<String, String> {
        let r = self.post(
            "/staff/login",
            None,
            &format!("username={user}&password={password}&next=%2Fstaff"),
        );
        ensure!(r.status == 303, "login {user}: {} {}", r.status, r.text);
        let cookie = r.header("set-cookie").unwrap_or_default().to_string();
        cookie
            .strip_prefix("__Host-pakpos=")
            .and_then(|rest| rest.split(';').next())
            .map(String::from)
            .ok_or_else(|| format!("no session cookie: {cookie}"))
    }
}

/// The CSRF token in a page's forms.
pub fn csrf(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

fn the_session_cookie_is_host_prefixed_secure_httponly_and_strict(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let r = b.post(
        "/staff/login",
        None,
        &format!("username=fo&password={DEMO_PASSWORD}&next=%2Fstaff%2Fapplications%2FX"),
    );
    ensure!(r.status == 303, "{} {}", r.status, r.text);
    let cookie = r.header("set-cookie").unwrap_or_default();
    for part in [
        "__Host-pakpos=",
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
    ] {
        ensure!(cookie.contains(part), "cookie lacks {part}: {cookie}");
    }
    ensure!(
        !cookie.contains("Domain="),
        "a __Host- cookie has no Domain"
    );
    ensure!(
        r.header("location") == Some("/staff/applications/X"),
        "back to where the officer was going: {:?}",
        r.header("location")
    );
    let wrong = b.post(
        "/staff/login",
        None,
        "username=fo&password=salah-sekali&next=%2Fstaff",
    );
    ensure!(
        wrong.status == 401 && wrong.text.contains("nama pengguna atau kata sandi salah"),
        "{} {}",
        wrong.status,
        wrong.text
    );
    ensure!(wrong.header("set-cookie").is_none(), "no cookie on failure");
    let away = b.post(
        "/staff/login",
        None,
        &format!("username=fo&password={DEMO_PASSWORD}&next=https%3A%2F%2Fevil.example%2F"),
    );
    ensure!(
        away.header("location") == Some("/staff"),
        "no open redirect: {:?}",
        away.header("location")
    );
    Ok(())
}

fn every_page_carries_the_security_headers(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let cookie = b.sign_in("validator", DEMO_PASSWORD)?;
    let number = submit(&env.api, "pickup")?;
    for path in [
        "/staff/login".to_string(),
        "/staff".to_string(),
        format!("/staff/applications/{number}"),
        "/staff/dashboard".to_string(),
    ] {
        let r = b.get(&path, Some(&cookie));
        ensure!(r.status == 200, "{path}: {}", r.status);
        let csp = r.header("content-security-policy").unwrap_or_default();
        ensure!(
            csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: CSP {csp}"
        );
        ensure!(
            r.header("x-content-type-options") == Some("nosniff"),
            "{path}: nosniff"
        );
        ensure!(
            r.header("strict-transport-security")
                .is_some_and(|h| h.contains("max-age=")),
            "{path}: HSTS"
        );
        ensure!(
            r.header("referrer-policy").is_some(),
            "{path}: Referrer-Policy"
        );
        ensure!(
            !r.text.contains("<script>") && !r.text.contains(" onclick="),
            "{path}: no inline script"
        );
    }
    Ok(())
}

fn a_form_without_its_csrf_token_changes_nothing(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let cookie = b.sign_in("fo", DEMO_PASSWORD)?;
    let number = submit(&env.api, "pickup")?;
    let path = format!("/staff/applications/{number}/actions");
    for form in [
        "action=accept&siak_reference=S-1&expected_version=1",
        "csrf=0000&action=accept&siak_reference=S-1&expected_version=1",
    ] {
        let r = b.post(&path, Some(&cookie), form);
        ensure!(r.status == 403, "{form}: {} {}", r.status, r.text);
    }
    // Another session's token is no good either.
    let other = b.sign_in("fo", DEMO_PASSWORD)?;
    let foreign = csrf(
        &b.get(&format!("/staff/applications/{number}"), Some(&other))
            .text,
    );
    let r = b.post(
        &path,
        Some(&cookie),
        &format!("csrf={foreign}&action=accept&siak_reference=S-1&expected_version=1"),
    );
    ensure!(r.status == 403, "another session's token: {}", r.status);
    let version = env.api.read("admin", &number)?.body["version"].clone();
    ensure!(version == 1, "nothing changed: version {version}");
    let page = b.get(&format!("/staff/applications/{number}"), Some(&cookie));
    let r = b.post(
        &path,
        Some(&cookie),
        &format!(
            "csrf={}&action=accept&siak_reference=S-1&expected_version=1",
            csrf(&page.text)
        ),
    );
    ensure!(
        r.status == 303,
        "with its token the form works: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

fn nothing_changes_on_get(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let cookie = b.sign_in("fo", DEMO_PASSWORD)?;
    let number = submit(&env.api, "pickup")?;
    for path in [
        format!("/staff/applications/{number}/actions?action=accept&siak_reference=S"),
        "/staff/logout".into(),
        "/staff/admin/staff/1/disable".into(),
    ] {
        let r = b.get(&path, Some(&cookie));
        ensure!(r.status == 405, "GET {path}: {}", r.status);
    }
    ensure!(
        env.api.read("admin", &number)?.body["version"] == 1,
        "unchanged"
    );
    ensure!(
        b.get("/staff", Some(&cookie)).status == 200,
        "still signed in"
    );
    Ok(())
}

fn pages_of_another_role_are_refused(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let fo = b.sign_in("fo", DEMO_PASSWORD)?;
    for path in ["/staff/admin", "/staff/dashboard", "/staff/export.csv"] {
        let r = b.get(path, Some(&fo));
        ensure!(r.status == 403, "front office on {path}: {}", r.status);
    }
    let operator = b.sign_in(username("other_village_operator"), DEMO_PASSWORD)?;
    let number = submit(&env.api, "pickup")?;
    let r = b.get(&format!("/staff/applications/{number}"), Some(&operator));
    ensure!(r.status == 403, "another village's record: {}", r.status);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    ensure!(
        b.get("/staff/admin", Some(&admin)).status == 200,
        "the administrator's page"
    );
    Ok(())
}

fn an_ended_session_goes_to_the_login_page_and_remembers_where_it_was(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let number = submit(&env.api, "pickup")?;
    let r = b.get(
        &format!("/staff/applications/{number}"),
        Some("sudah-kedaluwarsa"),
    );
    ensure!(r.status == 303, "{}", r.status);
    let location = r.header("location").unwrap_or_default();
    ensure!(
        location.starts_with("/staff/login?next=%2Fstaff%2Fapplications%2F")
            && location.contains("expired=1"),
        "{location}"
    );
    let login = b.get(location, None);
    ensure!(
        login.status == 200 && login.text.contains("Sesi Anda berakhir"),
        "the login page says why"
    );
    ensure!(
        login
            .text
            .contains(&format!("value=\"/staff/applications/{number}\"")),
        "and keeps the page to return to"
    );
    let anonymous = b.get("/staff", None);
    ensure!(
        anonymous.status == 303
            && !anonymous
                .header("location")
                .unwrap_or_default()
                .contains("expired"),
        "never signed in: no 'expired' note"
    );
    Ok(())
}

fn a_stale_form_says_someone_else_acted_and_applies_nothing(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let first = b.sign_in("fo", DEMO_PASSWORD)?;
    let second = b.sign_in("fo", DEMO_PASSWORD)?;
    let number = submit(&env.api, "pickup")?;
    let page1 = b
        .get(&format!("/staff/applications/{number}"), Some(&first))
        .text;
    let page2 = b
        .get(&format!("/staff/applications/{number}"), Some(&second))
        .text;
    let path = format!("/staff/applications/{number}/actions");
    let r = b.post(
        &path,
        Some(&first),
        &format!(
            "csrf={}&action=accept&siak_reference=S-1&expected_version=1",
            csrf(&page1)
        ),
    );
    ensure!(r.status == 303, "{}", r.status);
    let stale = b.post(
        &path,
        Some(&second),
        &format!(
            "csrf={}&action=accept&siak_reference=S-2&expected_version=1",
            csrf(&page2)
        ),
    );
    ensure!(
        stale.status == 409 && stale.text.contains("sudah diproses oleh petugas lain"),
        "{} {}",
        stale.status,
        stale.text
    );
    ensure!(
        stale.text.contains("menunggu persetujuan"),
        "shows the new state"
    );
    let accepts = env
        .api
        .events("admin", &number)?
        .iter()
        .filter(|e| e["action"] == "accept")
        .count();
    ensure!(accepts == 1, "{accepts} accept events");
    Ok(())
}

fn disabling_an_account_ends_its_sessions_at_once(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let page = b.get("/staff/admin", Some(&admin)).text;
    let token = csrf(&page);
    let name = format!("fo.{}", crate::workflow::seed());
    let created = b.post(
        "/staff/admin/staff",
        Some(&admin),
        &format!("csrf={token}&username={name}&display_name=Petugas+Baru&role=front_office&village_code=&password=sandi-awal-2026"),
    );
    ensure!(
        created.status == 303,
        "create: {} {}",
        created.status,
        created.text
    );
    let officer = b.sign_in(&name, "sandi-awal-2026")?;
    ensure!(
        b.get("/staff", Some(&officer)).status == 200,
        "the new officer works"
    );
    let listing = b.get("/staff/admin", Some(&admin)).text;
    let id = listing
        .split(&format!(">{name}<"))
        .nth(1)
        .and_then(|rest| rest.split("/staff/admin/staff/").nth(1))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_string();
    ensure!(!id.is_empty(), "the account's id is on the page");
    let disabled = b.post(
        &format!("/staff/admin/staff/{id}/disable"),
        Some(&admin),
        &format!("csrf={token}"),
    );
    ensure!(
        disabled.status == 303,
        "disable: {} {}",
        disabled.status,
        disabled.text
    );
    let after = b.get("/staff", Some(&officer));
    ensure!(
        after.status == 303
            && after
                .header("location")
                .unwrap_or_default()
                .starts_with("/staff/login"),
        "session ended: {}",
        after.status
    );
    let again = env.api.login(&name, "sandi-awal-2026");
    ensure!(
        again.status == 401,
        "a disabled account cannot sign in: {}",
        again.status
    );
    Ok(())
}

fn the_export_masks_personal_data_for_the_administrator(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let number = submit(&env.api, "pickup")?;
    walk_to(&env.api, &number, "awaiting_validation")?;
    let admin = b.sign_in("admin", DEMO_PASSWORD)?;
    let csv = b.get("/staff/export.csv", Some(&admin));
    ensure!(
        csv.status == 200
            && csv
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/csv")),
        "{}",
        csv.status
    );
    let line = csv
        .text
        .lines()
        .find(|l| l.contains(&number))
        .unwrap_or_default()
        .to_string();
    ensure!(
        line.contains("********"),
        "the administrator sees masked NIKs: {line}"
    );
    let validator = b.sign_in("validator", DEMO_PASSWORD)?;
    let full = b.get("/staff/export.csv", Some(&validator)).text;
    let line = full
        .lines()
        .find(|l| l.contains(&number))
        .unwrap_or_default()
        .to_string();
    ensure!(
        !line.contains("********") && line.contains("3312"),
        "the validator sees them in full: {line}"
    );
    let bad = b.get("/staff/export.csv?from=2026-02-30", Some(&validator));
    ensure!(bad.status == 422, "bad date: {}", bad.status);
    Ok(())
}

fn a_village_operator_sees_every_application_reports_the_month_and_prints_a_receipt(
    env: &Env,
) -> TestResult {
    let api = &env.api;
    // One of the operator's village, cancelled; one of another village.
    let ours = submit(api, "pickup")?;
    let cancelled = api.act(
        "front_office",
        &ours,
        &serde_json::json!({"action": "cancel", "reason": "berkas tidak lengkap", "expected_version": 1}),
    )?;
    ensure!(
        cancelled.status == 200,
        "cancel: {} {}",
        cancelled.status,
        cancelled.text
    );
    let mut body = crate::api::application(crate::workflow::seed(), "pickup");
    body["applicant"]["village_code"] = crate::api::OTHER_VILLAGE.into();
    let theirs = api.submit(&body);
    ensure!(
        theirs.status == 201,
        "other village: {} {}",
        theirs.status,
        theirs.text
    );
    let theirs = theirs.body["registration_number"]
        .as_str()
        .unwrap_or("?")
        .to_string();

    let b = Browser::new(env);
    let operator = b.sign_in(username("village_operator"), DEMO_PASSWORD)?;
    // Ended applications stay in the village's list and open.
    let list = b.get("/staff?status=cancelled", Some(&operator));
    ensure!(
        list.status == 200 && list.text.contains("Permohonan dibatalkan"),
        "the village's cancelled applications: {} {}",
        list.status,
        list.text.chars().take(300).collect::<String>()
    );
    let record = b.get(&format!("/staff/applications/{ours}"), Some(&operator));
    ensure!(
        record.status == 200 && record.text.contains("id=\"tanda-terima\""),
        "the cancelled record: {}",
        record.status
    );

    let report = b.get("/staff/laporan-desa", Some(&operator));
    ensure!(
        report.status == 200,
        "report: {} {}",
        report.status,
        report.text
    );
    let cancelled_row = report
        .text
        .split("data-status=\"cancelled\"")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_default()
        .to_string();
    ensure!(
        !cancelled_row.contains("<td>0</td>") && report.text.contains("Unduh CSV"),
        "the month's cancelled count: {cancelled_row}"
    );
    let csv_link = report
        .text
        .split("href=\"/staff/export.csv?")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .replace("&amp;", "&");
    let csv = b.get(&format!("/staff/export.csv?{csv_link}"), Some(&operator));
    ensure!(
        csv.status == 200 && csv.text.contains(&ours) && !csv.text.contains(&theirs),
        "the village's CSV: {} {}",
        csv.status,
        csv.text.chars().take(300).collect::<String>()
    );
    let nik = api.read("front_office", &ours)?.body["applicant"]["nik"]
        .as_str()
        .unwrap_or("?")
        .to_string();
    ensure!(
        !csv.text.contains(&nik),
        "the NIK whole in the operator's CSV"
    );
    let bad = b.get("/staff/laporan-desa?bulan=2026-13", Some(&operator));
    ensure!(
        bad.status == 422,
        "a month that does not exist: {}",
        bad.status
    );

    let receipt = b.get(
        &format!("/staff/applications/{ours}/tanda-terima"),
        Some(&operator),
    );
    ensure!(
        receipt.status == 200
            && receipt.text.contains(&ours)
            && receipt.text.contains("<svg")
            && receipt.text.contains(&format!("/lacak?nomor={ours}"))
            && !receipt.text.contains(&nik),
        "receipt: {} {}",
        receipt.status,
        receipt.text
    );
    let other = b.sign_in(username("other_village_operator"), DEMO_PASSWORD)?;
    let refused = b.get(
        &format!("/staff/applications/{ours}/tanda-terima"),
        Some(&other),
    );
    ensure!(
        refused.status == 403,
        "another village's receipt: {}",
        refused.status
    );
    Ok(())
}

fn the_record_page_warns_of_a_likely_duplicate_and_of_unticked_papers(env: &Env) -> TestResult {
    let api = &env.api;
    let seed = crate::workflow::seed();
    let body = crate::api::application(seed, "pos");
    let first = api.submit(&body);
    let second = api.submit(&body);
    let mut other_child = body.clone();
    other_child["subject"]["name"] = "Anak Lain Sekali".into();
    let third = api.submit(&other_child);
    ensure!(
        [first.status, second.status, third.status] == [201, 201, 201],
        "submissions: {} {} {}",
        first.status,
        second.status,
        third.status
    );
    let number = |r: &Resp| {
        r.body["registration_number"]
            .as_str()
            .unwrap_or("?")
            .to_string()
    };
    let (first, second, third) = (number(&first), number(&second), number(&third));
    let b = Browser::new(env);
    let fo = b.sign_in("fo", DEMO_PASSWORD)?;
    let page = b
        .get(&format!("/staff/applications/{second}"), Some(&fo))
        .text;
    let warning = page
        .split("id=\"kemungkinan-ganda\"")
        .nth(1)
        .and_then(|w| w.split("</p>").next())
        .unwrap_or_default();
    ensure!(
        warning.contains(&first) && !warning.contains(&third),
        "the duplicate warning: {warning:?}"
    );
    let other = b
        .get(&format!("/staff/applications/{third}"), Some(&fo))
        .text;
    ensure!(
        !other.contains("kemungkinan-ganda"),
        "another child of the same applicant is not a duplicate"
    );
    // The change form starts from the current method and address.
    let change = page
        .split("data-action=\"change_delivery_method\"")
        .nth(1)
        .and_then(|f| f.split("</form>").next())
        .unwrap_or_default();
    ensure!(
        change.contains("value=\"pos\" selected") && change.contains("value=\"Dusun Krajan"),
        "the change form does not start from the current method: {change}"
    );
    // The validator, before approving, is told which papers are not ticked.
    walk_to(api, &second, "awaiting_validation")?;
    let validator = b.sign_in("validator", DEMO_PASSWORD)?;
    let page = b
        .get(&format!("/staff/applications/{second}"), Some(&validator))
        .text;
    let approve = page
        .split("data-action=\"approve\"")
        .nth(1)
        .and_then(|f| f.split("</form>").next())
        .unwrap_or_default();
    ensure!(
        approve.contains("data-unticked") && approve.contains("KTP-el ayah dan ibu"),
        "no warning of the unticked papers: {approve}"
    );
    Ok(())
}

fn a_village_operator_submits_on_a_citizens_behalf_for_their_own_village_only(
    env: &Env,
) -> TestResult {
    let b = Browser::new(env);
    let operator = b.sign_in(username("village_operator"), DEMO_PASSWORD)?;
    let page = b.get("/staff/submit?services=birth_certificate", Some(&operator));
    ensure!(page.status == 200, "form: {}", page.status);
    ensure!(
        page.text.contains("value=\"33.12.01.2001\"")
            && !page.text.contains("value=\"33.12.01.1009\""),
        "only the operator's own village is offered"
    );
    let seed = crate::workflow::seed();
    let fields = |village: &str| {
        format!(
            "csrf={}&services=birth_certificate&applicant.nik={}&applicant.name=Siti+Aminah&applicant.phone=0812{seed:08}\
             &applicant.village_code={village}&applicant.address=Dusun+Kidul+RT+02+RW+01&subject.name=Rara+Ayu&subject.sex=female\
             &subject.birth_date=2026-11-10&subject.birth_place=Wonogiri&subject.mother_name=Siti+Aminah\
             &subject.family_card_number=3312010101200003&delivery_method=pickup",
            csrf(&page.text),
            crate::api::nik(seed)
        )
    };
    let other = b.post("/staff/submit", Some(&operator), &fields("33.12.01.1009"));
    ensure!(
        other.status == 403,
        "another village: {} {}",
        other.status,
        other.text.chars().take(200).collect::<String>()
    );
    let r = b.post("/staff/submit", Some(&operator), &fields("33.12.01.2001"));
    ensure!(
        r.status == 303,
        "submit: {} {}",
        r.status,
        r.text.chars().take(300).collect::<String>()
    );
    let location = r.header("location").unwrap_or_default().to_string();
    let number = location
        .trim_start_matches("/staff/applications/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let record = env.api.read("admin", &number)?;
    ensure!(
        record.body["channel"] == "village",
        "channel: {}",
        record.body["channel"]
    );
    let events = env.api.events("admin", &number)?;
    ensure!(
        events[0]["actor"]["role"] == "village_operator",
        "submitted by the operator: {}",
        events[0]
    );
    let followed = b.get(&location, Some(&operator));
    ensure!(
        followed.status == 200 && followed.text.contains("Berhasil"),
        "the operator follows it: {}",
        followed.status
    );
    let fo = b.sign_in("fo", DEMO_PASSWORD)?;
    ensure!(
        b.get("/staff/submit", Some(&fo)).status == 403,
        "front office does not submit"
    );
    Ok(())
}

fn a_login_posted_from_another_site_is_refused_and_opens_no_session(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let form = format!("username=fo&password={DEMO_PASSWORD}&next=%2Fstaff");
    let host = env.api.base.trim_start_matches("http://").to_string();
    for headers in [
        vec![("Origin", "https://evil.example")],
        vec![("Origin", "null")],
        vec![("Sec-Fetch-Site", "cross-site")],
        vec![
            ("Origin", "http://127.0.0.1:1"),
            ("Sec-Fetch-Site", "cross-site"),
        ],
    ] {
        let r = b.post_with("/staff/login", &form, &headers);
        ensure!(
            r.status == 403 && r.header("set-cookie").is_none(),
            "cross-site login {headers:?}: {} cookie {:?}",
            r.status,
            r.header("set-cookie")
        );
    }
    // The same sign-in from the site itself (as a browser sends it) works.
    let own_origin = format!("http://{host}");
    let r = b.post_with(
        "/staff/login",
        &form,
        &[
            ("Origin", own_origin.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
        ],
    );
    ensure!(
        r.status == 303
            && r.header("set-cookie")
                .is_some_and(|c| c.starts_with("__Host-pakpos=")),
        "same-site login: {} {:?}",
        r.status,
        r.header("set-cookie")
    );
    Ok(())
}

fn the_resent_notice_shows_only_a_message_number(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let cookie = b.sign_in("fo", DEMO_PASSWORD)?;
    let number = submit(&env.api, "pickup")?;
    let lure = "Transfer%20biaya%20ke%20rekening%201234";
    let r = b.get(
        &format!("/staff/applications/{number}?resent={lure}"),
        Some(&cookie),
    );
    ensure!(
        r.status == 200 && !r.text.contains("Transfer biaya") && !r.text.contains("dikirim ulang"),
        "free text in the notice: {}",
        r.status
    );
    let r = b.get(
        &format!("/staff/applications/{number}?resent=42"),
        Some(&cookie),
    );
    ensure!(
        r.status == 200 && r.text.contains("SMS #42 dijadwalkan untuk dikirim ulang."),
        "a message number is still announced: {}",
        r.status
    );
    Ok(())
}
