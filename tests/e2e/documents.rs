//! Requirement-document uploads: the citizen (with their NIK) and staff
//! upload through the API or the no-JavaScript page; only staff who may see
//! the application download, and a document's URL alone gives nothing.

use std::collections::HashMap;

use serde_json::Value;

use crate::api::{username, DEMO_PASSWORD};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        a_citizen_uploads_a_png_and_staff_download_the_same_bytes,
        a_wrong_nik_answers_like_an_unknown_number_and_stores_nothing,
        a_text_file_named_png_is_refused_naming_the_file_field,
        a_file_over_five_megabytes_is_refused_with_413,
        an_item_that_is_not_a_requirement_is_refused_naming_the_item_field,
        a_village_operator_of_another_village_neither_uploads_nor_sees_nor_downloads,
        the_staff_application_page_lists_the_upload_with_its_link,
        the_upload_page_works_without_javascript,
        the_phone_that_applied_uploads_without_typing_the_nik,
        an_application_takes_at_most_twenty_files_and_none_once_cancelled,
    ]
}

const BOUNDARY: &str = "----pakpos-e2e-7d1f0c";

/// A PNG by its first bytes, then every byte value, so any mangling shows.
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..=255u8).cycle().take(4096));
    bytes
}

/// A multipart/form-data body with text fields and an optional `file`.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    if let Some((filename, content_type, bytes)) = file {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n")
                .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

struct Reply {
    status: u16,
    headers: HashMap<String, String>,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

struct Client {
    base: String,
    agent: ureq::Agent,
    /// Its own client address (`CF-Connecting-IP`), for the per-address limits.
    address: String,
}

impl Client {
    fn new(env: &Env) -> Client {
        Client {
            base: env.api.base.clone(),
            agent: crate::ui::no_redirect_agent(),
            address: crate::api::fresh_address(),
        }
    }

    fn read(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        match result {
            Ok(mut r) => {
                let exchange = crate::contract::Exchange::of(&r);
                let status = r.status().as_u16();
                let headers = r
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_ascii_lowercase(),
                            v.to_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect();
                let bytes = r
                    .body_mut()
                    .with_config()
                    .limit(16 * 1024 * 1024)
                    .read_to_vec()
                    .unwrap_or_default();
                exchange.check(&bytes);
                Reply {
                    status,
                    headers,
                    bytes,
                }
            }
            Err(e) => Reply {
                status: 0,
                headers: HashMap::new(),
                bytes: e.to_string().into_bytes(),
            },
        }
    }

