//! The staff search (registration number, NIK or name) over plain HTTP. A
//! NIK or a name is personal data and never travels in a URL, where browser
//! history, proxies and logs keep it: the search and its next page are
//! posted, and `GET /staff?q=` no longer searches.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::api::{application, nik, username, Api, DEMO_PASSWORD};
use crate::ui::{csrf, Browser};
use crate::workflow::seed;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![the_staff_search_never_puts_a_nik_or_name_in_the_url]
}

/// Rows on one page of the queue (`PAGE_SIZE` in src/web/pages/queue.rs).
const PAGE_SIZE: usize = 50;

/// Submits an application of this applicant; returns its number.
fn submit_as(api: &Api, applicant_nik: &str, applicant_name: &str) -> Result<String, String> {
    let mut body = application(seed(), "pickup");
    body["applicant"]["nik"] = applicant_nik.into();
    body["applicant"]["name"] = applicant_name.into();
    let r = api.submit(&body);
    ensure!(r.status == 201, "submit: {} {}", r.status, r.text);
    r.body["registration_number"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| "no registration_number".into())
}

/// A name nobody else in this run has: a prefix search finds only ours.
fn unique_name() -> String {
    let mut n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
        ^ u128::from(std::process::id());
    let tag: String = (0..8)
        .map(|_| {
            let letter = char::from(b'a' + (n % 26) as u8);
            n /= 26;
            letter
        })
        .collect();
    format!("Ratna Halaman{tag}")
}

/// A form body from fields.
fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// Every `href` of a page.
fn hrefs(page: &str) -> Vec<&str> {
    page.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// The opening tag of the first form whose tag contains `marker`.
fn form_tag<'a>(page: &'a str, marker: &str) -> Option<&'a str> {
    page.split("<form")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .find(|tag| tag.contains(marker))
}

