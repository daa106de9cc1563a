// The citizens' pages in a phone-sized browser (360×740): apply through the
// form with JavaScript (linked kecamatan → village selects, NIK checked as
// you type), see the confirmation, track the application; then the same core
// flow with JavaScript disabled. Each page's transferred size (document +
// CSS + JS + icon) is printed and must stay within 60 KB.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";

import {
  apiApplication,
  apiToken,
  apiWalkTo,
  assertNoInlineScript,
  browser,
  createApplication,
  labelProblems,
  pages,
  SCREENSHOTS,
  stack,
  TIMEOUT_MS,
  useStack,
  withDiagnostics,
} from "./ui.mjs";

const PHONE = { width: 360, height: 740 };
const BUDGET = 60 * 1024;

const sizes = [];

useStack();

after(() => {
  for (const [what, bytes] of sizes) console.log(`# size ${what}: ${(bytes / 1024).toFixed(1)} KB`);
});

/** A phone: its own context, and the bytes of every response per page load. */
async function phone({ javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled, locale: "id-ID", timezoneId: "Asia/Jakarta", isMobile: true, hasTouch: true });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  // Every page load fetches its CSS and JS again, so each measurement is a first visit.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  page.problems = [];
  page.loaded = [];
  page.on("response", async (r) => {
    try {
      page.loaded.push({ url: r.url(), bytes: (await r.body()).length, status: r.status() });
    } catch {
      // A redirect has no body.
    }
  });
  page.on("pageerror", (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") page.problems.push(`console: ${m.text()}`);
  });
  pages.push(page);
  return page;
}

/** Runs a navigation and records what it transferred; fails over budget. */
async function measured(page, what, navigate) {
  page.loaded.length = 0;
  const response = await navigate();
  await page.waitForLoadState("load");
  await new Promise((ok) => setTimeout(ok, 300));
  const bytes = page.loaded.reduce((n, r) => n + r.bytes, 0);
  sizes.push([what, bytes]);
  assert.ok(bytes <= BUDGET, `${what} transfers ${bytes} bytes (> 60 KB): ${JSON.stringify(page.loaded)}`);
  return response;
}

async function shot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `public-${name}.png`), fullPage: true });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(wide <= 0, `${name} is ${wide}px wider than the 360px screen`);
}

let counter = 0;
function person() {
  counter += 1;
  const serial = String(1000 + ((Date.now() + counter) % 8999)).padStart(4, "0");
  return { nik: `33120145029${counter % 10}${serial}`, phone: `0812${String(Date.now()).slice(-7)}${counter}` };
}

/** Step 1: the service, then "Lanjut" to its fields. */
async function chooseBirthCertificate(page) {
  await page.getByLabel("Akta Kelahiran", { exact: true }).check();
  await Promise.all([page.waitForURL("**/ajukan?*"), page.getByRole("button", { name: "Lanjut" }).click()]);
}

/** "Lanjut: periksa kembali", then "Kirim permohonan" on the review page. */
async function sendForm(page) {
  await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Lanjut: periksa kembali" }).click()]);
  await page.getByRole("heading", { name: "Periksa kembali permohonan Anda" }).waitFor();
  await Promise.all([page.waitForURL("**/ajukan/selesai/*"), page.getByRole("button", { name: "Kirim permohonan" }).click()]);
}

/** Step 1, a complete birth-certificate form (JavaScript's kecamatan picker), then "Periksa kembali". */
async function toReview(page) {
  await chooseBirthCertificate(page);
  const who = person();
  await page.getByLabel("NIK pemohon").fill(who.nik);
  await page.getByLabel("Kecamatan *").selectOption({ label: "Paranggupito" });
  await page.getByLabel("Desa/Kelurahan tempat tinggal").selectOption("33.12.24.2001");
  await fillCommon(page, who);
  await page.getByRole("button", { name: "Lanjut: periksa kembali" }).click();
  await page.getByRole("heading", { name: "Periksa kembali permohonan Anda" }).waitFor();
}

async function fillCommon(page, who) {
  await page.getByLabel("Nama lengkap pemohon").fill("Sri Lestari");
  await page.getByLabel("Nomor HP").fill(who.phone);
  await page.getByLabel("Alamat pemohon").fill("Dusun Krajan RT 01 RW 02");
  await page.getByLabel("Nama lengkap *", { exact: true }).fill("Bima Pratama");
  await page.getByLabel("Tanggal lahir").fill("2026-11-01");
  await page.getByLabel("Tempat lahir").fill("Wonogiri");
  await page.getByLabel("Nama ibu kandung").fill("Sri Lestari");
  await page.getByLabel("Nomor KK").fill("3312010101200003");
  await page.getByLabel("Jenis kelamin").selectOption("male");
  await page.getByLabel(/Diantar PT Pos/).check();
  await page.getByLabel(/Surat keterangan lahir/).check();
}

