#!/usr/bin/env node
// Rebuilds a PAK POS database from a nightly export (src/app/backup.rs):
// reads the export's manifest and parts from R2, applies the migrations to
// an empty database, loads every table parents first (the export wrote
// them children first) with the triggers dropped and re-created, then
// checks the result and prints it as JSON. Exit 1 when a check fails.
//
//   node scripts/restore.mjs [--export ID|latest] [--bucket pakpos-backups]
//        [--source remote|local] [--source-persist-to DIR]
//        (--local [--persist-to DIR] | --remote --database NAME --database-id ID)
//
// --export      the export's folder (`backups/<ID>/`), or `latest` (default):
//               the one `backups/latest.json` names. Only a finished export
//               has a manifest; an unfinished one cannot be restored.
// --source      where the export is: the real bucket (`remote`, default;
//               one `wrangler r2 object get` per object, in turn) or a
//               local one (`wrangler dev --persist-to DIR`'s state).
// --local/--remote, --persist-to, --database, --database-id: the target D1
//               database (`wrangler d1 create NAME` prints its id). A target
//               that already holds applications is refused.
//
// Checks: every table of the target schema is in the export and the other
// way round; each table's rows equal the manifest's; every application not
// archived has as many events as its version; every outbox row of an
// application step belongs to an event; no foreign key points nowhere.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const STATEMENTS_PER_FILE = 2000;

function usage() {
  const lines = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1);
  const end = lines.findIndex((l) => !l.startsWith("//"));
  return lines.slice(0, end).map((l) => l.replace(/^\/\/ ?/, "")).join("\n");
}

function parseArgs(argv) {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage());
    process.exit(0);
  }
  const o = { export: "latest", bucket: "pakpos-backups", source: "remote" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--export") o.export = value();
    else if (a === "--bucket") o.bucket = value();
    else if (a === "--source") o.source = value();
    else if (a === "--source-persist-to") o.sourcePersist = value();
    else if (a === "--local") o.target = "local";
    else if (a === "--remote") o.target = "remote";
    else if (a === "--persist-to") o.persist = value();
    else if (a === "--database") o.database = value();
    else if (a === "--database-id") o.databaseId = value();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!["remote", "local"].includes(o.source)) throw new Error("--source is remote or local");
  if (!o.target) throw new Error("say where to restore: --local or --remote");
  if (o.target === "remote" && !(o.database && o.databaseId)) {
    throw new Error("--remote needs --database NAME and --database-id ID (wrangler d1 create prints it)");
  }
  return o;
}

