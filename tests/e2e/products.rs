//! The documents themselves (steps h–j): per-product drafts, validation and
//! signatures through the e-signature stand-in, signed files downloaded by
//! staff only, and the public verification page for a valid, a replaced, a
//! revoked and an unknown code.

use serde_json::{json, Value};
use sha2::Digest;

use crate::api::Api;
use crate::workflow::{
    attach_draft, attach_drafts, draft_pdf, products, step, submit, walk_to, PASSPHRASE,
};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        each_product_is_drafted_validated_and_signed_and_the_status_moves_with_the_last,
        a_draft_must_be_a_pdf_with_a_proper_number_from_production_in_production,
        a_draft_may_come_as_json_with_the_pdf_in_base64,
        signed_files_are_for_staff_only_and_every_download_is_logged,
        the_verification_page_tells_valid_replaced_revoked_and_unknown_codes_apart,
        the_cover_letter_carries_a_qr_code_per_signed_document,
    ]
}

/// Tests that flip the e-signature stand-in's switches: alone.
pub fn exclusive_tests() -> Vec<crate::Test> {
    crate::tests![
        a_wrong_passphrase_or_a_provider_failure_leaves_the_product_unsigned_and_a_retry_signs,
        signing_every_product_keeps_those_signed_before_a_provider_failure,
    ]
}

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn product<'a>(list: &'a [Value], code: &str) -> &'a Value {
    list.iter()
        .find(|p| p["product"] == code)
        .unwrap_or(&Value::Null)
}

/// An application (birth certificate + KIA: three products) in production
/// with every draft attached.
fn drafted(api: &Api) -> Result<String, String> {
    let number = submit(api, "pickup")?;
    walk_to(api, &number, "in_production")?;
    attach_drafts(api, &number)?;
    Ok(number)
}

fn status_of(api: &Api, number: &str) -> Result<(String, i64), String> {
    let r = api.read("production", number)?;
    ensure!(r.status == 200, "read: {} {}", r.status, r.text);
    Ok((
        r.body["status"].as_str().unwrap_or_default().to_string(),
        r.body["version"].as_i64().unwrap_or_default(),
    ))
}

fn each_product_is_drafted_validated_and_signed_and_the_status_moves_with_the_last(
    env: &Env,
) -> TestResult {
    let api = &env.api;
    let number = submit(api, "pickup")?;
    walk_to(api, &number, "in_production")?;
    let list = products(api, &number)?;
    let codes: Vec<&str> = list.iter().filter_map(|p| p["product"].as_str()).collect();
    ensure!(
        codes == ["birth_certificate", "birth_register", "child_id_card"],
        "products of birth certificate + KIA: {codes:?}"
    );
    // Step h is not done until every product has its draft.
    let r = api.act(
        "production",
        &number,
        &json!({"action": "request_signature"}),
    )?;
    ensure!(
        r.status == 422 && r.error_field() == "products" && r.text.contains("Akta Kelahiran"),
        "request_signature without drafts: {} {}",
        r.status,
        r.text
    );
    let pdf = draft_pdf("birth_certificate");
    let r = attach_draft(api, &number, "birth_certificate", &pdf)?;
    ensure!(
        r.status == 200 && r.body["status"] == "in_production",
        "draft: {} {}",
        r.status,
        r.text
    );
    let akta = product(
        r.body["products"].as_array().map_or(&[][..], |v| v),
        "birth_certificate",
    )
    .clone();
    ensure!(
        akta["draft"]["sha256"] == sha256(&pdf) && akta["document_number"].is_string(),
        "the draft as stored: {akta}"
    );
    attach_drafts(api, &number)?;
    step(
        api,
        "production",
        &number,
        json!({"action": "request_signature"}),
    )?;

    // Validation per product: the status moves with the last one.
    let r = step(
        api,
        "validator",
        &number,
        json!({"action": "validate_signature", "product": "child_id_card"}),
    )?;
    ensure!(
        r["status"] == "awaiting_signature_validation",
        "after one validation: {r}"
    );
    let r = api.act(
        "validator",
        &number,
        &json!({"action": "validate_signature", "product": "child_id_card"}),
    )?;
    ensure!(
        r.status == 422 && r.error_field() == "product",
        "validated twice: {} {}",
        r.status,
        r.text
    );
    let r = step(
        api,
        "validator",
        &number,
        json!({"action": "validate_signature"}),
    )?;
    ensure!(
        r["status"] == "awaiting_signature",
        "after validating the rest: {r}"
    );

    // Signing per product, through the provider.
    let r = step(
        api,
        "head_of_agency",
        &number,
        json!({"action": "sign", "product": "birth_register", "passphrase": PASSPHRASE}),
    )?;
    ensure!(
        r["status"] == "awaiting_signature",
        "after one signature: {r}"
    );
    let r = step(
        api,
        "head_of_agency",
        &number,
        json!({"action": "sign", "passphrase": PASSPHRASE}),
    )?;
    ensure!(
        r["status"] == "ready_to_print",
        "after signing the rest: {r}"
    );
    let list = products(api, &number)?;
    let token = api.token("production")?;
    for p in &list {
        let code = p["signature"]["verification_code"]
            .as_str()
            .unwrap_or_default();
        ensure!(code.len() == 19, "signed without a code: {p}");
        let signed = api.get(
            &format!(
                "/api/v1/applications/{number}/products/{}/signed",
                p["product"].as_str().unwrap_or_default()
            ),
            Some(&token),
        );
        ensure!(
            signed.status == 200
                && signed.header("content-type") == Some("application/pdf")
                && signed.text.starts_with("%PDF-"),
            "signed file of {}: {} {}",
            p["product"],
            signed.status,
            signed.text.chars().take(80).collect::<String>()
        );
        let hash = sha256(signed.text.as_bytes());
        ensure!(
            hash != p["draft"]["sha256"],
            "the signed file is the draft itself"
        );
        let v = api.get(&format!("/api/v1/verifications/{code}"), None);
        ensure!(
            v.status == 200 && v.body["sha256"] == hash && v.body["status"] == "valid",
            "verification of {code}: {} {}",
            v.status,
            v.text
        );
    }
    let events = api.events("production", &number)?;
    let signs: Vec<&Value> = events.iter().filter(|e| e["action"] == "sign").collect();
    ensure!(
        signs.len() == 3,
        "one sign event per product: {}",
        signs.len()
    );
    let passphrase_seen = events.iter().any(|e| e.to_string().contains(PASSPHRASE));
    ensure!(!passphrase_seen, "the passphrase is in the audit trail");
    Ok(())
}

