//! The few things the edge needs from the runtime besides D1: randomness,
//! hashing, PBKDF2 through WebCrypto, and the clock. Kept apart so the rest of
//! the edge reads as plain Rust.

use chrono::{DateTime, NaiveDate, Utc};
use js_sys::{Array, Reflect, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::domain::password::{PasswordRecord, HASH_BYTES, ITERATIONS, ROUNDS, SALT_BYTES};

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("no randomness available: {0}")]
    Random(getrandom::Error),
    #[error("WebCrypto failed: {0}")]
    Crypto(String),
}

impl From<JsValue> for PlatformError {
    fn from(value: JsValue) -> Self {
        PlatformError::Crypto(format!("{value:?}"))
    }
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], PlatformError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(PlatformError::Random)?;
    Ok(buf)
}

pub fn sha256_hex(data: &[u8]) -> String {
    crate::domain::hex::encode(&Sha256::digest(data))
}

/// Now, as stored in D1: ISO-8601 UTC with milliseconds, so text order is
/// time order.
pub fn timestamp(at: DateTime<Utc>) -> String {
    crate::domain::time::utc_timestamp(at)
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Today's date in WIB (UTC+7, no daylight saving), for date rules such as
/// "a birth date is not in the future".
pub fn today_wib() -> NaiveDate {
    wib_date(now())
}

/// The WIB calendar date of an instant (UTC+7, no daylight saving).
pub fn wib_date(at: DateTime<Utc>) -> NaiveDate {
    crate::domain::time::wib_date(at)
}

/// One PBKDF2-HMAC-SHA256 derivation in WebCrypto (native code, not wasm).
async fn pbkdf2(password: &[u8], salt: &[u8], iterations: u32) -> Result<Vec<u8>, PlatformError> {
    let crypto: web_sys::Crypto =
        Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))?.unchecked_into();
    let subtle = crypto.subtle();
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key_data = Uint8Array::from(password);
    let key =
        JsFuture::from(subtle.import_key_with_str("raw", &key_data, "PBKDF2", false, &usages)?)
            .await?;
    let params = web_sys::Pbkdf2Params::new_with_str(
        "PBKDF2",
        "SHA-256",
        iterations,
        &Uint8Array::from(salt),
    );
    let bits = JsFuture::from(subtle.derive_bits_with_object(
        &params,
        &key.unchecked_into(),
        (HASH_BYTES * 8) as u32,
    )?)
    .await?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// The chained derivation described in `domain::password`.
pub async fn derive_password(
    password: &str,
    salt: &[u8],
    rounds: u32,
    iterations: u32,
) -> Result<Vec<u8>, PlatformError> {
    let mut out = salt.to_vec();
    for _ in 0..rounds {
        out = pbkdf2(password.as_bytes(), &out, iterations).await?;
    }
    Ok(out)
}

pub async fn hash_new_password(password: &str) -> Result<PasswordRecord, PlatformError> {
    let salt = random_bytes::<SALT_BYTES>()?.to_vec();
    let hash = derive_password(password, &salt, ROUNDS, ITERATIONS).await?;
    Ok(PasswordRecord {
        rounds: ROUNDS,
        iterations: ITERATIONS,
        salt,
        hash,
    })
}