function run(args, { input } = {}) {
  return new Promise((ok, fail) => {
    const child = execFile(WRANGLER, args, {
      cwd: ROOT,
      maxBuffer: 1 << 30,
      encoding: "buffer",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    }, (error, stdout, stderr) => {
      if (error) fail(new Error(`wrangler ${args.slice(0, 3).join(" ")}: ${stderr.toString() || error.message}`));
      else ok(stdout);
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/** The export's objects, by key. */
async function source(o) {
  if (o.source === "local") {
    const { getPlatformProxy } = await import("wrangler");
    const proxy = await getPlatformProxy({
      configPath: join(ROOT, "wrangler.toml"),
      persist: { path: join(resolve(o.sourcePersist ?? join(ROOT, ".wrangler/state")), "v3") },
    });
    const bucket = proxy.env.BACKUPS;
    return {
      async get(key) {
        const object = await bucket.get(key);
        if (!object) throw new Error(`no object ${key} in the local bucket`);
        return Buffer.from(await object.arrayBuffer());
      },
      dispose: () => proxy.dispose(),
    };
  }
  return {
    get: (key) => run(["r2", "object", "get", `${o.bucket}/${key}`, "--remote", "--pipe"]),
    dispose: async () => {},
  };
}

/** SQL for one JSON value. */
function literal(v) {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "NULL";
  if (typeof v === "boolean") return v ? "1" : "0";
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return `'${text.replaceAll("'", "''")}'`;
}

const quote = (name) => `"${name.replaceAll('"', '""')}"`;

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), "pakpos-restore-"));
  const config = join(work, "wrangler.json");
  writeFileSync(config, JSON.stringify({
    name: "pakpos-restore",
    compatibility_date: "2026-04-20",
    d1_databases: [{
      binding: "DB",
      database_name: o.database ?? "pakpos-restore",
      database_id: o.databaseId ?? "00000000-0000-0000-0000-000000000000",
      migrations_dir: join(ROOT, "migrations"),
    }],
  }));
  const where = o.target === "local" ? ["--local", ...(o.persist ? ["--persist-to", resolve(o.persist)] : [])] : ["--remote"];
  const d1 = (more) => run(["d1", ...more, "-c", config]);
  const query = async (sql) => JSON.parse((await d1(["execute", "DB", ...where, "--json", "--command", sql])).toString())[0].results;
  const execute = async (sql) => {
    const file = join(work, "load.sql");
    writeFileSync(file, sql);
    await d1(["execute", "DB", ...where, "--yes", "--file", file]);
  };
  const objects = await source(o);
  try {
    const id = o.export === "latest"
      ? JSON.parse((await objects.get("backups/latest.json")).toString()).id
      : o.export;
    const manifest = JSON.parse((await objects.get(`backups/${id}/manifest.json`)).toString());

    await d1(["migrations", "apply", "DB", ...where]);
    const [{ n: present }] = await query("SELECT count(*) AS n FROM applications");
    if (present > 0) throw new Error(`the target already holds ${present} applications: restore into an empty database`);

    // The steps in the order they were exported; each step's tables in
    // their order (the first drives the chunks).
    const steps = [];
    const expected = {};
    for (const p of manifest.parts) {
      let step = steps.find((s) => s.name === p.step);
      if (!step) steps.push(step = { name: p.step, parts: [] });
      step.parts.push(p);
      for (const [table, rows] of Object.entries(p.rows)) expected[table] = (expected[table] ?? 0) + rows;
    }
    const schema = (await query(
      // backup_runs: the exports' own bookkeeping, not data (a restored
      // database starts its own exports).
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('d1_migrations', 'sqlite_sequence', 'backup_runs') AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
    )).map((r) => r.name);
    const missing = schema.filter((t) => !(t in expected));
    const unknown = Object.keys(expected).filter((t) => !schema.includes(t));
    if (missing.length || unknown.length) {
      throw new Error(`the export and the schema differ: not exported ${JSON.stringify(missing)}, not in the schema ${JSON.stringify(unknown)} (restore with the code of the export's migration ${manifest.migration})`);
    }

    const triggers = await query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'");
    // Children first (the export's order) for the deletes of seeded rows.
    const exportOrder = [...new Set(steps.flatMap((s) => s.parts.flatMap((p) => Object.keys(p.rows))))];
    await execute([
      ...triggers.map((t) => `DROP TRIGGER IF EXISTS ${quote(t.name)};`),
      ...exportOrder.map((t) => `DELETE FROM ${quote(t)};`),
    ].join("\n"));

    // Parents first: the steps in reverse, each step's parts in order.
    let batch = [];
    const flush = async () => {
      if (batch.length) await execute(batch.join("\n"));
      batch = [];
    };
    for (const step of [...steps].reverse()) {
      for (const p of step.parts) {
        for (const table of Object.keys(p.rows)) {
          const key = `backups/${id}/${p.step}/${String(p.part).padStart(5, "0")}/${table}.jsonl.gz`;
          const text = gunzipSync(await objects.get(key)).toString("utf8");
          for (const line of text.split("\n")) {
            if (!line) continue;
            const row = JSON.parse(line);
            const columns = Object.keys(row);
            batch.push(`INSERT INTO ${quote(table)} (${columns.map(quote).join(", ")}) VALUES (${columns.map((c) => literal(row[c])).join(", ")});`);
            if (batch.length >= STATEMENTS_PER_FILE) await flush();
          }
        }
      }
    }
    await flush();
    await execute(triggers.map((t) => `${t.sql};`).join("\n"));

    // The checks.
    const counts = (await query(`SELECT ${schema.map((t) => `(SELECT count(*) FROM ${quote(t)}) AS ${quote(t)}`).join(", ")}`))[0];
    const wrongCounts = schema.filter((t) => counts[t] !== expected[t]).map((t) => ({ table: t, exported: expected[t], restored: counts[t] }));
    const [checks] = await query(
      `SELECT (SELECT count(*) FROM applications) AS applications,
              (SELECT count(*) FROM applications a WHERE a.archived_at IS NULL
                 AND a.version != (SELECT count(*) FROM events e WHERE e.registration_number = a.registration_number)) AS version_mismatches,
              (SELECT count(*) FROM outbox o WHERE o.event_seq IS NOT NULL AND NOT EXISTS
                 (SELECT 1 FROM events e WHERE e.registration_number = o.registration_number AND e.seq = o.event_seq)) AS outbox_without_event,
              (SELECT count(*) FROM outbox WHERE event_seq IS NULL) AS outbox_of_no_step`,
    );
    const foreignKeys = await query("PRAGMA foreign_key_check");
    const report = {
      export: id,
      started_at: manifest.started_at,
      finished_at: manifest.finished_at,
      migration: manifest.migration,
      rows: counts,
      ...checks,
      wrong_counts: wrongCounts,
      foreign_key_violations: foreignKeys.length,
    };
    console.log(JSON.stringify(report, null, 2));
    const ok = wrongCounts.length === 0 && checks.version_mismatches === 0 && checks.outbox_without_event === 0 && foreignKeys.length === 0;
    if (!ok) {
      console.error("restore: a check failed (see above)");
      process.exitCode = 1;
    }
  } finally {
    await objects.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`restore: ${e.message}`);
  process.exit(1);
});
