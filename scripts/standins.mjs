#!/usr/bin/env node
// Local stand-ins for PAK POS Online's two outside services, so development and
// tests run without the internet: Twilio's Messages API (SMS) and Biteship's
// Orders API (the courier, PT Pos Indonesia). The Messages API also takes
// WhatsApp messages: `whatsapp:+62…` addresses with a ContentSid (an approved
// template) and ContentVariables; a number in the switch
// whatsapp_not_registered is taken and then reported failed with 63003
// (not on WhatsApp), one in whatsapp_invalid_numbers is refused at once with
// 21211, and a WhatsApp Body without a ContentSid is reported failed with
// 63016 (outside the 24-hour window), as Twilio does. The Worker does not know it
// talks to a stand-in, so both speak the real protocols: same paths, auth,
// error shapes, and callbacks (Twilio's signed status callbacks, Biteship's
// order.status webhooks with the dashboard's secret header) sent back to the
// Worker's webhooks. Switches under /_control inject failures (seeded, so
// runs are reproducible) and /_records shows what was received and sent.
//
//   node scripts/standins.mjs [--port 8790] [--host 127.0.0.1] [--self-test]
//
// Config (same names as the Worker's .dev.vars): TWILIO_ACCOUNT_SID,
// TWILIO_AUTH_TOKEN, COURIER_API_KEY, COURIER_WEBHOOK_SECRET; Biteship's
// dashboard webhook URL: COURIER_WEBHOOK_URL (or POST /_courier/webhook {url});
// Twilio's incoming-message URL: SMS_INBOUND_URL (or POST /_sms/webhook {url}),
// to which POST /_sms/inbound {from, body} posts a citizen's signed SMS;
// and for the e-signature part (scripts/standins-esign.mjs) ESIGN_USERNAME,
// ESIGN_PASSWORD.
// STANDINS_VERBOSE=1 logs one line per request to stderr (never personal data).
import http from "node:http";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { ESIGN_SWITCHES, ESIGN_SWITCH_CHECKS, esignRoute, esignSelfTest } from "./standins-esign.mjs";

const CONFIG = Object.freeze({
  accountSid: process.env.TWILIO_ACCOUNT_SID || "AC00000000000000000000000000000000",
  authToken: process.env.TWILIO_AUTH_TOKEN || "local-twilio-token",
  courierKey: process.env.COURIER_API_KEY || "local-courier-key",
  courierSecret: process.env.COURIER_WEBHOOK_SECRET || "local-courier-secret",
});
// Biteship's dashboard: where order.status webhooks go, and the secret header
// (name and value) sent with each. Not reset by /_reset: it is configuration.
const COURIER_WEBHOOK_HEADER = "x-pakpos-courier-secret";
let courierWebhookUrl = process.env.COURIER_WEBHOOK_URL || null;
// Twilio's phone-number setting "A message comes in": where incoming SMS are
// posted (SMS_INBOUND_URL, or POST /_sms/webhook {url}). Configuration too.
let smsInboundUrl = process.env.SMS_INBOUND_URL || null;
const VERBOSE = process.env.STANDINS_VERBOSE === "1";
const CALLBACK_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1 << 20;
const E164 = /^\+[1-9]\d{1,14}$/;
const LEGS = ["pickup_documents", "deliver_documents", "return_documents"];
// Biteship's last status of a delivery: delivered, or one of the ways it fails.
const OUTCOMES = ["delivered", "returned", "rejected", "courier_not_found", "disposed"];
// Biteship's rule: an order can be cancelled until the courier has picked it up.
const CANCELLABLE = ["confirmed", "scheduled", "allocated", "picking_up"];
const COURIER_TYPES = ["kilat_khusus", "express_next_day", "express_sameday"];
// Sender used in callbacks when a message was sent through a Messaging Service
// (Twilio picks a number from the service's pool; this is Twilio's test number).
const POOL_NUMBER = "+15005550006";

// ---------------------------------------------------------------- switches ---

const DEFAULT_SWITCHES = Object.freeze({
  seed: 1, sms_error_rate: 0, sms_429_only: false, slow_ms: 0, duplicate_callbacks: false,
  callback_delay_ms: 150, permanent_fail_numbers: [], undeliverable_numbers: [],
  courier_error_rate: 0, courier_auto: true, courier_outcome: "delivered", courier_outcomes: {},
  drop_reports: false, // recovery: see dropReport()
  hold_ms: 0, hold_numbers: [],
  whatsapp_not_registered: [], whatsapp_invalid_numbers: [], // E.164, without the whatsapp: prefix
  ...ESIGN_SWITCHES, // the e-signature stand-in (standins-esign.mjs)
});

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isNonNegInt = (v) => Number.isSafeInteger(v) && v >= 0;
const isNonEmptyString = (v) => typeof v === "string" && v.trim() !== "";
const isRate = (v) => typeof v === "number" && v >= 0 && v <= 1;
const isBool = (v) => typeof v === "boolean";
const isStringArray = (v) => Array.isArray(v) && v.every((s) => typeof s === "string");
const SWITCH_CHECKS = {
  seed: Number.isSafeInteger, sms_error_rate: isRate, courier_error_rate: isRate,
  sms_429_only: isBool, duplicate_callbacks: isBool, courier_auto: isBool,
  slow_ms: isNonNegInt, callback_delay_ms: isNonNegInt, hold_ms: isNonNegInt,
  hold_numbers: isStringArray,
  permanent_fail_numbers: isStringArray, undeliverable_numbers: isStringArray,
  courier_outcome: (v) => OUTCOMES.includes(v),
  courier_outcomes: (v) => isPlainObject(v) && Object.values(v).every((o) => OUTCOMES.includes(o)),
  drop_reports: isBool,
  whatsapp_not_registered: isStringArray, whatsapp_invalid_numbers: isStringArray,
  ...ESIGN_SWITCH_CHECKS,
};

