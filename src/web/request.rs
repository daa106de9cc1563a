//! Reading what arrived: bodies (one reader, one size limit per kind of
//! body), JSON with field paths in its errors, forms, query parameters,
//! cookies, the caller's address and the caller's staff session.

use std::collections::HashMap;

use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use worker::{FormEntry, Request};

use crate::app::documents::{Upload, UploadForm, MAX_FILE_BYTES};
use crate::app::products::{DraftForm, MAX_PDF_BYTES};

use crate::app::auth::staff_for_token;
use crate::app::{limits, AppError, Ctx, Staff};
use crate::domain::json_path;

/// The kinds of body the Worker takes, each with its own size limit.
/// (Multipart uploads have theirs: `read_upload`.)
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// A JSON request to the API.
    Json,
    /// A staff page's form.
    StaffForm,
    /// A citizen's form (application, complaint).
    PublicForm,
    /// A signed report from the SMS gateway or the courier.
    Webhook,
}

impl Body {
    pub const fn limit(self) -> usize {
        match self {
            Body::Json | Body::StaffForm => 64 * 1024,
            Body::PublicForm => 32 * 1024,
            Body::Webhook => 16 * 1024,
        }
    }
}

/// The raw body, refused (413) past its kind's limit (see [`read_within`]).
pub async fn read_body(req: &mut Request, kind: Body) -> Result<Vec<u8>, AppError> {
    read_within(req, kind.limit(), kind.limit()).await
}

/// The raw body, refused (413 naming `named_limit`) past `limit` bytes — by
/// the declared length before reading when there is one, and otherwise while
/// reading: the body is read as a stream and abandoned as soon as it passes
/// the limit, so a body without `Content-Length` (chunked) is never taken
/// whole first. A declared length within the limit is read in one call: the
/// runtime frames the body by that length, so no more can arrive (e2e
/// `hardening::a_body_longer_than_its_declared_length_is_cut_at_that_length`).
async fn read_within(
    req: &mut Request,
    limit: usize,
    named_limit: usize,
) -> Result<Vec<u8>, AppError> {
    let declared = req
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|len| len.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(AppError::TooLarge(named_limit));
    }
    // A POST without any body has no stream to read.
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let unreadable =
        |e: worker::Error| AppError::Malformed(format!("isi permintaan tidak terbaca: {e}"));
    if declared.is_some() {
        let bytes = req.bytes().await.map_err(unreadable)?;
        // Checked again all the same: the limit never rests on a header.
        if bytes.len() > limit {
            return Err(AppError::TooLarge(named_limit));
        }
        return Ok(bytes);
    }
    let mut stream = req.stream().map_err(unreadable)?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if bytes.len() + chunk.len() > limit {
            return Err(AppError::TooLarge(named_limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The media type a JSON body must be sent as.
const JSON_TYPE: &str = "application/json";

/// Refuses (415) a JSON body not declared as `application/json` (with no
/// parameter but `charset=utf-8`). A browser sends `text/plain` and form
/// types across sites without asking first; only a page of our own origin
/// may send `application/json`, so a foreign page cannot make its visitors'
/// browsers submit here.
pub fn require_json_type(req: &Request) -> Result<(), AppError> {
    let given = header(req, "Content-Type").unwrap_or_default();
    if is_json_type(&given) {
        return Ok(());
    }
    let named = if given.trim().is_empty() {
        "tidak ada".to_string()
    } else {
        format!("'{}'", given.trim())
    };
    Err(AppError::UnsupportedMediaType(format!(
        "kirim isi permintaan sebagai {JSON_TYPE} (Content-Type: {JSON_TYPE}); Content-Type yang dikirim: {named}"
    )))
}

/// `application/json`, optionally `; charset=utf-8`, in any letter case.
fn is_json_type(value: &str) -> bool {
    let mut parts = value.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case(JSON_TYPE))
    {
        return false;
    }
    parts.filter(|p| !p.is_empty()).all(|p| {
        p.split_once('=').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("charset")
                && v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
        })
    })
}

/// Reads a JSON body: declared as JSON (415), size-limited (413), one JSON
/// value and nothing after it (400), and a type error names the field path.
pub async fn read_json<T: DeserializeOwned>(req: Request) -> Result<T, AppError> {
    parse_json(&read_json_body(req).await?)
}