fn a_draft_must_be_a_pdf_with_a_proper_number_from_production_in_production(
    env: &Env,
) -> TestResult {
    let api = &env.api;
    let number = submit(api, "pickup")?;
    walk_to(api, &number, "awaiting_validation")?;
    // Not yet in production: the table refuses.
    let r = attach_draft(api, &number, "child_id_card", &draft_pdf("child_id_card"))?;
    ensure!(
        r.status == 409,
        "draft before production: {} {}",
        r.status,
        r.text
    );
    walk_to_production(api, &number)?;
    let (_, version) = status_of(api, &number)?;
    let token = api.token("production")?;
    let send = |product: &str, number_field: &str, file: &[u8], token: &str| {
        let (content_type, body) =
            crate::workflow::draft_body(&[("document_number", number_field)], file);
        api.post_bytes(
            &format!("/api/v1/applications/{number}/products/{product}/draft"),
            Some(token),
            &content_type,
            &body,
        )
    };
    let png = b"\x89PNG\r\n\x1a\n not a pdf";
    let r = send("child_id_card", "3312014502900001", png, &token);
    ensure!(
        r.status == 422 && r.error_field() == "file",
        "a PNG as draft: {} {}",
        r.status,
        r.text
    );
    let r = send("child_id_card", "12345", &draft_pdf("x"), &token);
    ensure!(
        r.status == 422 && r.error_field() == "document_number",
        "a KIA number that is no NIK: {} {}",
        r.status,
        r.text
    );
    let r = send("family_card", "3312010101200003", &draft_pdf("x"), &token);
    ensure!(
        r.status == 422 && r.error_field() == "product",
        "a product the services do not yield: {} {}",
        r.status,
        r.text
    );
    let r = send("kk", "3312010101200003", &draft_pdf("x"), &token);
    ensure!(
        r.status == 422 && r.error_field() == "product",
        "an unknown product: {} {}",
        r.status,
        r.text
    );
    let validator = api.token("validator")?;
    let r = send(
        "child_id_card",
        "3312014502900001",
        &draft_pdf("x"),
        &validator,
    );
    ensure!(
        r.status == 403,
        "a validator attaching a draft: {} {}",
        r.status,
        r.text
    );
    let (_, after) = status_of(api, &number)?;
    ensure!(
        after == version,
        "refused drafts changed the application: v{version} → v{after}"
    );
    let list = products(api, &number)?;
    ensure!(
        list.iter().all(|p| p["draft"].is_null()),
        "a refused draft was kept: {list:?}"
    );
    Ok(())
}