/** mulberry32: a tiny seeded PRNG, so injected failures repeat run after run. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------- state ---

let switches;
let records;
let smsRandom;
let courierRandom;
const messages = new Map(); // sid -> accepted message
const ordersById = new Map();
const sentEvents = new Map(); // "<order id>:<status>" -> { url, raw, headers, payload }
const timers = new Set();
let generation = 0; // bumped by /_reset, so progressions already under way stop there

function reseed() {
  // Separate streams, so courier traffic does not shift which SMS requests fail.
  smsRandom = seededRandom(switches.seed);
  courierRandom = seededRandom(switches.seed ^ 0x5eed);
}

function resetState() {
  for (const t of timers) clearTimeout(t);
  timers.clear();
  generation += 1;
  switches = structuredClone(DEFAULT_SWITCHES);
  records = { sms: [], sms_rejected: [], courier_orders: [], courier_repeats: [], courier_cancels: [], callbacks: [], held: [], lookups: [] };
  messages.clear();
  ordersById.clear();
  sentEvents.clear();
  reseed();
}

/** Runs fn after callback_delay_ms, unless /_reset or shutdown came first. */
function later(fn) {
  const started = generation;
  const t = setTimeout(() => {
    timers.delete(t);
    if (started !== generation) return;
    fn().catch(() => {}); // deliver() never throws; this is belt and braces
  }, switches.callback_delay_ms);
  timers.add(t);
}

const sleep = (ms) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
const nowIso = () => new Date().toISOString();
const randomHex = (bytes) => randomBytes(bytes).toString("hex");

// ------------------------------------------------------------- signatures ---

/** Twilio: Base64(HMAC-SHA1(token, URL + each param name + value, sorted by name)). */
export function twilioSignature(token, url, params) {
  const names = Object.keys(params).sort();
  const data = url + names.map((n) => n + params[n]).join("");
  return createHmac("sha1", token).update(data, "utf8").digest("base64");
}

function selfTest() {
  const got = twilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", {
    CallSid: "CA1234567890ABCDE", Caller: "+14158675309", Digits: "1234", From: "+14158675309", To: "+18005551212",
  });
  const ok = got === "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
  console.log(`twilio signature vector: ${ok ? "ok" : `FAILED (got ${got})`}`);
  return esignSelfTest() && ok;
}

// ------------------------------------------------------------ http helpers ---

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error("body too large"), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The JSON object in raw (an empty body counts as {}), or null if it is not one. */
function parseJsonObject(raw) {
  try {
    const value = raw.trim() === "" ? {} : JSON.parse(raw);
    return isPlainObject(value) ? value : null;
  } catch {
    return null;
  }
}

/** Reads a JSON object body for the control endpoints; null (after answering 400) if it is not one. */
async function readJsonObject(req, res) {
  const value = parseJsonObject(await readBody(req));
  if (!value) sendJson(res, 400, { error: { code: "invalid_json", message: "Body must be a JSON object" } });
  return value;
}

/** The parsed URL if u is an absolute http(s) URL, else null. */
function httpUrl(u) {
  try {
    const url = new URL(u);
    return /^https?:$/.test(url.protocol) ? url : null;
  } catch {
    return null;
  }
}
const isHttpUrl = (u) => httpUrl(u) !== null;
const isLoopbackUrl = (u) => ["127.0.0.1", "localhost", "[::1]"].includes(httpUrl(u)?.hostname);

// ---------------------------------------------------------- callback sends ---

/**
 * POSTs one callback and records it. Never throws: a network error or timeout
 * is recorded as response_status 0. Only loopback URLs are called, so a typo
 * in a test can never make this script post data somewhere else.
 */
async function deliver(kind, url, raw, headers, payload, status) {
  const entry = { kind, url, payload, status, response_status: null, sent_at: nowIso() };
  records.callbacks.push(entry); // pushed now so records keep send order; status filled in below
  if (!isLoopbackUrl(url)) {
    entry.response_status = 0;
    entry.error = "refused: not a loopback URL";
    return { response_status: 0, response_body: "" };
  }
  try {
    const r = await fetch(url, {
      method: "POST",
      headers,
      body: raw,
      redirect: "manual",
      signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
    });
    const text = await r.text();
    entry.response_status = r.status;
    return { response_status: r.status, response_body: text };
  } catch (err) {
    entry.response_status = 0;
    entry.error = err.cause?.code || err.name; // e.g. ECONNREFUSED, TimeoutError
    return { response_status: 0, response_body: "" };
  }
}

/** Sends once, and a second byte-identical time when duplicate_callbacks is on. */
async function deliverMaybeTwice(kind, url, raw, headers, payload, status) {
  if (switches.drop_reports) return dropReport(kind, payload, status);
  const first = await deliver(kind, url, raw, headers, payload, status);
  if (!switches.duplicate_callbacks) return first;
  const again = await deliver(kind, url, raw, headers, payload, status);
  return { ...first, duplicate_response_status: again.response_status };
}

// ------------------------------------------------------------------ twilio ---

