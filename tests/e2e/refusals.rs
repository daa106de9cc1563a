//! Every bad request gets a clear error naming what is wrong, and changes
//! nothing: wrong roles, wrong village, bad fields, unknown numbers,
//! malformed bodies, and what a citizen may (not) see.

use serde_json::json;

use crate::api::{application, nik, OTHER_VILLAGE, VILLAGE};
use crate::workflow::{seed, step, submit, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        a_role_outside_the_table_gets_403_and_nothing_changes,
        the_right_role_in_the_wrong_status_gets_409,
        a_village_operator_serves_only_their_own_village,
        bad_fields_get_422_naming_the_field,
        bad_action_data_gets_422_and_changes_nothing,
        malformed_bodies_get_400_naming_the_problem,
        unknown_and_mistyped_numbers_get_404_and_malformed_ones_422,
        a_citizen_sees_status_and_history_but_no_personal_data,
    ]
}

fn version_of(env: &Env, number: &str) -> Result<i64, String> {
    let r = env.api.read("admin", number)?;
    r.body["version"]
        .as_i64()
        .ok_or_else(|| format!("no version: {}", r.text))
}

fn a_role_outside_the_table_gets_403_and_nothing_changes(env: &Env) -> TestResult {
    let api = &env.api;
    let number = submit(api, "pickup")?;
    for role in [
        "validator",
        "pickup_counter",
        "production",
        "head_of_agency",
        "complaints_officer",
        "admin",
    ] {
        let r = api.act(
            role,
            &number,
            &json!({"action": "accept", "siak_reference": "S-1"}),
        )?;
        ensure!(
            r.status == 403 && r.error_code() == "forbidden",
            "{role} accept: {} {}",
            r.status,
            r.text
        );
    }
    let r = api.act("front_office", &number, &json!({"action": "sign"}))?;
    ensure!(r.status == 403, "FO sign: {} {}", r.status, r.text);
    ensure!(version_of(env, &number)? == 1, "nothing changed");
    let fo_submit = api.post(
        "/api/v1/applications",
        Some(&api.token("front_office")?),
        &application(seed(), "pickup"),
    );
    ensure!(
        fo_submit.status == 403,
        "FO does not submit: {} {}",
        fo_submit.status,
        fo_submit.text
    );
    let no_session = api.post(
        &format!("/api/v1/applications/{number}/actions"),
        None,
        &json!({"action": "accept"}),
    );
    ensure!(
        no_session.status == 401 && no_session.error_code() == "unauthenticated",
        "{}",
        no_session.text
    );
    Ok(())
}

fn the_right_role_in_the_wrong_status_gets_409(env: &Env) -> TestResult {
    let api = &env.api;
    let number = submit(api, "pickup")?;
    let r = api.act("validator", &number, &json!({"action": "approve"}))?;
    ensure!(
        r.status == 409 && r.error_code() == "action_not_allowed",
        "{} {}",
        r.status,
        r.text
    );
    ensure!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("submitted")),
        "names the status: {}",
        r.text
    );
    ensure!(version_of(env, &number)? == 1, "nothing changed");
    Ok(())
}

