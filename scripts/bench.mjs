#!/usr/bin/env node
// The benchmark of DESIGN.md "Budgets": release wasm size (gzip), D1 round
// trips per request, and latency of every endpoint of the workflow, measured
// over real HTTP against the real Worker on workerd with a local D1.
//
//   node scripts/bench.mjs [--applications N] [--concurrency C] [--skip-build] [--cli] [--port P]
//                          [--sms-burst N] [--sms-error-rate R]
//
// 1.-2. starts the stack with the shared launcher (scripts/stack.mjs), which
//    builds the release wasm (PAKPOS_BUILD=release scripts/build-worker.sh) —
//    measured here: build/index_bg.wasm raw and gzip -9 against the 600 KiB
//    budget and against the size before issue 8's restructuring — copies
//    build/ into its temp dir (so a concurrent rebuild of build/ cannot change
//    what is measured), applies the migrations and seeds the demo staff into
//    throw-away local state there, starts the SMS gateway + courier stand-in
//    (scripts/standins.mjs) on a free port with courier_auto off (the bench
//    records deliveries itself), and starts the Worker on 127.0.0.1 with
//    wrangler's unstable_startWorker and the inspector off (or, with --cli,
//    under `wrangler dev`), from a generated copy of wrangler.toml that has no
//    [build] command and points `main` at the copied build, with its origin,
//    the stand-in's and the bench's credentials as `vars`;
// 3. drives N applications through the whole workflow with C in flight and
//    prints per-action latency percentiles and the X-D1-Round-Trips /
//    X-D1-Statements headers against the 3-round-trip budget;
// 4. SMS dispatch of that run: reads every application's outbox (admin read,
//    `messages[]`), waits for the gateway stand-in to accept each SMS, and
//    reports throughput and step-response → gateway latency; a missing or
//    duplicated SMS fails the bench;
// 5. submits a backlog of open applications and walks the admin's open queue
//    with next_cursor (keyset pagination sanity figure);
// 6. SMS burst: submits --sms-burst applications as fast as --concurrency
//    allows and measures outbox → gateway dispatch of the registration SMS,
//    again with --sms-error-rate injected gateway failures when that is > 0;
// 7. stops the Worker and the stand-in and removes the temp dir, also on
//    error, signal or timeout.
// Figures go to stdout and to bench-output/bench.json.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";

import {
  USAGE, application, fixed, kib, matchCourier, matchSms, parseArgs, registrationIn, summarize, table, tally, villageCodes,
} from "./bench-lib.mjs";
import { ROOT, WRANGLER_ENV, alive, descendants, standinRequest, startStack, stopAll } from "./stack.mjs";

Object.assign(process.env, WRANGLER_ENV);
// `dev.logLevel` covers only config resolution; miniflare's per-batch
// "QUEUE pakpos-sms 10/10" info lines follow wrangler's logger, read from here.
process.env.WRANGLER_LOG ??= "warn";

const PASSWORD = "pakpos-demo-2026";
/** Role → demo username (scripts/staff.mjs seed-demo). */
const ACCOUNTS = {
  front_office: "fo",
  validator: "validator",
  pickup_counter: "loket",
  production: "produksi",
  head_of_agency: "kadis",
  village_operator: "desa.sumberagung",
  admin: "admin",
};
/** required_items([birth_certificate, child_id_card]) in src/domain/services.rs; the
 *  staff read's `requirements` is used when present, this is the fallback. */
const CHECKLIST = [
  "akta_kelahiran_anak",
  "buku_nikah",
  "kk_orang_tua",
  "ktp_orang_tua",
  "ktp_saksi",
  "surat_keterangan_lahir",
];
/** Credentials the Worker and the stand-in share in a bench run (local only). */
const STANDIN_SECRETS = {
  TWILIO_ACCOUNT_SID: "AC0000000000000000000000000000be4c",
  TWILIO_AUTH_TOKEN: "bench-twilio-token",
  COURIER_API_KEY: "bench-courier-key",
  COURIER_WEBHOOK_SECRET: "bench-courier-secret",
  ESIGN_USERNAME: "bench-esign-user",
  ESIGN_PASSWORD: "bench-esign-password",
  ESIGN_SIGNER_NIK: "3312011207700003",
};
/** Outbox rows that were not accepted yet are given this long after the last
 *  one arrives, so a late duplicate (a retry after an accepted send) shows. */
const SMS_SETTLE_MS = 3_000;
const RT_BUDGET = 3;
const WASM_GZIP_BUDGET_KIB = 600;
/** The release wasm before issue 8's restructuring, a fixed baseline: the
 *  release build (PAKPOS_BUILD=release) of commit 84fc8fb, measured the way
 *  this bench measures (node's zlib, level 9). gzip(1) -9 packs the same bytes
 *  into 535.4 KiB: compare figures of one tool only. */
const WASM_BASELINE = Object.freeze({ commit: "84fc8fb", wasm_bytes: 1_501_076, wasm_gzip_bytes: 558_638 });
const REQUEST_TIMEOUT_MS = 60_000;
const MAX_FAILURES = 25; // stop starting new applications after this many
const ACTION_ORDER = [
  "login",
  "submit",
  "queue",
  "accept",
  "read_staff",
  "approve",
  "receive_documents",
  "correct",
  "attach_draft",
  "request_signature",
  "validate_signature",
  "sign",
  "mark_printed",
  "hand_over",
  "record_delivered",
  "read_citizen",
];
const TRANSITIONS = new Set(["submit", "accept", "approve", "receive_documents", "correct", "attach_draft", "request_signature",
  "validate_signature", "sign", "mark_printed", "hand_over", "record_delivered"]);

// ---------------------------------------------------------------- lifecycle