function twilioError(res, status, code, message, headers = {}) {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers);
}

function twilioAuthorized(req) {
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization || "");
  if (!m) return false;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  return decoded.slice(0, colon) === CONFIG.accountSid && decoded.slice(colon + 1) === CONFIG.authToken;
}

/** Segments as Twilio counts them: GSM-7 (160, or 153 per part) else UCS-2 (70, or 67). */
const GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXT = "^{}\\[~]|€\f";
function countSegments(body) {
  const chars = [...body];
  if (chars.every((c) => GSM7.includes(c) || GSM7_EXT.includes(c))) {
    const septets = chars.reduce((n, c) => n + (GSM7_EXT.includes(c) ? 2 : 1), 0);
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  }
  const units = body.length; // UTF-16 code units, as UCS-2 counts them
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

/** The error_message of a failed Message resource, by error_code. */
const ERROR_MESSAGES = {
  30003: "Unreachable destination handset",
  63003: "Channel could not find To address",
  63016: "Failed to send freeform message because you are outside the allowed window",
};

const rfc2822 = (d) => d.toUTCString().replace("GMT", "+0000");

async function twilioSend(req, res, pathSid, path) {
  await sleep(switches.slow_ms);
  const params = new URLSearchParams(await readBody(req));
  const to = params.get("To") || "";
  const contentSid = params.get("ContentSid") || null;
  const contentVariables = params.get("ContentVariables") || null;
  // A template's text as this stand-in renders it: its variable "1".
  let body = params.get("Body") || "";
  const from = params.get("From") || null;
  const serviceSid = params.get("MessagingServiceSid") || null;
  const reject = (status, code, message, headers) => {
    records.sms_rejected.push({ to, body, content_sid: contentSid, status, code, received_at: nowIso() });
    twilioError(res, status, code, message, headers);
  };
  const whatsapp = to.startsWith("whatsapp:");
  const number = whatsapp ? to.slice("whatsapp:".length) : to;
  if (contentSid !== null) {
    if (!/^HX[0-9a-f]{32}$/.test(contentSid)) return reject(400, 21655, "The ContentSid is Invalid");
    let vars = {};
    try {
      vars = contentVariables === null ? {} : JSON.parse(contentVariables);
    } catch {
      return reject(400, 21656, "The ContentVariables Parameter is invalid");
    }
    if (!isPlainObject(vars)) return reject(400, 21656, "The ContentVariables Parameter is invalid");
    body = String(vars["1"] ?? "");
  } else if (contentVariables !== null) return reject(400, 21654, "ContentSid Required");
  if (whatsapp && !(from || "").startsWith("whatsapp:")) return reject(400, 21910, "Invalid From and To pair. From and To should be of the same channel");

  if (!twilioAuthorized(req)) return reject(401, 20003, "Authenticate");
  if (pathSid !== CONFIG.accountSid) return reject(404, 20404, `The requested resource ${path} was not found`);
  if (!to) return reject(400, 21604, "A 'To' phone number is required");
  if (!body && !contentSid) return reject(400, 21602, "Message body is required");
  if (!from && !serviceSid) return reject(400, 21603, "A 'From' phone number is required");
  if (!E164.test(number)) return reject(400, 21211, "Invalid 'To' Phone Number");
  if (whatsapp && switches.whatsapp_invalid_numbers.includes(number)) return reject(400, 21211, "Invalid 'To' Phone Number");
  const statusCallback = params.get("StatusCallback") || null;
  if (statusCallback && !isHttpUrl(statusCallback)) return reject(400, 21609, "Invalid StatusCallback url");
  // Injected failures are drawn only for valid requests, so the sequence is stable.
  if (switches.sms_error_rate > 0 && smsRandom() < switches.sms_error_rate) {
    const tooMany = smsRandom() < 0.5 || switches.sms_429_only;
    if (tooMany) return reject(429, 20429, "Too Many Requests", { "retry-after": "1" });
    return reject(500, 20500, "Internal Server Error");
  }
  if (switches.permanent_fail_numbers.includes(to)) {
    return reject(400, 21610, "Attempt to send to unsubscribed recipient");
  }

  const created = new Date();
  const msg = {
    sid: "SM" + randomHex(16),
    to,
    from,
    messaging_service_sid: serviceSid,
    body,
    content_sid: contentSid,
    content_variables: contentVariables,
    status_callback: statusCallback,
    received_at: created.toISOString(),
    status: "queued",
  };
  messages.set(msg.sid, msg);
  records.sms.push(msg);
  await holdAnswer("sms", msg.sid, to);
  const uri = `/2010-04-01/Accounts/${CONFIG.accountSid}/Messages/${msg.sid}.json`;
  // Twilio's Message resource, field for field (counts are strings in Twilio's JSON too).
  sendJson(res, 201, {
    account_sid: CONFIG.accountSid, api_version: "2010-04-01", body,
    date_created: rfc2822(created), date_sent: null, date_updated: rfc2822(created),
    direction: "outbound-api", error_code: null, error_message: null, from,
    messaging_service_sid: serviceSid, num_media: "0", num_segments: String(countSegments(body)),
    price: null, price_unit: "USD", sid: msg.sid, status: "queued",
    subresource_uris: { media: uri.replace(".json", "/Media.json") }, to, uri,
  });
  scheduleSmsProgress(msg);
}

/** queued → sent → delivered (or undelivered 30003), one callback_delay_ms
 *  apart; a WhatsApp message to a number not on WhatsApp (or without a
 *  template) queued → failed 63003 (63016). */
function scheduleSmsProgress(msg) {
  if (!msg.status_callback) return;
  const whatsapp = msg.to.startsWith("whatsapp:");
  if (whatsapp && switches.whatsapp_not_registered.includes(msg.to.slice("whatsapp:".length))) {
    return later(() => sendSmsStatus(msg, "failed", "63003"));
  }
  if (whatsapp && !msg.content_sid) return later(() => sendSmsStatus(msg, "failed", "63016"));
  later(async () => {
    await sendSmsStatus(msg, "sent");
    later(async () => {
      if (switches.undeliverable_numbers.includes(msg.to)) await sendSmsStatus(msg, "undelivered", "30003");
      else await sendSmsStatus(msg, "delivered");
    });
  });
}

async function sendSmsStatus(msg, status, errorCode) {
  const payload = {
    ApiVersion: "2010-04-01",
    AccountSid: CONFIG.accountSid,
    From: msg.from || POOL_NUMBER,
    MessageSid: msg.sid,
    MessageStatus: status,
    SmsSid: msg.sid,
    SmsStatus: status,
    To: msg.to,
  };
  if (msg.messaging_service_sid) payload.MessagingServiceSid = msg.messaging_service_sid;
  if (errorCode === undefined && (status === "failed" || status === "undelivered")) errorCode = "30003";
  if (errorCode !== undefined && errorCode !== null) payload.ErrorCode = String(errorCode);
  const headers = {
    "content-type": "application/x-www-form-urlencoded",
    "user-agent": "TwilioProxy/1.1",
    "x-twilio-signature": twilioSignature(CONFIG.authToken, msg.status_callback, payload),
  };
  msg.status = status;
  msg.error_code = payload.ErrorCode ?? null;
  if (status !== "queued" && !msg.date_sent) msg.date_sent = new Date();
  const raw = new URLSearchParams(payload).toString();
  const result = await deliverMaybeTwice("sms", msg.status_callback, raw, headers, payload, status);
  return { payload, headers, ...result };
}

// ----------------------------------------------------------------- courier ---
// Biteship's Orders API, courier_company "pos": create, retrieve, cancel, and
// the order search by reference_id the Worker relies on for in-doubt bookings
// (not in Biteship's documentation: the one extension it needs).

/** Biteship's error shape: { success: false, error, code }. */
function courierError(res, status, code, message, headers = {}) {
  sendJson(res, status, { success: false, error: message, code }, headers);
}

/** Biteship's auth: the API key itself in Authorization. */
function courierAuthorized(req, res) {
  if (req.headers.authorization === CONFIG.courierKey) return true;
  courierError(res, 401, 40000001, "Authorization failed, please check your API key");
  return false;
}

/** The first problem with a create-order body, or null. */
function orderProblem(o) {
  for (const f of ["origin_contact_name", "origin_contact_phone", "origin_address",
    "destination_contact_name", "destination_contact_phone", "destination_address"]) {
    if (!isNonEmptyString(o[f])) return `${f} is required`;
  }
  if (o.courier_company !== "pos") return "courier_company must be a courier you activated (pos)";
  if (!COURIER_TYPES.includes(o.courier_type)) return `courier_type must be one of ${COURIER_TYPES.join(", ")}`;
  if (!["now", "scheduled"].includes(o.delivery_type)) return "delivery_type must be now or scheduled";
  if (!Array.isArray(o.items) || o.items.length === 0) return "items is required";
  for (const item of o.items) {
    if (!isPlainObject(item) || !isNonEmptyString(item.name) || !isNonNegInt(item.quantity) || !isNonNegInt(item.weight)) {
      return "each item needs name, quantity and weight";
    }
  }
  const cod = o.destination_cash_on_delivery;
  if (cod !== undefined && !isNonNegInt(cod)) return "destination_cash_on_delivery must be a non-negative integer";
  if (o.reference_id !== undefined && typeof o.reference_id !== "string") return "reference_id must be a string";
  if (o.metadata !== undefined && !isPlainObject(o.metadata)) return "metadata must be an object";
  return null;
}

/** The order object as Biteship answers it (create, retrieve, search). */
function orderObject(order) {
  const history = [...sentEvents.values()]
    .filter((e) => e.payload.order_id === order.id)
    .map((e) => ({ service_type: order.courier_type, status: e.payload.status, note: DEFAULT_NOTES[e.payload.status] ?? "", updated_at: e.payload.updated_at }));
  return {
    success: true, message: "Order successfully retrieved", object: "order", id: order.id,
    shipper: { name: order.input.shipper_contact_name ?? null, organization: order.input.shipper_organization ?? null },
    origin: { contact_name: order.input.origin_contact_name, address: order.input.origin_address },
    destination: {
      contact_name: order.input.destination_contact_name, address: order.input.destination_address,
      cash_on_delivery: { amount: order.cod_amount, amount_currency: "IDR", type: order.cod_amount ? "7_days" : null },
    },
    courier: { tracking_id: order.tracking_id, waybill_id: order.waybill, company: "pos", type: order.courier_type, history, link: null },
    delivery: { type: order.input.delivery_type },
    reference_id: order.reference_id, metadata: order.input.metadata ?? {}, items: order.input.items,
    price: 12000, note: order.input.order_note ?? null, status: order.status,
  };
}

async function courierCreate(req, res) {
  await sleep(switches.slow_ms);
  const raw = await readBody(req);
  if (!courierAuthorized(req, res)) return;
  if (switches.courier_error_rate > 0 && courierRandom() < switches.courier_error_rate) {
    return courierError(res, 503, 50000001, "Service temporarily unavailable", { "retry-after": "1" });
  }
  const input = parseJsonObject(raw);
  if (!input) return courierError(res, 400, 40000002, "Body must be a JSON object");
  const problem = orderProblem(input);
  if (problem) return courierError(res, 400, 40002001, problem);
  if (!courierWebhookUrl) return courierError(res, 400, 40002002, "Set a webhook URL in the dashboard first (POST /_courier/webhook)");

  const leg = input.metadata?.leg;
  const order = {
    id: randomHex(12),
    tracking_id: randomHex(12),
    waybill: "P" + String(randomBytes(6).readUIntBE(0, 6) % 1e12).padStart(12, "0"),
    reference_id: input.reference_id ?? null,
    // Read from our metadata, for the progression and the bench's matching.
    reference: input.metadata?.registration_number ?? null,
    kind: LEGS.includes(leg) ? leg : input.destination_cash_on_delivery ? "deliver_documents" : "pickup_documents",
    courier_type: input.courier_type,
    cod_amount: input.destination_cash_on_delivery ?? 0,
    input,
    received_at: nowIso(),
    status: "confirmed",
  };
  ordersById.set(order.id, order);
  const { id, reference_id, reference, kind, waybill, cod_amount, received_at } = order;
  records.courier_orders.push({ order_id: id, reference_id, reference, kind, waybill, cod_amount, received_at, request: input });
  await holdAnswer("courier", order.id, null);
  sendJson(res, 200, { ...orderObject(order), message: "Order successfully created" });
  if (switches.courier_auto) scheduleCourierProgress(order);
}

const DEFAULT_NOTES = {
  allocated: "Kurir sudah dialokasikan",
  picking_up: "Kurir menuju lokasi penjemputan",
  picked: "Dokumen sudah dijemput",
  dropping_off: "Kiriman dalam perjalanan ke penerima",
  delivered: "Kiriman diterima",
  returned: "Kiriman dikembalikan ke pengirim",
  rejected: "Kiriman ditolak",
  courier_not_found: "Kurir tidak ditemukan",
  cancelled: "Pesanan dibatalkan",
};

/** pickup: picking_up → picked; delivery and return: dropping_off → outcome; one delay apart. */
function scheduleCourierProgress(order) {
  const steps =
    order.kind === "pickup_documents"
      ? [() => "picking_up", () => "picked"]
      : [() => "dropping_off", () => (order.kind === "return_documents" ? "delivered" : deliveryOutcome(order))];
  const run = (i) => {
    if (i >= steps.length || order.status === "cancelled") return;
    later(async () => {
      if (order.status === "cancelled") return;
      await sendCourierEvent(order, steps[i]());
      run(i + 1);
    });
  };
  run(0);
}

/** Read when the last step fires, so a test may set the outcome after creating the order. */
function deliveryOutcome(order) {
  return switches.courier_outcomes[order.reference] || switches.courier_outcome;
}

function courierWebhookHeaders() {
  return { "content-type": "application/json", [COURIER_WEBHOOK_HEADER]: CONFIG.courierSecret };
}

/** Biteship's order.status webhook for `order`, now at `status`. */
async function sendCourierEvent(order, status) {
  order.status = status;
  const payload = {
    event: "order.status", courier_tracking_id: order.tracking_id, courier_waybill_id: order.waybill,
    courier_company: "pos", courier_type: order.courier_type, courier_driver_name: null,
    courier_driver_phone: null, courier_driver_photo_url: null, courier_driver_plate_number: null,
    courier_link: null, order_id: order.id, order_price: 12000, status, updated_at: nowIso(),
  };
  const eventId = `${order.id}:${status}`;
  const raw = JSON.stringify(payload);
  const headers = courierWebhookHeaders();
  sentEvents.set(eventId, { url: courierWebhookUrl, raw, headers, payload });
  const result = await deliverMaybeTwice("courier", courierWebhookUrl, raw, headers, payload, status);
  return { event_id: eventId, event: payload, headers, ...result };
}

/** Biteship's cancel: only before the courier picked the parcel up; then an order.status cancelled webhook. */
async function courierCancel(req, res, orderId) {
  const input = parseJsonObject(await readBody(req));
  if (!courierAuthorized(req, res)) return;
  const order = ordersById.get(orderId);
  if (!order) return courierError(res, 404, 40004001, "Order not found");
  if (!input) return courierError(res, 400, 40000002, "Body must be a JSON object");
  if (!CANCELLABLE.includes(order.status)) {
    return courierError(res, 400, 40002010, `Order with status ${order.status} cannot be cancelled`);
  }
  order.status = "cancelled";
  const reason = { cancellation_reason_code: input.cancellation_reason_code ?? "others", cancellation_reason: input.cancellation_reason ?? null };
  records.courier_cancels.push({ order_id: order.id, ...reason, at: nowIso() });
  sendJson(res, 200, { success: true, message: "Order successfully cancelled", object: "order", id: order.id, status: "cancelled", ...reason });
  later(() => sendCourierEvent(order, "cancelled"));
}

// ---------------------------------------------------------------- recovery ---
// What a provider offers when its reports never arrived (we were down): the
// status of one message, the tracking of one order, and the drop_reports
// switch that makes the stand-in lose its callbacks and reports as if the
// Worker had been down when they were sent. The statuses still move on here,
// so a later poll finds them.

/** Records a status callback or courier report that was not sent (drop_reports). */
function dropReport(kind, payload, status) {
  (records.dropped_reports ??= []).push({ kind, payload, status, dropped_at: nowIso() });
  return { response_status: null, response_body: "", dropped: true };
}

/** Counts the polls in /_records (polls: [{ kind, id }]), so a test sees what was asked how often. */
function recordPoll(kind, id) {
  (records.polls ??= []).push({ kind, id, polled_at: nowIso() });
}

/** Twilio's Message resource for one message, with the status it has now. */
function twilioFetch(req, res, pathSid, messageSid, path) {
  if (!twilioAuthorized(req)) return twilioError(res, 401, 20003, "Authenticate");
  recordPoll("sms", messageSid);
  const msg = messages.get(messageSid);
  if (pathSid !== CONFIG.accountSid || !msg) {
    return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
  }
  const created = new Date(msg.received_at);
  const failed = msg.status === "undelivered" || msg.status === "failed";
  sendJson(res, 200, {
    account_sid: CONFIG.accountSid, api_version: "2010-04-01", body: msg.body,
    date_created: rfc2822(created), date_sent: msg.status === "queued" ? null : rfc2822(created),
    date_updated: rfc2822(new Date()), direction: "outbound-api",
    error_code: failed ? Number(msg.error_code ?? 30003) : null,
    error_message: failed ? ERROR_MESSAGES[msg.error_code ?? "30003"] ?? "Message failed" : null,
    from: msg.from || POOL_NUMBER, messaging_service_sid: msg.messaging_service_sid, num_media: "0",
    num_segments: String(countSegments(msg.body)), price: null, price_unit: "USD", sid: msg.sid,
    status: msg.status, to: msg.to, uri: path,
  });
}

/** Biteship's Retrieve Order: the order now, courier.history holding every status it went through (sent or dropped). */
function courierTracking(req, res, orderId) {
  if (!courierAuthorized(req, res)) return;
  recordPoll("courier", orderId);
  const order = ordersById.get(orderId);
  if (!order) return courierError(res, 404, 40004001, "Order not found");
  sendJson(res, 200, orderObject(order));
}

// ------------------------------------- in-doubt lookups and the hold switch ---
// How the Worker finds out whether a send whose answer it never recorded
// reached us (issue 9), and how a test makes that happen on purpose.

/**
 * The hold switch: the request is already recorded (the message exists, the
 * order is booked) and its answer waits hold_ms — so a test can kill the
 * Worker between the provider's acceptance and the Worker's write. Setting
 * hold_ms back to 0 releases waiting answers at once. hold_numbers, if not
 * empty, limits the hold to SMS to those numbers (courier answers then pass).
 */
async function holdAnswer(kind, id, to) {
  if (switches.hold_ms <= 0) return;
  if (switches.hold_numbers.length > 0 && !switches.hold_numbers.includes(to)) return;
  const started = Date.now();
  records.held.push({ kind, id, held_at: nowIso() });
  while (Date.now() - started < switches.hold_ms) await sleep(20);
}

/** YYYY-MM-DD in UTC, as Twilio's DateSent filters compare. */
const utcDay = (d) => d.toISOString().slice(0, 10);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Twilio's Messages list: GET /2010-04-01/Accounts/{AccountSid}/Messages.json
 * with To, From, DateSent, DateSent>, DateSent< (messages without a date_sent
 * match no DateSent filter, as at Twilio), PageSize (default 50, max 1000)
 * and Page; newest first; paged by next_page_uri.
 */
function twilioList(req, res, pathSid, path) {
  if (!twilioAuthorized(req)) return twilioError(res, 401, 20003, "Authenticate");
  if (pathSid !== CONFIG.accountSid) return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
  const q = new URL(req.url, "http://127.0.0.1").searchParams;
  const day = { eq: q.get("DateSent"), ge: q.get("DateSent>"), le: q.get("DateSent<") };
  for (const [name, v] of [["DateSent", day.eq], ["DateSent>", day.ge], ["DateSent<", day.le]]) {
    if (v !== null && !DAY.test(v)) return twilioError(res, 400, 20001, `Invalid ${name}: expected YYYY-MM-DD`);
  }
  const pageSize = q.has("PageSize") ? Number(q.get("PageSize")) : 50;
  const page = q.has("Page") ? Number(q.get("Page")) : 0;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) return twilioError(res, 400, 20001, "Invalid PageSize");
  if (!Number.isInteger(page) || page < 0) return twilioError(res, 400, 20001, "Invalid Page");
  const sentDay = (m) => (m.date_sent ? utcDay(m.date_sent) : null);
  const matches = [...messages.values()]
    .filter((m) => !q.has("To") || m.to === q.get("To"))
    .filter((m) => !q.has("From") || m.from === q.get("From"))
    .filter((m) => day.eq === null || sentDay(m) === day.eq)
    .filter((m) => day.ge === null || (sentDay(m) !== null && sentDay(m) >= day.ge))
    .filter((m) => day.le === null || (sentDay(m) !== null && sentDay(m) <= day.le))
    .sort((a, b) => (b.date_sent ?? 0) - (a.date_sent ?? 0) || b.received_at.localeCompare(a.received_at));
  const slice = matches.slice(page * pageSize, (page + 1) * pageSize);
  records.lookups.push({ kind: "sms", matches: matches.length, ids: slice.map((m) => m.sid), at: nowIso() });
  const base = `/2010-04-01/Accounts/${CONFIG.accountSid}/Messages.json`;
  const uriFor = (p) => {
    const u = new URLSearchParams(q);
    u.set("PageSize", String(pageSize));
    u.set("Page", String(p));
    return `${base}?${u}`;
  };
  const more = (page + 1) * pageSize < matches.length;
  sendJson(res, 200, {
    messages: slice.map(listedMessage),
    end: page * pageSize + Math.max(slice.length - 1, 0),
    first_page_uri: uriFor(0),
    next_page_uri: more ? uriFor(page + 1) : null,
    previous_page_uri: page > 0 ? uriFor(page - 1) : null,
    page,
    page_size: pageSize,
    start: page * pageSize,
    uri: uriFor(page),
  });
}

