#!/usr/bin/env node
// Staff accounts from the command line, hashing passwords exactly as the
// Worker verifies them (src/domain/password.rs: a chain of PBKDF2-HMAC-SHA256
// rounds, each salted with the previous output).
//
//   node scripts/staff.mjs seed-demo [--persist-to DIR]
//       Local development only: one demo account per role, password below.
//   node scripts/staff.mjs create-admin --username NAME --name "Full Name" [--remote | --persist-to DIR]
//       The first administrator in production, or an administrator's account
//       recovered (a new password, enabled again). The password is read from
//       the PAKPOS_ADMIN_PASSWORD environment variable, never from the command
//       line. An existing officer's username is refused: that account is never
//       turned into an administrator's.
import { pbkdf2Sync, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROUNDS = 6;
const ITERATIONS = 100_000;
export const DEMO_PASSWORD = "pakpos-demo-2026";

/** One demo account per role; two village operators so the village rule can be seen. */
export const DEMO_STAFF = [
  { username: "desa.gedong", name: "Operator Desa Gedong", role: "village_operator", village: "33.12.01.1009" },
  { username: "desa.sumberagung", name: "Operator Desa Sumberagung", role: "village_operator", village: "33.12.01.2001" },
  { username: "fo", name: "Petugas Front Office", role: "front_office" },
  { username: "validator", name: "Kasi Pelayanan Pencatatan Sipil", role: "validator" },
  { username: "loket", name: "Petugas Loket Pengambilan", role: "pickup_counter" },
  { username: "produksi", name: "Petugas Bagian Produksi", role: "production" },
  { username: "kadis", name: "Kepala Dinas", role: "head_of_agency" },
  { username: "pengaduan", name: "Kabid Pelayanan Pencatatan Sipil", role: "complaints_officer" },
  { username: "admin", name: "Administrator Sistem", role: "admin" },
];

export function hashPassword(password, salt = randomBytes(16)) {
  let out = salt;
  for (let i = 0; i < ROUNDS; i++) out = pbkdf2Sync(password, out, ITERATIONS, 32, "sha256");
  const b64 = (b) => b.toString("base64").replace(/=+$/, "");
  return `pbkdf2-sha256-chain$${ROUNDS}$${ITERATIONS}$${b64(salt)}$${b64(out)}`;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

const sql = (v) => (v == null ? "NULL" : `'${String(v).replaceAll("'", "''")}'`);

/** The account, made or (when `sameRoleOnly`, only if it already has that
 *  role) brought back: a new password, enabled again. */
function upsert(account, password, now, { sameRoleOnly = false } = {}) {
  return `INSERT INTO staff (username, display_name, role, village_code, password_hash, created_at, updated_at)
VALUES (${sql(account.username)}, ${sql(account.name)}, ${sql(account.role)}, ${sql(account.village)}, ${sql(hashPassword(password))}, ${sql(now)}, ${sql(now)})
ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, role = excluded.role,
  village_code = excluded.village_code, password_hash = excluded.password_hash, disabled_at = NULL, updated_at = excluded.updated_at${
  sameRoleOnly ? "\n  WHERE staff.role = excluded.role" : ""};`;
}

function execute(statements, target) {
  const dir = mkdtempSync(join(tmpdir(), "pakpos-staff-"));
  const file = join(dir, "staff.sql");
  writeFileSync(file, statements.join("\n") + "\n");
  try {
    execFileSync(WRANGLER, ["d1", "execute", "DB", ...target, "--file", file], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: WRANGLER_ENV,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One read statement's results (wrangler's --json). */
function query(statement, target) {
  const out = execFileSync(WRANGLER, ["d1", "execute", "DB", ...target, "--json", "--command", statement], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    env: WRANGLER_ENV,
  });
  return JSON.parse(out);
}

function option(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function main(argv) {
  const [command, ...args] = argv;
  const persist = option(args, "--persist-to");
  const now = new Date().toISOString();
  if (command === "seed-demo") {
    if (args.includes("--remote")) throw new Error("demo accounts exist only in local development");
    const target = ["--local", ...(persist ? ["--persist-to", persist] : [])];
    execute(DEMO_STAFF.map((a) => upsert(a, DEMO_PASSWORD, now)), target);
    return;
  }
  if (command === "create-admin") {
    const username = option(args, "--username");
    const name = option(args, "--name");
    const password = process.env.PAKPOS_ADMIN_PASSWORD ?? "";
    if (!username || !name) throw new Error("--username and --name are required");
    if ([...password].length < 10) throw new Error("set PAKPOS_ADMIN_PASSWORD to at least 10 characters");
    const target = args.includes("--remote") ? ["--remote"] : ["--local", ...(persist ? ["--persist-to", persist] : [])];
    // The account is made, or recovered only if it is an administrator's
    // (the statement's WHERE: another role's row is left as it is); then its
    // role says which happened. The read is a --command: `--remote --file`
    // imports without returning rows.
    execute([upsert({ username, name, role: "admin" }, password, now, { sameRoleOnly: true })], target);
    const results = query(`SELECT role FROM staff WHERE username = ${sql(username)}`, target);
    const role = results.flatMap((r) => r.results ?? [])[0]?.role;
    if (role !== "admin") {
      throw new Error(`'${username}' is a ${role ?? "missing"} account: an officer's account is not turned into an administrator's; choose another username`);
    }
    console.log(`admin '${username}' ready (new password set, enabled)`);
    return;
  }
  throw new Error("usage: staff.mjs seed-demo [--persist-to DIR] | create-admin --username U --name N [--remote]");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`staff.mjs: ${e.message}`);
    process.exit(1);
  }
}