const state = {
  stack: null, // the running stack (scripts/stack.mjs)
  cleanup: null,
  bailing: false,
};
const runAbort = new AbortController();
const log = (...a) => console.log(...a);
const step = (msg) => console.log(`\n== ${msg}`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Stops the stack (also one still starting: the launcher removes its temp
 *  dir), then any descendant of ours still alive, by pid. */
async function stopEverything() {
  const ours = new Set(descendants(process.pid));
  await stopAll();
  state.stack = null;
  // What is left (e.g. esbuild's service process, which lives as long as its
  // parent) is ours too: TERM, a short grace, then KILL, each by pid.
  for (const pid of descendants(process.pid)) ours.add(pid);
  const signalAll = (sig) => {
    for (const pid of ours) {
      if (!alive(pid)) continue;
      try {
        process.kill(pid, sig);
      } catch {
        // gone
      }
    }
  };
  signalAll("SIGTERM");
  const deadline = Date.now() + 3_000;
  while ([...ours].some(alive) && Date.now() < deadline) await sleep(100);
  signalAll("SIGKILL");
}

function cleanup() {
  state.cleanup ??= (async () => {
    runAbort.abort();
    await stopEverything();
  })();
  return state.cleanup;
}

/** Last resort, synchronous (runs on any process.exit, also one called by a
 *  library): kill what is left of ours by pid (the launcher's own exit
 *  handler kills its process groups and removes its temp dir). */
function cleanupSync() {
  for (const pid of descendants(process.pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}
process.on("exit", cleanupSync);

async function bail(code, message) {
  if (state.bailing) {
    cleanupSync();
    process.exit(code);
  }
  state.bailing = true;
  if (message) console.error(`\n${message}`);
  await cleanup().catch((e) => console.error(`cleanup failed: ${e.stack ?? e}`));
  process.exit(code);
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];
const onSignal = (signal) => bail(130, `bench: ${signal}, stopping`);
/** wrangler and miniflare install SIGINT/SIGTERM handlers that exit at once
 *  (wrangler's with status 0); this bench stops its Worker itself, so after
 *  starting them only its own handler stays. */
function ownSignals() {
  for (const signal of SIGNALS) {
    for (const l of process.listeners(signal)) if (l !== onSignal) process.removeListener(signal, l);
    if (!process.listeners(signal).includes(onSignal)) process.on(signal, onSignal);
  }
}
ownSignals();
process.on("uncaughtException", (e) => bail(1, `bench: uncaught ${e.stack ?? e}`));
process.on("unhandledRejection", (e) => bail(1, `bench: unhandled ${e?.stack ?? e}`));

// ---------------------------------------------------------------- build

/** A dev build (--no-opt) keeps a large wasm `name` section; wasm-opt -Oz strips it. */
function wasmNameSectionBytes(buf) {
  let p = 8;
  const leb = () => {
    let r = 0;
    let shift = 0;
    let b;
    do {
      b = buf[p++];
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  while (p < buf.length) {
    const id = buf[p++];
    const len = leb();
    const start = p;
    if (id === 0) {
      const n = leb();
      if (buf.subarray(p, p + n).toString() === "name") return len;
    }
    p = start + len;
  }
  return 0;
}

function measureBuild(dir) {
  const wasm = readFileSync(join(dir, "index_bg.wasm"));
  const js = readFileSync(join(dir, "index.js"));
  const nameBytes = wasmNameSectionBytes(wasm);
  return {
    wasm_bytes: wasm.length,
    wasm_gzip_bytes: gzipSync(wasm, { level: 9 }).length,
    js_bytes: js.length,
    js_gzip_bytes: gzipSync(js, { level: 9 }).length,
    wasm_name_section_bytes: nameBytes,
    looks_like: nameBytes > 64 * 1024 ? "dev (unoptimised: large wasm name section)" : "release (wasm-opt'd: no large name section)",
  };
}

// ---------------------------------------------------------------- stand-ins

/** GET (no body) or POST (JSON body) to the stand-in's test endpoints. */
const standin = (origin, path, body) => standinRequest(origin, path, body, runAbort.signal);

// ---------------------------------------------------------------- HTTP driver

class Recorder {
  constructor() {
    this.samples = new Map(); // action → [{ms, rt, st}]
    this.errors = new Map(); // action → count
    this.failures = []; // first few bodies
    this.failureCount = 0;
    this.requests = 0;
  }
  add(action, sample) {
    if (!this.samples.has(action)) this.samples.set(action, []);
    this.samples.get(action).push(sample);
  }
  fail(action, detail) {
    this.failureCount++;
    this.errors.set(action, (this.errors.get(action) ?? 0) + 1);
    if (this.failures.length < 5) this.failures.push({ action, ...detail });
  }
}

class Failed extends Error {
  constructor(message, { recorded = false } = {}) {
    super(message);
    this.recorded = recorded; // already counted and shown as a non-2xx response
  }
}

function makeClient(base, rec) {
  return async function call(action, method, path, { token, body, form } = {}) {
    const headers = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const t0 = performance.now();
    let res;
    let text;
    rec.requests++;
    try {
      res = await fetch(base + path, {
        method,
        headers,
        body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
        signal: AbortSignal.any([runAbort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      text = await res.text();
    } catch (e) {
      if (runAbort.signal.aborted) throw new Failed("aborted");
      rec.fail(action, { method, path, status: 0, body: String(e.cause?.message ?? e.message) });
      throw new Failed(`${action}: ${e.message}`, { recorded: true });
    }
    const ms = performance.now() - t0;
    const num = (h) => {
      const v = res.headers.get(h);
      return v === null ? null : Number(v);
    };
    if (!res.ok) {
      rec.fail(action, { method, path, status: res.status, body: text.slice(0, 400) });
      throw new Failed(`${action}: HTTP ${res.status}`, { recorded: true });
    }
    rec.add(action, { ms, rt: num("x-d1-round-trips"), st: num("x-d1-statements") });
    try {
      return JSON.parse(text);
    } catch {
      rec.fail(action, { method, path, status: res.status, body: `not JSON: ${text.slice(0, 200)}` });
      throw new Failed(`${action}: response is not JSON`, { recorded: true });
    }
  };
}

async function login(call) {
  const tokens = {};
  for (const [role, username] of Object.entries(ACCOUNTS)) {
    const r = await call("login", "POST", "/api/v1/auth/login", { body: { username, password: PASSWORD } });
    if (!r.token) throw new Failed(`login ${username}: no token in response`);
    tokens[role] = r.token;
  }
  return tokens;
}

/** A small PDF standing in for SIAK's export of a draft. */
const DRAFT_PDF = Buffer.from("%PDF-1.4\n% PAK POS bench draft\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
/** The e-signature stand-in's demo passphrase (scripts/standins-esign.mjs). */
const SIGN_PASSPHRASE = "rahasia-kepala-dinas";

/** A document number of the right form for a product. */
function draftNumber(product, i) {
  if (product === "family_card") return "3312010101200003";
  if (product === "child_id_card") return `3312014502${90 + (i % 10)}${String(1 + (i % 9999)).padStart(4, "0")}`;
  return `3312-LT-01122026-${String(i % 10000).padStart(4, "0")}`;
}

/** One application from submission to completion, with its reads. Its
 *  registration number and when each step's response arrived (wall clock, by
 *  event seq = the version the step produced) go to `tracked[i]`. */
async function drive(i, { call, tokens, villages, tracked }) {
  const app = application(i, villages);
  const number = (await call("submit", "POST", "/api/v1/applications", { body: app.body })).registration_number;
  const stepAt = { 1: Date.now() };
  tracked[i] = { number, stepAt };
  const n = encodeURIComponent(number);
  let version = 1;
  await call("queue", "GET", "/api/v1/queue?limit=50", { token: tokens.front_office });
  const act = async (action, role, body) => {
    const r = await call(action, "POST", `/api/v1/applications/${n}/actions`, {
      token: tokens[role],
      body: { action, expected_version: version, ...body },
    });
    stepAt[r.version] = Date.now();
    version = r.version;
    return r;
  };
  await act("accept", "front_office", { siak_reference: `SIAK-2026-${String(i).padStart(6, "0")}` });
  await act("approve", "validator", {});
  // The counter opens the record before ticking the documents that arrived.
  const record = await call("read_staff", "GET", `/api/v1/applications/${n}`, { token: tokens.pickup_counter });
  version = record.version ?? version;
  const items = Array.isArray(record.requirements) && record.requirements.length
    ? record.requirements.map((r) => r.item)
    : CHECKLIST;
  await act("receive_documents", "pickup_counter", { checklist: items });
  await act("correct", "production", { changes: { "subject.name": `${app.childName} Setiadi` } });
  // Step h: production attaches each product's draft exported from SIAK.
  for (const p of record.products ?? []) {
    const form = new FormData();
    form.append("document_number", draftNumber(p.product, i));
    form.append("expected_version", String(version));
    form.append("file", new Blob([DRAFT_PDF], { type: "application/pdf" }), "draf.pdf");
    const r = await call("attach_draft", "POST", `/api/v1/applications/${n}/products/${p.product}/draft`, {
      token: tokens.production,
      form,
    });
    stepAt[r.version] = Date.now();
    version = r.version;
  }
  await act("request_signature", "production", {});
  await act("validate_signature", "validator", {});
  // Signing goes through the e-signature stand-in, one step per product.
  await act("sign", "head_of_agency", { passphrase: SIGN_PASSPHRASE });
  for (let v = version - (record.products?.length ?? 1) + 1; v < version; v++) stepAt[v] = stepAt[version];
  await act("mark_printed", "production", {});
  const last = app.delivery === "pickup"
    ? await act("hand_over", "pickup_counter", { collector: { name: app.body.applicant.name, nik: app.nik } })
    : await act("record_delivered", "pickup_counter", { receipt_number: `POS-WNG-${String(i).padStart(8, "0")}` });
  const status = await call("read_citizen", "GET", `/api/v1/applications/${n}?nik=${app.nik}`);
  if (last.status !== "completed" || status.status !== "completed") {
    throw new Failed(`${number} ended as ${last.status}/${status.status}, not completed`);
  }
}

/** Runs `job(i)` for i in [0, count) with `concurrency` in flight; stops starting new
 *  ones after MAX_FAILURES or an abort. Returns how many jobs finished without error. */
async function pool(count, concurrency, job, rec, onError) {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count && !runAbort.signal.aborted && rec.failureCount < MAX_FAILURES) {
      const i = next++;
      try {
        await job(i);
        done++;
      } catch (e) {
        if (!(e instanceof Failed)) throw e;
        onError(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return done;
}

function actionRows(rec, order) {
  const names = [...order.filter((a) => rec.samples.has(a) || rec.errors.has(a)),
    ...[...rec.samples.keys()].filter((a) => !order.includes(a))];
  return names.map((name) => {
    const s = rec.samples.get(name) ?? [];
    const lat = summarize(s.map((x) => x.ms));
    const rt = summarize(s.map((x) => x.rt));
    const st = summarize(s.map((x) => x.st));
    const missing = s.filter((x) => x.rt === null).length;
    let flag = "ok";
    if (s.length === 0) flag = "-";
    else if (name === "login") flag = "as-is (login)";
    else if (missing) flag = `NO HEADER x${missing}`;
    else if (rt.max > RT_BUDGET) flag = `OVER (> ${RT_BUDGET})`;
    return { action: name, count: s.length, errors: rec.errors.get(name) ?? 0, latency_ms: lat, round_trips: rt, statements: st, budget: flag };
  });
}

function printActions(rows) {
  log(table(
    ["action", "count", "err", "p50 ms", "p95 ms", "p99 ms", "max ms", "RT mean", "RT max", "stmt mean", "stmt max", `RT budget ${RT_BUDGET}`],
    rows.map((r) => [r.action, r.count, r.errors, fixed(r.latency_ms.p50), fixed(r.latency_ms.p95), fixed(r.latency_ms.p99),
      fixed(r.latency_ms.max), fixed(r.round_trips.mean, 2), fixed(r.round_trips.max, 0), fixed(r.statements.mean, 2),
      fixed(r.statements.max, 0), r.budget]),
  ));
}

// ---------------------------------------------------------------- SMS dispatch

/** The outbox rows of `apps` ({ number, stepAt }), from the admin's read of
 *  each application (`messages[]`: channel "sms" or "courier"). */
async function outboxRows(apps, { call, token, concurrency, rec }) {
  const rows = [];
  await pool(apps.length, concurrency, async (i) => {
    const app = apps[i];
    const r = await call("read_admin", "GET", `/api/v1/applications/${encodeURIComponent(app.number)}`, { token });
    if (!Array.isArray(r.messages)) {
      rec.fail("read_admin", { method: "GET", path: `/api/v1/applications/${app.number}`, status: 200, body: "no messages[] in the admin read" });
      throw new Failed(`${app.number}: the admin read has no messages[]`, { recorded: true });
    }
    for (const m of r.messages) rows.push({ ...m, app });
  }, rec, () => {});
  return { sms: rows.filter((m) => m.channel === "sms"), courier: rows.filter((m) => m.channel === "courier") };
}

/** Polls the stand-in until every expected SMS and courier order has arrived
 *  (or `waitMs` passed), then once more after SMS_SETTLE_MS for late duplicates. */
async function awaitGateway(origin, expected, numbers, waitMs) {
  const t0 = Date.now();
  let records;
  let m;
  let c;
  const look = async () => {
    records = await standin(origin, "/_records");
    m = matchSms(expected.sms, records.sms, numbers);
    c = matchCourier(expected.courier, records.courier_orders, records.courier_repeats);
  };
  for (;;) {
    await look();
    if ((m.missing.length === 0 && c.missing === 0) || Date.now() - t0 >= waitMs || runAbort.signal.aborted) break;
    await sleep(500);
  }
  const waitedMs = Date.now() - t0;
  if (m.missing.length === 0 && !runAbort.signal.aborted) {
    await sleep(SMS_SETTLE_MS);
    await look();
  }
  return { records, m, c, waitedMs };
}

/**
 * Checks and measures the SMS of one phase: reads the outbox rows of `apps`,
 * waits for the gateway stand-in, reads the rows again for their final
 * status, and returns the figures. `stepAt` latency is from the HTTP response
 * of the step that wrote the row to the gateway's `received_at`.
 */
async function smsPhase(apps, { call, token, concurrency, rec, origin, waitMs, lastStepAt }) {
  apps = apps.filter(Boolean);
  const numbers = new Set(apps.map((a) => a.number));
  const rows = await outboxRows(apps, { call, token, concurrency, rec });
  const expected = rows.sms;
  const { records, m, c, waitedMs } = await awaitGateway(origin, rows, numbers, waitMs);
  // Final status of every row (accepted → sent → delivered by the stand-in's callbacks).
  const after = (await outboxRows(apps, { call, token, concurrency, rec })).sms;
  // The stand-in's signed callbacks to the Worker's webhooks, by the Worker's answer.
  const sids = new Set([...m.pairs.map((p) => p.sms.sid), ...m.duplicates.map((x) => x.sid)]);
  const callbacks = records.callbacks.filter((cb) =>
    (cb.kind === "sms" && sids.has(cb.payload?.MessageSid)) || (cb.kind === "courier" && numbers.has(cb.payload?.reference)));
  const callbackAnswers = tally(callbacks.map((cb) => `${cb.kind} ${cb.response_status ?? "pending"}`));
  const badCallbacks = callbacks.filter((cb) => cb.response_status !== null && (cb.response_status < 200 || cb.response_status > 299));
  const perApp = tally(Object.values(tally(expected.map((r) => r.app.number))));
  const created = expected.map((r) => Date.parse(r.created_at)).filter(Number.isFinite);
  const accepted = m.pairs.map((p) => Date.parse(p.sms.received_at));
  const firstCreated = created.length ? Math.min(...created) : null;
  const firstAccepted = accepted.length ? Math.min(...accepted) : null;
  const lastAccepted = accepted.length ? Math.max(...accepted) : null;
  const span = lastAccepted !== null && firstCreated !== null ? (lastAccepted - firstCreated) / 1000 : null;
  const rejected = records.sms_rejected.filter((r) => numbers.has(registrationIn(r.body)));
  const stepLat = m.pairs.map((p) => Date.parse(p.sms.received_at) - (p.row.app.stepAt[p.row.event_seq] ?? NaN));
  const outboxLat = m.pairs.map((p) => Date.parse(p.sms.received_at) - Date.parse(p.row.created_at));
  const show = (r) => `${r.app.number} ${r.template} → ${r.recipient} (status ${r.status}, attempts ${r.attempts}${r.last_error ? `, ${r.last_error}` : ""})`;
  return {
    applications: apps.length,
    expected: expected.length,
    per_application: perApp,
    templates: tally(expected.map((r) => r.template)),
    accepted: m.pairs.length,
    missing: m.missing.length,
    duplicates: m.duplicates.length,
    unexpected: m.unexpected.length,
    gateway_rejections: rejected.length,
    gateway_rejection_codes: tally(rejected.map((r) => r.status)),
    first_outbox_at: firstCreated === null ? null : new Date(firstCreated).toISOString(),
    first_accepted_at: firstAccepted === null ? null : new Date(firstAccepted).toISOString(),
    last_accepted_at: lastAccepted === null ? null : new Date(lastAccepted).toISOString(),
    span_seconds: span,
    sms_per_second: span ? m.pairs.length / span : null,
    gateway_window_sms_per_second: lastAccepted > firstAccepted ? (m.pairs.length - 1) / ((lastAccepted - firstAccepted) / 1000) : null,
    tail_after_last_step_ms: lastAccepted !== null && lastStepAt ? lastAccepted - lastStepAt : null,
    waited_seconds: waitedMs / 1000,
    latency_step_to_gateway_ms: summarize(stepLat),
    latency_outbox_to_gateway_ms: summarize(outboxLat),
    final_status: tally(after.map((r) => r.status)),
    attempts: tally(after.map((r) => r.attempts)),
    callbacks: callbackAnswers,
    callbacks_not_2xx: badCallbacks.length,
    courier: { ...c, missing_keys: c.missing_keys.slice(0, 5) },
    problems: [
      ...badCallbacks.slice(0, 3).map((cb) => `${cb.kind} callback (${cb.status}) answered ${cb.response_status}${cb.error ? ` (${cb.error})` : ""}`),
      ...c.missing_keys.slice(0, 3).map((k) => `courier order missing at the stand-in: ${k}`),
      ...m.missing.slice(0, 3).map((r) => `missing at the gateway: ${show(after.find((a) => a.id === r.id) ?? r)}`),
      ...m.duplicates.slice(0, 3).map((s) => `duplicate at the gateway: ${registrationIn(s.body)} → ${s.to} at ${s.received_at}`),
      ...m.unexpected.slice(0, 3).map((s) => `unexpected at the gateway: ${registrationIn(s.body)} → ${s.to}: ${s.body.slice(0, 80)}`),
    ],
  };
}

const smsOk = (f) => f.missing === 0 && f.duplicates === 0 && f.unexpected === 0 && f.expected > 0;
const dispatchOk = (f) => smsOk(f) && f.callbacks_not_2xx === 0 && f.courier.missing === 0 && f.courier.duplicates === 0;
const fmtTally = (t) => Object.entries(t).map(([k, v]) => `${k} ${v}`).join(", ") || "-";

function printLatency(rows) {
  log(table(
    ["SMS latency (ms)", "n", "p50", "p95", "p99", "max", "min"],
    rows.map(([label, s]) => [label, s.n, fixed(s.p50, 0), fixed(s.p95, 0), fixed(s.p99, 0), fixed(s.max, 0), fixed(s.min, 0)]),
  ));
}

// ---------------------------------------------------------------- main

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    log(USAGE);
    return 0;
  }
  const timer = setTimeout(
    () => bail(124, `bench: global timeout of ${opts.timeoutMinutes} min reached; stopped the Worker`),
    opts.timeoutMinutes * 60_000,
  );
  timer.unref();

  const started = new Date();
  const wranglerVersion = JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version;
  const workerdPkg = join(ROOT, "node_modules/workerd/package.json");
  const workerdVersion = existsSync(workerdPkg) ? JSON.parse(readFileSync(workerdPkg, "utf8")).version : "unknown";
  const cores = availableParallelism?.() ?? cpus().length;
  const load = loadavg().map((x) => x.toFixed(2)).join(" ");
  const result = {
    started_at: started.toISOString(),
    options: opts,
    environment: { node: process.version, wrangler: wranglerVersion, workerd: workerdVersion, cores, loadavg_at_start: load },
  };
  let exitCode = 0;

  log(`PAK POS Online bench — ${started.toISOString()}`);
  log(`node ${process.version}, wrangler ${wranglerVersion}, workerd ${workerdVersion}, ${cores} cores, load average at start ${load}`);

  // 1. Build and size, 2. state, stand-in and Worker: one launcher, which
  // reports each step as it is done.
  step("1. Release build and bundle size");
  if (opts.skipBuild) {
    if (!existsSync(join(ROOT, "build/index_bg.wasm"))) throw new Error("--skip-build: build/index_bg.wasm does not exist");
    log(`--skip-build: measuring the existing build/ (built ${statSync(join(ROOT, "build/index_bg.wasm")).mtime.toISOString()})`);
  } else {
    log("PAKPOS_BUILD=release bash scripts/build-worker.sh ...");
  }
  const onPhase = (phase, info) => {
    if (phase === "build") {
      const profile = info.profile === "release" ? "release" : "existing build";
      if (profile === "release") {
        log(`built in ${info.seconds.toFixed(1)} s`);
        result.build_seconds = info.seconds;
      }
      const size = measureBuild(info.dir);
      if (profile === "release" && size.looks_like.startsWith("dev")) {
        // Another `wrangler dev` (dev profile) rebuilt build/ between our build and the copy.
        throw new Error("build/ was overwritten by a concurrent dev build right after the release build; run the bench again");
      }
      const profileText = profile === "release"
        ? "release (PAKPOS_BUILD=release, wasm-opt -Oz), built by this run"
        : `existing build — looks like ${size.looks_like}`;
      const gz = kib(size.wasm_gzip_bytes);
      const sizeOk = gz <= WASM_GZIP_BUDGET_KIB;
      const baseGz = kib(WASM_BASELINE.wasm_gzip_bytes);
      const change = gz - baseGz;
      const comparable = !size.looks_like.startsWith("dev");
      result.build = {
        profile: profileText,
        ...size,
        wasm_gzip_budget_kib: WASM_GZIP_BUDGET_KIB,
        within_budget: sizeOk,
        baseline: { ...WASM_BASELINE, what: "release build before issue 8's restructuring" },
        wasm_gzip_change_kib: comparable ? change : null,
      };
      log(`profile measured: ${profileText}`);
      log(`build/index_bg.wasm  ${fixed(kib(size.wasm_bytes))} KiB raw, ${fixed(gz)} KiB gzip -9  ` +
        `(budget ${WASM_GZIP_BUDGET_KIB} KiB gzip: ${sizeOk ? "OK" : "OVER"}, ${fixed((100 * gz) / WASM_GZIP_BUDGET_KIB, 0)}% used)`);
      const signed = (x, unit) => `${x >= 0 ? "+" : ""}${fixed(x)}${unit}`;
      log(`  before issue 8's restructuring (${WASM_BASELINE.commit}): ${fixed(kib(WASM_BASELINE.wasm_bytes))} KiB raw, ` +
        `${fixed(baseGz)} KiB gzip -9; ` +
        (comparable
          ? `difference ${signed(change, " KiB")} gzip (${signed((100 * change) / baseGz, "%")}), ` +
            `${signed(kib(size.wasm_bytes - WASM_BASELINE.wasm_bytes), " KiB")} raw`
          : "not compared (this is not a release build)"));
      log(`build/index.js       ${fixed(kib(size.js_bytes))} KiB raw, ${fixed(kib(size.js_gzip_bytes))} KiB gzip -9`);
      step("2. Fresh local state and the Worker");
    } else if (phase === "state") {
      log(`migrations applied and demo staff seeded in ${info.seconds.toFixed(1)} s (temp dir ${info.dir})`);
    } else if (phase === "standins") {
      log(`stand-in (SMS gateway + courier) at ${info.url} (up in ${info.seconds.toFixed(1)} s; courier_auto off)`);
      result.standins = info.url;
    }
  };
  const stack = await startStack({
    name: "bench",
    mode: opts.cli ? "cli" : "api",
    build: opts.skipBuild ? "none" : "release",
    port: opts.port,
    secrets: STANDIN_SECRETS,
    // Every bench request comes from this machine without a client address:
    // lift the shared key's per-address limits as .dev.vars.example does.
    vars: { DISPATCH_RETRY_BASE_SECONDS: "1", DISPATCH_RETRY_MAX_SECONDS: "2", NO_ADDRESS_LIMIT_FACTOR: "1000" },
    control: { courier_auto: false },
    logLevel: "warn",
    testScheduled: false,
    handleSignals: false,
    onPhase,
    onExit: (what, how) => {
      if (!runAbort.signal.aborted) console.error(`\nwarning: ${what} exited during the run (${how}); last lines:\n${state.stack?.logTail(20)}`);
    },
  });
  state.stack = stack;
  ownSignals();
  const base = stack.base;
  const standins = stack.standins;
  const mode = stack.mode === "cli"
    ? `CLI: wrangler dev, inspector attached on 127.0.0.1:${stack.inspectorPort}`
    : "programmatic: unstable_startWorker, inspector off";
  if (stack.command) result.worker_command = stack.command;
  const startSecs = stack.timings.worker;
  log(`mode: ${mode}`);
  log(`Worker at ${base} (up in ${startSecs.toFixed(1)} s; build/ copied, no custom build at start; log level warn)`);
  result.mode = mode;
  result.worker_start_seconds = startSecs;

  // 3. The workflow.
  step(`3. ${opts.applications} applications through the workflow, ${opts.concurrency} in flight`);
  const rec = new Recorder();
  const call = makeClient(base, rec);
  const smsRec = new Recorder(); // admin reads of the outbox and the burst's submissions
  const smsCall = makeClient(base, smsRec);
  const tracked = [];
  const villages = villageCodes(join(ROOT, "migrations/0002_seed_villages.sql"));
  if (villages.length === 0) throw new Error("no village codes found in migrations/0002_seed_villages.sql");
  let tokens;
  try {
    tokens = await login(call);
  } catch (e) {
    if (!(e instanceof Failed)) throw e;
  }
  let completed = 0;
  let runSecs = 0;
  let runEndedAt = null;
  const loginCount = rec.requests;
  const problems = [];
  if (tokens) {
    const t3 = performance.now();
    completed = await pool(opts.applications, opts.concurrency, (i) => drive(i, { call, tokens, villages, tracked }), rec, (e) => {
      if (!e.recorded && !runAbort.signal.aborted && problems.length < 5) problems.push(e.message);
    });
    runSecs = (performance.now() - t3) / 1000;
    runEndedAt = Date.now();
  }
  if (state.bailing) return 130; // a signal or the timeout: bail() reports and exits
  const timedRequests = rec.requests - loginCount;
  const transitions = [...rec.samples].filter(([a]) => TRANSITIONS.has(a)).reduce((n, [, s]) => n + s.length, 0);
  const rows = actionRows(rec, ACTION_ORDER);
  printActions(rows);
  log("");
  log(`applications completed: ${completed}/${opts.applications}` +
    (rec.failureCount >= MAX_FAILURES ? ` (stopped starting new ones after ${MAX_FAILURES} failures)` : ""));
  log(`run time ${runSecs.toFixed(2)} s (logins before it not included): ${timedRequests} requests = ` +
    `${fixed(timedRequests / runSecs, 1)} req/s; ${transitions} transitions (submit + actions) = ${fixed(transitions / runSecs, 1)} transitions/s`);
  const over = rows.filter((r) => !["ok", "-"].includes(r.budget) && r.action !== "login");
  log(over.length
    ? `D1 round-trip budget (${RT_BUDGET}): FLAGGED ${over.map((r) => `${r.action} (${r.budget}, max ${fixed(r.round_trips.max, 0)})`).join(", ")}`
    : `D1 round-trip budget (${RT_BUDGET}): every action within budget (login reported as-is)`);
  result.workflow = {
    applications: opts.applications,
    concurrency: opts.concurrency,
    completed,
    run_seconds: runSecs,
    requests: timedRequests,
    requests_per_second: timedRequests / runSecs,
    transitions,
    transitions_per_second: transitions / runSecs,
    actions: rows,
  };

  // 4. SMS dispatch of the workflow run.
  step("4. SMS dispatch of the workflow run (outbox → queue consumer → gateway stand-in)");
  const smsArgs = { call: smsCall, token: tokens?.admin, concurrency: opts.concurrency, rec: smsRec, origin: standins,
    waitMs: opts.smsWaitSeconds * 1000 };
  let dispatch = null;
  if (tokens && tracked.some(Boolean)) {
    dispatch = await smsPhase(tracked, { ...smsArgs, lastStepAt: runEndedAt });
    if (state.bailing) return 130;
    const d = dispatch;
    log(`expected (admin read, messages[] with channel sms): ${d.expected} SMS for ${d.applications} applications ` +
      `(per application: ${Object.entries(d.per_application).map(([k, v]) => `${k} SMS × ${v}`).join(", ")})`);
    log(`  templates: ${fmtTally(d.templates)}`);
    log(`gateway accepted ${d.accepted}/${d.expected}: missing ${d.missing}, duplicated ${d.duplicates}, unexpected ${d.unexpected}; ` +
      `gateway rejections ${d.gateway_rejections} (${d.gateway_rejections ? fmtTally(d.gateway_rejection_codes) : "none injected"})`);
    log(`throughput: ${d.accepted} SMS from the first outbox row (${d.first_outbox_at}) to the last gateway acceptance ` +
      `(${d.last_accepted_at}) in ${fixed(d.span_seconds, 2)} s = ${fixed(d.sms_per_second, 1)} SMS/s ` +
      `(paced by the workflow; the burst below measures dispatch alone)`);
    const tail = d.tail_after_last_step_ms;
    log(`last SMS accepted ${fixed(Math.abs(tail), 0)} ms ${tail < 0 ? "before" : "after"} the run's last response; ` +
      `waited ${fixed(d.waited_seconds, 1)} s for it, then ${SMS_SETTLE_MS / 1000} s for late duplicates`);
    log(`SMS outbox rows afterwards: ${fmtTally(d.final_status)}; attempts: ${fmtTally(d.attempts)}`);
    log(`courier orders at the stand-in: ${d.courier.created}/${d.courier.expected} (${fmtTally(d.courier.kinds)}), ` +
      `missing ${d.courier.missing}, duplicated ${d.courier.duplicates}, idempotent repeats ${d.courier.repeats}`);
    log(`stand-in callbacks to the Worker's webhooks, by answer: ${fmtTally(d.callbacks)}`);
    printLatency([["step response → gateway", d.latency_step_to_gateway_ms], ["outbox row → gateway", d.latency_outbox_to_gateway_ms]]);
    log("  (step response → gateway can be negative: the consumer may send before the client reads the response)");
    if (!dispatchOk(d)) {
      problems.push(`workflow dispatch: SMS ${d.accepted}/${d.expected} accepted, ${d.missing} missing, ${d.duplicates} duplicated, ` +
        `${d.unexpected} unexpected; courier ${d.courier.created}/${d.courier.expected}; ${d.callbacks_not_2xx} callbacks not 2xx`);
      problems.push(...d.problems);
    }
  } else {
    log("skipped: no application was submitted");
  }
  result.sms_dispatch = dispatch;

  // 5. Keyset walk of the open queue.
  step(`5. Keyset pagination: admin walks the open queue (limit=50) after a backlog of ${opts.backlog} open applications`);
  const walkRec = new Recorder();
  const walkCall = makeClient(base, walkRec);
  let walk = null;
  const backlogNumbers = new Set();
  if (tokens && rec.failureCount === 0) {
    const tb = performance.now();
    const submitted = await pool(opts.backlog, opts.concurrency, async (i) => {
      const app = application(opts.applications + i, villages, " (backlog)");
      const r = await walkCall("backlog_submit", "POST", "/api/v1/applications", { body: app.body });
      backlogNumbers.add(r.registration_number);
    }, walkRec, () => {});
    if (state.bailing) return 130;
    const backlogSecs = (performance.now() - tb) / 1000;
    const pages = [];
    const seen = new Set();
    let cursor = null;
    const maxPages = Math.ceil((submitted + 1) / 50) + 5;
    for (let page = 0; page < maxPages; page++) {
      const path = `/api/v1/queue?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const t = performance.now();
      let r;
      try {
        r = await walkCall("queue_walk", "GET", path, { token: tokens.admin });
      } catch (e) {
        if (!(e instanceof Failed)) throw e;
        break;
      }
      const s = walkRec.samples.get("queue_walk").at(-1);
      pages.push({ ms: performance.now() - t, items: r.items.length, rt: s.rt });
      for (const item of r.items) seen.add(item.registration_number);
      cursor = r.next_cursor;
      if (!cursor) break;
    }
    const lat = summarize(pages.map((p) => p.ms));
    const itemCount = pages.reduce((n, p) => n + p.items, 0);
    walk = {
      backlog_submitted: submitted,
      backlog_seconds: backlogSecs,
      pages: pages.length,
      items: itemCount,
      distinct_items: seen.size,
      latency_ms: lat,
      first_page_ms: pages[0]?.ms ?? null,
      last_page_ms: pages.at(-1)?.ms ?? null,
      round_trips_max: pages.length ? Math.max(...pages.map((p) => p.rt ?? NaN)) : null,
      backlog_submit_latency_ms: summarize((walkRec.samples.get("backlog_submit") ?? []).map((x) => x.ms)),
    };
    log(`backlog: ${submitted} open applications submitted in ${backlogSecs.toFixed(1)} s ` +
      `(submit p50 ${fixed(walk.backlog_submit_latency_ms.p50)} ms)`);
    log(`walk: ${pages.length} pages, ${itemCount} items (${seen.size} distinct; ${submitted} expected), ` +
      `page latency p50 ${fixed(lat.p50)} ms, p95 ${fixed(lat.p95)} ms, max ${fixed(lat.max)} ms; ` +
      `first page ${fixed(walk.first_page_ms)} ms, last page ${fixed(walk.last_page_ms)} ms; D1 round trips per page max ${walk.round_trips_max}`);
    if (state.bailing) return 130;
    log("(sanity figure, not a budget check: a few thousand rows cannot show 1,000 vs 1,000,000)");
    if (seen.size !== submitted || itemCount !== submitted) {
      problems.push(`queue walk saw ${itemCount} items (${seen.size} distinct), expected ${submitted}`);
      exitCode = 1;
    }
  } else {
    log("skipped: the workflow run had failures");
  }
  result.queue_walk = walk;

  // 6. SMS burst: registration SMS only, dispatch measured alone.
  const rates = opts.smsErrorRate > 0 ? [0, opts.smsErrorRate] : [0];
  step(`6. SMS burst: ${opts.smsBurst} applications submitted, ${opts.concurrency} in flight; their registration SMS, ` +
    `outbox → gateway (gateway error rate ${rates.join(", then ")})`);
  const bursts = [];
  if (opts.smsBurst === 0) {
    log("skipped: --sms-burst 0");
  } else if (!tokens) {
    log("skipped: no login");
  } else {
    // The backlog's registration SMS must be through first, so the burst has the consumer to itself.
    if (backlogNumbers.size) {
      const t = Date.now();
      let counts = new Map();
      for (;;) {
        counts = new Map();
        for (const sms of (await standin(standins, "/_records")).sms) {
          const n = registrationIn(sms.body);
          if (backlogNumbers.has(n)) counts.set(n, (counts.get(n) ?? 0) + 1);
        }
        if (counts.size === backlogNumbers.size || Date.now() - t > opts.smsWaitSeconds * 1000) break;
        await sleep(500);
      }
      await sleep(SMS_SETTLE_MS);
      const again = new Map();
      for (const sms of (await standin(standins, "/_records")).sms) {
        const n = registrationIn(sms.body);
        if (backlogNumbers.has(n)) again.set(n, (again.get(n) ?? 0) + 1);
      }
      const dup = [...again.values()].filter((c) => c > 1).length;
      log(`backlog's registration SMS at the gateway first: ${again.size}/${backlogNumbers.size}` +
        `${dup ? `, ${dup} duplicated` : ""} (waited ${((Date.now() - t) / 1000).toFixed(1)} s)`);
      if (again.size !== backlogNumbers.size || dup) {
        problems.push(`backlog SMS: ${again.size}/${backlogNumbers.size} registration SMS at the gateway, ${dup} duplicated`);
      }
    }
    let offset = opts.applications + opts.backlog;
    for (const rate of rates) {
      await standin(standins, "/_control", { sms_error_rate: rate, seed: 1 });
      const apps = [];
      const t = performance.now();
      const first = Date.now();
      const base0 = offset;
      await pool(opts.smsBurst, opts.concurrency, async (i) => {
        const app = application(base0 + i, villages, " (burst)");
        const r = await smsCall("burst_submit", "POST", "/api/v1/applications", { body: app.body });
        apps[i] = { number: r.registration_number, stepAt: { 1: Date.now() } };
      }, smsRec, () => {});
      const submitSecs = (performance.now() - t) / 1000;
      const lastSubmitAt = Date.now();
      offset += opts.smsBurst;
      if (state.bailing) return 130;
      const b = await smsPhase(apps, { ...smsArgs, lastStepAt: lastSubmitAt });
      await standin(standins, "/_control", { sms_error_rate: 0 });
      if (state.bailing) return 130;
      b.error_rate = rate;
      b.submitted = apps.filter(Boolean).length;
      b.submit_seconds = submitSecs;
      b.submits_per_second = b.submitted / submitSecs;
      b.submit_started_at = new Date(first).toISOString();
      b.submit_latency_ms = summarize((smsRec.samples.get("burst_submit") ?? []).slice(-b.submitted).map((x) => x.ms));
      // When the gateway took SMS clearly slower than they were submitted, a
      // backlog formed and the rate is the dispatch's own; otherwise dispatch
      // kept pace and the rate is only a floor for what it could do.
      b.bounded_by = b.gateway_rejections > 0 ? "retries"
        : b.gateway_window_sms_per_second < 0.9 * b.submits_per_second ? "dispatch" : "submissions";
      bursts.push(b);
      if (!dispatchOk(b)) {
        problems.push(`burst (error rate ${rate}): ${b.accepted}/${b.expected} accepted, ${b.missing} missing, ` +
          `${b.duplicates} duplicated, ${b.unexpected} unexpected; ${b.callbacks_not_2xx} callbacks not 2xx`);
        problems.push(...b.problems);
      }
    }
    log(table(
      ["gateway error rate", "SMS", "accepted", "missing", "dup", "rejected (retried)", "submits/s", "dispatch SMS/s",
        "gateway window SMS/s", "tail ms", "bounded by"],
      bursts.map((b) => [fixed(b.error_rate, 2), b.expected, b.accepted, b.missing, b.duplicates, b.gateway_rejections,
        fixed(b.submits_per_second, 1), fixed(b.sms_per_second, 1), fixed(b.gateway_window_sms_per_second, 1),
        fixed(b.tail_after_last_step_ms, 0), b.bounded_by]),
    ));
    log("  dispatch SMS/s = SMS accepted ÷ (first outbox row created → last accepted by the gateway);");
    log("  gateway window = the same between the first and the last acceptance; tail = last acceptance after the last");
    log("  submit's response. Bounded by \"dispatch\" when the gateway window rate is under 0.9 × submits/s (a backlog");
    log("  formed: the rate is what the consumer sustains); \"submissions\": it kept pace, the rate is only a floor;");
    log("  \"retries\": injected gateway failures set the pace. Locally, miniflare's queue runs one");
    log("  batch (max_batch_size 10) at a time per queue and waits max_batch_timeout (1 s) for a partial batch;");
    log("  Cloudflare runs consumers concurrently, so this is a local figure. With a gateway error rate, the rate");
    log("  includes the retry backoff (DISPATCH_RETRY_BASE_SECONDS=1, MAX=2) of the last retried SMS.");
    printLatency(bursts.flatMap((b) => [
      [`rate ${fixed(b.error_rate, 2)}: submit response → gateway`, b.latency_step_to_gateway_ms],
      [`rate ${fixed(b.error_rate, 2)}: outbox row → gateway`, b.latency_outbox_to_gateway_ms],
    ]));
    log("  (submit response → gateway can be negative: the consumer may send before the client reads the response)");
    for (const b of bursts) {
      log(`rate ${fixed(b.error_rate, 2)}: ${b.submitted} submitted in ${fixed(b.submit_seconds, 2)} s ` +
        `(submit p50 ${fixed(b.submit_latency_ms.p50)} ms); outbox rows afterwards: ${fmtTally(b.final_status)}, ` +
        `attempts ${fmtTally(b.attempts)}` +
        (b.gateway_rejections ? `; gateway rejections by HTTP status: ${fmtTally(b.gateway_rejection_codes)}` : "") +
        `; callbacks: ${fmtTally(b.callbacks)}`);
    }
  }
  result.sms_burst = { applications: opts.smsBurst, concurrency: opts.concurrency, runs: bursts };

  // 7. What cannot be measured here.
  step("7. Not measured");
  const cpuNote = "CPU time per request: workerd does not report CPU time per request locally; latency includes the local D1 SQLite and the loopback.";
  log(cpuNote);
  log(`Mode: ${mode}. Compare runs of the same mode only (the CLI's inspector costs Node CPU per D1 call).`);
  result.notes = [cpuNote];

  // Failures.
  const failures = rec.failureCount + walkRec.failureCount + smsRec.failureCount;
  result.failures = { count: failures, first: [...rec.failures, ...walkRec.failures, ...smsRec.failures].slice(0, 5), problems };
  if (failures || problems.length) {
    exitCode = 1;
    step(`FAILURES: ${failures} non-2xx (or unanswered) responses${problems.length ? `, ${problems.length} problem(s)` : ""}`);
    for (const f of result.failures.first) log(`  ${f.action}: ${f.method} ${f.path} → ${f.status}: ${f.body}`);
    for (const p of problems) log(`  ${p}`);
  } else {
    step("No failures: every request answered 2xx and every SMS reached the gateway exactly once");
  }

  result.finished_at = new Date().toISOString();
  result.total_seconds = (Date.now() - started.getTime()) / 1000;
  log(`bench total wall time ${result.total_seconds.toFixed(1)} s (build, state, start, run, SMS check, walk, burst)`);
  const outDir = join(ROOT, "bench-output");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "bench.json"), `${JSON.stringify(result, null, 2)}\n`);
  log(`figures written to bench-output/bench.json`);
  return exitCode;
}

main()
  .then(async (code) => {
    if (state.bailing) return; // bail() decides the exit status
    await cleanup();
    const left = descendants(process.pid);
    if (left.length) console.error(`warning: processes still alive after cleanup: ${left.join(", ")}`);
    process.exit(code);
  })
  .catch((e) => (state.bailing ? undefined : bail(1, `bench failed: ${e.stack ?? e}`)));
