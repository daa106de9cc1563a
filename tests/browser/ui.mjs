// Shared helpers of the browser tests: the one set-up of a test file (the
// stack and the browser), Debian's Chromium through playwright-core, signing
// in with the keyboard, finding and acting on an application through the
// staff pages, the JSON API for set-up and checks, and screenshots under
// test-output/screenshots/.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

import { ROOT, startStack } from "../../scripts/stack.mjs";

export const CHROMIUM = "/usr/bin/chromium";
export const DEMO_PASSWORD = "pakpos-demo-2026";
export const SCREENSHOTS = join(ROOT, "test-output", "screenshots");
export const VIEWPORT = { width: 1366, height: 768 };
/** Generous: the CI machine has 2 cores and wrangler dev is not fast. */
export const TIMEOUT_MS = 60_000;

/** The status labels officers read (src/domain/workflow.rs `Status::label`). */
export const STATUS = Object.freeze({
  submitted: "Permohonan terdaftar, sedang diperiksa petugas Dinas",
  awaiting_validation: "Data sudah diperiksa, menunggu persetujuan",
  awaiting_documents: "Disetujui, menunggu berkas fisik dikirim melalui PT Pos",
  in_production: "Berkas diterima, dokumen sedang diproses",
  awaiting_signature_validation: "Dokumen sedang diperiksa sebelum ditandatangani",
  awaiting_signature: "Menunggu tanda tangan elektronik Kepala Dinas",
  ready_to_print: "Sudah ditandatangani, menunggu pencetakan",
  ready_for_pickup: "Dokumen selesai, dapat diambil di Loket Pengambilan",
  out_for_delivery: "Dokumen selesai, sedang dikirim PT Pos (COD Rp10.000)",
  completed: "Selesai, dokumen sudah diterima",
});

/** The stack of this test file (scripts/stack.mjs), once useStack()'s before() ran. */
export let stack;
/** The browser of this test file, once useStack()'s before() ran. */
export let browser;
/** The pages a test opened: screenshotted when it fails (withDiagnostics). */
export const pages = [];

/**
 * The set-up every test file shares; call it once at the top level of the
 * file. before(): starts the whole stack (scripts/stack.mjs: throw-away local
 * D1 migrated and seeded with the demo staff, the stand-ins with the courier
 * set not to act on its own, `wrangler dev` on free ports) and Chromium.
 * after(): closes the browser and stops the stack (which also happens on
 * Ctrl-C). `stack` and `browser` above are set meanwhile (import them: ES
 * module bindings are live).
 */
export function useStack() {
  before(async () => {
    stack = await startStack({ name: "browser", control: { courier_auto: false } });
    browser = await launchBrowser();
  }, { timeout: 600_000 });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  }, { timeout: 60_000 });
}

/** Launches Debian's Chromium (never a downloaded browser), with a fresh profile. */
export async function launchBrowser() {
  // chromium.launch() always starts from a new temporary user-data-dir and
  // removes it on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: TIMEOUT_MS,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/**
 * A new browser context (its own cookies: one officer's session) and page at
 * 1366×768. confirm() dialogs are accepted (the cancel button asks). Console
 * errors and CSP violations are collected in `page.problems`.
 */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: "id-ID", timezoneId: "Asia/Jakarta" });
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  page.problems = [];
  page.notes = [];
  page.dialogs = [];
  page.on("dialog", (d) => {
    page.dialogs.push(`${d.type()}: ${d.message()}`);
    d.accept().catch(() => {});
  });
  page.on("console", (m) => {
    // A failed load is reported (with its URL) by the response handler below.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) page.problems.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    // Chromium asks for /favicon.ico on its own; the pages declare no icon.
    if (r.status() >= 400 && r.request().resourceType() !== "document" && path !== "/favicon.ico") {
      page.problems.push(`${r.status()} for ${r.request().resourceType()} ${path}`);
    }
  });
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  return page;
}

/** Full-page PNG at the test viewport, under test-output/screenshots/. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  // Reported (not failed): a page wider than the office screen scrolls sideways.
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (wide > 0) page.notes?.push(`layout: ${name}.png is ${wide}px wider than the ${VIEWPORT.width}px viewport (horizontal scrolling)`);
  return path;
}

const activeId = (page) => page.evaluate(() => document.activeElement?.id ?? "");

/**
 * Signs in through the login page with the keyboard only: focus reaches the
 * username field (autofocus, or Tab), type, Tab to the password, type, Enter.
 * `path` is where the browser goes first (a page that needs a session sends
 * it to the login page); `null` signs in on the login page already open.
 * Resolves when the browser has left the login page.
 */
