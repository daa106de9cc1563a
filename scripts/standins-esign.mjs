// Local stand-in for the e-signature service (BSrE's Esign Client Service
// API; the protocol is documented at the top of src/dispatch/esign.rs).
// scripts/standins.mjs routes /api/sign/* and /api/user/* here and merges
// the switches below into its /_control; what was received shows under
// /_records as `esign` (never the passphrase, never a whole NIK).
//
//   POST /api/sign/pdf           Basic auth, multipart: file, nik, passphrase,
//                                tampilan (visible|invisible), image, linkQR,
//                                page, xAxis, yAxis, width, height, reason,
//                                location → 200 the "signed" PDF (input bytes +
//                                an appended update block) with id_dokumen, or
//                                JSON {error, status_code}
//   GET  /api/user/status/{nik}  Basic auth → {status_code, status, message}
//
// Signers: any 16-digit NIK has an active certificate except those in the
// esign_inactive_niks switch (refused with 2051); anything else is not
// registered (2011). The passphrase is ESIGN_DEMO_PASSPHRASE (default
// "rahasia-kepala-dinas"); another one is refused with 2031. The client
// account is ESIGN_USERNAME / ESIGN_PASSWORD, as in the Worker's .dev.vars.
//
// Switches: esign_fail_next (the next N sign calls answer 503; with
// esign_pass_first, only after that many more have been let through),
// esign_hold_ms (every sign answer waits this long, after the checks),
// esign_inactive_niks (NIKs whose certificate is not active).
import { createHash, randomUUID } from "node:crypto";

const CONFIG = Object.freeze({
  username: process.env.ESIGN_USERNAME || "local-esign-user",
  password: process.env.ESIGN_PASSWORD || "local-esign-password",
  passphrase: process.env.ESIGN_DEMO_PASSPHRASE || "rahasia-kepala-dinas",
});
/** The adapter's answer limit (10 MiB) plus room for the form framing. */
const MAX_SIGN_BODY_BYTES = 10 * 1024 * 1024 + 64 * 1024;
const NIK = /^\d{16}$/;
const INTEGER = /^-?\d+$/;

const isNonNegInt = (v) => Number.isSafeInteger(v) && v >= 0;
const isStringArray = (v) => Array.isArray(v) && v.every((s) => typeof s === "string");

export const ESIGN_SWITCHES = Object.freeze({ esign_fail_next: 0, esign_pass_first: 0, esign_hold_ms: 0, esign_inactive_niks: [] });
export const ESIGN_SWITCH_CHECKS = Object.freeze({
  esign_fail_next: isNonNegInt,
  esign_pass_first: isNonNegInt,
  esign_hold_ms: isNonNegInt,
  esign_inactive_niks: isStringArray,
});

const sleep = (ms) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
/** The last four digits only, as records and the signed block show a signer. */
const maskNik = (nik) => (typeof nik === "string" && nik.length > 4 ? "*".repeat(nik.length - 4) + nik.slice(-4) : "****");
/** One line of text for the appended block: no line breaks, bounded. */
const oneLine = (s) => String(s ?? "").replace(/[\r\n]+/g, " ").slice(0, 200);

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

const failure = (status, code, error) => ({ status, json: { error, status_code: code } });

function authorized(req) {
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization || "");
  if (!m) return false;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 && decoded.slice(0, colon) === CONFIG.username && decoded.slice(colon + 1) === CONFIG.password;
}

async function readRaw(req, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error("body too large"), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a multipart/form-data body into { name: { value: Buffer, filename } },
 * or null if it is not well framed. The first field of a name wins.
 */
export function parseMultipart(contentType, body) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType || "");
  if (!m) return null;
  const delimiter = Buffer.from(`--${m[1] || m[2]}`);
  const fields = {};
  let at = body.indexOf(delimiter);
  if (at < 0) return null;
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === "--") return fields; // closing delimiter
    if (body.subarray(at, at + 2).toString() !== "\r\n") return null;
    const headEnd = body.indexOf("\r\n\r\n", at);
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), at);
    if (headEnd < 0 || next < 0 || headEnd > next) return null;
    const head = body.subarray(at + 2, headEnd).toString("utf8");
    const name = /(?:^|[;\s])name="([^"]*)"/i.exec(head)?.[1];
    const filename = /(?:^|[;\s])filename="([^"]*)"/i.exec(head)?.[1] ?? null;
    if (name === undefined) return null;
    fields[name] ??= { value: body.subarray(headEnd + 4, next), filename };
    at = next + 2;
  }
}