// The runtime's own gzip (CompressionStream, native code): a deflate
// encoder compiled into the Worker would cost tens of kilobytes of wasm.
#[wasm_bindgen(inline_js = r#"
function pipe(bytes, stream) {
  return new Response(new Blob([bytes]).stream().pipeThrough(stream)).arrayBuffer().then((b) => new Uint8Array(b));
}
export function gzip(bytes) { return pipe(bytes, new CompressionStream("gzip")); }
export function gunzipLine(bytes, prefix) {
  return pipe(bytes, new DecompressionStream("gzip"))
    .then((b) => new TextDecoder().decode(b).split("\n").find((l) => l.startsWith(prefix)));
}
export async function exportRun(db, bucket, plan, queries, limit, budgetMs, now, before) {
  const [currentSql, advanceSql, manifestSql, finishSql, expiredSql, forgetSql] = queries.split("\u0002");
  const run = await db.prepare(currentSql).first();
  if (!run) {
    const old = await db.prepare(expiredSql).bind(before).first();
    if (!old) return 0;
    const keys = JSON.parse(old.keys);
    for (let i = 0; i < keys.length; i += 1000) await bucket.delete(keys.slice(i, i + 1000));
    await db.prepare(forgetSql).bind(old.id).run();
    return 0;
  }
  const steps = plan.split("\u0002").map((s) => s.split("\u0003"));
  let { id, step, part, cursor } = run;
  const started = Date.now();
  let written = 0;
  while (step < steps.length) {
    if (Date.now() - started > budgetMs) return written;
    const [name, names, first, after] = steps[step];
    const tables = names.split("\u0001");
    const params = cursor ? [...JSON.parse(cursor), limit] : [limit];
    const results = await db.batch((cursor ? after : first).split("\u0001").map((sql) => db.prepare(sql).bind(...params)));
    const rows = {};
    let last = null;
    for (let i = 0; i < tables.length; i++) {
      const list = results[i].results ?? [];
      let text = "";
      for (const row of list) {
        const key = [];
        for (const column of Object.keys(row)) {
          if (column.startsWith("__k")) { key.push(row[column]); delete row[column]; }
        }
        if (i === 0) last = key;
        text += JSON.stringify(row) + "\n";
      }
      const packed = await pipe(new TextEncoder().encode(text), new CompressionStream("gzip"));
      const key = `backups/${id}/${name}/${String(part).padStart(5, "0")}/${tables[i]}.jsonl.gz`;
      await bucket.put(key, packed, { httpMetadata: { contentType: "application/gzip" } });
      rows[tables[i]] = list.length;
    }
    const more = (results[0].results ?? []).length >= limit;
    const next = more ? [step, part + 1, JSON.stringify(last)] : [step + 1, 1, null];
    const entry = JSON.stringify({ step: name, part, rows });
    const moved = await db.prepare(advanceSql).bind(...next, entry, id, step, part).run();
    if (!moved.meta.changes) return written; // another run moved it first
    [step, part, cursor] = next;
    written++;
  }
  const manifest = await db.prepare(manifestSql).bind(id, now).first("a");
  const put = (key) => bucket.put(key, manifest, { httpMetadata: { contentType: "application/json" } });
  await put(`backups/${id}/manifest.json`);
  await put("backups/latest.json");
  await db.prepare(finishSql).bind(id, now).run();
  return written;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = exportRun, catch)]
    fn export_run_promise(
        db: &JsValue,
        bucket: &JsValue,
        plan: &str,
        queries: &str,
        limit: u32,
        budget_ms: u32,
        now: &str,
        before: &str,
    ) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_name = gzip, catch)]
    fn gzip_promise(bytes: &[u8]) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_name = gunzipLine, catch)]
    fn gunzip_line_promise(bytes: &[u8], prefix: &str) -> Result<js_sys::Promise, JsValue>;
}

// An outgoing request from its four parts. workers-rs's
// `Request::new_with_init` converts a whole `RequestInit` (with its `cf`
// properties) field by field: 11 KB of wasm for what one constructor does.
#[wasm_bindgen(inline_js = r#"
export function newRequest(url, method, headers, body) {
  return new Request(url, { method, headers, body: body ?? null });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = newRequest, catch)]
    fn new_request(
        url: &str,
        method: &str,
        headers: &web_sys::Headers,
        body: JsValue,
    ) -> Result<web_sys::Request, JsValue>;
}

/// A request to `url` (`method`: `GET`, `POST`) with `headers` and `body`
/// (text or bytes as a JS value, or `None`); an invalid URL is an error.
pub fn request(
    url: &str,
    method: &str,
    headers: &worker::Headers,
    body: Option<JsValue>,
) -> Result<worker::Request, String> {
    new_request(url, method, &headers.0, body.unwrap_or(JsValue::UNDEFINED))
        .map(worker::Request::from)
        .map_err(|e| js_message(e, "invalid URL or options for Request"))
}