/// The bytes of a body declared as JSON: the reading is one piece of code,
/// only the parsing is per body type.
async fn read_json_body(mut req: Request) -> Result<Vec<u8>, AppError> {
    require_json_type(&req)?;
    read_body(&mut req, Body::Json).await
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.len() > Body::Json.limit() {
        return Err(AppError::TooLarge(Body::Json.limit()));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::Malformed(
            "isi permintaan kosong; kirim objek JSON".into(),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value =
        T::deserialize(&mut de).map_err(|e| AppError::Malformed(json_path::describe(bytes, &e)))?;
    // The reader stops after the first value; anything but whitespace after
    // it is a body we did not understand, never one half-applied.
    de.end().map_err(|e| {
        AppError::Malformed(format!(
            "JSON tidak valid: ada data setelah objek JSON ({e})"
        ))
    })?;
    Ok(value)
}

/// A form body of `kind`, its fields in order — only from a page of this
/// site (`same_site_form`): every form here, public or staff, is posted by
/// one of our own pages.
pub async fn read_form(req: &mut Request, kind: Body) -> Result<Form, AppError> {
    same_site_form(req)?;
    Ok(Form::parse(&read_body(req, kind).await?))
}

/// Form fields in order (repeated names keep every value).
#[derive(Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse(bytes: &[u8]) -> Form {
        Form(form_urlencoded::parse(bytes).into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field as `Some(text)` when present and not blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

pub fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// One request header, if present.
pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// The bearer token of the request, if any.
pub fn bearer_token(req: &Request) -> Option<String> {
    let value = header(req, "Authorization")?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// The parts of the request's URL that handlers read. The runtime hands the
/// URL over already normalised (`scheme://authority/path?query#fragment`),
/// so splitting the string is enough; a full URL parser would bring the
/// `url` crate's Unicode (IDNA) tables into the bundle for nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub authority: String,
    /// Still percent-encoded, as the client sent it.
    pub path: String,
    pub query: Option<String>,
}

impl Target {
    pub fn of(req: &Request) -> Target {
        Target::parse(&req.inner().url())
    }

    pub fn parse(url: &str) -> Target {
        let url = url.split_once('#').map_or(url, |(before, _)| before);
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let (authority, path_and_query) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query.to_string())),
            None => (path_and_query, None),
        };
        Target {
            authority: authority.to_string(),
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            query,
        }
    }

    /// The path with its query, as a link back to this page.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }

    /// Every query parameter, percent-decoded, in order.
    pub fn pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect()
    }
}

/// One query parameter, percent-decoded.
pub fn query_param(req: &Request, name: &str) -> Result<Option<String>, AppError> {
    Ok(query_pairs(req)?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v))
}

/// Every query parameter, in order.
pub fn query_pairs(req: &Request) -> Result<Vec<(String, String)>, AppError> {
    Ok(Target::of(req).pairs())
}

