//! A small client for the PAK POS API as a user of it sees it: status codes,
//! JSON bodies and headers, with a sign-in per demo role.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

pub const DEMO_PASSWORD: &str = "pakpos-demo-2026";

/// The demo account of each role (scripts/staff.mjs).
pub fn username(role: &str) -> &'static str {
    match role {
        "front_office" => "fo",
        "validator" => "validator",
        "pickup_counter" => "loket",
        "production" => "produksi",
        "head_of_agency" => "kadis",
        "complaints_officer" => "pengaduan",
        "admin" => "admin",
        "village_operator" => "desa.sumberagung",
        "other_village_operator" => "desa.gedong",
        _ => "unknown",
    }
}

/// Sumberagung, Pracimantoro: the village of the `desa.sumberagung` operator.
pub const VILLAGE: &str = "33.12.01.2001";
/// Gedong, Pracimantoro: the other demo operator's village.
pub const OTHER_VILLAGE: &str = "33.12.01.1009";

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub headers: HashMap<String, String>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn error_code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn error_field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }
}

pub struct Api {
    pub base: String,
    agent: ureq::Agent,
    tokens: Mutex<HashMap<String, String>>,
    /// The client address every request reports (`CF-Connecting-IP`, as
    /// Cloudflare would); `None`: each request its own.
    address: Option<String>,
}

static NEXT_ADDRESS: AtomicU32 = AtomicU32::new(1);

/// A client address no other request of the run has: its own /64 in the
/// documentation range 2001:db8::/32. The Worker limits per address and
/// counts requests without one together, so a shared client would make the
/// suite's tests throttle each other.
pub fn fresh_address() -> String {
    let n = NEXT_ADDRESS.fetch_add(1, Ordering::SeqCst);
    format!("2001:db8:{:x}:{:x}::1", n >> 16, n & 0xffff)
}

impl Api {
    /// A client at the given address, for tests of the per-address limits.
    pub fn at(base: &str, address: &str) -> Api {
        Api {
            address: Some(address.to_string()),
            ..Api::new(base)
        }
    }

    /// The address a request reports.
    fn address(&self) -> String {
        self.address.clone().unwrap_or_else(fresh_address)
    }