// A response's fixed headers set in one call (a block of `Name: value`
// lines, split once and kept), and the response handed to the runtime in
// one call. workers-rs's conversion makes a `ResponseInit`, sets its status
// and headers, makes a `Uint8Array` and copies the body into it: six
// crossings from wasm to JavaScript, and one more per header set.
#[wasm_bindgen(inline_js = r#"
const blocks = new Map();
export function setHeaders(headers, block) {
  let pairs = blocks.get(block);
  if (pairs === undefined) {
    pairs = block.split("\n").map((line) => {
      const i = line.indexOf(": ");
      return [line.slice(0, i), line.slice(i + 2)];
    });
    blocks.set(block, pairs);
  }
  for (const [name, value] of pairs) headers.set(name, value);
}
export function answer(body, status, headers, id, trips, statements) {
  headers.set("X-Request-Id", id);
  headers.set("X-D1-Round-Trips", String(trips));
  headers.set("X-D1-Statements", String(statements));
  return new Response(body, { status, headers });
}
export function answerBytes(bytes, status, headers, id, trips, statements) {
  return answer(bytes.slice(), status, headers, id, trips, statements);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = setHeaders, catch)]
    fn set_headers_js(headers: &web_sys::Headers, block: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_name = answer, catch)]
    fn answer_js(
        body: &JsValue,
        status: u16,
        headers: &web_sys::Headers,
        id: &str,
        trips: u32,
        statements: u32,
    ) -> Result<web_sys::Response, JsValue>;
    #[wasm_bindgen(js_name = answerBytes, catch)]
    fn answer_bytes_js(
        bytes: &[u8],
        status: u16,
        headers: &web_sys::Headers,
        id: &str,
        trips: u32,
        statements: u32,
    ) -> Result<web_sys::Response, JsValue>;
}

/// A thrown JavaScript value's message, or `otherwise` if it has none.
fn js_message(e: JsValue, otherwise: &str) -> String {
    e.as_string()
        .or_else(|| js_sys::Error::from(e).message().as_string())
        .unwrap_or_else(|| otherwise.into())
}

/// Sets every header of `block` (`Name: value` lines joined by `\n`, a
/// `'static` constant: it is split once and kept) on `headers`.
pub fn set_headers(headers: &worker::Headers, block: &'static str) -> Result<(), String> {
    set_headers_js(&headers.0, block).map_err(|e| js_message(e, "a header was refused"))
}

/// The runtime's response for `response`, with the request's id and its D1
/// counts as headers (`X-Request-Id`, `X-D1-Round-Trips`,
/// `X-D1-Statements`), built in one call.
pub fn answer(
    response: &worker::Response,
    id: &str,
    trips: u32,
    statements: u32,
) -> Result<web_sys::Response, String> {
    let (status, headers) = (response.status_code(), &response.headers().0);
    match response.body() {
        worker::ResponseBody::Body(bytes) => {
            answer_bytes_js(bytes, status, headers, id, trips, statements)
        }
        worker::ResponseBody::Stream(stream) => {
            answer_js(stream.as_ref(), status, headers, id, trips, statements)
        }
        worker::ResponseBody::Empty => {
            answer_js(&JsValue::NULL, status, headers, id, trips, statements)
        }
    }
    .map_err(|e| js_message(e, "the runtime refused the response"))
}

/// One cron run's share of the nightly export (`app::backup`), the rows
/// moved by the runtime (they go through `JSON.stringify` in JavaScript and
/// never into the wasm). `queries`: the `store::backup` statements joined
/// by U+0002 — current, advance, manifest, finish, expired, forget. With no
/// export going on, deletes the oldest one `expired` finds before `before`
/// (its objects, then its row). Otherwise, for at most `budget_ms`, from
/// the run's step, part and cursor: runs the step's statements (`plan`:
/// steps joined by U+0002, each `name U+0003 tables U+0003 first-chunk SQL
/// U+0003 next-chunk SQL`, lists joined by U+0001) as one D1 batch — one
/// transaction — bound to the cursor's values then `limit`; writes each
/// table's rows as gzip JSON lines to
/// `backups/{id}/{step}/{part:05}/{table}.jsonl.gz` (a column `__k…` is
/// the first statement's key, kept as the cursor, not written); records
/// the chunk with `advance`, only where the run still stood (else another
/// run moved it: stop). After the last step: the manifest to
/// `backups/{id}/manifest.json` and `backups/latest.json`, then `finish`.
/// How many chunks it wrote.
#[allow(clippy::too_many_arguments)]
pub async fn export_run(
    db: &JsValue,
    bucket: &JsValue,
    plan: &str,
    queries: &str,
    limit: u32,
    budget_ms: u32,
    now: &str,
    before: &str,
) -> Result<u64, PlatformError> {
    let promise = export_run_promise(db, bucket, plan, queries, limit, budget_ms, now, before)?;
    Ok(JsFuture::from(promise).await?.as_f64().unwrap_or(0.0) as u64)
}