fn a_village_operator_serves_only_their_own_village(env: &Env) -> TestResult {
    let api = &env.api;
    let own = api.token("village_operator")?;
    let r = api.post(
        "/api/v1/applications",
        Some(&own),
        &application(seed(), "pickup"),
    );
    ensure!(
        r.status == 201 && r.body["channel"] == "village",
        "own village: {} {}",
        r.status,
        r.text
    );
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let events = api.events("admin", &number)?;
    ensure!(
        events[0]["actor"]["role"] == "village_operator",
        "submitted by the operator: {}",
        events[0]
    );

    let mut other = application(seed(), "pickup");
    other["applicant"]["village_code"] = json!(OTHER_VILLAGE);
    let r = api.post("/api/v1/applications", Some(&own), &other);
    ensure!(r.status == 403, "other village: {} {}", r.status, r.text);

    let theirs = api.token("other_village_operator")?;
    let r = api.get(&format!("/api/v1/applications/{number}"), Some(&theirs));
    ensure!(
        r.status == 403,
        "reading another village's record: {} {}",
        r.status,
        r.text
    );
    let r = api.get(&format!("/api/v1/applications/{number}"), Some(&own));
    ensure!(
        r.status == 200 && r.body["applicant"]["village"]["code"] == VILLAGE,
        "own record: {}",
        r.status
    );
    let q = api.get("/api/v1/queue?limit=200", Some(&theirs));
    ensure!(
        q.status == 200 && !q.text.contains(&number),
        "another village's queue: {}",
        q.status
    );
    let q = api.get("/api/v1/queue?limit=200", Some(&own));
    ensure!(
        q.body["items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|a| a["village"]["code"] == VILLAGE)),
        "own queue holds own village only"
    );
    let act = api.post(
        &format!("/api/v1/applications/{number}/actions"),
        Some(&own),
        &json!({"action": "accept", "siak_reference": "X"}),
    );
    ensure!(
        act.status == 403,
        "operators take no workflow step: {}",
        act.text
    );
    let citizen_village = api.submit(&{
        let mut a = application(seed(), "pickup");
        a["channel"] = json!("village");
        a
    });
    ensure!(
        citizen_village.status == 422 && citizen_village.error_field() == "channel",
        "{}",
        citizen_village.text
    );
    Ok(())
}

fn bad_fields_get_422_naming_the_field(env: &Env) -> TestResult {
    let api = &env.api;
    type Mutation = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "applicant.nik",
            Box::new(|a| a["applicant"]["nik"] = json!("3312011302900000")),
        ),
        (
            "applicant.nik",
            Box::new(|a| a["applicant"]["nik"] = json!("3312019913900001")),
        ),
        (
            "applicant.phone",
            Box::new(|a| a["applicant"]["phone"] = json!("0274123456")),
        ),
        (
            "applicant.village_code",
            Box::new(|a| a["applicant"]["village_code"] = json!("33.12.99.9999")),
        ),
        (
            "applicant.village_code",
            Box::new(|a| a["applicant"]["village_code"] = json!("Gedong")),
        ),
        (
            "applicant.name",
            Box::new(|a| a["applicant"]["name"] = json!("   ")),
        ),
        ("services", Box::new(|a| a["services"] = json!(["ktp_el"]))),
        (
            "subject.birth_date",
            Box::new(|a| a["subject"]["birth_date"] = json!("01-11-2026")),
        ),
        (
            "subject.family_card_number",
            Box::new(|a| a["subject"]["family_card_number"] = json!(null)),
        ),
        (
            "delivery_method",
            Box::new(|a| a["delivery_method"] = json!("kurir")),
        ),
        (
            "checklist",
            Box::new(|a| a["checklist"] = json!(["kk_lama"])),
        ),
    ];
    for (field, mutate) in cases {
        let mut body = application(seed(), "pickup");
        mutate(&mut body);
        let r = api.submit(&body);
        ensure!(
            r.status == 422 && r.error_code() == "invalid_field",
            "{field}: {} {}",
            r.status,
            r.text
        );
        ensure!(
            r.error_field() == field,
            "expected field {field}, got {}",
            r.text
        );
        ensure!(
            r.body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(field)),
            "message names {field}: {}",
            r.text
        );
    }
    Ok(())
}

