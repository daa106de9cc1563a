//! The citizens' pages over plain HTTP, as a phone without JavaScript sees
//! them: the landing page, applying through the form, the confirmation, the
//! tracking page and its limits, and the village list. The real-browser walk
//! is tests/browser/public.test.mjs.

use crate::api::{nik, Resp};
use crate::workflow::{seed, walk_to};
use crate::{ensure, Env, TestResult};

pub fn tests() -> Vec<crate::Test> {
    crate::tests![
        the_landing_page_explains_the_fees_and_the_complaint_channels,
        applying_through_the_form_leads_to_the_confirmation_with_the_number,
        a_bad_nik_is_named_next_to_its_field_and_the_values_are_kept,
        a_filled_bot_trap_is_refused_and_creates_nothing,
        tracking_shows_the_status_and_next_step_but_no_personal_data,
        a_wrong_nik_answers_like_an_unknown_number_and_the_sixth_is_refused,
        the_village_list_has_every_kecamatan_and_village_of_wonogiri,
    ]
}

/// A client that does not follow redirects and says which address it comes
/// from (Cloudflare's header), so each test has its own abuse counters.
pub(crate) struct Phone {
    base: String,
    ip: String,
    agent: ureq::Agent,
}

impl Phone {
    pub(crate) fn new(env: &Env) -> Phone {
        let agent = crate::ui::no_redirect_agent();
        let n = seed();
        Phone {
            base: env.api.base.clone(),
            ip: format!("198.51.{}.{}", n / 250 % 250, n % 250 + 1),
            agent,
        }
    }

    pub(crate) fn get(&self, path: &str) -> Resp {
        crate::api::Api::exchange(|| {
            self.agent
                .get(format!("{}{path}", self.base))
                .header("CF-Connecting-IP", &self.ip)
                .call()
        })
    }

    pub(crate) fn post(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        crate::api::Api::exchange(|| {
            self.agent
                .post(format!("{}{path}", self.base))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("CF-Connecting-IP", &self.ip)
                .send(&body)
        })
    }
}

/// A complete form for a newborn's birth certificate, as a citizen fills it.
pub(crate) fn filled_form(nik: &str, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("website", String::new()),
        ("services", "birth_certificate".into()),
        ("applicant.nik", nik.into()),
        ("applicant.name", name.into()),
        // One number per form: a number gets only a few submissions a day.
        (
            "applicant.phone",
            format!("0812 3456 {:04}", seed() % 10_000),
        ),
        ("applicant.address", "Dusun Krajan RT 01 RW 02".into()),
        ("applicant.village_code", "33.12.24.2001".into()),
        ("subject.name", "Bima Pratama".into()),
        ("subject.birth_date", "2026-11-01".into()),
        ("subject.birth_place", "Wonogiri".into()),
        ("subject.mother_name", name.into()),
        ("subject.father_name", String::new()),
        ("subject.family_card_number", "3312010101200003".into()),
        ("subject.nik", String::new()),
        ("subject.sex", "male".into()),
        ("delivery_method", "pos".into()),
        ("delivery_address", String::new()),
        ("checklist", "surat_keterangan_lahir".into()),
        // Without JavaScript every item is on the page: one for KK only is dropped.
        ("checklist", "kk_lama".into()),
    ]
}