export async function login(page, base, username, { path = "/staff/login" } = {}) {
  if (path !== null) await page.goto(`${base}${path}`);
  await page.waitForURL((u) => u.pathname === "/staff/login");
  await page.locator("#username").waitFor();
  let focused = await activeId(page);
  for (let i = 0; focused !== "username" && i < 12; i++) {
    await page.keyboard.press("Tab");
    focused = await activeId(page);
  }
  assert.equal(focused, "username", "Tab reaches the username field");
  await page.keyboard.type(username);
  await page.keyboard.press("Tab");
  assert.equal(await activeId(page), "password", "Tab moves from username to password");
  await page.keyboard.type(DEMO_PASSWORD);
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/staff/login" && r.request().method() === "POST");
  await page.keyboard.press("Enter");
  const response = await answer;
  if (response.status() !== 303) {
    await page.waitForLoadState();
    const alert = await page.locator(".alert").allInnerTexts();
    assert.fail(`login as ${username} answered ${response.status()}: ${alert.join(" ")}`);
  }
  await page.waitForURL((u) => u.pathname !== "/staff/login");
  const who = await page.locator("header .who").innerText();
  assert.ok(who.length > 0, "the header names the signed-in officer");
}

/** Signs out with the header's "Keluar" button; back on the login page. */
export async function logout(page) {
  await page.getByRole("button", { name: "Keluar" }).click();
  await page.waitForURL((u) => u.pathname === "/staff/login");
  await page.locator("#username").waitFor();
}

/** The status line of the application page. */
export async function statusText(page) {
  return (await page.locator("[data-status]").innerText()).trim();
}

export async function assertStatus(page, code) {
  const text = await statusText(page);
  assert.ok(text.startsWith(STATUS[code]), `status on the page is "${STATUS[code]}", got "${text}"`);
}

/**
 * Opens an application from the officer's queue page (/staff): through its
 * row in the queue, or by typing its registration number in the search box.
 */
export async function openApplication(page, base, number, via) {
  if (new URL(page.url()).pathname !== "/staff") await page.goto(`${base}/staff`);
  if (via === "search") {
    await page.locator("#q").focus();
    await page.keyboard.type(number);
    await page.keyboard.press("Enter");
  } else {
    const row = page.locator("table.queue tbody tr", { hasText: number });
    await row.waitFor();
    await row.getByRole("link", { name: number }).click();
  }
  await page.waitForURL((u) => u.pathname === `/staff/applications/${number}`);
  await page.locator("h1", { hasText: number }).waitFor();
}

/**
 * Production attaches every product's draft through the application page:
 * one upload form per product (number + PDF), each confirmed.
 */
export async function attachDrafts(page) {
  const forms = page.locator('form[data-form^="draft-"]');
  const n = await forms.count();
  assert.ok(n >= 1, `production sees a draft form per product (${n})`);
  for (let i = 0; i < n; i++) {
    const form = page.locator('form[data-form^="draft-"]').nth(i);
    const product = (await form.getAttribute("data-form")).slice("draft-".length);
    await form.locator('input[name="document_number"]').fill(documentNumber(product));
    await form.locator('input[type="file"]').setInputFiles({ name: `${product}.pdf`, mimeType: "application/pdf", buffer: draftPdf(product) });
    const done = page.waitForURL((u) => u.searchParams.get("done") === "attach_draft");
    await form.locator('button[type="submit"]').click();
    await done;
    assert.match(await page.locator(".alert.ok").innerText(), /^Berhasil/, `the page confirms the draft of ${product}`);
  }
}

/** The form of one action on the application page. */
export const actionForm = (page, code) => page.locator(`form.action[data-action="${code}"]`);

/**
 * Fills (with `fill(form)`) and submits one action's form; waits for the
 * page that says it was done.
 */
export async function act(page, code, fill) {
  const form = actionForm(page, code);
  await form.waitFor();
  if (fill) await fill(form);
  const done = page.waitForURL((u) => u.searchParams.get("done") === code);
  await form.locator('button[type="submit"]').click();
  await done;
  const notice = await page.locator(".alert.ok").innerText();
  assert.match(notice, /^Berhasil/, `the page confirms ${code}`);
}