/// Scripts (and the side-by-side bench) send the draft as JSON: the same
/// checks, the PDF in base64.
fn a_draft_may_come_as_json_with_the_pdf_in_base64(env: &Env) -> TestResult {
    use base64::Engine;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let api = &env.api;
    let number = submit(api, "pickup")?;
    walk_to(api, &number, "awaiting_validation")?;
    walk_to_production(api, &number)?;
    let (_, version) = status_of(api, &number)?;
    let token = api.token("production")?;
    let path = format!("/api/v1/applications/{number}/products/child_id_card/draft");
    let kia = crate::workflow::document_number("child_id_card");
    let send = |body: Value| api.post(&path, Some(&token), &body);
    let r = send(json!({"document_number": kia, "pdf_base64": "%%% not base64"}));
    ensure!(
        r.status == 422 && r.error_field() == "pdf_base64",
        "undecodable base64: {} {}",
        r.status,
        r.text
    );
    let r = send(json!({"document_number": kia, "pdf_base64": b64(b"\x89PNG\r\n\x1a\n")}));
    ensure!(
        r.status == 422 && r.error_field() == "file",
        "a PNG in base64: {} {}",
        r.status,
        r.text
    );
    let (_, unchanged) = status_of(api, &number)?;
    ensure!(
        unchanged == version,
        "a refused draft changed the application"
    );
    let pdf = draft_pdf("child_id_card");
    let r =
        send(json!({"document_number": kia, "pdf_base64": b64(&pdf), "expected_version": version}));
    ensure!(r.status == 200, "JSON draft: {} {}", r.status, r.text);
    ensure!(
        r.body["version"] == json!(version + 1),
        "one event: {}",
        r.text
    );
    let list = products(api, &number)?;
    let kia_product = product(&list, "child_id_card");
    ensure!(
        kia_product["draft"]["sha256"] == sha256(&pdf).as_str()
            && kia_product["document_number"] == kia.as_str(),
        "the draft as stored: {kia_product}"
    );
    Ok(())
}

fn walk_to_production(api: &Api, number: &str) -> TestResult {
    step(api, "validator", number, json!({"action": "approve"}))?;
    step(
        api,
        "pickup_counter",
        number,
        json!({"action": "receive_documents", "checklist": crate::api::full_checklist()}),
    )?;
    Ok(())
}

fn signed_files_are_for_staff_only_and_every_download_is_logged(env: &Env) -> TestResult {
    let api = &env.api;
    let number = drafted(api)?;
    let path = format!("/api/v1/applications/{number}/products/child_id_card/draft");
    let anonymous = api.get(&path, None);
    ensure!(
        anonymous.status == 404,
        "anonymous draft download: {}",
        anonymous.status
    );
    let other = Api::new(&api.base);
    let token = other.fresh_token("other_village_operator")?;
    let r = other.get(&path, Some(&token));
    ensure!(
        r.status == 404,
        "the other village's operator: {} {}",
        r.status,
        r.text
    );
    let query = format!("nomor={number}");
    let before = crate::privacy::rows(&crate::privacy::admin_page(env, &query)?).len();
    let r = api.get(&path, Some(&api.token("validator")?));
    ensure!(
        r.status == 200 && r.text.starts_with("%PDF-"),
        "validator draft download: {} {}",
        r.status,
        r.text
    );
    ensure!(
        r.header("cache-control")
            .is_some_and(|c| c.contains("no-store")),
        "a draft may be cached: {:?}",
        r.header("cache-control")
    );
    let page = crate::privacy::admin_page(env, &query)?;
    let after = crate::privacy::rows(&page);
    ensure!(
        after.len() > before && after.iter().any(|r| r.starts_with("read")),
        "the download is not in the access log: {before} → {}",
        after.len()
    );
    ensure!(
        after.iter().any(|r| r.starts_with("refused")),
        "the other village's refused download is not in the access log"
    );
    Ok(())
}