/// The hidden fields of the next-page form (the queue's pager), in order.
fn pager_fields(page: &str) -> Vec<(String, String)> {
    let Some(pager) = page
        .split("<form")
        .skip(1)
        .find(|rest| rest.split('>').next().is_some_and(|t| t.contains("pager")))
    else {
        return Vec::new();
    };
    let body = pager.split("</form>").next().unwrap_or_default();
    body.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|rest| {
            let (name, rest) = rest.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

fn the_staff_search_never_puts_a_nik_or_name_in_the_url(env: &Env) -> TestResult {
    let b = Browser::new(env);
    // The validator's queue holds `awaiting_validation`; a search looks
    // across every status, so a just-submitted application is listed only
    // when it was found by the search.
    let cookie = b.sign_in(username("validator"), DEMO_PASSWORD)?;
    let queue = b.get("/staff", Some(&cookie));
    ensure!(
        queue.status == 200,
        "queue: {} {}",
        queue.status,
        queue.text
    );
    let token = csrf(&queue.text);
    ensure!(
        !token.is_empty(),
        "the queue page's search form carries a CSRF token"
    );
    let search_form = form_tag(&queue.text, "role=\"search\"").unwrap_or_default();
    ensure!(
        search_form.contains("method=\"post\""),
        "the search form posts: <form{search_form}>"
    );

    let name = unique_name();
    let applicant_nik = nik(seed() + 5000);
    let number = submit_as(&env.api, &applicant_nik, &name)?;

    // By NIK, posted: found.
    let found = b.post(
        "/staff",
        Some(&cookie),
        &form(&[("csrf", &token), ("q", &applicant_nik)]),
    );
    ensure!(
        found.status == 200,
        "search by NIK: {} {}",
        found.status,
        found.text
    );
    ensure!(
        found.text.contains(&number),
        "the posted NIK search lists {number}"
    );
    // The session check, then the filters' places and the page in one batch.
    for (what, page) in [("search", &found), ("queue", &queue)] {
        ensure!(
            page.header("x-d1-round-trips") == Some("2"),
            "the {what} page costs 2 D1 round trips, not {:?}",
            page.header("x-d1-round-trips")
        );
    }
    // Without the token, nothing is searched.
    let forged = b.post("/staff", Some(&cookie), &form(&[("q", &applicant_nik)]));
    ensure!(
        forged.status == 403,
        "a search without its CSRF token: {}",
        forged.status
    );

    // By NIK in the URL: not a search any more, and the NIK is not echoed.
    let by_url = b.get(&format!("/staff?q={applicant_nik}"), Some(&cookie));
    ensure!(
        by_url.status == 200,
        "GET /staff?q=: {} {}",
        by_url.status,
        by_url.text
    );
    ensure!(
        !by_url.text.contains(&number),
        "GET /staff?q=<nik> must not find {number} by the NIK (the posted search does)"
    );
    ensure!(
        !by_url.text.contains(&applicant_nik),
        "GET /staff?q=<nik> must not echo the NIK into the page"
    );

    // A registration number is not personal data: it still opens the record.
    let open = b.post(
        "/staff",
        Some(&cookie),
        &form(&[("csrf", &token), ("q", &number)]),
    );
    ensure!(
        open.status == 303
            && open.header("location") == Some(format!("/staff/applications/{number}").as_str()),
        "search by number: {} {:?}",
        open.status,
        open.header("location")
    );

    // Filters without a term stay a plain, bookmarkable GET.
    let filtered = b.post(
        "/staff",
        Some(&cookie),
        &form(&[("csrf", &token), ("q", " "), ("service", "child_id_card")]),
    );
    ensure!(
        filtered.status == 303
            && filtered.header("location") == Some("/staff?service=child_id_card"),
        "filters without a term: {} {:?}",
        filtered.status,
        filtered.header("location")
    );

    // By name over more than one page: the next page is a posted form, and
    // no link anywhere carries the term.
    let mut numbers = vec![number];
    while numbers.len() <= PAGE_SIZE {
        numbers.push(submit_as(&env.api, &nik(seed() + 5000), &name)?);
    }
    let first = b.post(
        "/staff",
        Some(&cookie),
        &form(&[("csrf", &token), ("q", &name)]),
    );
    ensure!(
        first.status == 200,
        "search by name: {} {}",
        first.status,
        first.text
    );
    let leaks: Vec<&str> = hrefs(&first.text)
        .into_iter()
        .filter(|h| h.contains("q=") || h.contains("Halaman"))
        .collect();
    ensure!(leaks.is_empty(), "links carry the search term: {leaks:?}");
    let pager = form_tag(&first.text, "pager").unwrap_or_default();
    ensure!(
        pager.contains("method=\"post\""),
        "a search's next page is a posted form, got: <form{pager}>"
    );
    let fields = pager_fields(&first.text);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    ensure!(
        field("q") == Some(name.as_str()) && field("cursor").is_some() && field("csrf").is_some(),
        "the next-page form carries the term, the cursor and the token: {fields:?}"
    );
    let on_first = numbers
        .iter()
        .filter(|n| first.text.contains(n.as_str()))
        .count();
    ensure!(
        on_first == PAGE_SIZE,
        "{on_first} of ours on the first page"
    );
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let second = b.post("/staff", Some(&cookie), &form(&pairs));
    ensure!(
        second.status == 200,
        "next page: {} {}",
        second.status,
        second.text
    );
    let on_second: Vec<&String> = numbers
        .iter()
        .filter(|n| second.text.contains(n.as_str()))
        .collect();
    ensure!(
        on_second.len() == numbers.len() - PAGE_SIZE
            && on_second.iter().all(|n| !first.text.contains(n.as_str())),
        "the second page holds the rest: {on_second:?}"
    );
    ensure!(
        hrefs(&second.text).iter().all(|h| !h.contains("q=")),
        "no link on the last page carries the term"
    );
    Ok(())
}