let seed = (process.pid * 7919 + Date.now()) % 9000;

/** A valid NIK and phone number not used before in this run. */
export function uniquePerson() {
  seed += 1;
  const nik = `3312014502${90 + (seed % 10)}${String(1 + (seed % 9999)).padStart(4, "0")}`;
  const phone = `08123${String(seed % 10_000_000).padStart(7, "0")}`;
  return { nik, phone };
}

/** Submits an application through the JSON API (the citizen form comes later). */
export async function createApplication(base, delivery) {
  const { nik, phone } = uniquePerson();
  const body = {
    services: ["birth_certificate", "child_id_card"],
    applicant: {
      nik,
      name: "Sri Lestari",
      phone,
      village_code: "33.12.01.2001",
      address: "Dusun Krajan RT 01 RW 02, Sumberagung",
    },
    subject: {
      name: "Bima Pratama",
      sex: "male",
      birth_date: "2026-11-01",
      birth_place: "Wonogiri",
      mother_name: "Sri Lestari",
      family_card_number: "3312010101200003",
    },
    delivery_method: delivery,
    checklist: ["surat_keterangan_lahir", "kk_orang_tua"],
  };
  const r = await fetch(`${base}/api/v1/applications`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 201, `submit: ${text}`);
  const number = JSON.parse(text).registration_number;
  assert.match(number, /^[A-Z0-9]{4}-[A-Z0-9]{5}$/);
  return { number, nik, phone };
}

/** A bearer token of a demo officer (POST /api/v1/auth/login). */
export async function apiToken(base, username) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  const body = await r.json();
  assert.equal(r.status, 200, `login ${username}: ${JSON.stringify(body)}`);
  return body.token;
}

async function apiGet(base, token, path) {
  const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const body = await r.json();
  assert.equal(r.status, 200, `GET ${path}: ${JSON.stringify(body)}`);
  return body;
}

export const apiApplication = (base, token, number) => apiGet(base, token, `/api/v1/applications/${number}`);
export const apiEvents = async (base, token, number) => (await apiGet(base, token, `/api/v1/applications/${number}/events`)).events;

/**
 * Runs a test body; on failure, saves a screenshot of each open page and
 * adds the tail of the stack's log (wrangler dev, stand-ins) to the error.
 * Layout notes of the pages become diagnostics of the test `t`.
 */
export async function withDiagnostics(t, stack, name, pages, body) {
  try {
    await body();
  } catch (e) {
    for (const [i, page] of pages().entries()) {
      try {
        if (!page.isClosed()) await screenshot(page, `FAILED-${name}-${i}`);
      } catch {}
    }
    const extra = `\n--- stack log: wrangler dev, stand-ins (last 40 lines) ---\n${stack?.logTail(40) ?? "(not started)"}`;
    if (e instanceof Error) e.message += extra;
    throw e;
  } finally {
    const notes = new Set();
    for (const page of pages()) for (const note of page.notes?.splice(0) ?? []) notes.add(note);
    for (const note of notes) t.diagnostic(note);
  }
}