/** The problem with a visible signature's placement fields, or null. */
function placementProblem(text) {
  if (text("image") === "true") return "image=true memerlukan imageTTD; stand-in hanya mendukung QR (image=false)";
  if (!text("linkQR")) return "linkQR wajib diisi untuk tampilan visible tanpa gambar";
  const page = text("page");
  if (!(page === "FIRST" || page === "LAST" || (INTEGER.test(page ?? "") && Number(page) >= 1))) return "page tidak valid";
  for (const f of ["xAxis", "yAxis", "width", "height"]) {
    if (!INTEGER.test(text(f) ?? "")) return `${f} tidak valid`;
  }
  if (Number(text("width")) <= 0 || Number(text("height")) <= 0) return "width dan height harus lebih dari 0";
  return null;
}

/**
 * Judges one sign request as the service would: { status, json } for a
 * refusal, or { pdf, id } for a signature. Pure but for the clock and the id.
 */
export function judgeSign(fields, switches) {
  if (!fields) return failure(400, 400, "Bad Request: body harus multipart/form-data");
  const text = (name) => fields[name]?.value.toString("utf8");
  const file = fields.file?.value;
  if (!file || file.length === 0) return failure(400, 400, "Bad Request: file wajib diisi");
  if (file.subarray(0, 5).toString("latin1") !== "%PDF-") return failure(400, 400, "Bad Request: file bukan PDF");
  const nik = text("nik");
  if (!nik) return failure(400, 400, "Bad Request: nik wajib diisi");
  if (!text("passphrase")) return failure(400, 400, "Bad Request: passphrase wajib diisi");
  const tampilan = text("tampilan");
  if (tampilan !== "visible" && tampilan !== "invisible") return failure(400, 400, "Bad Request: tampilan harus visible atau invisible");
  if (tampilan === "visible") {
    const problem = placementProblem(text);
    if (problem) return failure(400, 400, `Bad Request: ${problem}`);
  }
  if (!NIK.test(nik)) return failure(400, 2011, "Gagal melakukan tanda tangan: User tidak terdaftar");
  if (switches.esign_inactive_niks.includes(nik)) return failure(400, 2051, "Gagal melakukan tanda tangan: Sertifikat tidak aktif");
  if (text("passphrase") !== CONFIG.passphrase) return failure(400, 2031, "Gagal melakukan tanda tangan: Passphrase anda salah");

  const id = randomUUID();
  const lines = [
    "",
    "% PAK POS local e-signature stand-in: not a real signature",
    `% id_dokumen ${id}`,
    `% signer NIK ${maskNik(nik)}`,
    `% signed_at ${new Date().toISOString()}`,
    `% reason ${oneLine(text("reason"))}`,
    `% location ${oneLine(text("location"))}`,
    `% tampilan ${tampilan}${tampilan === "visible" ? ` linkQR ${oneLine(text("linkQR"))}` : ""}`,
    "%%EOF",
    "",
  ];
  return { pdf: Buffer.concat([file, Buffer.from(lines.join("\n"), "utf8")]), id };
}

async function sign(req, res, switches, record) {
  if (req.method !== "POST") return sendJson(res, 405, { error: "Method Not Allowed", status_code: 405 }, { allow: "POST" });
  const body = await readRaw(req, MAX_SIGN_BODY_BYTES);
  if (!authorized(req)) {
    record(401, 401);
    return sendJson(res, 401, { error: "Unauthorized", status_code: 401 });
  }
  if (switches.esign_fail_next > 0 && switches.esign_pass_first > 0) {
    switches.esign_pass_first -= 1;
  } else if (switches.esign_fail_next > 0) {
    switches.esign_fail_next -= 1;
    record(503, 503);
    return sendJson(res, 503, { error: "Service Unavailable", status_code: 503 });
  }
  const fields = parseMultipart(req.headers["content-type"], body);
  const verdict = judgeSign(fields, switches);
  const text = (name) => fields?.[name]?.value.toString("utf8") ?? null;
  const file = fields?.file?.value ?? Buffer.alloc(0);
  const entry = record(verdict.status ?? 200, verdict.json?.status_code ?? null, {
    nik: maskNik(text("nik")),
    tampilan: text("tampilan"),
    link_qr: text("linkQR"),
    reason: text("reason"),
    location: text("location"),
    size: file.length,
    sha256: sha256(file),
  });
  await sleep(switches.esign_hold_ms);
  if (verdict.json) return sendJson(res, verdict.status, verdict.json);
  Object.assign(entry, { id_dokumen: verdict.id, signed_size: verdict.pdf.length, signed_sha256: sha256(verdict.pdf) });
  res.writeHead(200, { "content-type": "application/pdf", "content-length": verdict.pdf.length, id_dokumen: verdict.id });
  res.end(verdict.pdf);
}