/** The tracking form's POST answered: the NIK goes in the body, never the address. */
const trackingPosted = (page) =>
  page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/lacak");

test("a citizen applies, sees the number and tracks it on a phone (with JavaScript)", { timeout: 300_000 }, async (t) => {
  await withDiagnostics(t, stack, "public-js", () => pages, async () => {
    const page = await phone();
    const landing = await measured(page, "landing /", () => page.goto(`${stack.base}/`));
    assert.equal(landing.status(), 200);
    await assertNoInlineScript(page, landing, "landing");
    assert.match(await page.textContent("main"), /Rp 10\.000 untuk pengiriman berkas/);
    await shot(page, "landing");

    const form = await measured(page, "form /ajukan", () => page.getByRole("link", { name: "Ajukan permohonan" }).click().then(() => page.waitForURL("**/ajukan")).then(() => null));
    void form;
    await chooseBirthCertificate(page);
    assert.deepEqual(await labelProblems(page), [], "every control has a label");
    const who = person();

    // The NIK is checked as you type, with the server's rule.
    const nik = page.getByLabel("NIK pemohon");
    await nik.fill("3312014513900001");
    await nik.blur();
    await assert.doesNotReject(page.getByText("bulan lahir pada NIK tidak valid").waitFor());
    await nik.fill(who.nik);
    await nik.blur();
    assert.equal(await page.getByText("bulan lahir pada NIK tidak valid").count(), 0, "the message goes once it is right");

    // Kecamatan first, then its villages only.
    const village = page.getByLabel("Desa/Kelurahan tempat tinggal");
    assert.ok(await village.isDisabled(), "villages wait for a kecamatan");
    await page.getByLabel("Kecamatan *").selectOption({ label: "Paranggupito" });
    const names = await village.locator("option").allTextContents();
    assert.ok(names.includes("Songbledeg") && !names.includes("Sumberagung"), `villages of Paranggupito only: ${names}`);
    await village.selectOption({ label: "Songbledeg" });

    await fillCommon(page, who);
    // Only the chosen service's requirements are offered.
    assert.ok(!(await page.getByLabel(/Kartu Keluarga \(KK\) lama/).isVisible()), "KK-only items hidden");
    await shot(page, "form");

    await measured(page, "confirmation /ajukan/selesai", () => sendForm(page));
    const number = (await page.locator("#nomor").textContent()).trim();
    assert.match(number, /^[A-Z0-9]{4}-[A-Z0-9]{5}$/);
    assert.equal(await page.getByRole("link", { name: "Unggah foto berkas persyaratan" }).getAttribute("href"), `/unggah/${number}`);
    await shot(page, "done");

    // The phone that sent the form uploads its papers without typing the NIK again.
    await Promise.all([page.waitForURL(`**/unggah/${number}`), page.getByRole("link", { name: "Unggah foto berkas persyaratan" }).click()]);
    assert.equal(await page.getByLabel("NIK pemohon").count(), 0, "the NIK is asked again of the phone that applied");
    await page.getByLabel("Jenis berkas").selectOption("surat_keterangan_lahir");
    await page.getByLabel("Berkas *", { exact: true }).setInputFiles({ name: "skl.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
    await page.getByRole("button", { name: "Unggah" }).click();
    await page.locator("#sudah").getByText(/skl\.pdf/).waitFor();
    await page.goto(`${stack.base}/ajukan/selesai/${number}`);

    await measured(page, "tracking form /lacak", () => Promise.all([page.waitForURL("**/lacak?nomor=*"), page.getByRole("link", { name: "Lacak permohonan" }).last().click()]));
    assert.equal(await page.getByLabel("Nomor pendaftaran").inputValue(), number);
    await page.getByLabel("NIK pemohon").fill(who.nik);
    await measured(page, "tracking result POST /lacak", () => Promise.all([trackingPosted(page), page.getByRole("button", { name: "Lacak" }).click()]));
    await page.waitForLoadState("load");
    assert.ok(!page.url().includes(who.nik), `the NIK is in the address: ${page.url()}`);
    assert.match(await page.locator("#status").textContent(), /Permohonan terdaftar, sedang diperiksa petugas Dinas/);
    const text = await page.textContent("main");
    for (const personal of [who.nik, "Sri Lestari", "Bima Pratama", "Krajan"]) {
      assert.ok(!text.includes(personal) && !(await page.content()).includes(personal), `no personal data: ${personal}`);
    }
    await shot(page, "track");
    assert.deepEqual(page.problems, []);
  });
});

test("the form works with JavaScript disabled", { timeout: 300_000 }, async (t) => {
  await withDiagnostics(t, stack, "public-nojs", () => pages, async () => {
    const page = await phone({ javaScriptEnabled: false });
    await measured(page, "form /ajukan (no JS)", () => page.goto(`${stack.base}/ajukan`));
    await chooseBirthCertificate(page);
    const who = person();
    // A wrong NIK comes back from the server, next to its field, values kept.
    await page.getByLabel("NIK pemohon").fill("3312014513900001");
    await page.getByLabel("Desa/Kelurahan tempat tinggal").selectOption("33.12.24.2001");
    await fillCommon(page, who);
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Lanjut: periksa kembali" }).click()]);
    assert.match(await page.locator("#applicant-nik").locator("xpath=..").textContent(), /bulan lahir pada NIK tidak valid/);
    assert.equal(await page.getByLabel("Nama lengkap pemohon").inputValue(), "Sri Lestari");
    assert.equal(await page.getByLabel("Desa/Kelurahan tempat tinggal").inputValue(), "33.12.24.2001");
    await shot(page, "form-error-nojs");

    await page.getByLabel("NIK pemohon").fill(who.nik);
    await measured(page, "confirmation (no JS)", () => sendForm(page));
    const number = (await page.locator("#nomor").textContent()).trim();
    await shot(page, "done-nojs");

    await page.goto(`${stack.base}/lacak`);
    await page.getByLabel("Nomor pendaftaran").fill(number.toLowerCase().replace("-", ""));
    await page.getByLabel("NIK pemohon").fill(who.nik);
    await Promise.all([trackingPosted(page), page.getByRole("button", { name: "Lacak" }).click()]);
    await page.waitForLoadState("load");
    assert.ok(!page.url().includes(who.nik), `the NIK is in the address: ${page.url()}`);
    assert.match(await page.locator("#status").textContent(), /sedang diperiksa petugas Dinas/);
    await shot(page, "track-nojs");
  });
});

test("an empty form shows every error at once, in page order, with the focus on the summary", { timeout: 300_000 }, async (t) => {
  await withDiagnostics(t, stack, "public-errors", () => pages, async () => {
    const page = await phone();
    await page.goto(`${stack.base}/ajukan`);
    await chooseBirthCertificate(page);
    // The pickup radio is the default: clear every field and send.
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Lanjut: periksa kembali" }).click()]);
    assert.match(await page.title(), /^Galat: /);
    const links = await page.locator("#ringkasan-galat a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.deepEqual(links, ["#applicant-nik", "#applicant-name", "#applicant-phone", "#applicant-address", "#applicant-village_code",
      "#subject-name", "#subject-sex", "#subject-birth_date", "#subject-birth_place", "#subject-mother_name", "#subject-family_card_number"]);
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), "ringkasan-galat", "the summary has the focus");
    assert.equal(await page.locator('[role="alert"]').count(), 1, "one alert region");
    for (const href of links) {
      const field = page.locator(href);
      assert.equal(await field.getAttribute("aria-invalid"), "true", `${href} is not marked invalid`);
      const described = (await field.getAttribute("aria-describedby")) || "";
      assert.ok(described.includes(`${href.slice(1)}-error`), `${href} does not point at its message`);
    }
    // A link moves to its field.
    await page.locator('#ringkasan-galat a[href="#subject-sex"]').click();
    assert.equal(await page.evaluate(() => document.activeElement.id), "subject-sex");
    // The live check replaces the server's message instead of adding one.
    const nik = page.getByLabel("NIK pemohon");
    await nik.fill("3312014513900001");
    await nik.blur();
    const messages = await page.locator("#applicant-nik-error").allTextContents();
    assert.deepEqual(messages, ["NIK pemohon: bulan lahir pada NIK tidak valid"]);
    await shot(page, "form-errors");
    // The 422 of the form sent with errors is the answer this test asks for.
    assert.deepEqual(page.problems.filter((p) => !p.includes("status of 422")), []);
  });
});