/** Performs one workflow action through the JSON API (set-up only). */
export async function apiAct(base, token, number, body) {
  const r = await fetch(`${base}/api/v1/applications/${number}/actions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 200, `${body.action} on ${number}: ${text}`);
  return JSON.parse(text);
}

/** Every requirement of birth certificate + KIA for a newborn (a KIA needs the child's photo only from age 5), as the counter ticks them. */
export const FULL_CHECKLIST = [
  "akta_kelahiran_anak", "buku_nikah", "kk_orang_tua", "ktp_orang_tua",
  "ktp_saksi", "surat_keterangan_lahir",
];

/** The head of agency's signing passphrase at the e-signature stand-in. */
export const PASSPHRASE = "rahasia-kepala-dinas";

/** A small PDF standing in for SIAK's export of `product`, unique per call. */
export function draftPdf(product) {
  seed += 1;
  return Buffer.from(`%PDF-1.4\n% draft of ${product} ${seed}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
}

/** A document number of the right form for `product`. */
export function documentNumber(product) {
  seed += 1;
  if (product === "family_card") return "3312010101200003";
  if (product === "child_id_card") return uniquePerson().nik;
  return `3312-LT-01122026-${String(seed % 10000).padStart(4, "0")}`;
}

/** Production attaches a draft to every product still without one (API). */
export async function apiAttachDrafts(base, token, number) {
  const app = await apiApplication(base, token, number);
  let last = null;
  for (const p of app.products.filter((p) => !p.draft)) {
    const form = new FormData();
    form.append("document_number", documentNumber(p.product));
    form.append("file", new Blob([draftPdf(p.product)], { type: "application/pdf" }), "draf.pdf");
    const r = await fetch(`${base}/api/v1/applications/${number}/products/${p.product}/draft`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const text = await r.text();
    assert.equal(r.status, 200, `draft of ${p.product} on ${number}: ${text}`);
    last = JSON.parse(text);
  }
  return last;
}

/** The happy path through the API, as (user, body, status after). */
const API_PATH = [
  ["fo", { action: "accept", siak_reference: "SIAK/3312/2026/0001" }, "awaiting_validation"],
  ["validator", { action: "approve" }, "awaiting_documents"],
  ["loket", { action: "receive_documents", checklist: FULL_CHECKLIST }, "in_production"],
  ["produksi", { action: "attach_draft" }, "in_production"],
  ["produksi", { action: "request_signature" }, "awaiting_signature_validation"],
  ["validator", { action: "validate_signature" }, "awaiting_signature"],
  ["kadis", { action: "sign", passphrase: PASSPHRASE }, "ready_to_print"],
  ["produksi", { action: "mark_printed" }, "printed"],
];

/** Moves an application along the happy path through the API until it reaches `status`. */
export async function apiWalkTo(base, number, status) {
  if (status === "submitted") return;
  const tokens = {};
  for (const [user, body, after] of API_PATH) {
    tokens[user] ??= await apiToken(base, user);
    if (body.action === "attach_draft") {
      await apiAttachDrafts(base, tokens[user], number);
      continue;
    }
    const r = await apiAct(base, tokens[user], number, body);
    const now = r.status;
    if (now === status) return;
    assert.ok(after === "printed" || now === after, `expected ${after}, got ${now}`);
  }
  assert.fail(`${status} is not on the happy path`);
}

/**
 * The form controls of the page without a label: neither a <label> (for=id
 * or wrapping) with text, nor aria-label, nor aria-labelledby. Also labels
 * pointing at no control and duplicate ids (which break the association).
 */
export async function labelProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const text = (el) => (el?.textContent ?? "").replace(/\s+/g, " ").trim();
    for (const el of document.querySelectorAll('input:not([type="hidden"]), select, textarea')) {
      const aria = (el.getAttribute("aria-label") ?? "").trim();
      const by = (el.getAttribute("aria-labelledby") ?? "").split(/\s+/).filter(Boolean).map((id) => text(document.getElementById(id))).join(" ");
      const labels = [...(el.labels ?? [])].map(text).join(" ");
      if (!aria && !by.trim() && !labels) problems.push(`no label: ${el.outerHTML.slice(0, 160)}`);
    }
    for (const label of document.querySelectorAll("label[for]")) {
      const target = document.getElementById(label.htmlFor);
      if (!target || !["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) {
        problems.push(`label for="${label.htmlFor}" names no control: ${text(label)}`);
      }
    }
    const seen = new Map();
    for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
    for (const [id, n] of seen) if (n > 1) problems.push(`id "${id}" is used ${n} times`);
    for (const b of document.querySelectorAll("button, a[href]")) {
      if (!text(b) && !(b.getAttribute("aria-label") ?? "").trim()) problems.push(`no accessible name: ${b.outerHTML.slice(0, 160)}`);
    }
    return problems;
  });
}

/** The page answer's CSP forbids inline script, and the page has none. */
export async function assertNoInlineScript(page, response, what) {
  const csp = response.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self'/, `${what}: CSP has script-src 'self' (${csp})`);
  assert.ok(!csp.includes("unsafe-inline"), `${what}: CSP allows no 'unsafe-inline' (${csp})`);
  assert.ok(!csp.includes("unsafe-eval"), `${what}: CSP allows no 'unsafe-eval' (${csp})`);
  const inline = await page.evaluate(() => [
    ...[...document.querySelectorAll("script:not([src])")].map((s) => s.outerHTML.slice(0, 80)),
    ...[...document.querySelectorAll("*")].flatMap((el) => [...el.attributes].filter((a) => a.name.startsWith("on")).map((a) => `${el.tagName} ${a.name}`)),
  ]);
  assert.deepEqual(inline, [], `${what}: no inline script or event-handler attributes`);
}