/** A message as Twilio's list shows it. */
function listedMessage(m) {
  const created = new Date(m.received_at);
  return {
    account_sid: CONFIG.accountSid, api_version: "2010-04-01", body: m.body,
    date_created: rfc2822(created), date_sent: m.date_sent ? rfc2822(m.date_sent) : null,
    date_updated: rfc2822(m.date_sent ?? created), direction: "outbound-api",
    error_code: m.status === "undelivered" ? 30003 : null, error_message: null, from: m.from ?? POOL_NUMBER,
    messaging_service_sid: m.messaging_service_sid, num_media: "0", num_segments: String(countSegments(m.body)),
    price: null, price_unit: "USD", sid: m.sid, status: m.status, to: m.to,
    uri: `/2010-04-01/Accounts/${CONFIG.accountSid}/Messages/${m.sid}.json`,
  };
}

/** The order search by reference_id (the extension): GET /v1/orders?reference_id=… → {success, orders: [...]}. */
function courierSearch(req, res) {
  if (!courierAuthorized(req, res)) return;
  const reference = new URL(req.url, "http://127.0.0.1").searchParams.get("reference_id");
  if (!isNonEmptyString(reference)) return courierError(res, 400, 40002001, "reference_id is required");
  const orders = [...ordersById.values()].filter((o) => o.reference_id === reference).map(orderObject);
  records.lookups.push({ kind: "courier", matches: orders.length, ids: orders.map((o) => o.id), at: nowIso() });
  sendJson(res, 200, { success: true, orders });
}