fn the_verification_page_tells_valid_replaced_revoked_and_unknown_codes_apart(
    env: &Env,
) -> TestResult {
    let api = &env.api;
    // Signed once, returned to production, signed again: the first code is
    // replaced by the second.
    let (number, _) = awaiting_signature(api)?;
    step(
        api,
        "head_of_agency",
        &number,
        json!({"action": "sign", "product": "birth_certificate", "passphrase": PASSPHRASE}),
    )?;
    let first = product(&products(api, &number)?, "birth_certificate")["signature"]
        ["verification_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    step(
        api,
        "head_of_agency",
        &number,
        json!({"action": "return_to_production", "reason": "Nama ayah salah ketik pada draf"}),
    )?;
    let after_return = product(&products(api, &number)?, "birth_certificate").clone();
    ensure!(
        after_return["signature"].is_null() && after_return["validated"] == false,
        "returned to production but still signed or validated: {after_return}"
    );
    step(
        api,
        "production",
        &number,
        json!({"action": "request_signature"}),
    )?;
    step(
        api,
        "validator",
        &number,
        json!({"action": "validate_signature"}),
    )?;
    step(
        api,
        "head_of_agency",
        &number,
        json!({"action": "sign", "passphrase": PASSPHRASE}),
    )?;
    let second = product(&products(api, &number)?, "birth_certificate")["signature"]
        ["verification_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    ensure!(
        !first.is_empty() && first != second,
        "no new code: {first} {second}"
    );

    let page = api.get(&format!("/verifikasi/{second}"), None);
    ensure!(
        page.status == 200
            && page.text.contains("Berlaku")
            && page.text.contains("Akta Kelahiran")
            && page.text.contains("B*** P******")
            && !page.text.contains("Bima Pratama")
            && page.text.contains("data-sha256="),
        "valid code page: {} {}",
        page.status,
        page.text
    );
    let page = api.get(&format!("/verifikasi/{first}"), None);
    ensure!(
        page.status == 200 && page.text.contains("Diganti"),
        "replaced code page: {} {}",
        page.status,
        page.text
    );
    let typed = api.get(
        &format!(
            "/verifikasi?kode={}",
            first.to_lowercase().replace('-', "+")
        ),
        None,
    );
    ensure!(
        typed.status == 200 && typed.text.contains("Diganti"),
        "a code typed loosely: {}",
        typed.status
    );

    // Signed, returned, then cancelled: the signature is revoked.
    let (cancelled, _) = awaiting_signature(api)?;
    step(
        api,
        "head_of_agency",
        &cancelled,
        json!({"action": "sign", "product": "child_id_card", "passphrase": PASSPHRASE}),
    )?;
    let revoked = product(&products(api, &cancelled)?, "child_id_card")["signature"]
        ["verification_code"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    step(
        api,
        "validator",
        &cancelled,
        json!({"action": "return_to_production", "reason": "Berkas persyaratan palsu"}),
    )?;
    step(
        api,
        "production",
        &cancelled,
        json!({"action": "cancel", "reason": "Berkas persyaratan palsu"}),
    )?;
    let page = api.get(&format!("/verifikasi/{revoked}"), None);
    ensure!(
        page.status == 200 && page.text.contains("Dicabut"),
        "revoked code page: {} {}",
        page.status,
        page.text
    );
    let json = api.get(&format!("/api/v1/verifications/{revoked}"), None);
    ensure!(
        json.status == 200 && json.body["status"] == "revoked",
        "revoked code JSON: {} {}",
        json.status,
        json.text
    );

    // Unknown but well formed: 404; mistyped: 422 naming the check.
    let unknown = pakpos::domain::ids::VerificationCode::generate(|| 3);
    let page = api.get(&format!("/verifikasi/{unknown}"), None);
    ensure!(
        page.status == 404 && page.text.contains("tidak terdaftar"),
        "unknown code: {} {}",
        page.status,
        page.text
    );
    let mut typo: Vec<char> = second.chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let page = api.get(&format!("/verifikasi/{typo}"), None);
    ensure!(
        page.status == 404 && page.text.contains("salah ketik"),
        "mistyped code: {} {}",
        page.status,
        page.text
    );
    Ok(())
}

fn the_cover_letter_carries_a_qr_code_per_signed_document(env: &Env) -> TestResult {
    let api = &env.api;
    let (number, _) = awaiting_signature(api)?;
    step(
        api,
        "head_of_agency",
        &number,
        json!({"action": "sign", "passphrase": PASSPHRASE}),
    )?;
    let browser = crate::ui::Browser::new(env);
    let cookie = browser.sign_in("produksi", crate::api::DEMO_PASSWORD)?;
    let page = browser.get(
        &format!("/staff/applications/{number}/surat-pengantar"),
        Some(&cookie),
    );
    ensure!(
        page.status == 200,
        "cover letter: {} {}",
        page.status,
        page.text
    );
    for p in products(api, &number)? {
        let code = p["signature"]["verification_code"]
            .as_str()
            .unwrap_or_default();
        ensure!(page.text.contains(code), "the letter lacks {code}");
    }
    ensure!(
        page.text.matches("<svg").count() == 3 && page.text.contains("/verifikasi/"),
        "three QR codes expected: {}",
        page.text.matches("<svg").count()
    );
    Ok(())
}

/// A drafted application taken to `awaiting_signature` (every product
/// validated), and its version there.
fn awaiting_signature(api: &Api) -> Result<(String, i64), String> {
    let number = drafted(api)?;
    step(
        api,
        "production",
        &number,
        json!({"action": "request_signature"}),
    )?;
    step(
        api,
        "validator",
        &number,
        json!({"action": "validate_signature"}),
    )?;
    let (_, version) = status_of(api, &number)?;
    Ok((number, version))
}

/// Flips the e-signature stand-in's switches.
fn esign_switch(env: &Env, switches: Value) -> TestResult {
    let control = env.standins.post("/_control", None, &switches);
    ensure!(
        control.status == 200,
        "switch: {} {}",
        control.status,
        control.text
    );
    Ok(())
}

fn a_wrong_passphrase_or_a_provider_failure_leaves_the_product_unsigned_and_a_retry_signs(
    env: &Env,
) -> TestResult {
    let api = &env.api;
    let (number, version) = awaiting_signature(api)?;
    let sign =
        json!({"action": "sign", "product": "child_id_card", "passphrase": "bukan-passphrase-ini"});
    let r = api.act("head_of_agency", &number, &sign)?;
    ensure!(
        r.status == 422
            && r.error_field() == "passphrase"
            && !r.text.contains("bukan-passphrase-ini"),
        "wrong passphrase: {} {}",
        r.status,
        r.text
    );
    esign_switch(env, json!({"esign_fail_next": 1}))?;
    let sign = json!({"action": "sign", "product": "child_id_card", "passphrase": PASSPHRASE});
    let r = api.act("head_of_agency", &number, &sign)?;
    ensure!(
        r.status == 502 && r.error_code() == "signing_unavailable",
        "provider down: {} {}",
        r.status,
        r.text
    );
    let (status, after) = status_of(api, &number)?;
    ensure!(
        after == version && status == "awaiting_signature",
        "a failed signing changed the application: {status} v{after}"
    );
    ensure!(
        product(&products(api, &number)?, "child_id_card")["signature"].is_null(),
        "signed although the provider failed"
    );
    let r = step(api, "head_of_agency", &number, sign)?;
    ensure!(r["version"] == version + 1, "retry: {r}");
    ensure!(
        product(&products(api, &number)?, "child_id_card")["signature"]["verification_code"]
            .is_string(),
        "the retry did not sign"
    );
    Ok(())
}

/// Signing every product at once: the steps are written together after the
/// provider's last answer, yet a provider failure on the second product
/// still keeps the first one signed (its step committed, in the same two
/// round trips), answers 502, and a retry signs the rest.
fn signing_every_product_keeps_those_signed_before_a_provider_failure(env: &Env) -> TestResult {
    let api = &env.api;
    let (number, version) = awaiting_signature(api)?;
    esign_switch(env, json!({"esign_pass_first": 1, "esign_fail_next": 1}))?;
    let sign = json!({"action": "sign", "passphrase": PASSPHRASE});
    let r = api.act("head_of_agency", &number, &sign)?;
    ensure!(
        r.status == 502 && r.error_code() == "signing_unavailable",
        "provider down on the second product: {} {}",
        r.status,
        r.text
    );
    ensure!(
        r.header("x-d1-round-trips") == Some("2"),
        "the first product's step took {:?} round trips",
        r.header("x-d1-round-trips")
    );
    let (status, after) = status_of(api, &number)?;
    ensure!(
        after == version + 1 && status == "awaiting_signature",
        "one product signed, the application waits for the rest: {status} v{after}"
    );
    let list = products(api, &number)?;
    let signed: Vec<&str> = list
        .iter()
        .filter(|p| p["signature"]["verification_code"].is_string())
        .filter_map(|p| p["product"].as_str())
        .collect();
    ensure!(
        signed == ["birth_certificate"],
        "signed before the failure: {signed:?}"
    );
    let r = step(api, "head_of_agency", &number, sign)?;
    ensure!(
        r["version"] == version + 3 && r["status"] == "ready_to_print",
        "the retry signs the other two: {r}"
    );
    let unsigned = products(api, &number)?
        .iter()
        .filter(|p| !p["signature"]["verification_code"].is_string())
        .count();
    ensure!(unsigned == 0, "{unsigned} products left unsigned");
    Ok(())
}