/// `bytes` gzip-compressed.
pub async fn gzip(bytes: &[u8]) -> Result<Vec<u8>, PlatformError> {
    let out = JsFuture::from(gzip_promise(bytes)?).await?;
    Ok(Uint8Array::new(&out).to_vec())
}

/// The first line starting with `prefix` of the text `bytes` (gzip) hold;
/// corrupt input is an error.
pub async fn gunzip_line(bytes: &[u8], prefix: &str) -> Result<Option<String>, PlatformError> {
    Ok(JsFuture::from(gunzip_line_promise(bytes, prefix)?)
        .await?
        .as_string())
}

/// Runs every future at once and gives their outputs in order — what
/// `futures_util::future::join_all` does, without its machinery for long
/// lists (a queue batch or a cron run holds a few dozen at most), which
/// costs the Worker kilobytes per future type. A future is never polled
/// again once it has answered.
pub async fn join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    use std::task::Poll;
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut all = true;
        for (future, out) in pending.iter_mut().zip(done.iter_mut()) {
            if out.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => all = false,
                }
            }
        }
        if all {
            Poll::Ready(done.drain(..).flatten().collect())
        } else {
            Poll::Pending
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    /// Answers `value` after being pending `waits` times; counts polls
    /// after it answered (there must be none).
    struct Slow {
        waits: u32,
        value: u32,
        answered: bool,
        polled_after: std::rc::Rc<std::cell::Cell<u32>>,
    }

    impl Future for Slow {
        type Output = u32;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
            if self.answered {
                self.polled_after.set(self.polled_after.get() + 1);
            }
            if self.waits == 0 {
                self.answered = true;
                Poll::Ready(self.value)
            } else {
                self.waits -= 1;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }

    #[test]
    fn join_all_gives_every_output_in_order_and_never_polls_a_finished_future() {
        let after = std::rc::Rc::new(std::cell::Cell::new(0));
        let futures = [3, 0, 5, 1].into_iter().enumerate().map(|(i, waits)| Slow {
            waits,
            value: i as u32 * 10,
            answered: false,
            polled_after: after.clone(),
        });
        let mut joined = Box::pin(super::join_all(futures));
        let mut cx = Context::from_waker(Waker::noop());
        let mut polls = 0;
        let out = loop {
            polls += 1;
            if let Poll::Ready(v) = joined.as_mut().poll(&mut cx) {
                break v;
            }
            assert!(polls < 100, "never finished");
        };
        assert_eq!(out, vec![0, 10, 20, 30]);
        assert_eq!(polls, 6, "done when the slowest is");
        assert_eq!(after.get(), 0, "a finished future was polled again");
        let empty: Vec<u32> = {
            let mut e = Box::pin(super::join_all(Vec::<Slow>::new()));
            match e.as_mut().poll(&mut cx) {
                Poll::Ready(v) => v,
                Poll::Pending => vec![99],
            }
        };
        assert!(empty.is_empty());
    }
}

/// How loud a log line is: `wrangler tail` shows it as the console level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// Writes a log line (already JSON: see `crate::domain::log`) at `level`.
pub fn log_line(level: Level, line: &str) {
    match level {
        Level::Info => worker::console_log!("{line}"),
        Level::Warn => worker::console_warn!("{line}"),
        Level::Error => worker::console_error!("{line}"),
    }
}

/// Logs an event of `source` (see `crate::domain::log::event`): the
/// message is redacted on its way.
pub fn log_event(level: Level, source: &str, message: &str) {
    log_line(level, &crate::domain::log::event(source, message));
}