test("a double tap on Kirim permohonan creates one application", { timeout: 300_000 }, async (t) => {
  await withDiagnostics(t, stack, "public-double-tap", () => pages, async () => {
    const page = await phone();
    const created = [];
    page.on("response", (r) => { if (r.request().method() === "POST" && r.status() === 303) created.push(r.headers().location); });
    await page.goto(`${stack.base}/ajukan`);
    await toReview(page);
    const send = page.getByRole("button", { name: "Kirim permohonan" });
    await send.waitFor();
    await Promise.all([page.waitForURL("**/ajukan/selesai/*"), send.dblclick()]);
    const number = (await page.locator("#nomor").textContent()).trim();
    const token = await apiToken(stack.base, "fo");
    const app = await apiApplication(stack.base, token, number);
    assert.equal(app.registration_number, number);
    assert.deepEqual([...new Set(created)], [`/ajukan/selesai/${number}`], `one application: ${created}`);
  });
});

test("a form sent without signal is kept on the phone and sent once when the signal returns", { timeout: 300_000 }, async (t) => {
  await withDiagnostics(t, stack, "public-offline", () => pages, async () => {
    const page = await phone();
    const context = page.context();
    // Every answer to a POST /ajukan, from the page or its service worker.
    const sent = [];
    context.on("response", (r) => {
      if (r.request().method() === "POST" && new URL(r.url()).pathname === "/ajukan" && r.status() === 303) sent.push(r.headers().location);
    });
    await page.goto(`${stack.base}/ajukan`);
    assert.ok(await page.evaluate(() => navigator.serviceWorker.ready.then(() => true)), "the service worker is installed");
    assert.equal(await page.locator('link[rel="manifest"]').getAttribute("href"), "/manifest.webmanifest");
    await toReview(page);

    await context.setOffline(true);
    await page.getByRole("button", { name: "Kirim permohonan" }).click();
    await page.locator("#antrian").getByText("Menunggu sinyal").waitFor();
    assert.deepEqual(sent, [], "nothing left the phone without signal");
    await shot(page, "offline-waiting");

    await context.setOffline(false);
    const shown = page.locator("#antrian .nomor-antrian");
    await shown.waitFor();
    const number = (await shown.textContent()).trim();
    assert.match(number, /^[A-Z0-9]{4}-[A-Z0-9]{5}$/);
    await shot(page, "offline-sent");
    const token = await apiToken(stack.base, "fo");
    const app = await apiApplication(stack.base, token, number);
    assert.equal(app.registration_number, number);
    // Opening another page sends nothing again.
    await page.goto(`${stack.base}/lacak`);
    await page.locator("#antrian .nomor-antrian").waitFor();
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual([...new Set(sent)], [`/ajukan/selesai/${number}`], `exactly one application: ${sent}`);
  });
});