    pub fn new(base: &str) -> Api {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A fresh connection per request: a pooled one that the local
            // server closed while idle would reset a request that was
            // never processed.
            .max_idle_connections(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .middleware(crate::contract::RecordMethod)
            .build()
            .into();
        Api {
            base: base.to_string(),
            agent,
            tokens: Mutex::new(HashMap::new()),
            address: None,
        }
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Resp {
        let url = format!("{}{}", self.base, path);
        let auth = token.map(|t| format!("Bearer {t}"));
        let address = self.address();
        Self::exchange(|| match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(&url).header("CF-Connecting-IP", &address);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            (_, body) => {
                let mut r = self
                    .agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("CF-Connecting-IP", &address);
                if let Some(a) = &auth {
                    r = r.header("Authorization", a);
                }
                r.send(body.unwrap_or(""))
            }
        })
    }

    /// A POST of raw bytes (a multipart upload) with a bearer token.
    pub fn post_bytes(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> Resp {
        let address = self.address();
        Self::exchange(|| {
            let mut r = self
                .agent
                .post(format!("{}{}", self.base, path))
                .header("Content-Type", content_type)
                .header("CF-Connecting-IP", &address);
            if let Some(t) = token {
                r = r.header("Authorization", format!("Bearer {t}"));
            }
            r.send(body)
        })
    }

    /// A POST with an exact body and headers (webhooks).
    pub fn raw_post(
        &self,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Resp {
        let address = self.address();
        Self::exchange(|| {
            let mut r = self
                .agent
                .post(format!("{}{}", self.base, path))
                .header("Content-Type", content_type);
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("CF-Connecting-IP"))
            {
                r = r.header("CF-Connecting-IP", &address);
            }
            for (k, v) in headers {
                r = r.header(*k, *v);
            }
            r.send(body)
        })
    }

    /// Sends a request (built by `send`, which may be called again) and reads
    /// its answer with [`Api::response`]. `wrangler dev`'s proxy answers a
    /// request it lost on a dropped kept-alive connection to workerd with
    /// 503, `Retry-After: 0`, "Your worker restarted mid-request" — though
    /// the Worker never restarted and never saw the request
    /// (cloudflare/workers-sdk#14641). Our Worker never answers 503, so such
    /// an answer is sent again (at most twice), said on stderr.
    pub fn exchange(
        send: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Resp {
        for attempt in 1..=2 {
            match send() {
                Ok(r) if Self::lost_by_the_dev_proxy(&r) => {
                    eprintln!("e2e: wrangler dev's proxy lost a request (503, attempt {attempt}); sending it again");
                }
                other => return Self::response(other),
            }
        }
        Self::response(send())
    }

    fn lost_by_the_dev_proxy(r: &ureq::http::Response<ureq::Body>) -> bool {
        r.status().as_u16() == 503
            && r.headers()
                .get("Retry-After")
                .is_some_and(|v| v.as_bytes() == b"0")
    }

    /// Reads an answer the way every test looks at it; an answer from a
    /// documented path must match the OpenAPI document (crate::contract).
    pub fn response(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Resp {
        match result {
            Ok(mut response) => {
                let exchange = crate::contract::Exchange::of(&response);
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_ascii_lowercase(),
                            v.to_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect();
                let text = response.body_mut().read_to_string().unwrap_or_default();
                exchange.check(text.as_bytes());
                let body = serde_json::from_str(&text).unwrap_or(Value::Null);
                Resp {
                    status,
                    body,
                    text,
                    headers,
                }
            }
            Err(e) => Resp {
                status: 0,
                body: Value::Null,
                text: e.to_string(),
                headers: HashMap::new(),
            },
        }
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.request("GET", path, token, None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.request("POST", path, token, Some(&body.to_string()))
    }

    pub fn login(&self, username: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
    }

    /// A fresh session for a role's demo account.
    pub fn fresh_token(&self, role: &str) -> Result<String, String> {
        let r = self.login(username(role), DEMO_PASSWORD);
        r.body["token"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("login as {role}: {} {}", r.status, r.text))
    }

    /// The shared session of a role (signed in once per run).
    pub fn token(&self, role: &str) -> Result<String, String> {
        if let Some(t) = self.tokens.lock().map_err(|e| e.to_string())?.get(role) {
            return Ok(t.clone());
        }
        let t = self.fresh_token(role)?;
        self.tokens
            .lock()
            .map_err(|e| e.to_string())?
            .insert(role.to_string(), t.clone());
        Ok(t)
    }

    pub fn submit(&self, body: &Value) -> Resp {
        self.post("/api/v1/applications", None, body)
    }

    /// A fresh citizen's application for pickup in the demo operator's
    /// village: its number and the applicant's NIK.
    pub fn submitted(&self) -> Result<(String, String), String> {
        let s = crate::workflow::seed();
        let r = self.submit(&application(s, "pickup"));
        if r.status != 201 {
            return Err(format!("submit: {} {}", r.status, r.text));
        }
        let number = r.body["registration_number"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Ok((number, nik(s)))
    }

    pub fn act(&self, role: &str, number: &str, body: &Value) -> Result<Resp, String> {
        let token = self.token(role)?;
        Ok(self.post(
            &format!("/api/v1/applications/{number}/actions"),
            Some(&token),
            body,
        ))
    }

    pub fn read(&self, role: &str, number: &str) -> Result<Resp, String> {
        let token = self.token(role)?;
        Ok(self.get(&format!("/api/v1/applications/{number}"), Some(&token)))
    }

    pub fn events(&self, role: &str, number: &str) -> Result<Vec<Value>, String> {
        let token = self.token(role)?;
        let r = self.get(
            &format!("/api/v1/applications/{number}/events"),
            Some(&token),
        );
        if r.status != 200 {
            return Err(format!("events {number}: {} {}", r.status, r.text));
        }
        Ok(r.body["events"].as_array().cloned().unwrap_or_default())
    }
}

/// A valid NIK, different for each `seed` (a woman born on the 5th, serial from the seed).
pub fn nik(seed: u32) -> String {
    format!("3312014502{:02}{:04}", 90 + seed % 10, 1 + seed % 9999)
}

/// A complete, valid submission for a newborn: birth certificate and KIA.
pub fn application(seed: u32, delivery: &str) -> Value {
    json!({
        "services": ["birth_certificate", "child_id_card"],
        "applicant": {
            "nik": nik(seed),
            "name": "Sri Lestari",
            "phone": format!("08123{:07}", seed),
            "village_code": VILLAGE,
            "address": "Dusun Krajan RT 01 RW 02, Sumberagung"
        },
        "subject": {
            "name": "Bima Pratama",
            "sex": "male",
            "birth_date": "2026-11-01",
            "birth_place": "Wonogiri",
            "mother_name": "Sri Lestari",
            "family_card_number": "3312010101200003"
        },
        "delivery_method": delivery,
        "checklist": ["surat_keterangan_lahir", "kk_orang_tua"]
    })
}

/// Every requirement of birth certificate + KIA for a newborn (no photo: a
/// KIA needs one only from age 5), as the counter ticks them.
pub fn full_checklist() -> Value {
    json!([
        "akta_kelahiran_anak",
        "buku_nikah",
        "kk_orang_tua",
        "ktp_orang_tua",
        "ktp_saksi",
        "surat_keterangan_lahir"
    ])
}