// ----------------------------------------------------- test/dev endpoints ---

/** The test endpoints' own error shape. */
function controlError(res, status, code, message, field) {
  sendJson(res, status, { error: field ? { code, message, field } : { code, message } });
}

async function postControl(req, res) {
  const patch = await readJsonObject(req, res);
  if (!patch) return;
  for (const [name, value] of Object.entries(patch)) {
    const check = SWITCH_CHECKS[name];
    if (!check) return controlError(res, 400, "unknown_switch", `Unknown switch ${name}`, name);
    if (!check(value)) return controlError(res, 422, "invalid_switch", `Invalid value for ${name}`, name);
  }
  Object.assign(switches, structuredClone(patch));
  if ("seed" in patch) reseed();
  sendJson(res, 200, switches);
}

async function postCourierEvent(req, res, orderId) {
  const order = ordersById.get(orderId);
  const input = await readJsonObject(req, res);
  if (!input) return;
  if (!order) return courierError(res, 404, 40004001, "Order not found");
  if (!isNonEmptyString(input.status)) return courierError(res, 422, 40002001, "status is required");
  sendJson(res, 200, await sendCourierEvent(order, input.status));
}

/** Sends a webhook again, byte for byte with its secret header: a replay. */
async function postCourierReplay(req, res) {
  const input = await readJsonObject(req, res);
  if (!input) return;
  const sent = sentEvents.get(input.event_id);
  if (!sent) return courierError(res, 404, 40004002, "Unknown event_id");
  const result = await deliver("courier", sent.url, sent.raw, sent.headers, sent.payload, sent.payload.status);
  sendJson(res, 200, { event_id: input.event_id, event: sent.payload, headers: sent.headers, ...result });
}

