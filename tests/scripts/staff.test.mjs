// scripts/staff.mjs create-admin on a real local D1 (wrangler, migrations
// applied): it makes an administrator, recovers a locked-out or disabled one
// (a new password, enabled again), and refuses to turn an existing officer's
// account into an administrator's.
//
//   node --test tests/scripts/

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
let persist;

before(() => {
  persist = mkdtempSync(join(tmpdir(), "pakpos-staff-test-"));
  execFileSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: ROOT, env: ENV, stdio: "ignore" });
});

after(() => rmSync(persist, { recursive: true, force: true }));

function staff(...args) {
  const password = args.at(-1)?.password;
  const argv = password === undefined ? args : args.slice(0, -1);
  return spawnSync(process.execPath, [join(ROOT, "scripts/staff.mjs"), ...argv, "--persist-to", persist], {
    cwd: ROOT,
    env: { ...ENV, PAKPOS_ADMIN_PASSWORD: password ?? "" },
    encoding: "utf8",
  });
}

function account(username) {
  const out = execFileSync(WRANGLER, ["d1", "execute", "DB", "--local", "--persist-to", persist, "--json", "--command",
    `SELECT username, display_name, role, village_code, password_hash, disabled_at FROM staff WHERE username = '${username}'`],
  { cwd: ROOT, env: ENV, encoding: "utf8" });
  return JSON.parse(out)[0].results[0];
}

function sql(statement) {
  execFileSync(WRANGLER, ["d1", "execute", "DB", "--local", "--persist-to", persist, "--command", statement], { cwd: ROOT, env: ENV, stdio: "ignore" });
}

test("create-admin makes an administrator, and recovers one (new password, enabled again)", () => {
  const made = staff("create-admin", "--username", "admin.it", "--name", "Admin Satu", { password: "kata-sandi-pertama" });
  assert.equal(made.status, 0, made.stderr);
  const first = account("admin.it");
  assert.equal(first.role, "admin");
  assert.equal(first.display_name, "Admin Satu");
  assert.match(first.password_hash, /^pbkdf2-sha256-chain\$/);

  sql("UPDATE staff SET disabled_at = '2026-12-01T00:00:00.000Z' WHERE username = 'admin.it'");
  const again = staff("create-admin", "--username", "admin.it", "--name", "Admin Satu", { password: "kata-sandi-kedua" });
  assert.equal(again.status, 0, again.stderr);
  const second = account("admin.it");
  assert.equal(second.role, "admin");
  assert.equal(second.disabled_at, null, "enabled again");
  assert.notEqual(second.password_hash, first.password_hash, "the new password is set");
});

test("create-admin refuses an existing officer's username and changes nothing", () => {
  const seeded = staff("seed-demo");
  assert.equal(seeded.status, 0, seeded.stderr);
  const before = account("fo");
  assert.equal(before.role, "front_office");

  const refused = staff("create-admin", "--username", "fo", "--name", "Bukan Admin", { password: "kata-sandi-panjang" });
  assert.notEqual(refused.status, 0, "refused");
  assert.match(refused.stderr, /'fo' is a front_office account/);
  assert.deepEqual(account("fo"), before, "the officer's account is untouched");

  const village = account("desa.gedong");
  const refusedVillage = staff("create-admin", "--username", "desa.gedong", "--name", "Bukan Admin", { password: "kata-sandi-panjang" });
  assert.notEqual(refusedVillage.status, 0);
  assert.match(refusedVillage.stderr, /'desa\.gedong' is a village_operator account/);
  assert.deepEqual(account("desa.gedong"), village);
});

test("create-admin refuses a short password and missing names before touching the database", () => {
  const short = staff("create-admin", "--username", "admin.baru", "--name", "Admin Baru", { password: "pendek" });
  assert.notEqual(short.status, 0);
  assert.match(short.stderr, /PAKPOS_ADMIN_PASSWORD/);
  const nameless = staff("create-admin", "--username", "admin.baru", { password: "kata-sandi-panjang" });
  assert.notEqual(nameless.status, 0);
  assert.match(nameless.stderr, /--username and --name are required/);
  assert.equal(account("admin.baru"), undefined, "no account was made");
});