/** The signer's certificate status, in the shape integrations read (status ISSUE = active). */
function userStatus(req, res, nik, switches, record) {
  if (req.method !== "GET") return sendJson(res, 405, { error: "Method Not Allowed", status_code: 405 }, { allow: "GET" });
  if (!authorized(req)) {
    record(401, 401);
    return sendJson(res, 401, { error: "Unauthorized", status_code: 401 });
  }
  const answer = !NIK.test(nik)
    ? { status_code: 1110, status: "NOT_REGISTERED", message: "User tidak terdaftar" }
    : switches.esign_inactive_niks.includes(nik)
      ? { status_code: 2051, status: "EXPIRED", message: "Sertifikat tidak aktif" }
      : { status_code: 1111, status: "ISSUE", message: "Sertifikat aktif" };
  record(200, answer.status_code, { nik: maskNik(nik) });
  sendJson(res, 200, answer);
}

/**
 * Serves /api/sign/* and /api/user/* (standins.mjs calls this for those
 * paths with its current switches and records).
 */
export function esignRoute(req, res, path, switches, records) {
  const record = (status, code, extra = {}) => {
    const entry = { kind: path.startsWith("/api/user/") ? "status" : "sign", status, code, ...extra, received_at: new Date().toISOString() };
    (records.esign ??= []).push(entry);
    return entry;
  };
  if (path === "/api/sign/pdf") return sign(req, res, switches, record);
  const m = /^\/api\/user\/status\/([^/]+)$/.exec(path);
  if (m) return userStatus(req, res, decodeURIComponent(m[1]), switches, record);
  return sendJson(res, 404, { error: "Not Found", status_code: 404 });
}

/** Checks the form parser and the verdicts without a server; prints one line. */
export function esignSelfTest() {
  const boundary = "pakpos-0123abcd";
  const form = (pairs) =>
    Buffer.concat([
      ...pairs.map(([name, value]) =>
        Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"` +
            (name === "file" ? `; filename="dokumen.pdf"\r\nContent-Type: application/pdf` : "") + "\r\n\r\n"),
          Buffer.from(value),
          Buffer.from("\r\n"),
        ]),
      ),
      Buffer.from(`--${boundary}--\r\n`),
    ]);
  const pdf = "%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n";
  const base = [["file", pdf], ["nik", "3312010101700001"], ["passphrase", CONFIG.passphrase], ["tampilan", "invisible"],
    ["reason", "Dokumen kependudukan"], ["location", "Wonogiri"]];
  const visible = [["file", pdf], ["nik", "3312010101700001"], ["passphrase", CONFIG.passphrase], ["tampilan", "visible"],
    ["image", "false"], ["linkQR", "https://pakpos.example/verifikasi/AB12"], ["page", "1"], ["xAxis", "470"],
    ["yAxis", "40"], ["width", "90"], ["height", "90"], ["reason", "r"], ["location", "l"]];
  const swap = (pairs, name, value) => pairs.map(([n, v]) => [n, n === name ? value : v]);
  const switches = { ...structuredClone(ESIGN_SWITCHES), esign_inactive_niks: ["3312010101700009"] };
  const judge = (pairs) => judgeSign(parseMultipart(`multipart/form-data; boundary=${boundary}`, form(pairs)), switches);
  const code = (pairs) => judge(pairs).json?.status_code ?? null;
  const signed = judge(base);
  const checks = {
    "reads the name, not the filename": parseMultipart(`multipart/form-data; boundary=${boundary}`, Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; filename="a.pdf"; name="file"\r\n\r\n%PDF-\r\n--${boundary}--\r\n`))?.file?.filename === "a.pdf",
    "parses every field": Object.keys(parseMultipart(`multipart/form-data; boundary=${boundary}`, form(visible)) ?? {}).length === visible.length,
    "signs: a PDF, longer, new hash, ends %%EOF": !!signed.pdf && signed.pdf.subarray(0, 5).toString() === "%PDF-" &&
      signed.pdf.length > pdf.length && sha256(signed.pdf) !== sha256(Buffer.from(pdf)) && signed.pdf.toString().endsWith("%%EOF\n"),
    "no passphrase or whole NIK in the signed block": !signed.pdf?.toString().includes(CONFIG.passphrase) && !signed.pdf?.toString().includes("3312010101700001"),
    "signs visible with a QR link": !!judge(visible).pdf,
    "wrong passphrase 2031": code(swap(base, "passphrase", "salah")) === 2031,
    "unknown NIK 2011": code(swap(base, "nik", "12345")) === 2011,
    "inactive certificate 2051": code(swap(base, "nik", "3312010101700009")) === 2051,
    "not a PDF 400": code(swap(base, "file", "<html>")) === 400,
    "visible without linkQR 400": code(visible.filter(([n]) => n !== "linkQR")) === 400,
    "unframed body 400": judgeSign(parseMultipart("multipart/form-data; boundary=x", Buffer.from("garbage")), switches).status === 400,
  };
  const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([name]) => name);
  console.log(`esign stand-in: ${failed.length === 0 ? "ok" : `FAILED (${failed.join("; ")})`}`);
  return failed.length === 0;
}