/// The request's cookies by name.
pub fn cookies(req: &Request) -> HashMap<String, String> {
    let header = header(req, "Cookie").unwrap_or_default();
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// Refuses (403) a form posted from another site: a browser names the page's
/// origin in `Origin` (and says `Sec-Fetch-Site: cross-site`) on every POST,
/// so a foreign page cannot make its visitors' browsers sign in or submit
/// here. A request with neither header is not a browser's and passes.
pub fn same_site_form(req: &Request) -> Result<(), AppError> {
    let refused = || {
        AppError::Forbidden("formulir dikirim dari situs lain; buka halaman ini langsung".into())
    };
    if header(req, "Sec-Fetch-Site").is_some_and(|s| s.trim().eq_ignore_ascii_case("cross-site")) {
        return Err(refused());
    }
    let Some(origin) = header(req, "Origin") else {
        return Ok(());
    };
    // The host the browser addressed (the Host header), else the URL's.
    let host = header(req, "Host").or_else(|| Some(Target::of(req).authority));
    let origin_host = origin
        .trim()
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/').to_ascii_lowercase());
    match (origin_host, host) {
        (Some(o), Some(h)) if o == h.trim().to_ascii_lowercase() => Ok(()),
        _ => Err(refused()),
    }
}

/// The key the per-address abuse limits count under: the client address
/// Cloudflare reports, an IPv6 address as its /64. A request without one
/// (only possible off Cloudflare: `wrangler dev`, its tests and benchmarks)
/// is still limited, under one key all such requests share
/// (`app::limits::address_key`).
pub fn abuse_key(req: &Request) -> String {
    limits::address_key(header(req, "CF-Connecting-IP").as_deref())
}

/// The signed-in caller, or `None` when the request carries no token. A
/// token that is present but dead is a 401, never silently anonymous.
pub async fn optional_staff(req: &Request, ctx: &Ctx) -> Result<Option<Staff>, AppError> {
    let Some(token) = bearer_token(req) else {
        return Ok(None);
    };
    staff_for_token(ctx, &token)
        .await?
        .ok_or(AppError::Unauthenticated)
        .map(Some)
}

pub async fn require_staff(req: &Request, ctx: &Ctx) -> Result<Staff, AppError> {
    optional_staff(req, ctx)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Room for the multipart framing and the small fields around the file.
const MAX_FORM_OVERHEAD: usize = 64 * 1024;

/// Parses multipart form bytes with the runtime's own parser (a request
/// made of them, never sent anywhere).
async fn multipart(content_type: &str, bytes: &[u8]) -> worker::Result<worker::FormData> {
    let headers = worker::Headers::new();
    headers.set("Content-Type", content_type)?;
    let body = js_sys::Uint8Array::from(bytes).into();
    crate::platform::request("https://upload.invalid/", "POST", &headers, Some(body))
        .map_err(worker::Error::RustError)?
        .form_data()
        .await
}

/// A multipart form as read: its text fields (trimmed, empty ones dropped)
/// and its `file`.
pub struct Multipart {
    fields: Vec<(String, String)>,
    pub file: Option<Upload>,
}

impl Multipart {
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Reads a multipart form whose `file` may be up to `max_file` bytes,
/// within that plus its framing (413 past it, before or while reading; see
/// [`read_within`]), then lets the runtime parse the bytes read.
pub async fn read_multipart(
    mut req: Request,
    max_file: usize,
    fields: &[&str],
) -> Result<Multipart, AppError> {
    same_site_form(&req)?;
    let bytes = read_within(&mut req, max_file + MAX_FORM_OVERHEAD, max_file).await?;
    let content_type = header(&req, "Content-Type").unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(AppError::Malformed(format!(
            "kirim sebagai multipart/form-data dengan kolom {} dan file",
            fields.join(", ")
        )));
    }
    let form = multipart(&content_type, &bytes)
        .await
        .map_err(|e| AppError::Malformed(format!("formulir unggahan tidak terbaca: {e}")))?;
    let mut out = Multipart {
        fields: Vec::new(),
        file: None,
    };
    for name in fields {
        if let Some(FormEntry::Field(v)) = form.get(name) {
            let v = v.trim();
            if !v.is_empty() {
                out.fields.push((name.to_string(), v.to_string()));
            }
        }
    }
    if let Some(FormEntry::File(f)) = form.get("file") {
        if f.size() > max_file {
            return Err(AppError::TooLarge(max_file));
        }
        let bytes = f
            .bytes()
            .await
            .map_err(|e| AppError::Malformed(format!("berkas tidak terbaca: {e}")))?;
        if !(f.name().is_empty() && bytes.is_empty()) {
            out.file = Some(Upload {
                name: f.name(),
                bytes,
            });
        }
    }
    Ok(out)
}

/// Reads a requirement-document upload (`nik`, `item`, `file`).
pub async fn read_upload(req: Request) -> Result<UploadForm, AppError> {
    let form = read_multipart(req, MAX_FILE_BYTES, &["nik", "item"]).await?;
    Ok(UploadForm {
        nik: form.field("nik"),
        device_key: None,
        item: form.field("item"),
        file: form.file,
    })
}

/// The fields of a product draft upload.
pub const DRAFT_FIELDS: [&str; 4] = ["product", "document_number", "expected_version", "csrf"];

/// Reads a product draft upload (`product`, `document_number`,
/// `expected_version`, `file`); `product` may come from the path instead.
/// The API also takes it as JSON, the PDF in base64 (`pdf_base64`) — for
/// scripts and small exports: the JSON body limit applies.
pub async fn read_draft(req: Request) -> Result<DraftForm, AppError> {
    if is_json_type(&header(&req, "Content-Type").unwrap_or_default()) {
        return draft_json(read_json(req).await?);
    }
    draft_form(read_multipart(req, MAX_PDF_BYTES, &DRAFT_FIELDS).await?)
}

/// A draft sent as JSON: `document_number`, `pdf_base64`, optionally
/// `expected_version`; nothing else. (Read from a `Value` field by field:
/// a derived reader of its own would cost the Worker more than this.)
fn draft_json(body: serde_json::Value) -> Result<DraftForm, AppError> {
    use base64::Engine;
    use serde_json::Value;
    let fields = body
        .as_object()
        .ok_or_else(|| AppError::Malformed("kirim objek JSON".into()))?;
    if let Some(unknown) = fields.keys().find(|k| {
        !matches!(
            k.as_str(),
            "document_number" | "pdf_base64" | "expected_version"
        )
    }) {
        return Err(AppError::invalid(unknown.clone(), "kolom tidak dikenal"));
    }
    let text = |name: &'static str| match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(AppError::invalid(name, "harus berupa teks")),
    };
    let expected_version =
        match fields.get("expected_version") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| {
                AppError::invalid("expected_version", "versi harus bilangan bulat")
            })?),
        };
    let b64 = text("pdf_base64")?
        .ok_or_else(|| AppError::invalid("pdf_base64", "wajib diisi: berkas PDF dalam base64"))?;
    // Standard base64 read with the URL-safe alphabet the Worker already
    // decodes elsewhere ('+' and '/' are its '-' and '_'; padding optional).
    let url_safe: String = b64
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(url_safe.as_bytes())
        .map_err(|_| AppError::invalid("pdf_base64", "bukan base64 yang sah"))?;
    Ok(DraftForm {
        product: None,
        document_number: text("document_number")?,
        expected_version,
        file: Some(Upload {
            name: "draft.pdf".into(),
            bytes,
        }),
    })
}