fn bad_action_data_gets_422_and_changes_nothing(env: &Env) -> TestResult {
    let api = &env.api;
    let number = submit(api, "pickup")?;
    let r = api.act("front_office", &number, &json!({"action": "terima"}))?;
    ensure!(r.status == 422 && r.error_field() == "action", "{}", r.text);
    let r = api.act("front_office", &number, &json!({"action": "accept"}))?;
    ensure!(
        r.status == 422 && r.error_field() == "siak_reference",
        "{}",
        r.text
    );
    walk_to(api, &number, "awaiting_documents")?;
    let r = api.act(
        "pickup_counter",
        &number,
        &json!({"action": "receive_documents", "checklist": ["kk_orang_tua"]}),
    )?;
    ensure!(
        r.status == 422 && r.error_field() == "checklist",
        "{}",
        r.text
    );
    ensure!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("surat_keterangan_lahir")),
        "names what is missing: {}",
        r.text
    );
    ensure!(version_of(env, &number)? == 3, "nothing changed");
    step(
        api,
        "pickup_counter",
        &number,
        json!({"action": "receive_documents", "checklist": crate::api::full_checklist()}),
    )?;
    Ok(())
}

fn malformed_bodies_get_400_naming_the_problem(env: &Env) -> TestResult {
    let api = &env.api;
    let r = api.request(
        "POST",
        "/api/v1/applications",
        None,
        Some("{\"services\": [\"birth_certificate\""),
    );
    ensure!(
        r.status == 400 && r.error_code() == "malformed_request",
        "truncated JSON: {} {}",
        r.status,
        r.text
    );
    let mut body = application(seed(), "pickup");
    body["applicant"]["nama"] = json!("Sri");
    let r = api.submit(&body);
    ensure!(
        r.status == 400 && r.text.contains("nama"),
        "unknown field is named: {}",
        r.text
    );
    let mut body = application(seed(), "pickup");
    body["applicant"]["nik"] = json!(3312014502900001u64);
    let r = api.submit(&body);
    ensure!(
        r.status == 400 && r.text.contains("applicant.nik"),
        "wrong type names the path: {}",
        r.text
    );
    let r = api.request("POST", "/api/v1/applications", None, Some(""));
    ensure!(r.status == 400, "empty body: {}", r.text);
    let r = api.request(
        "POST",
        "/api/v1/applications",
        None,
        Some(&" ".repeat(70_000)),
    );
    ensure!(r.status == 413, "oversized body: {} {}", r.status, r.text);
    let r = api.get("/api/v1/nothing-here", None);
    ensure!(
        r.status == 404 && r.error_code() == "not_found",
        "unknown route: {}",
        r.text
    );
    let r = api.get("/api/v1/applications", None);
    ensure!(r.status == 405, "wrong method: {} {}", r.status, r.text);
    Ok(())
}

