// Two front-office officers (two browser contexts, two sessions) open the
// same submitted application; the first accepts it; the second submits the
// accept form of their now stale page and is told, with 409, that someone
// else processed it first. Exactly one accept is recorded.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  act,
  actionForm,
  apiApplication,
  apiEvents,
  apiToken,
  assertStatus,
  browser,
  createApplication,
  login,
  newPage,
  openApplication,
  pages,
  screenshot,
  stack,
  useStack,
  withDiagnostics,
} from "./ui.mjs";

useStack();

test("when two front-office officers accept the same application, the second sees a conflict and only one accept is recorded", { timeout: 300_000 }, async (t) => {
  const first = await newPage(browser);
  const second = await newPage(browser);
  pages.push(first, second);
  await withDiagnostics(t, stack, "conflict", () => pages, async () => {
    const { number } = await createApplication(stack.base, "pickup");
    await login(first, stack.base, "fo");
    await login(second, stack.base, "fo");

    // Two sessions: each context holds its own __Host- cookie, kept by
    // Chromium on http://127.0.0.1 with every attribute the Worker set.
    const [a] = await first.context().cookies();
    const [b] = await second.context().cookies();
    for (const c of [a, b]) {
      assert.equal(c?.name, "__Host-pakpos");
      assert.equal(c.secure, true);
      assert.equal(c.httpOnly, true);
      assert.equal(c.sameSite, "Strict");
      assert.equal(c.path, "/");
    }
    assert.notEqual(a.value, b.value, "two different sessions");

    await openApplication(first, stack.base, number, "queue");
    await openApplication(second, stack.base, number, "search");
    await assertStatus(first, "submitted");
    await assertStatus(second, "submitted");

    await act(first, "accept", (form) => form.getByLabel("Nomor referensi SIAK").fill("SIAK/3312/2026/0501"));
    await assertStatus(first, "awaiting_validation");

    // The second page still shows the submitted application and its form.
    const stale = actionForm(second, "accept");
    await stale.getByLabel("Nomor referensi SIAK").fill("SIAK/3312/2026/0502");
    const answer = second.waitForResponse(
      (r) => new URL(r.url()).pathname === `/staff/applications/${number}/actions` && r.request().method() === "POST",
    );
    await stale.locator('button[type="submit"]').click();
    const response = await answer;
    assert.equal(response.status(), 409, "the stale accept is refused as a conflict");
    await second.waitForLoadState("load");
    const alert = await second.locator(".alert.error").innerText();
    assert.match(alert, /sudah diproses oleh petugas lain/);
    await assertStatus(second, "awaiting_validation");
    assert.equal(await actionForm(second, "accept").count(), 0, "no accept form on the new state");
    await screenshot(second, "application-conflict-409");

    const token = await apiToken(stack.base, "fo");
    const events = await apiEvents(stack.base, token, number);
    assert.equal(events.filter((e) => e.action === "accept").length, 1, "exactly one accept event");
    const app = await apiApplication(stack.base, token, number);
    assert.equal(app.status, "awaiting_validation");
    assert.equal(app.siak_reference, "SIAK/3312/2026/0501", "the first officer's SIAK reference stands");
    assert.deepEqual([...first.problems, ...second.problems], [], "no console errors or CSP violations");
  });
  await first.context().close();
  await second.context().close();
});