/** Biteship's dashboard webhook setting: { url } (a loopback http URL). */
async function postCourierWebhook(req, res) {
  const input = await readJsonObject(req, res);
  if (!input) return;
  if (!isLoopbackUrl(input.url)) return courierError(res, 422, 40002001, "url must be a loopback http(s) URL");
  courierWebhookUrl = input.url;
  sendJson(res, 200, { url: courierWebhookUrl });
}

async function postSmsCallback(req, res) {
  const input = await readJsonObject(req, res);
  if (!input) return;
  const msg = messages.get(input.sid);
  if (!msg) return controlError(res, 404, "not_found", "Unknown message sid", "sid");
  if (!isNonEmptyString(input.status)) return controlError(res, 422, "invalid_request", "status is required", "status");
  if (!msg.status_callback) return controlError(res, 409, "no_status_callback", "That message had no StatusCallback");
  sendJson(res, 200, await sendSmsStatus(msg, input.status, input.error_code));
}

/** Twilio's phone-number webhook setting: { url } (a loopback http URL). */
async function postSmsWebhook(req, res) {
  const input = await readJsonObject(req, res);
  if (!input) return;
  if (!isLoopbackUrl(input.url)) return controlError(res, 422, "invalid_request", "url must be a loopback http(s) URL", "url");
  smsInboundUrl = input.url;
  sendJson(res, 200, { url: smsInboundUrl });
}