fn unknown_and_mistyped_numbers_get_404_and_malformed_ones_422(env: &Env) -> TestResult {
    let api = &env.api;
    let unknown = pakpos::domain::ids::RegistrationNumber::generate(|| 1);
    let token = api.token("front_office")?;
    let r = api.get(
        &format!("/api/v1/applications/{}", unknown.as_str()),
        Some(&token),
    );
    ensure!(
        r.status == 404 && r.error_code() == "not_found",
        "{} {}",
        r.status,
        r.text
    );
    let r = api.post(
        &format!("/api/v1/applications/{}/actions", unknown.as_str()),
        Some(&token),
        &json!({"action": "accept", "siak_reference": "S"}),
    );
    ensure!(
        r.status == 404,
        "action on unknown: {} {}",
        r.status,
        r.text
    );
    let r = api.get(
        &format!("/api/v1/applications/{}/events", unknown.as_str()),
        Some(&token),
    );
    ensure!(r.status == 404, "events of unknown: {}", r.status);

    // One wrong character: the check character catches it. Such a number
    // cannot exist, so the API answers 404 (saying to check the number), on
    // every path that takes one.
    let number = submit(api, "pickup")?;
    let mut typo: Vec<char> = number.chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    for path in ["", "/events", "/documents"] {
        let r = api.get(&format!("/api/v1/applications/{typo}{path}"), Some(&token));
        ensure!(
            r.status == 404
                && r.error_code() == "not_found"
                && r.text.contains("karakter pemeriksa"),
            "typo {path}: {} {}",
            r.status,
            r.text
        );
    }
    let r = api.post(
        &format!("/api/v1/applications/{typo}/actions"),
        Some(&token),
        &json!({"action": "accept", "siak_reference": "S"}),
    );
    ensure!(r.status == 404, "action on a typo: {} {}", r.status, r.text);
    // Not a registration number at all: 422 naming the field.
    for malformed in ["ABCD-EFGH", "ABCD-EFGH0", "ABCD-EFGHKM"] {
        let r = api.get(&format!("/api/v1/applications/{malformed}"), Some(&token));
        ensure!(
            r.status == 422 && r.error_field() == "registration_number",
            "malformed {malformed}: {} {}",
            r.status,
            r.text
        );
    }
    // The citizens' tracking page keeps its message next to the field.
    let page =
        crate::ui::Browser::new(env).post("/lacak", None, &format!("nomor={typo}&nik={}", nik(1)));
    ensure!(
        page.status == 422 && page.text.contains("karakter pemeriksa"),
        "tracking page with a typo: {}",
        page.status
    );
    // Typed the way people type it: lower case, no dash.
    let casual = number.replace('-', "").to_lowercase();
    let r = api.get(&format!("/api/v1/applications/{casual}"), Some(&token));
    ensure!(
        r.status == 200 && r.body["registration_number"] == number.as_str(),
        "forgiving input: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

fn a_citizen_sees_status_and_history_but_no_personal_data(env: &Env) -> TestResult {
    let api = &env.api;
    let s = seed();
    let r = api.submit(&application(s, "pickup"));
    ensure!(r.status == 201, "{}", r.text);
    let number = r.body["registration_number"]
        .as_str()
        .unwrap_or("")
        .to_string();
    walk_to(api, &number, "awaiting_documents")?;

    let view = api.get(
        &format!("/api/v1/applications/{number}?nik={}", nik(s)),
        None,
    );
    ensure!(view.status == 200, "{} {}", view.status, view.text);
    let keys: Vec<&str> = view
        .body
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    ensure!(
        keys == [
            "delivery_method",
            "history",
            "next_step",
            "papers",
            "papers_location",
            "papers_location_label",
            "registration_number",
            "status",
            "status_label"
        ],
        "citizen view fields: {keys:?}"
    );
    for secret in [
        nik(s).as_str(),
        "Sri Lestari",
        "Bima",
        "Krajan",
        "0812",
        "+628",
    ] {
        ensure!(
            !view.text.contains(secret),
            "citizen view leaks {secret}: {}",
            view.text
        );
    }
    let statuses: Vec<&str> = view.body["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|e| e["status"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        statuses == ["submitted", "awaiting_validation", "awaiting_documents"],
        "history: {statuses:?}"
    );
    ensure!(
        view.body["next_step"]
            .as_str()
            .is_some_and(|n| n.contains("PT Pos")),
        "tells what to do next: {}",
        view.body["next_step"]
    );

    let wrong = api.get(
        &format!("/api/v1/applications/{number}?nik={}", nik(s + 1)),
        None,
    );
    ensure!(
        wrong.status == 404,
        "wrong NIK looks like an unknown number: {} {}",
        wrong.status,
        wrong.text
    );
    let bad = api.get(&format!("/api/v1/applications/{number}?nik=12"), None);
    ensure!(
        bad.status == 422 && bad.error_field() == "nik",
        "{}",
        bad.text
    );
    let none = api.get(&format!("/api/v1/applications/{number}"), None);
    ensure!(none.status == 401, "no NIK, no session: {}", none.status);
    let events = api.get(
        &format!("/api/v1/applications/{number}/events?nik={}", nik(s)),
        None,
    );
    ensure!(
        events.status == 401,
        "the audit trail is for staff: {}",
        events.status
    );
    Ok(())
}