    fn get(&self, path: &str, token: Option<&str>, cookie: Option<&str>) -> Reply {
        let mut r = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("CF-Connecting-IP", &self.address);
        if let Some(t) = token {
            r = r.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(c) = cookie {
            r = r.header("Cookie", format!("__Host-pakpos={c}"));
        }
        Self::read(r.call())
    }

    fn post(&self, path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> Reply {
        let mut r = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .header("CF-Connecting-IP", &self.address);
        if let Some(t) = token {
            r = r.header("Authorization", format!("Bearer {t}"));
        }
        Self::read(r.send(body))
    }

    /// The upload page (`body`: a POST of it) with `cookie` sent as is.
    fn page_with_cookie(&self, path: &str, cookie: &str, body: Option<&[u8]>) -> Reply {
        let url = format!("{}{path}", self.base);
        Self::read(match body {
            None => self
                .agent
                .get(url)
                .header("CF-Connecting-IP", &self.address)
                .header("Cookie", cookie)
                .call(),
            Some(b) => self
                .agent
                .post(url)
                .header("CF-Connecting-IP", &self.address)
                .header("Cookie", cookie)
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .send(b),
        })
    }

    /// Uploads through the API; `nik` for a citizen, `token` for staff.
    fn upload(
        &self,
        number: &str,
        token: Option<&str>,
        nik: Option<&str>,
        item: &str,
        file: (&str, &str, &[u8]),
    ) -> Reply {
        let mut fields = vec![("item", item)];
        if let Some(n) = nik {
            fields.push(("nik", n));
        }
        let body = multipart(&fields, Some(file));
        self.post(
            &format!("/api/v1/applications/{number}/documents"),
            token,
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            &body,
        )
    }

    /// Signs in through the staff login form; the session cookie's value.
    fn sign_in(&self, role: &str) -> Result<String, String> {
        let form = format!(
            "username={}&password={DEMO_PASSWORD}&next=%2Fstaff",
            username(role)
        );
        let r = self.post(
            "/staff/login",
            None,
            "application/x-www-form-urlencoded",
            form.as_bytes(),
        );
        ensure!(r.status == 303, "login {role}: {} {}", r.status, r.text());
        let cookie = r.header("set-cookie").to_string();
        cookie
            .strip_prefix("__Host-pakpos=")
            .and_then(|rest| rest.split(';').next())
            .map(String::from)
            .ok_or_else(|| format!("no session cookie: {cookie}"))
    }
}

fn documents(env: &Env, role: &str, number: &str) -> Result<Vec<Value>, String> {
    let token = env.api.token(role)?;
    let r = env.api.get(
        &format!("/api/v1/applications/{number}/documents"),
        Some(&token),
    );
    ensure!(r.status == 200, "list as {role}: {} {}", r.status, r.text);
    Ok(r.body["documents"].as_array().cloned().unwrap_or_default())
}

fn a_citizen_uploads_a_png_and_staff_download_the_same_bytes(env: &Env) -> TestResult {
    let c = Client::new(env);
    let (number, nik) = env.api.submitted()?;
    let data = png();
    let r = c.upload(
        &number,
        None,
        Some(&nik),
        "kk_orang_tua",
        ("../KK saya (1).png", "image/png", &data),
    );
    ensure!(r.status == 201, "upload: {} {}", r.status, r.text());
    let body = r.json();
    ensure!(
        body["item"] == "kk_orang_tua" && body["content_type"] == "image/png",
        "{body}"
    );
    ensure!(
        body["size"].as_u64() == Some(data.len() as u64),
        "size: {body}"
    );
    ensure!(
        body["filename"] == "KK saya _1_.png",
        "sanitised name: {body}"
    );
    let id = body["id"].as_i64().unwrap_or_default();

    let listed = documents(env, "front_office", &number)?;
    ensure!(
        listed.len() == 1 && listed[0]["id"].as_i64() == Some(id),
        "{listed:?}"
    );
    let url = listed[0]["url"].as_str().unwrap_or_default().to_string();
    ensure!(url == format!("/documents/{id}"), "url {url}");

    let token = env.api.token("validator")?;
    let got = c.get(&url, Some(&token), None);
    ensure!(got.status == 200, "download: {} {}", got.status, got.text());
    ensure!(
        got.bytes == data,
        "the downloaded bytes differ ({} vs {})",
        got.bytes.len(),
        data.len()
    );
    ensure!(
        got.header("content-type") == "image/png",
        "type {:?}",
        got.header("content-type")
    );
    ensure!(got.header("x-content-type-options") == "nosniff", "nosniff");
    ensure!(
        got.header("cache-control").contains("no-store")
            && got.header("cache-control").contains("private"),
        "cache"
    );

    let anonymous = c.get(&url, None, None);
    ensure!(anonymous.status == 404, "a URL alone: {}", anonymous.status);
    let bad_token = c.get(&url, Some("not-a-session"), None);
    ensure!(
        bad_token.status == 404,
        "a dead token: {}",
        bad_token.status
    );
    // The citizen cannot list files either.
    let listing = env.api.get(
        &format!("/api/v1/applications/{number}/documents?nik={nik}"),
        None,
    );
    ensure!(listing.status == 401, "citizen list: {}", listing.status);
    Ok(())
}

fn a_wrong_nik_answers_like_an_unknown_number_and_stores_nothing(env: &Env) -> TestResult {
    let c = Client::new(env);
    let (number, nik) = env.api.submitted()?;
    let wrong = format!(
        "{}{}",
        &nik[..15],
        if nik.ends_with('9') { '8' } else { '9' }
    );
    let r = c.upload(
        &number,
        None,
        Some(&wrong),
        "kk_orang_tua",
        ("kk.png", "image/png", &png()),
    );
    ensure!(
        r.status == 404 && r.json()["error"]["code"] == "not_found",
        "{} {}",
        r.status,
        r.text()
    );
    let unknown = c.upload(
        "ABCD-EFGHK",
        None,
        Some(&nik),
        "kk_orang_tua",
        ("kk.png", "image/png", &png()),
    );
    ensure!(
        matches!(unknown.status, 404 | 422),
        "unknown number: {}",
        unknown.status
    );
    ensure!(
        documents(env, "front_office", &number)?.is_empty(),
        "nothing is stored"
    );
    Ok(())
}

fn a_text_file_named_png_is_refused_naming_the_file_field(env: &Env) -> TestResult {
    let c = Client::new(env);
    let (number, nik) = env.api.submitted()?;
    let r = c.upload(
        &number,
        None,
        Some(&nik),
        "kk_orang_tua",
        ("foto.png", "image/png", b"just some text, honestly"),
    );
    ensure!(
        r.status == 422 && r.json()["error"]["field"] == "file",
        "{} {}",
        r.status,
        r.text()
    );
    ensure!(
        documents(env, "front_office", &number)?.is_empty(),
        "nothing is stored"
    );
    Ok(())
}

fn a_file_over_five_megabytes_is_refused_with_413(env: &Env) -> TestResult {
    let c = Client::new(env);
    let (number, nik) = env.api.submitted()?;
    // Just over the limit: the body passes the Content-Length check, the file does not.
    let mut just_over = png();
    just_over.resize(5 * 1024 * 1024 + 1, 0);
    let r = c.upload(
        &number,
        None,
        Some(&nik),
        "kk_orang_tua",
        ("besar.png", "image/png", &just_over),
    );
    ensure!(
        r.status == 413 && r.json()["error"]["code"] == "payload_too_large",
        "{} {}",
        r.status,
        r.text()
    );
    ensure!(
        r.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("terlalu besar")),
        "{}",
        r.text()
    );
    let mut far_over = png();
    far_over.resize(6 * 1024 * 1024, 0);
    let r = c.upload(
        &number,
        None,
        Some(&nik),
        "kk_orang_tua",
        ("besar.png", "image/png", &far_over),
    );
    ensure!(
        r.status == 413,
        "by Content-Length: {} {}",
        r.status,
        r.text()
    );
    ensure!(
        documents(env, "front_office", &number)?.is_empty(),
        "nothing is stored"
    );
    Ok(())
}

fn an_item_that_is_not_a_requirement_is_refused_naming_the_item_field(env: &Env) -> TestResult {
    let c = Client::new(env);
    let (number, nik) = env.api.submitted()?;
    // kk_lama belongs to the family card, which this application did not ask for.
    for item in ["kk_lama", "surat_sakti"] {
        let r = c.upload(
            &number,
            None,
            Some(&nik),
            item,
            ("kk.png", "image/png", &png()),
        );
        ensure!(
            r.status == 422 && r.json()["error"]["field"] == "item",
            "{item}: {} {}",
            r.status,
            r.text()
        );
    }
    Ok(())
}

fn a_village_operator_of_another_village_neither_uploads_nor_sees_nor_downloads(
    env: &Env,
) -> TestResult {
    let c = Client::new(env);
    let (number, _) = env.api.submitted()?;
    let own = env.api.token("village_operator")?;
    let r = c.upload(
        &number,
        Some(&own),
        None,
        "surat_keterangan_lahir",
        ("skl.pdf", "application/pdf", b"%PDF-1.4\n%test\n"),
    );
    ensure!(
        r.status == 201,
        "own village uploads: {} {}",
        r.status,
        r.text()
    );
    let id = r.json()["id"].as_i64().unwrap_or_default();

    let other = env.api.token("other_village_operator")?;
    let r = c.upload(
        &number,
        Some(&other),
        None,
        "kk_orang_tua",
        ("kk.png", "image/png", &png()),
    );
    ensure!(
        matches!(r.status, 403 | 404),
        "other village uploads: {} {}",
        r.status,
        r.text()
    );
    let list = env.api.get(
        &format!("/api/v1/applications/{number}/documents"),
        Some(&other),
    );
    ensure!(
        matches!(list.status, 403 | 404),
        "other village lists: {}",
        list.status
    );
    let got = c.get(&format!("/documents/{id}"), Some(&other), None);
    ensure!(got.status == 404, "other village downloads: {}", got.status);
    // The 404 tells the other village nothing, but the attempt is on the
    // record as a refusal, never as a read.
    let log = crate::privacy::admin_page(env, &format!("nomor={number}"))?;
    let gedong: Vec<&str> = crate::privacy::rows(&log)
        .into_iter()
        .filter(|l| l.contains("Operator Desa Gedong"))
        .collect();
    ensure!(
        !gedong.is_empty() && gedong.iter().all(|l| l.starts_with("refused\"")),
        "the other village's download is not logged as a refusal: {gedong:?}"
    );

    let mine = c.get(&format!("/documents/{id}"), Some(&own), None);
    ensure!(
        mine.status == 200 && mine.bytes == b"%PDF-1.4\n%test\n",
        "own village downloads: {}",
        mine.status
    );
    ensure!(
        mine.header("content-disposition").starts_with("attachment"),
        "a PDF is an attachment: {:?}",
        mine.header("content-disposition")
    );
    // Roles that take no part in the paperwork do not upload.
    let kadis = env.api.token("head_of_agency")?;
    let r = c.upload(
        &number,
        Some(&kadis),
        None,
        "kk_orang_tua",
        ("kk.png", "image/png", &png()),
    );
    ensure!(r.status == 403, "head of agency uploads: {}", r.status);
    Ok(())
}

fn the_staff_application_page_lists_the_upload_with_its_link(env: &Env) -> TestResult {
    let c = Client::new(env);
    let (number, nik) = env.api.submitted()?;
    let r = c.upload(
        &number,
        None,
        Some(&nik),
        "ktp_saksi",
        ("saksi.png", "image/png", &png()),
    );
    ensure!(r.status == 201, "upload: {} {}", r.status, r.text());
    let id = r.json()["id"].as_i64().unwrap_or_default();
    let cookie = c.sign_in("front_office")?;
    let page = c.get(
        &format!("/staff/applications/{number}"),
        None,
        Some(&cookie),
    );
    ensure!(page.status == 200, "page: {}", page.status);
    let text = page.text();
    ensure!(
        text.contains("Berkas unggahan") && text.contains("saksi.png"),
        "the page lists the upload"
    );
    ensure!(
        text.contains(&format!("href=\"/documents/{id}\"")),
        "with its link"
    );
    ensure!(
        text.contains("KTP-el dua orang saksi kelahiran"),
        "with the item's label"
    );
    // The requirements table shows the upload on its paper's row.
    let row = text
        .split("data-item=\"ktp_saksi\"")
        .nth(1)
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_default();
    ensure!(
        row.contains(&format!("<a href=\"/documents/{id}\">saksi.png</a>")),
        "the requirements table row: {row}"
    );
    let got = c.get(&format!("/documents/{id}"), None, Some(&cookie));
    ensure!(
        got.status == 200 && got.bytes == png(),
        "the staff cookie downloads: {}",
        got.status
    );
    Ok(())
}

fn the_upload_page_works_without_javascript(env: &Env) -> TestResult {
    let c = Client::new(env);
    let (number, nik) = env.api.submitted()?;
    let path = format!("/unggah/{number}");
    let page = c.get(&path, None, None);
    ensure!(page.status == 200, "page: {} {}", page.status, page.text());
    let text = page.text();
    for needle in [
        "enctype=\"multipart/form-data\"",
        "<label for=\"nik\"",
        "<label for=\"item\"",
        "<label for=\"file\"",
        "accept=\"image/jpeg,image/png,application/pdf\"",
        "Surat keterangan lahir",
    ] {
        ensure!(text.contains(needle), "the form has {needle}");
    }
    // `capture` would open the camera only: no PDF, no photo from the gallery.
    ensure!(!text.contains("capture="), "the picker is camera-only");
    ensure!(!text.contains("<script>"), "no inline script");
    ensure!(
        page.header("content-security-policy")
            .contains("script-src 'self'"),
        "CSP"
    );

    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let wrong = format!(
        "{}{}",
        &nik[..15],
        if nik.ends_with('9') { '8' } else { '9' }
    );
    let body = multipart(
        &[("nik", &wrong), ("item", "kk_orang_tua")],
        Some(("kk.png", "image/png", &png())),
    );
    let r = c.post(&path, None, &content_type, &body);
    ensure!(
        r.status == 404 && r.text().contains("id=\"nik-error\""),
        "a wrong NIK is shown at the NIK: {} {}",
        r.status,
        r.text()
    );
    ensure!(!r.text().contains("kk.png"), "nothing about the files");

    let body = multipart(
        &[("nik", &nik), ("item", "kk_orang_tua")],
        Some(("kk.png", "image/png", &png())),
    );
    let r = c.post(&path, None, &content_type, &body);
    ensure!(
        r.status == 200 && r.text().contains("berhasil diunggah"),
        "upload: {} {}",
        r.status,
        r.text()
    );
    ensure!(
        r.text().contains("Kartu Keluarga (KK) orang tua — kk.png"),
        "the uploaded items are listed"
    );
    ensure!(
        !r.text().contains("/documents/"),
        "no links for the citizen"
    );

    let body = multipart(
        &[("nik", &nik), ("item", "kk_orang_tua")],
        Some(("x.png", "image/png", b"text")),
    );
    let r = c.post(&path, None, &content_type, &body);
    ensure!(
        r.status == 422 && r.text().contains("id=\"file-error\""),
        "a wrong type is shown at the file: {} {}",
        r.status,
        r.text()
    );
    Ok(())
}

/// The phone that sent the form keeps the form's key in a cookie for a day
/// and uploads with it instead of the NIK; the key opens only its own
/// application, and a key that opens nothing brings the NIK field back
/// and stores nothing.
fn the_phone_that_applied_uploads_without_typing_the_nik(env: &Env) -> TestResult {
    let phone = crate::public::Phone::new(env);
    let key = format!("{:032x}", crate::workflow::seed());
    let mut form =
        crate::public::filled_form(&crate::api::nik(crate::workflow::seed()), "Tanpa Ketik");
    form.push(("kunci", key.clone()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let sent = phone.post("/ajukan", &pairs);
    ensure!(sent.status == 303, "apply: {} {}", sent.status, sent.text);
    let number = sent
        .header("location")
        .and_then(|l| l.strip_prefix("/ajukan/selesai/"))
        .unwrap_or_default()
        .to_string();
    let set_cookie = sent.header("set-cookie").unwrap_or_default();
    let cookie = format!("__Host-kunci-{number}={key}");
    ensure!(
        set_cookie.starts_with(&format!("{cookie};")),
        "the form's key is not kept under the number: {set_cookie:?}"
    );
    for attribute in [
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Max-Age=86400",
    ] {
        ensure!(
            set_cookie.contains(attribute),
            "{attribute} missing: {set_cookie}"
        );
    }

    let c = Client::new(env);
    let path = format!("/unggah/{number}");
    let page = c.page_with_cookie(&path, &cookie, None);
    ensure!(page.status == 200, "page: {} {}", page.status, page.text());
    ensure!(
        !page.text().contains("name=\"nik\"") && page.text().contains("tidak perlu diketik lagi"),
        "the NIK is asked of the phone that applied: {}",
        page.text()
    );
    let body = multipart(
        &[("item", "surat_keterangan_lahir")],
        Some(("skl.png", "image/png", &png())),
    );
    let r = c.page_with_cookie(&path, &cookie, Some(&body));
    ensure!(
        r.status == 200 && r.text().contains("berhasil diunggah"),
        "upload with the kept key: {} {}",
        r.status,
        r.text()
    );
    ensure!(
        documents(env, "front_office", &number)?.len() == 1,
        "not stored once"
    );

    // The same key under another application's number opens nothing.
    let (other, _) = env.api.submitted()?;
    let forged = format!("__Host-kunci-{other}={key}");
    let r = c.page_with_cookie(&format!("/unggah/{other}"), &forged, Some(&body));
    ensure!(
        r.status == 422
            && r.text().contains("id=\"nik-error\"")
            && r.text().contains("name=\"nik\""),
        "a key of another application: {} {}",
        r.status,
        r.text()
    );
    ensure!(
        documents(env, "front_office", &other)?.is_empty(),
        "stored for the wrong application"
    );
    // A key not shaped like the form's is never looked up: the NIK is asked.
    let odd = format!("__Host-kunci-{number}=1");
    let page = c.page_with_cookie(&path, &odd, None);
    ensure!(
        page.text().contains("name=\"nik\""),
        "an odd key hides the NIK field"
    );
    Ok(())
}

fn an_application_takes_at_most_twenty_files_and_none_once_cancelled(env: &Env) -> TestResult {
    let c = Client::new(env);
    let (number, _) = env.api.submitted()?;
    let token = env.api.token("front_office")?;
    for n in 0..20 {
        let r = c.upload(
            &number,
            Some(&token),
            None,
            "kk_orang_tua",
            (&format!("kk-{n}.png"), "image/png", &png()),
        );
        ensure!(r.status == 201, "file {n}: {} {}", r.status, r.text());
    }
    let r = c.upload(
        &number,
        Some(&token),
        None,
        "kk_orang_tua",
        ("kk-21.png", "image/png", &png()),
    );
    ensure!(
        r.status == 409 && r.json()["error"]["code"] == "too_many_documents",
        "the 21st: {} {}",
        r.status,
        r.text()
    );
    ensure!(
        documents(env, "front_office", &number)?.len() == 20,
        "twenty stored"
    );

    let (closed, nik) = env.api.submitted()?;
    crate::workflow::step(
        &env.api,
        "front_office",
        &closed,
        serde_json::json!({"action": "cancel", "reason": "data ganda"}),
    )?;
    let r = c.upload(
        &closed,
        None,
        Some(&nik),
        "kk_orang_tua",
        ("kk.png", "image/png", &png()),
    );
    ensure!(
        r.status == 409 && r.json()["error"]["code"] == "application_closed",
        "cancelled: {} {}",
        r.status,
        r.text()
    );
    Ok(())
}
