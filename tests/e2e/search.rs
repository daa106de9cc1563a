//! The staff search (registration number, NIK or name) over plain HTTP. A
//! NIK or a name is personal data and never travels in a URL, where browser
//! history, proxies and logs keep it: the search and its next page are
//! posted, and `GET /staff?q=` no longer searches.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::api::{application, nik, username, Api, DEMO_PASSWORD, VILLAGE};
use crate::ui::{csrf, Browser};
use crate::workflow::seed;
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        the_staff_search_never_puts_a_nik_or_name_in_the_url,
        the_staff_queue_page_is_one_round_trip_for_a_role_s_own_queue
    ]
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
    // A search: the session check, then the filters' places and the page
    // in one batch; the queue (a GET): all of it in one batch.
    for (what, page, trips) in [("search", &found, "2"), ("queue", &queue, "1")] {
        ensure!(
            page.header("x-d1-round-trips") == Some(trips),
            "the {what} page costs {trips} D1 round trips, not {:?}",
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

/// The registration numbers a queue page lists (its rows' links).
fn listed(page: &str) -> Vec<String> {
    hrefs(page)
        .into_iter()
        .filter_map(|h| h.strip_prefix("/staff/applications/"))
        .map(String::from)
        .collect()
}

/// The link to a queue page's next page, if it has one.
fn next_link(page: &str) -> Option<String> {
    let pager = page.split("<p class=\"pager\">").nth(1)?;
    let href = hrefs(pager).into_iter().next()?;
    Some(href.replace("&amp;", "&"))
}

/// Issue 12: "1 [D1 round trip] for a queue page where possible". The
/// officer's own queue (with its filters and next pages) rides in the
/// session check's batch; what the session's role cannot decide in SQL
/// (the administrator's and a village operator's lists, a status of
/// another role's queue, a cursor that does not decode) takes a second
/// trip with the same answer as before.
fn the_staff_queue_page_is_one_round_trip_for_a_role_s_own_queue(env: &Env) -> TestResult {
    let b = Browser::new(env);
    let trips = |r: &crate::api::Resp| r.header("x-d1-round-trips").map(String::from);
    let mine: Vec<String> = (0..3)
        .map(|_| submit_as(&env.api, &nik(seed() + 5100), &unique_name()))
        .collect::<Result<_, _>>()?;

    // The front office's queue, narrowed to the village of ours and to the
    // status it works, walked page by page: every page one round trip, and
    // every one of ours listed once.
    let fo = b.sign_in(username("front_office"), DEMO_PASSWORD)?;
    let mut path = format!("/staff?status=submitted&village={VILLAGE}");
    let mut seen: Vec<String> = Vec::new();
    for _ in 0..200 {
        let page = b.get(&path, Some(&fo));
        ensure!(page.status == 200, "{path}: {} {}", page.status, page.text);
        ensure!(
            trips(&page).as_deref() == Some("1"),
            "{path} costs 1 D1 round trip, not {:?}",
            trips(&page)
        );
        ensure!(
            page.text.contains("<option value=\"submitted\" selected"),
            "{path}: the status filter is kept"
        );
        seen.extend(listed(&page.text));
        match next_link(&page.text) {
            Some(next) => path = next,
            None => break,
        }
    }
    for n in &mine {
        ensure!(
            seen.iter().filter(|s| *s == n).count() == 1,
            "{n} listed once in the front office's queue of its village"
        );
    }

    // The validator's queue is what waits for the validator: ours (just
    // submitted) are not in it, and a status of the front office's queue is
    // not a filter there (dropped, as before, after a second trip).
    let validator = b.sign_in(username("validator"), DEMO_PASSWORD)?;
    for (path, expected) in [("/staff", "1"), ("/staff?status=submitted", "2")] {
        let page = b.get(path, Some(&validator));
        ensure!(page.status == 200, "validator {path}: {}", page.status);
        ensure!(
            trips(&page).as_deref() == Some(expected),
            "validator {path}: {expected} round trips, not {:?}",
            trips(&page)
        );
        ensure!(
            !page.text.contains("value=\"submitted\""),
            "validator {path}: no submitted filter"
        );
        let rows = listed(&page.text);
        ensure!(
            mine.iter().all(|n| !rows.contains(n)),
            "validator {path} lists a submitted application"
        );
    }

    // Lists the session's role cannot pick in SQL take the second trip.
    for (role, heading) in [
        ("admin", "Semua permohonan yang masih berjalan"),
        ("village_operator", "Semua permohonan desa/kelurahan Anda"),
    ] {
        let cookie = b.sign_in(username(role), DEMO_PASSWORD)?;
        let page = b.get("/staff", Some(&cookie));
        ensure!(
            page.status == 200 && page.text.contains(heading),
            "{role} /staff: {} {}",
            page.status,
            page.text
        );
        ensure!(
            trips(&page).as_deref() == Some("2"),
            "{role} /staff: 2 round trips, not {:?}",
            trips(&page)
        );
    }

    // The complaints officer has no queue, only search.
    let complaints = b.sign_in(username("complaints_officer"), DEMO_PASSWORD)?;
    let page = b.get("/staff", Some(&complaints));
    ensure!(
        page.status == 200 && listed(&page.text).is_empty() && trips(&page).as_deref() == Some("1"),
        "complaints officer /staff: {} {:?} {:?}",
        page.status,
        trips(&page),
        listed(&page.text)
    );

    // A cursor that does not decode: the session is checked first, then
    // the cursor refused by name.
    let bad = b.get("/staff?cursor=x%27%20OR%201%3D1", Some(&fo));
    ensure!(
        bad.status == 422 && bad.text.contains("cursor"),
        "a forged cursor: {} {}",
        bad.status,
        bad.text
    );
    // A dead session goes to the login page, coming back to this list.
    let dead = b.get("/staff?status=submitted", Some("AAAAAAAAAAAAAAAAAAAAAA"));
    ensure!(
        dead.status == 303
            && dead.header("location")
                == Some("/staff/login?next=%2Fstaff%3Fstatus%3Dsubmitted&expired=1"),
        "a dead session: {} {:?}",
        dead.status,
        dead.header("location")
    );
    let none = b.get("/staff", None);
    ensure!(
        none.status == 303 && none.header("location") == Some("/staff/login?next=%2Fstaff"),
        "no session: {} {:?}",
        none.status,
        none.header("location")
    );
    Ok(())
}
