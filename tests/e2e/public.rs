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
        the_form_asks_the_service_first_then_only_its_fields,
        an_empty_form_shows_every_error_at_once_in_page_order,
        the_answers_are_shown_back_before_anything_is_sent,
        the_same_form_sent_twice_makes_one_application,
        an_unknown_citizen_address_gets_the_citizens_page_never_the_staffs,
        the_upload_page_wears_the_citizens_layout_and_takes_a_pdf,
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
    let form = phone.get("/ajukan?services=birth_certificate");
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
    let said = "NIK pemohon: bulan lahir pada NIK tidak valid";
    ensure!(
        r.text
            .contains(&format!("<a href=\"#applicant-nik\">{said}</a>")),
        "the summary does not link the field"
    );
    // The same words sit inside the NIK's own field block, which the input
    // points at and marks invalid.
    let field = r
        .text
        .split("for=\"applicant-nik\"")
        .nth(1)
        .unwrap_or_default();
    let field = field.split("class=\"field").next().unwrap_or_default();
    ensure!(
        field.contains(&format!("id=\"applicant-nik-error\">{said}</p>"))
            && field.contains("aria-invalid=\"true\"")
            && field.contains("aria-describedby=\"applicant-nik-hint applicant-nik-error\""),
        "the error is not next to the NIK field: {field}"
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

/// The `href`s of the error summary's links, in order.
fn summary_links(page: &str) -> Vec<String> {
    let summary = page
        .split("id=\"ringkasan-galat\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .unwrap_or_default();
    summary
        .split("<a href=\"#")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(String::from)
        .collect()
}

fn the_form_asks_the_service_first_then_only_its_fields(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let first = phone.get("/ajukan");
    ensure!(
        first.status == 200,
        "step 1: {} {}",
        first.status,
        first.text
    );
    ensure!(
        first.text.contains("name=\"services\"")
            && !first.text.contains("applicant.nik")
            && first.text.contains("method=\"get\""),
        "step 1 asks more than the service: {}",
        first.text
    );
    let none = phone.get("/ajukan?lanjut=1");
    ensure!(
        none.status == 422
            && summary_links(&none.text) == ["services"]
            && none.text.contains("<title>Galat: "),
        "nothing chosen: {} {}",
        none.status,
        none.text
    );
    let kk = phone.get("/ajukan?services=family_card&lanjut=1");
    ensure!(kk.status == 200, "step 2: {} {}", kk.status, kk.text);
    for asked in [
        "subject.name",
        "subject.family_card_number",
        "applicant.nik",
    ] {
        ensure!(
            kk.text.contains(&format!("name=\"{asked}\"")),
            "KK form lacks {asked}"
        );
    }
    for not_asked in ["subject.birth_date", "subject.mother_name", "subject.sex"] {
        ensure!(
            !kk.text.contains(&format!("name=\"{not_asked}\"")),
            "KK form asks {not_asked}"
        );
    }
    ensure!(
        kk.text
            .contains("NIK <span class=\"muted\">(opsional)</span>")
            && !kk.text.contains("value=\"surat_keterangan_lahir\""),
        "optional fields unmarked or another service's papers listed"
    );
    let akta = phone.get("/ajukan?services=birth_certificate");
    for required in [
        "Tanggal lahir *",
        "Tempat lahir *",
        "Nama ibu kandung *",
        "Jenis kelamin *",
    ] {
        ensure!(
            akta.text.contains(required),
            "Akta form does not mark {required:?}"
        );
    }
    Ok(())
}

fn an_empty_form_shows_every_error_at_once_in_page_order(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let r = phone.post(
        "/ajukan",
        &[("services", "birth_certificate"), ("langkah", "periksa")],
    );
    ensure!(r.status == 422, "empty form: {} {}", r.status, r.text);
    let links = summary_links(&r.text);
    let want = [
        "applicant-nik",
        "applicant-name",
        "applicant-phone",
        "applicant-address",
        "applicant-village_code",
        "subject-name",
        "subject-sex",
        "subject-birth_date",
        "subject-birth_place",
        "subject-mother_name",
        "subject-family_card_number",
        "delivery",
    ];
    ensure!(links == want, "summary {links:?}");
    ensure!(
        r.text.contains("<title>Galat: Ajukan permohonan")
            && r.text.matches("role=\"alert\"").count() == 1
            && r.text
                .contains("id=\"subject-sex-error\">Jenis kelamin: wajib diisi")
            && r.text
                .contains("Desa/Kelurahan tempat tinggal: wajib diisi"),
        "title, single alert region or select errors missing: {}",
        r.text
    );
    // Every linked target exists on the page.
    for id in links {
        ensure!(r.text.contains(&format!("id=\"{id}\"")), "no element #{id}");
    }
    Ok(())
}

fn the_answers_are_shown_back_before_anything_is_sent(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let name = format!(
        "Periksa Kembali {}",
        ["Satu", "Dua", "Tiga"][(seed() % 3) as usize]
    );
    let mut form = filled_form(&nik(seed()), &name);
    form.push(("langkah", "periksa".into()));
    let r = phone.post("/ajukan", &pairs(&form));
    ensure!(r.status == 200, "review: {} {}", r.status, r.text);
    for shown in [
        name.as_str(),
        "Akta Kelahiran",
        "01/11/2026",
        "Laki-laki",
        "Songbledeg, Kec. ",
        "Diantar PT Pos",
    ] {
        ensure!(r.text.contains(shown), "review lacks {shown:?}");
    }
    // The review's own hidden fields, sent with "Kirim permohonan".
    let hidden: Vec<(String, String)> = r
        .text
        .split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|s| {
            let (name, rest) = s.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_string(), value.replace("&#32;", " ")))
        })
        .collect();
    ensure!(
        hidden.iter().any(|(k, _)| k == "kunci"),
        "no form key: {hidden:?}"
    );
    let mut send: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    send.push(("langkah", "ubah"));
    let back = phone.post("/ajukan", &send);
    ensure!(
        back.status == 200 && back.text.contains(&format!("value=\"{name}\"")),
        "change: {} {}",
        back.status,
        back.text
    );
    send.pop();
    send.push(("langkah", "kirim"));
    let sent = phone.post("/ajukan", &send);
    ensure!(sent.status == 303, "send: {} {}", sent.status, sent.text);
    Ok(())
}

