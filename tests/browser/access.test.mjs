// Who may open what, and the basics of an accessible page: another role's
// page is refused with 403; a page opened without a session goes to the
// login page, which brings the officer back; every control has a label, the
// keyboard reaches the content, and the CSP forbids inline script.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  apiWalkTo,
  assertNoInlineScript,
  assertStatus,
  browser,
  createApplication,
  labelProblems,
  login,
  logout,
  newPage,
  pages,
  screenshot,
  stack,
  useStack,
  withDiagnostics,
} from "./ui.mjs";

useStack();

async function page() {
  const p = await newPage(browser);
  pages.push(p);
  return p;
}

test("a front-office officer who opens the dashboard or the administration page is refused with 403", { timeout: 300_000 }, async (t) => {
  const fo = await page();
  await withDiagnostics(t, stack, "wrong-role", () => pages, async () => {
    await login(fo, stack.base, "fo");
    for (const path of ["/staff/admin", "/staff/dashboard"]) {
      const response = await fo.goto(`${stack.base}${path}`);
      assert.equal(response.status(), 403, `${path} as fo answers 403 (got ${response.status()}: ${await fo.locator("main").innerText()})`);
      assert.equal(new URL(fo.url()).pathname, path, "no redirect elsewhere");
      assert.match(await fo.locator("h1").innerText(), /Tidak berwenang/);
      await assertNoInlineScript(fo, response, path);
      await screenshot(fo, `refused-403-${path.split("/").pop()}`);
    }
    // The refusal shows nothing of those pages in the menu either.
    const nav = await fo.locator("header nav").innerText();
    assert.doesNotMatch(nav, /Dasbor|Administrasi/);
  });
  await fo.context().close();
});

test("a visit without a session goes to the login page, which remembers the page and returns to it", { timeout: 300_000 }, async (t) => {
  const officer = await page();
  await withDiagnostics(t, stack, "next", () => pages, async () => {
    const { number } = await createApplication(stack.base, "pickup");
    const target = `/staff/applications/${number}`;
    await officer.goto(`${stack.base}${target}`);
    await officer.waitForURL((u) => u.pathname === "/staff/login");
    const url = new URL(officer.url());
    assert.equal(url.searchParams.get("next"), target, "the login page remembers where the officer was going");
    assert.equal(await officer.locator('input[type="hidden"][name="next"]').inputValue(), target);
    await login(officer, stack.base, "fo", { path: null });
    assert.equal(new URL(officer.url()).pathname, target, "back on the application page after signing in");
    await assertStatus(officer, "submitted");
    assert.deepEqual(officer.problems, [], "no console errors or CSP violations");
  });
  await officer.context().close();
});

test("every control on the login, queue and application pages has a label, the keyboard reaches the content, and no inline script may run", { timeout: 600_000 }, async (t) => {
  const officer = await page();
  await withDiagnostics(t, stack, "a11y", () => pages, async () => {
    // Login page.
    let response = await officer.goto(`${stack.base}/staff/login`);
    assert.equal(response.status(), 200);
    await assertNoInlineScript(officer, response, "login page");
    assert.deepEqual(await labelProblems(officer), [], "login page");

    // Applications in the states whose forms have the most controls.
    const apps = {};
    for (const status of ["submitted", "awaiting_documents", "in_production", "ready_for_pickup"]) {
      apps[status] = (await createApplication(stack.base, "pickup")).number;
      await apiWalkTo(stack.base, apps[status], status);
    }
    apps.out_for_delivery = (await createApplication(stack.base, "pos")).number;
    await apiWalkTo(stack.base, apps.out_for_delivery, "out_for_delivery");

    const views = [
      ["fo", "submitted", ["accept", "cancel", "change_delivery_method"]],
      ["loket", "awaiting_documents", ["receive_documents", "cancel"]],
      ["produksi", "in_production", ["correct", "request_signature", "cancel"]],
      ["loket", "ready_for_pickup", ["hand_over"]],
      ["loket", "out_for_delivery", ["record_delivered", "record_returned"]],
    ];
    let signedIn = null;
    for (const [user, status, forms] of views) {
      if (signedIn !== user) {
        if (signedIn) await logout(officer);
        await login(officer, stack.base, user);
        signedIn = user;
        // Queue page: the first Tab reaches the skip link, which leads into the content.
        response = await officer.goto(`${stack.base}/staff`);
        assert.equal(response.status(), 200);
        await assertNoInlineScript(officer, response, `queue of ${user}`);
        assert.deepEqual(await labelProblems(officer), [], `queue of ${user}`);
        await officer.keyboard.press("Tab");
        const skip = await officer.evaluate(() => document.activeElement?.textContent?.trim());
        assert.equal(skip, "Langsung ke isi", "the first Tab reaches the skip link");
        await officer.keyboard.press("Enter");
        await officer.waitForURL((u) => u.hash === "#main");
        await officer.keyboard.press("Tab");
        const next = await officer.evaluate(() => document.activeElement?.id);
        assert.equal(next, "q", "after the skip link, Tab goes to the search box");
      }
      const number = apps[status];
      response = await officer.goto(`${stack.base}/staff/applications/${number}`);
      assert.equal(response.status(), 200);
      await assertStatus(officer, status);
      await assertNoInlineScript(officer, response, `${status} as ${user}`);
      const shown = await officer.locator("form.action").evaluateAll((fs) => fs.map((f) => f.dataset.action));
      for (const code of forms) assert.ok(shown.includes(code), `${user} sees the ${code} form on ${status} (${shown})`);
      assert.deepEqual(await labelProblems(officer), [], `application page, ${status} as ${user}`);
      // Every visible control can take keyboard focus.
      const unfocusable = await officer.locator('form.action :is(input:not([type="hidden"]), select, textarea, button)').evaluateAll((els) =>
        els.filter((el) => el.tabIndex < 0 || el.disabled).map((el) => el.outerHTML.slice(0, 120)),
      );
      assert.deepEqual(unfocusable, [], `${status}: every control is keyboard-focusable`);
      await screenshot(officer, `application-${status}-${user}`);
    }
    assert.deepEqual(officer.problems, [], "no console errors or CSP violations");
  });
  await officer.context().close();
});

test("the dashboard and administration pages render for their roles (screenshots)", { timeout: 300_000 }, async (t) => {
  const officer = await page();
  await withDiagnostics(t, stack, "dashboard-admin", () => pages, async () => {
    for (const [user, paths] of [["kadis", ["/staff/dashboard"]], ["admin", ["/staff/dashboard", "/staff/admin"]]]) {
      await login(officer, stack.base, user);
      for (const path of paths) {
        const response = await officer.goto(`${stack.base}${path}`);
        // A missing page fails the test (it is never skipped).
        if (response.status() !== 200) {
          const text = (await officer.locator("body").innerText({ timeout: 5_000 }).catch(() => "")).replace(/\s+/g, " ");
          assert.fail(`${path} as ${user} answered ${response.status()}, not 200: ${text.slice(0, 300)}`);
        }
        await assertNoInlineScript(officer, response, `${path} as ${user}`);
        assert.deepEqual(await labelProblems(officer), [], `${path} as ${user}`);
        await screenshot(officer, `${path.split("/").pop()}-${user}`);
      }
      await logout(officer);
    }
    assert.deepEqual(officer.problems, [], "no console errors or CSP violations");
  });
  await officer.context().close();
});