/**
 * A citizen's SMS to our number: { from, body, message_sid? } posted to the
 * Worker as Twilio posts an incoming message (form-encoded, its field set,
 * signed with X-Twilio-Signature over the configured URL). The same
 * message_sid again is Twilio delivering the webhook twice.
 */
async function postSmsInbound(req, res) {
  const input = await readJsonObject(req, res);
  if (!input) return;
  if (!smsInboundUrl) return controlError(res, 409, "no_webhook", "Set the incoming-message URL first (POST /_sms/webhook)");
  if (!isNonEmptyString(input.from)) return controlError(res, 422, "invalid_request", "from is required", "from");
  if (typeof input.body !== "string") return controlError(res, 422, "invalid_request", "body must be a string", "body");
  if (input.message_sid !== undefined && !/^SM[0-9a-f]{32}$/.test(input.message_sid)) {
    return controlError(res, 422, "invalid_request", "message_sid must look like SM + 32 hex digits", "message_sid");
  }
  const sid = input.message_sid || "SM" + randomHex(16);
  const payload = {
    ToCountry: "ID", ToState: "", SmsMessageSid: sid, NumMedia: "0", ToCity: "", FromZip: "",
    SmsSid: sid, FromState: "", SmsStatus: "received", FromCity: "", Body: input.body,
    FromCountry: "ID", To: POOL_NUMBER, ToZip: "", NumSegments: "1", MessageSid: sid,
    AccountSid: CONFIG.accountSid, From: input.from, ApiVersion: "2010-04-01",
  };
  const headers = {
    "content-type": "application/x-www-form-urlencoded",
    "user-agent": "TwilioProxy/1.1",
    "x-twilio-signature": twilioSignature(CONFIG.authToken, smsInboundUrl, payload),
  };
  const raw = new URLSearchParams(payload).toString();
  const result = await deliver("sms_inbound", smsInboundUrl, raw, headers, { MessageSid: sid }, "received");
  sendJson(res, 200, { message_sid: sid, ...result });
}