pub fn draft_form(form: Multipart) -> Result<DraftForm, AppError> {
    let expected_version = match form.field("expected_version") {
        None => None,
        Some(v) => Some(
            v.parse()
                .map_err(|_| AppError::invalid("expected_version", "versi harus bilangan bulat"))?,
        ),
    };
    Ok(DraftForm {
        product: form.field("product"),
        document_number: form.field("document_number"),
        expected_version,
        file: form.file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Payload {
        applicant: Inner,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        nik: String,
    }

    #[test]
    fn a_wrongly_typed_field_is_named_in_the_400_message() {
        let err = parse_json::<Payload>(br#"{"applicant": {"nik": 3312}}"#).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.to_string().starts_with("applicant.nik:"), "{err}");
    }

    #[test]
    fn an_empty_or_oversized_body_is_refused_clearly() {
        assert_eq!(parse_json::<Payload>(b"  ").unwrap_err().status(), 400);
        let big = vec![b' '; Body::Json.limit() + 1];
        assert_eq!(parse_json::<Payload>(&big).unwrap_err().status(), 413);
    }

    #[test]
    fn data_after_the_json_value_is_refused() {
        let err =
            parse_json::<serde_json::Value>(br#"{"action":"approve","expected_version":2}garbage"#)
                .unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.to_string().contains("setelah objek JSON"), "{err}");
        assert!(parse_json::<serde_json::Value>(b"{\"a\":1}\r\n ").is_ok());
    }

    #[test]
    fn only_application_json_is_a_json_type() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=\"UTF-8\"",
        ] {
            assert!(is_json_type(ok), "{ok}");
        }
        for bad in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "application/json; charset=latin1",
            "application/jsonx",
            "application/json; boundary=x",
        ] {
            assert!(!is_json_type(bad), "{bad}");
        }
    }

    #[test]
    fn forms_keep_repeated_fields() {
        let f = Form::parse(b"checklist=a&checklist=b&reason=+ok+&empty=");
        assert_eq!(f.all("checklist"), vec!["a", "b"]);
        assert_eq!(f.text("reason").as_deref(), Some("ok"));
        assert_eq!(f.text("empty"), None);
    }

    #[test]
    fn a_url_splits_into_authority_path_and_decoded_query() {
        let t = Target::parse("http://127.0.0.1:8787/staff/queue?q=Sri%20Rahayu&after=2&x=a+b#top");
        assert_eq!(t.authority, "127.0.0.1:8787");
        assert_eq!(t.path, "/staff/queue");
        assert_eq!(t.query.as_deref(), Some("q=Sri%20Rahayu&after=2&x=a+b"));
        assert_eq!(
            t.path_and_query(),
            "/staff/queue?q=Sri%20Rahayu&after=2&x=a+b"
        );
        assert_eq!(
            t.pairs(),
            vec![
                ("q".to_string(), "Sri Rahayu".to_string()),
                ("after".to_string(), "2".to_string()),
                ("x".to_string(), "a b".to_string()),
            ]
        );
        let bare = Target::parse("https://pakpos.example");
        assert_eq!((bare.path.as_str(), bare.query), ("/", None));
        let query_only = Target::parse("https://pakpos.example?a=1");
        assert_eq!(query_only.path, "/");
        assert_eq!(query_only.pairs(), vec![("a".to_string(), "1".to_string())]);
        let encoded = Target::parse("http://h/api/v1/applications/%2E%2E/x?");
        assert_eq!(encoded.path, "/api/v1/applications/%2E%2E/x");
        assert_eq!(encoded.query.as_deref(), Some(""));
    }
}
