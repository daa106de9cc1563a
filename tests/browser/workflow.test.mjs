// One application from submission to completed entirely through the staff
// pages, for both delivery methods: each role in turn signs in with the
// keyboard, finds the application in its queue (or by searching its
// registration number), fills and submits its action form, and signs out.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  act,
  attachDrafts,
  apiApplication,
  apiEvents,
  apiToken,
  assertStatus,
  browser,
  createApplication,
  login,
  logout,
  newPage,
  openApplication,
  pages,
  PASSPHRASE,
  screenshot,
  stack,
  useStack,
  withDiagnostics,
} from "./ui.mjs";

useStack();

const fillSiak = (form) => form.getByLabel("Nomor referensi SIAK").fill("SIAK/3312/2026/0417");
const tickEverything = async (form) => {
  const boxes = form.locator('input[type="checkbox"]');
  const n = await boxes.count();
  assert.ok(n >= 2, `the counter ticks the requirement checklist (${n} boxes)`);
  for (let i = 0; i < n; i++) await boxes.nth(i).check();
};

/** The steps both delivery methods share: (user, how to find it, action, fill, status after). */
const SHARED = [
  ["fo", "queue", "accept", fillSiak, "awaiting_validation"],
  ["validator", "search", "approve", null, "awaiting_documents"],
  ["loket", "queue", "receive_documents", tickEverything, "in_production"],
  ["produksi", "search", "attach_draft", null, "in_production"],
  ["produksi", "search", "request_signature", null, "awaiting_signature_validation"],
  ["validator", "queue", "validate_signature", null, "awaiting_signature"],
  ["kadis", "queue", "sign", (form) => form.locator('input[name="passphrase"]').fill(PASSPHRASE), "ready_to_print"],
];

async function walk(page, number, steps, shots = {}) {
  for (const [user, via, action, fill, after] of steps) {
    await login(page, stack.base, user);
    assert.equal(new URL(page.url()).pathname, "/staff", `${user} lands on the queue`);
    if (via === "queue" && shots.queue) {
      await page.locator("table.queue tbody tr", { hasText: number }).waitFor();
      await screenshot(page, `queue-${user}`);
    }
    await openApplication(page, stack.base, number, via);
    if (shots.before?.[action]) await screenshot(page, shots.before[action]);
    if (action === "attach_draft") await attachDrafts(page);
    else await act(page, action, fill);
    await assertStatus(page, after);
    if (shots.after?.[action]) await screenshot(page, shots.after[action]);
    await logout(page);
  }
}

test("a pickup application goes from submitted to completed entirely through the staff pages", { timeout: 600_000 }, async (t) => {
  const page = await newPage(browser);
  pages.push(page);
  await withDiagnostics(t, stack, "pickup", () => pages, async () => {
    const { number } = await createApplication(stack.base, "pickup");
    await page.goto(`${stack.base}/staff/login`);
    await screenshot(page, "login");
    await walk(page, number, [
      ...SHARED,
      ["produksi", "queue", "mark_printed", null, "ready_for_pickup"],
      [
        "loket",
        "search",
        "hand_over",
        async (form) => {
          await form.getByLabel("Nama pengambil").fill("Sri Lestari");
          await form.getByLabel("NIK pengambil (periksa KTP-el)").fill("3312014502900417");
        },
        "completed",
      ],
    ], {
      queue: true,
      before: { accept: "application-before-accept", receive_documents: "application-before-receive-documents" },
      after: { accept: "application-after-accept", hand_over: "application-completed-pickup" },
    });

    const token = await apiToken(stack.base, "fo");
    const app = await apiApplication(stack.base, token, number);
    assert.equal(app.status, "completed");
    const actions = (await apiEvents(stack.base, token, number)).map((e) => e.action);
    assert.deepEqual(actions, [
      "submit", "accept", "approve", "receive_documents",
      "attach_draft", "attach_draft", "attach_draft", "request_signature",
      "validate_signature", "sign", "sign", "sign", "mark_printed", "hand_over",
    ]);
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  });
  await page.context().close();
});

test("a pos application goes from submitted to completed when the counter records the courier's receipt", { timeout: 600_000 }, async (t) => {
  const page = await newPage(browser);
  pages.push(page);
  await withDiagnostics(t, stack, "pos", () => pages, async () => {
    const { number } = await createApplication(stack.base, "pos");
    await walk(page, number, [
      ...SHARED,
      ["produksi", "queue", "mark_printed", null, "out_for_delivery"],
      [
        "loket",
        "queue",
        "record_delivered",
        (form) => form.getByLabel("Nomor resi / tanda terima kurir").fill("P2611280417"),
        "completed",
      ],
    ], {
      before: { record_delivered: "application-before-record-delivered" },
      after: { record_delivered: "application-completed-pos" },
    });

    const token = await apiToken(stack.base, "loket");
    const app = await apiApplication(stack.base, token, number);
    assert.equal(app.status, "completed");
    const events = await apiEvents(stack.base, token, number);
    assert.deepEqual(events.map((e) => e.action), [
      "submit", "accept", "approve", "receive_documents",
      "attach_draft", "attach_draft", "attach_draft", "request_signature",
      "validate_signature", "sign", "sign", "sign", "mark_printed", "record_delivered",
    ]);
    assert.deepEqual(page.problems, [], "no console errors or CSP violations");
  });
  await page.context().close();
});
