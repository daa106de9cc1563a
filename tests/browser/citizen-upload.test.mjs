// A citizen on a phone (360×740) uploads a photo of a requirement document
// from the confirmation page, and the officer sees it on the application
// page; a village operator submits an application on a citizen's behalf
// through the staff pages.
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { test } from "node:test";

import {
  browser,
  createApplication,
  login,
  newPage,
  pages,
  screenshot,
  stack,
  TIMEOUT_MS,
  useStack,
  withDiagnostics,
} from "./ui.mjs";

useStack();

/** A real 1×1 PNG (signature, IHDR, IDAT, IEND with their CRCs). */
function tinyPng() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc(body));
    return Buffer.concat([head, body, tail]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  const idat = deflateSync(Buffer.from([0, 200, 30, 30]));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", Buffer.alloc(0))]);
}

test("a citizen on a phone uploads a photo of a requirement document and the officer sees it", { timeout: 300_000 }, async (t) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: "id-ID" });
  context.setDefaultTimeout(TIMEOUT_MS);
  const phone = await context.newPage();
  pages.push(phone);
  await withDiagnostics(t, stack, "citizen-upload", () => pages, async () => {
    const { number, nik } = await createApplication(stack.base, "pickup");
    await phone.goto(`${stack.base}/ajukan/selesai/${number}`);
    await phone.getByRole("link", { name: "Unggah foto berkas persyaratan" }).click();
    await phone.waitForURL((u) => u.pathname === `/unggah/${number}`);
    // The citizens' layout, and a picker that allows a PDF or a gallery photo.
    assert.equal(await phone.locator('link[href="/static/public.css"]').count(), 1, "citizen stylesheet");
    const picker = phone.getByLabel("Berkas *", { exact: true });
    assert.equal(await picker.getAttribute("capture"), null, "capture would forbid a PDF or a gallery photo");
    assert.match(await picker.getAttribute("accept"), /application\/pdf/);
    assert.equal(await phone.getByLabel("Jenis berkas").inputValue(), "", "no paper chosen for the citizen");
    // A PDF can be chosen and sent.
    await phone.getByLabel("NIK pemohon").fill(nik);
    await phone.getByLabel("Jenis berkas").selectOption("kk_orang_tua");
    await picker.setInputFiles({ name: "kk.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n") });
    await phone.getByRole("button", { name: "Unggah" }).click();
    await phone.locator(".callout[role=status]").waitFor();
    // The NIK stays filled for the next paper; what is still missing is listed.
    assert.equal(await phone.getByLabel("NIK pemohon").inputValue(), nik);
    assert.match(await phone.locator("#belum").innerText(), /Surat keterangan lahir/);
    await phone.getByLabel("Jenis berkas").selectOption("surat_keterangan_lahir");
    await picker.setInputFiles({ name: "surat-lahir.png", mimeType: "image/png", buffer: tinyPng() });
    await phone.getByRole("button", { name: "Unggah" }).click();
    await phone.locator("#sudah").getByText(/surat-lahir\.png/).waitFor();
    assert.match(await phone.locator("#sudah").innerText(), /kk\.pdf/);
    assert.doesNotMatch(await phone.locator("#belum").innerText(), /Surat keterangan lahir/);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no sideways scrolling at 360 px (page is ${width} px wide)`);
    await screenshot(phone, "public-upload-done");

    const officer = await newPage(browser);
    pages.push(officer);
    await login(officer, stack.base, "validator", { path: `/staff/applications/${number}` });
    // The upload is on its paper's row of the requirements table and in the list of uploads.
    await officer.locator('tr[data-item="surat_keterangan_lahir"]').getByRole("link", { name: "surat-lahir.png" }).waitFor();
    const link = officer.locator("[data-documents]").getByRole("link", { name: "surat-lahir.png" });
    await link.waitFor();
    const href = await link.getAttribute("href");
    const download = await officer.request.get(`${stack.base}${href}`);
    assert.equal(download.status(), 200, "the officer opens the file");
    assert.deepEqual(Buffer.from(await download.body()), tinyPng(), "the same bytes come back");
    const anonymous = await fetch(`${stack.base}${href}`);
    assert.equal(anonymous.status, 404, "the URL alone grants nothing");
    await screenshot(officer, "application-with-upload");
  });
  await context.close();
});

test("a village operator submits an application on a citizen's behalf through the staff pages, on a phone", { timeout: 300_000 }, async (t) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: "id-ID" });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  pages.push(page);
  await withDiagnostics(t, stack, "operator-submit", () => pages, async () => {
    await login(page, stack.base, "desa.sumberagung");
    await page.getByRole("link", { name: "Ajukan permohonan" }).click();
    await page.waitForURL((u) => u.pathname === "/staff/submit");
    const seed = Date.now() % 10_000;
    await page.locator('input[name="services"][value="birth_certificate"]').check();
    await Promise.all([page.waitForURL((u) => u.search.includes("services=")), page.getByRole("button", { name: "Lanjut" }).click()]);
    await page.locator("#applicant-nik").fill(`3312014502${90 + (seed % 10)}${String(1 + (seed % 9999)).padStart(4, "0")}`);
    await page.locator("#applicant-name").fill("Siti Aminah");
    await page.locator("#applicant-phone").fill(`0813${String(seed).padStart(8, "0")}`);
    if (await page.locator("#kecamatan").count()) await page.locator("#kecamatan").selectOption({ index: 1 });
    await page.locator("#applicant-village_code").selectOption("33.12.01.2001");
    await page.locator("#applicant-address").fill("Dusun Kidul RT 02 RW 01");
    await page.locator("#subject-name").fill("Rara Ayu");
    await page.locator("#subject-sex").selectOption("female");
    await page.locator("#subject-birth_date").fill("2026-11-10");
    await page.locator("#subject-birth_place").fill("Wonogiri");
    await page.locator("#subject-mother_name").fill("Siti Aminah");
    await page.locator("#subject-family_card_number").fill("3312010101200003");
    await page.locator('input[name="delivery_method"][value="pickup"]').check();
    await screenshot(page, "operator-submit-form");
    await page.getByRole("button", { name: "Lanjut: periksa kembali" }).click();
    await page.getByRole("button", { name: "Kirim permohonan" }).click();
    await page.waitForURL((u) => u.pathname.startsWith("/staff/applications/"));
    assert.match(await page.locator(".alert.ok").innerText(), /Berhasil/);
    assert.match(await page.locator("[data-status]").innerText(), /terdaftar/);
    assert.match(await page.locator("dl.facts").first().innerText(), /Operator desa/);
    await screenshot(page, "operator-submitted");
  });
  await context.close();
});