// ------------------------------------------------------------------ router ---

async function route(req, res) {
  const path = new URL(req.url, "http://127.0.0.1").pathname;
  const post = req.method === "POST";
  let m;
  if (post && (m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path))) return twilioSend(req, res, m[1], path);
  if (post && path === "/v1/orders") return courierCreate(req, res);
  if (post && (m = /^\/v1\/orders\/([^/]+)\/cancel$/.exec(path))) return courierCancel(req, res, m[1]);
  if (path.startsWith("/api/sign/") || path.startsWith("/api/user/")) return esignRoute(req, res, path, switches, records);
  if (req.method === "GET" && (m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/.exec(path))) {
    return twilioFetch(req, res, m[1], m[2], path);
  }
  if (req.method === "GET" && (m = /^\/v1\/orders\/([^/]+)$/.exec(path))) return courierTracking(req, res, m[1]);
  if (req.method === "GET" && (m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path))) return twilioList(req, res, m[1], path);
  if (req.method === "GET" && path === "/v1/orders") return courierSearch(req, res);
  if (path === "/_control" && req.method === "GET") return sendJson(res, 200, switches);
  if (path === "/_control" && post) return postControl(req, res);
  if (path === "/_records" && req.method === "GET") return sendJson(res, 200, records);
  if (path === "/_reset" && post) {
    resetState();
    return sendJson(res, 200, { ok: true, switches });
  }
  if (post && (m = /^\/_courier\/orders\/([^/]+)\/events$/.exec(path))) return postCourierEvent(req, res, m[1]);
  if (post && path === "/_courier/replay") return postCourierReplay(req, res);
  if (post && path === "/_courier/webhook") return postCourierWebhook(req, res);
  if (post && path === "/_sms/callback") return postSmsCallback(req, res);
  if (post && path === "/_sms/webhook") return postSmsWebhook(req, res);
  if (post && path === "/_sms/inbound") return postSmsInbound(req, res);
  if (path.startsWith("/2010-04-01/")) return twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
  courierError(res, 404, 40400000, "No such endpoint");
}

function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8790" },
      host: { type: "string", default: "127.0.0.1" },
      "self-test": { type: "boolean", default: false },
    },
  });
  if (values["self-test"]) process.exit(selfTest() ? 0 : 1);
  if (values.host !== "127.0.0.1") {
    console.error("standins: only --host 127.0.0.1 is allowed (a stand-in must never be reachable from outside)");
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`standins: invalid --port ${values.port}`);
    process.exit(2);
  }

  resetState();
  const server = http.createServer((req, res) => {
    const started = Date.now();
    // Method, path (SIDs and order ids only) and status: never bodies, queries or phone numbers.
    const path = req.url.split("?")[0].replace(/^\/api\/user\/status\/.*/, "/api/user/status/…"); // a NIK
    if (VERBOSE) res.on("finish", () => console.error(`${req.method} ${path} ${res.statusCode} ${Date.now() - started}ms`));
    route(req, res).catch((err) => {
      if (res.headersSent) return res.destroy();
      courierError(res, err.status || 500, 50000000, err.status ? err.message : "Stand-in error");
    });
  });
  server.on("error", (err) => {
    console.error(`standins: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, "127.0.0.1", () => {
    console.log(`standins listening on http://127.0.0.1:${server.address().port}`);
  });

  const shutdown = () => {
    for (const t of timers) clearTimeout(t);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

// Importable (for the signature helpers) without starting a server.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