fn pairs<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn set(form: &mut [(&'static str, String)], name: &str, value: &str) {
    if let Some(slot) = form.iter_mut().find(|(k, _)| *k == name) {
        slot.1 = value.into();
    }
}

/// Applies through the form; returns the registration number.
pub(crate) fn apply(phone: &Phone, form: &[(&'static str, String)]) -> Result<String, String> {
    let r = phone.post("/ajukan", &pairs(form));
    ensure!(r.status == 303, "apply: {} {}", r.status, r.text);
    let location = r.header("location").unwrap_or_default().to_string();
    let number = location
        .strip_prefix("/ajukan/selesai/")
        .unwrap_or_default()
        .to_string();
    ensure!(number.len() == 10, "location {location}");
    Ok(number)
}

fn the_landing_page_explains_the_fees_and_the_complaint_channels(env: &Env) -> TestResult {
    let r = Phone::new(env).get("/");
    ensure!(r.status == 200, "landing: {} {}", r.status, r.text);
    ensure!(
        r.header("content-security-policy")
            .is_some_and(|c| c.contains("script-src 'self'")),
        "no CSP"
    );
    for text in [
        "Rp 10.000</strong> untuk pengiriman berkas",
        "Rp 10.000</strong> untuk penerimaan dokumen",
        "COD",
        "disdukcapil@wonogirikab.go.id",
        "@disdukcapilwng",
        "(0273) 321468 ext. 106",
        "Kotak saran",
        "href=\"/ajukan\"",
        "href=\"/lacak\"",
    ] {
        ensure!(r.text.contains(text), "landing page lacks {text:?}");
    }
    ensure!(
        !r.text.contains("<script>") && !r.text.contains("style="),
        "inline script or style"
    );
    Ok(())
}

fn applying_through_the_form_leads_to_the_confirmation_with_the_number(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let form = phone.get("/ajukan");
    ensure!(form.status == 200, "form: {} {}", form.status, form.text);
    ensure!(
        form.text.contains("<optgroup label=\"Kec. Paranggupito\">"),
        "no village picker"
    );
    ensure!(
        form.text.contains("Jangan diisi") && form.text.contains("tabindex=\"-1\""),
        "no bot trap"
    );
    let number = apply(&phone, &filled_form(&nik(seed()), "Sri Lestari"))?;
    let done = phone.get(&format!("/ajukan/selesai/{number}"));
    ensure!(
        done.status == 200,
        "confirmation: {} {}",
        done.status,
        done.text
    );
    ensure!(done.text.contains(&number), "the number is not shown");
    ensure!(
        done.text.contains(&format!("href=\"/unggah/{number}\"")),
        "no upload link"
    );
    ensure!(
        done.text.contains("Simpan nomor ini"),
        "does not ask to save the number"
    );
    let read = env.api.read("front_office", &number)?;
    ensure!(
        read.body["channel"] == "web" && read.body["delivery"]["method"] == "pos",
        "{}",
        read.text
    );
    let ticked: Vec<&str> = read.body["requirements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["submitted"] == true)
        .filter_map(|r| r["item"].as_str())
        .collect();
    ensure!(ticked == ["surat_keterangan_lahir"], "ticked {ticked:?}");
    Ok(())
}

fn a_bad_nik_is_named_next_to_its_field_and_the_values_are_kept(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let mut form = filled_form("3312014513900001", "Rahayu Wulandari");
    set(&mut form, "applicant.address", "Dusun Ngelo RT 03 RW 07");
    let r = phone.post("/ajukan", &pairs(&form));
    ensure!(r.status == 422, "bad NIK: {} {}", r.status, r.text);
    ensure!(
        r.text.contains("bulan lahir pada NIK tidak valid"),
        "the reason is not shown"
    );
    ensure!(
        r.text
            .contains("<a href=\"#applicant-nik\">NIK pemohon</a>"),
        "the summary does not link the field"
    );
    // The message sits inside the NIK's own field block.
    let field = r
        .text
        .split("id=\"applicant-nik\"")
        .nth(1)
        .unwrap_or_default();
    let field = field.split("class=\"field").next().unwrap_or_default();
    ensure!(
        field.contains("class=\"error\""),
        "the error is not next to the NIK field"
    );
    for kept in [
        "value=\"3312014513900001\"",
        "value=\"Rahayu Wulandari\"",
        "value=\"Dusun Ngelo RT 03 RW 07\"",
        "value=\"33.12.24.2001\" selected",
    ] {
        ensure!(r.text.contains(kept), "value not kept: {kept}");
    }
    Ok(())
}

fn a_filled_bot_trap_is_refused_and_creates_nothing(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let name = format!(
        "Botol Jebakan {}",
        ["Satu", "Dua", "Tiga", "Empat"][(seed() % 4) as usize]
    );
    let mut form = filled_form(&nik(seed()), &name);
    set(&mut form, "website", "http://spam.example");
    let r = phone.post("/ajukan", &pairs(&form));
    ensure!(
        r.status == 422 && r.header("location").is_none(),
        "bot trap: {} {}",
        r.status,
        r.text
    );
    ensure!(
        r.text.contains("tidak dapat diproses"),
        "no neutral message: {}",
        r.text
    );
    // Nothing in any open queue carries that name.
    let token = env.api.token("admin")?;
    let mut cursor = String::new();
    loop {
        let page = env
            .api
            .get(&format!("/api/v1/queue?limit=200{cursor}"), Some(&token));
        ensure!(page.status == 200, "queue: {} {}", page.status, page.text);
        let items = page.body["items"].as_array().cloned().unwrap_or_default();
        ensure!(
            !items.iter().any(|i| i["applicant_name"] == name.as_str()),
            "the bot's application was created"
        );
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    Ok(())
}

fn tracking_shows_the_status_and_next_step_but_no_personal_data(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let applicant_nik = nik(seed());
    let number = apply(&phone, &filled_form(&applicant_nik, "Sri Lestari"))?;
    walk_to(&env.api, &number, "awaiting_documents")?;
    let blank = phone.get("/lacak");
    ensure!(
        blank.status == 200 && blank.text.contains("name=\"nomor\""),
        "tracking form: {}",
        blank.status
    );
    // Lower case without the dash is accepted, as people type it.
    let typed = number.replace('-', "").to_lowercase();
    let r = phone.post("/lacak", &[("nomor", &typed), ("nik", &applicant_nik)]);
    ensure!(r.status == 200, "track: {} {}", r.status, r.text);
    ensure!(
        r.text
            .contains("Disetujui, menunggu berkas fisik dikirim melalui PT Pos"),
        "no status label: {}",
        r.text
    );
    ensure!(
        r.text
            .contains("Kirim berkas fisik persyaratan ke Disdukcapil Wonogiri melalui PT Pos"),
        "no next step"
    );
    // Exactly the papers of the services chosen, each once.
    let papers = r
        .text
        .split("<ul id=\"berkas\">")
        .nth(1)
        .and_then(|t| t.split("</ul>").next())
        .unwrap_or_default();
    ensure!(
        papers.contains("Surat keterangan lahir")
            && papers.matches("Kartu Keluarga (KK) orang tua").count() == 1
            && !papers.contains("Formulir biodata keluarga"),
        "the papers to post: {papers}"
    );
    ensure!(
        r.text
            .contains("Permohonan terdaftar, menunggu verifikasi Front Office"),
        "no timeline"
    );
    for personal in [
        applicant_nik.as_str(),
        "Sri Lestari",
        "Bima Pratama",
        "Krajan",
        "3456",
        "3312010101200003",
        "Paranggupito",
    ] {
        ensure!(
            !r.text.contains(personal),
            "the tracking page shows personal data: {personal}"
        );
    }
    Ok(())
}

fn a_wrong_nik_answers_like_an_unknown_number_and_the_sixth_is_refused(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let applicant_nik = nik(seed());
    let number = apply(&phone, &filled_form(&applicant_nik, "Sri Lestari"))?;
    let mut bytes = (0u8..).map(|b| b.wrapping_mul(37).wrapping_add(seed() as u8));
    let unknown_number =
        pakpos::domain::ids::RegistrationNumber::generate(move || bytes.next().unwrap_or(0));
    let unknown = unknown_number.as_str();
    let probe = crate::api::nik(seed());
    let wrong = phone.post("/lacak", &[("nomor", &number), ("nik", &probe)]);
    let missing = phone.post("/lacak", &[("nomor", unknown), ("nik", &probe)]);
    ensure!(
        wrong.status == 404 && missing.status == 404,
        "wrong {} / unknown {}",
        wrong.status,
        missing.status
    );
    ensure!(
        wrong.text.replace(&number, "N") == missing.text.replace(unknown, "N"),
        "a wrong NIK reads differently from an unknown number"
    );
    for attempt in 3..=5 {
        let r = phone.post("/lacak", &[("nomor", &number), ("nik", &probe)]);
        ensure!(r.status == 404, "attempt {attempt}: {}", r.status);
    }
    let sixth = phone.post("/lacak", &[("nomor", &number), ("nik", &probe)]);
    ensure!(
        sixth.status == 429,
        "sixth wrong NIK: {} {}",
        sixth.status,
        sixth.text
    );
    ensure!(
        sixth.text.contains("Terlalu banyak percobaan"),
        "{}",
        sixth.text
    );
    // The API shares the counter.
    let api = phone.get(&format!("/api/v1/applications/{number}?nik={probe}"));
    ensure!(
        api.status == 429,
        "API after the limit: {} {}",
        api.status,
        api.text
    );
    Ok(())
}

fn the_village_list_has_every_kecamatan_and_village_of_wonogiri(env: &Env) -> TestResult {
    let r = Phone::new(env).get("/api/v1/villages");
    ensure!(r.status == 200, "villages: {} {}", r.status, r.text);
    ensure!(
        r.header("cache-control") == Some("public, max-age=86400"),
        "cache-control {:?}",
        r.header("cache-control")
    );
    let kecamatan = r.body["kecamatan"].as_array().cloned().unwrap_or_default();
    ensure!(kecamatan.len() == 25, "{} kecamatan", kecamatan.len());
    let villages: usize = kecamatan
        .iter()
        .map(|k| k["villages"].as_array().map_or(0, Vec::len))
        .sum();
    ensure!(villages == 294, "{villages} villages");
    let pracimantoro = kecamatan
        .iter()
        .find(|k| k["code"] == "33.12.01")
        .cloned()
        .unwrap_or_default();
    ensure!(pracimantoro["name"] == "Pracimantoro", "{pracimantoro}");
    let gedong = pracimantoro["villages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["code"] == "33.12.01.1009")
        .cloned();
    ensure!(
        gedong.is_some_and(|g| g["name"] == "Gedong" && g["kind"] == "kelurahan"),
        "Gedong missing"
    );
    Ok(())
}