fn the_same_form_sent_twice_makes_one_application(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let mut form = filled_form(&nik(seed()), "Ketuk Dua Kali");
    form.push(("kunci", format!("{:032x}", seed())));
    let first = apply(&phone, &form)?;
    let second = apply(&phone, &form)?;
    ensure!(first == second, "two applications: {first} and {second}");
    // The same key with other answers creates nothing and says so.
    set(&mut form, "applicant.name", "Orang Lain Sama Sekali");
    let r = phone.post("/ajukan", &pairs(&form));
    ensure!(
        r.status == 422 && r.text.contains("sudah pernah dikirim"),
        "same key, other answers: {} {}",
        r.status,
        r.text
    );
    Ok(())
}

fn an_unknown_citizen_address_gets_the_citizens_page_never_the_staffs(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    for path in [
        "/halaman-tidak-ada",
        "/unggah/BUKAN-NOMOR",
        "/ajukan/selesai/x",
    ] {
        let r = phone.get(path);
        ensure!(
            r.status == 404
                && r.header("content-type")
                    .is_some_and(|c| c.starts_with("text/html"))
                && r.text.contains("/static/public.css")
                && !r.text.contains("/static/staff.css")
                && !r.text.contains("Kembali ke antrian")
                && r.text.contains("<a href=\"/\">beranda"),
            "{path}: {} {}",
            r.status,
            r.text
        );
    }
    let staff = phone.get("/staff/tidak-ada");
    ensure!(
        !staff.text.contains("/static/public.css"),
        "a staff address wears the citizens' layout: {} {}",
        staff.status,
        staff.text
    );
    Ok(())
}

fn the_upload_page_wears_the_citizens_layout_and_takes_a_pdf(env: &Env) -> TestResult {
    let phone = Phone::new(env);
    let number = apply(&phone, &filled_form(&nik(seed()), "Unggah Berkas"))?;
    let r = phone.get(&format!("/unggah/{number}"));
    ensure!(r.status == 200, "upload page: {} {}", r.status, r.text);
    ensure!(
        r.text.contains("/static/public.css") && !r.text.contains("/static/staff.css"),
        "not the citizens' layout"
    );
    ensure!(
        !r.text.contains("capture=") && r.text.contains("application/pdf"),
        "the picker forbids a PDF or a gallery photo"
    );
    let select = r.text.split("id=\"item\"").nth(1).unwrap_or_default();
    ensure!(
        select
            .split("<option")
            .nth(1)
            .is_some_and(|o| o.starts_with(" value=\"\">")),
        "a paper is chosen for the citizen: {select}"
    );
    ensure!(
        r.text.contains("<meta name=\"description\""),
        "no meta description"
    );
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
            .contains("Kurir PT Pos datang menjemputnya di alamat Anda; bayar Rp10.000"),
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
            .contains("Permohonan terdaftar, sedang diperiksa petugas Dinas"),
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
    // Now even the right NIK is refused alike (its lookup leaves no
    // access-log row: privacy::a_status_check_is_one_round_trip…, which
    // reads the table from a second process and so runs alone).
    let right = phone.post("/lacak", &[("nomor", &number), ("nik", &applicant_nik)]);
    ensure!(
        right.status == 429 && right.text.contains("Terlalu banyak percobaan"),
        "the right NIK after the limit: {} {}",
        right.status,
        right.text
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