test("the verification page says whether a PDF is the signed file, hashing it on the phone", { timeout: 300_000 }, async (t) => {
  await withDiagnostics(t, stack, "verify", () => pages, async () => {
    const { number } = await createApplication(stack.base, "pickup");
    await apiWalkTo(stack.base, number, "ready_to_print");
    const token = await apiToken(stack.base, "produksi");
    const app = await apiApplication(stack.base, token, number);
    const kia = app.products.find((p) => p.product === "child_id_card");
    const code = kia.signature.verification_code;
    const r = await fetch(`${stack.base}/api/v1/applications/${number}/products/child_id_card/signed`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    const signed = Buffer.from(await r.arrayBuffer());
    const altered = Buffer.from(signed);
    altered[Math.floor(altered.length / 2)] ^= 0x01;

    const page = await phone();
    const sent = [];
    page.on("request", (req) => {
      if (req.method() !== "GET") sent.push(`${req.method()} ${req.url()}`);
    });
    await measured(page, "verification /verifikasi/{code}", () => page.goto(`${stack.base}/verifikasi/${code}`));
    assert.match(await page.locator("#status").textContent(), /Berlaku/);
    assert.equal((await page.locator("#nama").textContent()).trim(), "B*** P******");
    const result = page.locator("#hasil-periksa");
    await page.getByLabel("Berkas PDF").setInputFiles({ name: "kia.pdf", mimeType: "application/pdf", buffer: signed });
    await assert.doesNotReject(result.filter({ hasText: "Cocok" }).waitFor());
    await shot(page, "verify-match");
    await page.getByLabel("Berkas PDF").setInputFiles({ name: "kia-diubah.pdf", mimeType: "application/pdf", buffer: altered });
    await assert.doesNotReject(result.filter({ hasText: "Tidak cocok" }).waitFor());
    await shot(page, "verify-mismatch");
    assert.deepEqual(sent, [], "nothing is uploaded");
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  });
});
