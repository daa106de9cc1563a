// Every public page at 360×740, audited: axe-core (0 violations, WCAG 2.x A
// and AA rules) in Playwright, and Lighthouse (performance, accessibility,
// best practices, SEO; each at least 95, mobile emulation) in Debian's
// Chromium. Each page's figures are printed (`# lighthouse …`, `# axe …`).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";

import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

import { browser, CHROMIUM, createApplication, stack, TIMEOUT_MS, useStack, withDiagnostics, pages } from "./ui.mjs";

useStack();

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const MIN_SCORE = 95;

/** The public pages, one of each kind (a number for those that need one). */
async function publicPages() {
  const { number } = await createApplication(stack.base, "pickup");
  return [
    "/",
    "/ajukan",
    "/ajukan?services=birth_certificate",
    `/ajukan/selesai/${number}`,
    "/lacak",
    `/unggah/${number}`,
    "/pengaduan",
    "/pengaduan/lacak",
    "/verifikasi",
    "/halaman-yang-tidak-ada",
  ];
}

test("every public page has no axe violations at 360×740", { timeout: 300_000 }, async (t) => {
  await withDiagnostics(t, stack, "axe", () => pages, async () => {
    // bypassCSP: axe is injected as a script of its own; the pages keep their CSP otherwise.
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: "id-ID", bypassCSP: true });
    context.setDefaultTimeout(TIMEOUT_MS);
    const page = await context.newPage();
    pages.push(page);
    const failures = [];
    for (const path of await publicPages()) {
      await page.goto(`${stack.base}${path}`);
      await page.addScriptTag({ content: AXE });
      const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
      console.log(`# axe ${path} violations=${result.violations.length} passes=${result.passes.length}`);
      for (const v of result.violations) failures.push(`${path}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }
    await context.close();
    assert.deepEqual(failures, []);
  });
});

test("every public page scores at least 95 in Lighthouse's four categories", { timeout: 900_000 }, async (t) => {
  await withDiagnostics(t, stack, "lighthouse", () => pages, async () => {
    const chrome = await chromeLauncher.launch({
      chromePath: CHROMIUM,
      chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    const low = [];
    try {
      // Lighthouse audits pages that answer 200: the error page is axe's only.
      for (const path of (await publicPages()).filter((p) => !p.startsWith("/halaman"))) {
        const { lhr } = await lighthouse(`${stack.base}${path}`, {
          port: chrome.port,
          logLevel: "error",
          output: "json",
          onlyCategories: ["performance", "accessibility", "best-practices", "seo"],
          formFactor: "mobile",
          screenEmulation: { mobile: true, width: 360, height: 740, deviceScaleFactor: 2, disabled: false },
        });
        const scores = Object.fromEntries(Object.entries(lhr.categories).map(([k, c]) => [k, Math.round((c.score ?? 0) * 100)]));
        console.log(`# lighthouse ${path} ${Object.entries(scores).map(([k, v]) => `${k}=${v}`).join(" ")}`);
        for (const [k, v] of Object.entries(scores)) {
          if (v < MIN_SCORE) {
            const failed = Object.values(lhr.audits).filter((a) => a.score !== null && a.score < 0.9 && lhr.categories[k].auditRefs.some((r) => r.id === a.id && r.weight > 0)).map((a) => a.id);
            low.push(`${path} ${k}=${v} (${failed.join(", ")})`);
          }
        }
      }
    } finally {
      await chrome.kill();
    }
    assert.deepEqual(low, []);
  });
});
