// Complaints and suggestions in a real browser: on a 360×740 phone a citizen
// files a complaint through the public form (no JavaScript needed) and
// tracks it with the ticket and phone; the complaints officer answers it in
// the staff pages; the citizen's tracking page then shows the answer and the
// SMS reaches the gateway stand-in.
import assert from "node:assert/strict";
import { test } from "node:test";

import { browser, login, newPage, pages, screenshot, stack, useStack, withDiagnostics } from "./ui.mjs";

useStack();

async function phonePage() {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "id-ID", timezoneId: "Asia/Jakarta" });
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  page.notes = [];
  pages.push(page);
  return page;
}

test("a citizen files and tracks a complaint on a phone; the complaints officer answers it", { timeout: 300_000 }, async (t) => {
  const citizen = await phonePage();
  const officer = await newPage(browser);
  pages.push(officer);
  await withDiagnostics(t, stack, "complaints", () => pages, async () => {
    const digits = String(Date.now() % 100_000_000).padStart(8, "0");
    const hp = `0858${digits}`;
    await citizen.goto(`${stack.base}/pengaduan`);
    await citizen.getByLabel("Nama").fill("Sri Lestari");
    await citizen.getByLabel("Nomor HP").fill(hp);
    await citizen.getByLabel("Isi pengaduan atau saran").fill("Akta kelahiran anak saya belum jadi setelah sebulan.");
    const wide = await citizen.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `the form fits the phone (${wide}px too wide)`);
    await screenshot(citizen, "complaint-form-360");
    await citizen.getByRole("button", { name: "Kirim" }).click();
    await citizen.waitForURL((u) => u.pathname.startsWith("/pengaduan/ADU-"));
    const ticket = (await citizen.locator("#tiket").innerText()).trim();
    assert.match(ticket, /^ADU-[1-9A-Z]{7}$/);

    await citizen.getByRole("link", { name: "Lacak pengaduan" }).click();
    await citizen.getByLabel("Nomor HP").fill(hp);
    await citizen.getByRole("button", { name: "Lacak" }).click();
    assert.match(await citizen.locator("#status").innerText(), /Baru/);
    assert.match(await citizen.locator("#tanggapan").innerText(), /Belum ada tanggapan/);

    await login(officer, stack.base, "pengaduan");
    await officer.getByRole("link", { name: "Pengaduan" }).first().click();
    await officer.waitForURL((u) => u.pathname === "/staff/complaints");
    await officer.getByRole("link", { name: ticket }).click();
    await officer.getByRole("button", { name: "Mulai tangani" }).click();
    await officer.waitForURL((u) => u.pathname === `/staff/complaints/${ticket}`);
    assert.match(await officer.locator("#status").innerText(), /Sedang ditangani/);
    const answer = "Berkas sudah kami periksa; akta dicetak minggu ini.";
    await officer.getByLabel(/Tanggapan untuk pelapor/).fill(answer);
    await officer.getByRole("button", { name: "Kirim tanggapan" }).click();
    await officer.waitForURL((u) => u.pathname === `/staff/complaints/${ticket}`);
    assert.match(await officer.locator("#riwayat").innerText(), /Ditanggapi/);
    await screenshot(officer, "complaint-detail");

    // The answer is rendered from the form's POST (the phone number never
    // goes in the address), so the citizen asks again rather than reloading.
    assert.ok(!citizen.url().includes(hp.slice(1)), `the phone is in the address: ${citizen.url()}`);
    await citizen.getByLabel("Nomor HP").fill(hp);
    await Promise.all([
      citizen.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/pengaduan/lacak"),
      citizen.getByRole("button", { name: "Lacak" }).click(),
    ]);
    await citizen.waitForLoadState("load");
    assert.match(await citizen.locator("#tanggapan").innerText(), new RegExp(answer));
    assert.doesNotMatch(await citizen.locator("main").innerText(), /Sri Lestari/);
    await screenshot(citizen, "complaint-tracked-360");

    const e164 = `+62${hp.slice(1)}`;
    let sms = [];
    for (let i = 0; i < 100 && sms.length === 0; i++) {
      const records = await (await fetch(`${stack.standins}/_records`)).json();
      sms = (records.sms ?? []).filter((m) => m.to === e164);
      if (sms.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(sms.length, 1, "one SMS to the complainant");
    assert.match(sms[0].body, new RegExp(ticket));
  });
  await citizen.context().close();
  await officer.context().close();
});
