#!/usr/bin/env node
// Scale: the same requests against a regency's history of different sizes
// (issue 12 item 4: "ten years of a regency is about a million applications…
// against 1,000, median of 25, same sitting") and what each application costs
// on disk (item 5, bytes per application).
//
//   node scripts/bench-scale.mjs [--sizes 1000,1000000] [--runs 25] [--skip-build]
//                                [--keep-cache] [--cache-dir bench-output/scale-cache]
//                                [--seed 1] [--years 10] [--now 2026-12-01T00:00:00Z]
//                                [--generator scripts/scale-seed.py]
//
// For each size, one after the other (one stack at a time: the machine is small):
//  1. the shared launcher (scripts/stack.mjs) starts the stack — wrangler's
//     programmatic API with the inspector off, static assets and queue
//     consumers off, log level warn; the release build is made once, before
//     the first size (--skip-build: the existing build/); at its "state" phase
//     (migrations applied, demo staff seeded, Worker not started) the local D1
//     file (the one *.sqlite under <persistDir>/v3/d1/miniflare-D1DatabaseObject/)
//     is filled: from the cache (<cache-dir>/<key>.sqlite, copied over it) or
//     by the generator (python3 scripts/scale-seed.py --db FILE --applications N
//     --now NOW --years Y --seed S), whose result is then copied into the
//     cache. key = sha256 of every migrations/*.sql (name and contents), the
//     generator, scripts/staff.mjs (the demo staff in the file), size, seed,
//     years and now, so a cached file always matches the fresh stack's
//     migrations (their d1_migrations lists are compared as well). The WAL is
//     checkpointed and -wal/-shm removed before any copy. Cache files of other
//     keys are deleted at start unless --keep-cache (a million applications is
//     several GB). --now defaults to today 00:00 UTC: the dashboard counts the
//     Worker's real last 30 days, so the history must end today (a cached file
//     is reused the same day, or pass --now to reuse an older one);
//  2. still before the Worker starts, python3's sqlite3 reads the file
//     (read-only): rows per table, applications per status, the requests'
//     subjects (a recently completed application: its number and NIK;
//     applications waiting for accept / approve), the name-prefix match
//     counts, and the storage: bytes per table and per index (dbstat), file
//     bytes, bytes per application;
//  3. logs in the demo accounts (POST /api/v1/auth/login for a Bearer token;
//     POST /staff/login for the staff pages' session cookie and its CSRF
//     token). Set-up, untimed: each timed workflow step needs its own
//     application in the right status, and the front office's first queue
//     page should be full at every size (a small history has next to
//     nothing waiting); what the history lacks is submitted (and, for
//     approve, accepted) through the API now, and the output says how many;
//  4. times each request --runs times, one at a time, after one warm-up:
//     median and p90 (ms, whole body read), X-D1-Round-Trips and
//     X-D1-Statements, rows on the page where it is a list; any answer other
//     than 2xx is a failure (its body's start is printed; the other requests
//     are still measured). Reads first; then contention: a child process
//     loads the dashboard (kadis) in a loop as fast as it answers while the
//     citizen status check and the front office's API queue page are timed
//     again; the workflow steps last (they change the data): accept
//     (front_office) and approve (validator), each run on its own application;
//  5. with --archive: the Worker's own cron (/__scheduled, ARCHIVE_BATCH=500)
//     runs until a run archives nothing more (src/app/archive.rs moves the
//     history of every application closed over a year ago to local R2), then,
//     with the stack stopped, the storage is read again from the same file.
// Then a table per request: median ms per size, growth (largest ÷ smallest),
// round trips; the storage per size; everything in bench-output/scale.json.
// Nothing is asserted on time: the exit status is 1 only when a request
// failed or a stack did not start (130/143 on a signal). The stack is always
// stopped, also on an error or a signal.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  constants, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, statfsSync, writeFileSync,
} from "node:fs";
import { cpus, loadavg } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { application, fixed, percentile, villageCodes } from "./bench-lib.mjs";
import { ROOT, WRANGLER_ENV, startStack, stopAll } from "./stack.mjs";

Object.assign(process.env, WRANGLER_ENV);
process.env.WRANGLER_LOG ??= "warn";

const USAGE = `Usage: node scripts/bench-scale.mjs [options]
  --sizes L        application counts, comma-separated; k/M suffixes allowed (default 1000,1000000)
  --runs N         timed requests per measurement, after one warm-up (default 25)
  --skip-build     run the existing build/ (else PAKPOS_BUILD=release scripts/build-worker.sh, once)
  --archive        after the timings, run the Worker's cron until the archive has taken every
                   application closed over a year ago (ARCHIVE_BATCH=500 a run), then measure the
                   storage again: bytes per application before and after, same database
  --keep-cache     keep cache files of other keys (default: delete them at start)
  --cache-dir D    where generated D1 files are kept (default bench-output/scale-cache)
  --seed S         the generator's seed (default 1)
  --years Y        the generator's history length (default 10)
  --now T          the generator's "now", RFC 3339 UTC (default today 00:00:00Z)
  --generator F    the generator (default scripts/scale-seed.py)
Figures go to stdout and bench-output/scale.json.`;

const PASSWORD = "pakpos-demo-2026";
/** Role → demo username (scripts/staff.mjs seed-demo). */
const ACCOUNTS = {
  admin: "admin",
  front_office: "fo",
  validator: "validator",
  head_of_agency: "kadis",
  pickup_counter: "loket",
  production: "produksi",
};
const SESSION_COOKIE = "__Host-pakpos"; // src/web/pages/mod.rs
const NAME_PREFIXES = ["Sri", "Sugeng", "Winarsih"];
const DEEP_PAGE = 50;
const PAGE_LIMIT = 50;
const REQUEST_TIMEOUT_MS = 300_000;
const D1_DIR = "v3/d1/miniflare-D1DatabaseObject";

const log = (...a) => console.log(...a);
const step = (msg) => console.log(`\n== ${msg}`);

// ---------------------------------------------------------------- options

function parseSize(v) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(v).trim());
  const n = m ? Math.round(Number(m[1]) * { "": 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]]) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes: ${JSON.stringify(v)} is not a positive count`);
  return n;
}

function parse(argv) {
  const o = {
    sizes: [1000, 1_000_000],
    runs: 25,
    skipBuild: false,
    keepCache: false,
    cacheDir: resolve(ROOT, "bench-output/scale-cache"),
    seed: 1,
    years: 10,
    now: `${new Date().toISOString().slice(0, 10)}T00:00:00Z`,
    generator: join(ROOT, "scripts/scale-seed.py"),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    const count = (v, min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs a whole number ≥ ${min}, not ${JSON.stringify(v)}`);
      return n;
    };
    if (flag === "--help" || flag === "-h") o.help = true;
    else if (flag === "--sizes") o.sizes = value().split(",").filter((s) => s.trim()).map(parseSize);
    else if (flag === "--runs") o.runs = count(value(), 1);
    else if (flag === "--skip-build") o.skipBuild = true;
    else if (flag === "--keep-cache") o.keepCache = true;
    else if (flag === "--cache-dir") o.cacheDir = resolve(value());
    else if (flag === "--seed") o.seed = count(value(), 0);
    else if (flag === "--years") o.years = count(value(), 1);
    else if (flag === "--now") {
      o.now = value();
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(o.now) || Number.isNaN(Date.parse(o.now))) {
        throw new Error(`--now needs YYYY-MM-DDTHH:MM:SSZ, not ${JSON.stringify(o.now)}`);
      }
    } else if (flag === "--generator") o.generator = resolve(value());
    else if (flag === "--archive") o.archive = true;
    else if (flag === "--hammer") o.hammer = JSON.parse(value()); // internal: the contention loop's child
    else throw new Error(`unknown option ${argv[i]}\n${USAGE}`);
  }
  if (!o.sizes.length) throw new Error("--sizes: no size given");
  // Smallest first: growth is the largest size's median over the smallest's.
  o.sizes = [...new Set(o.sizes)].sort((a, b) => a - b);
  return o;
}

/** 1000 → "1k", 1000000 → "1M", 2500 → "2.5k". */
function sizeLabel(n) {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

// ---------------------------------------------------------------- children we start

const children = new Set();
/** Runs `command`; resolves with its stdout. stderr lines go to `onLine` (or are kept for the error). */
function run(command, args, { onLine, input } = {}) {
  return new Promise((ok, fail) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    children.add(child);
    let out = "";
    const err = [];
    child.stdout.on("data", (d) => (out += d));
    createInterface({ input: child.stderr }).on("line", (line) => {
      err.push(line);
      if (err.length > 40) err.shift();
      onLine?.(line);
    });
    if (input !== undefined) child.stdin.end(input);
    child.on("error", (e) => (children.delete(child), fail(new Error(`${command}: ${e.message}`))));
    child.on("close", (code, signal) => {
      children.delete(child);
      if (code === 0) ok(out);
      else {
        const what = `${basename(command)} ${args[0] === "-c" ? "(inline script)" : args[0] ?? ""}`;
        // Lines already shown through onLine are not repeated.
        fail(new Error(`${what} failed (${signal ?? `exit ${code}`})${onLine ? " (its output is above)" : `:\n${err.join("\n")}`}`));
      }
    });
  });
}
// The launcher's own signal handler exits the process; whatever we started goes with it.
process.on("exit", () => {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }
});

// ---------------------------------------------------------------- the D1 file (python3's sqlite3)

const PY = String.raw`
import json, os, sqlite3, sys
mode, path = sys.argv[1], sys.argv[2]

if mode == "checkpoint":
    c = sqlite3.connect(path)
    jm = c.execute("PRAGMA journal_mode").fetchone()[0]
    cp = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    c.close()
    print(json.dumps({"journal_mode": jm, "checkpoint": list(cp)}))
    sys.exit(0)

if mode == "archived":
    # While the Worker runs: an ordinary reader beside its WAL.
    c = sqlite3.connect("file:" + path + "?mode=ro", uri=True)
    # Archived, and closed over a year ago but not archived (a run that
    # failed leaves them; so do papers on their way back and a message
    # still being sent, which the archive waits for).
    print(json.dumps(c.execute("""SELECT (SELECT count(*) FROM applications WHERE archived_at IS NOT NULL),
        (SELECT count(*) FROM applications WHERE archived_at IS NULL AND status IN ('completed', 'cancelled')
           AND status_since < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-365 days'))""").fetchone()))
    sys.exit(0)

# immutable: no locks, no -wal/-shm beside a file nobody writes now (the
# Worker has not started; the cache is only ever replaced whole).
# "inspect-live": the Worker has the file open (idle): an ordinary reader.
live = mode == "inspect-live"
if live:
    mode = "inspect"
c = sqlite3.connect("file:" + path + ("?mode=ro" if live else "?mode=ro&immutable=1"), uri=True)
one = lambda sql, *a: c.execute(sql, a).fetchone()
rows = lambda sql, *a: c.execute(sql, a).fetchall()

if mode == "migrations":
    try:
        print(json.dumps([r[0] for r in rows("SELECT name FROM d1_migrations ORDER BY id")]))
    except sqlite3.Error:
        print("[]")
    sys.exit(0)

# mode == "inspect": counts, the requests' subjects, storage.
want, prefixes = int(sys.argv[3]), json.loads(sys.argv[4])
objects = rows("SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
tables = {}
for kind, name, _ in objects:
    if kind == "table":
        try:
            tables[name] = one('SELECT count(*) FROM "%s"' % name.replace('"', '""'))[0]
        except sqlite3.Error:
            tables[name] = None
statuses = dict(rows("SELECT status, count(*) FROM applications GROUP BY status"))
roles = {r or "(final)": n for r, n in rows("SELECT awaiting_role, count(*) FROM applications GROUP BY awaiting_role")}
record = one("SELECT registration_number, applicant_nik, status FROM applications WHERE status = 'completed' ORDER BY status_since DESC LIMIT 1") \
    or one("SELECT registration_number, applicant_nik, status FROM applications ORDER BY status_since DESC LIMIT 1")
subject = None
if record:
    n = record[0]
    count = lambda t, col="registration_number": one('SELECT count(*) FROM "%s" WHERE %s = ?' % (t, col), n)[0] if t in tables else None
    subject = {"number": n, "nik": record[1], "status": record[2], "events": count("events"), "messages": count("outbox"),
               "fees": count("fees"), "shipments": count("shipments"),
               "nik_matches": one("SELECT count(*) FROM applications WHERE applicant_nik = ?", record[1])[0]}
candidates = {s: [{"number": n, "version": v} for n, v in rows(
    "SELECT registration_number, version FROM applications WHERE status = ? ORDER BY status_since DESC LIMIT ?", s, want)]
    for s in ("submitted", "awaiting_validation")}
names = {p: one("SELECT count(*) FROM applications WHERE applicant_name LIKE ? ESCAPE '\\'", p + "%")[0] for p in prefixes}

kinds = {name: (kind, tbl) for kind, name, tbl in objects}
kinds["sqlite_schema"] = kinds["sqlite_master"] = ("schema", "sqlite_schema")
page_size, page_count, freelist = (one("PRAGMA " + p)[0] for p in ("page_size", "page_count", "freelist_count"))
storage = None
try:
    try:
        stat = rows("SELECT name, pgsize FROM dbstat WHERE aggregate = TRUE")
    except sqlite3.Error:
        stat = rows("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")
    storage = [{"name": name, "type": kinds.get(name, ("?", "?"))[0], "table": kinds.get(name, ("?", "?"))[1], "bytes": b}
               for name, b in stat]
    storage.sort(key=lambda s: -s["bytes"])
except sqlite3.Error as e:
    storage_error = str(e)
files = {p: os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p)}
print(json.dumps({
    "tables": tables, "statuses": statuses, "awaiting_roles": roles, "subject": subject, "candidates": candidates, "names": names,
    "storage": {"objects": storage, "page_size": page_size, "page_count": page_count, "freelist_pages": freelist,
                "file_bytes": sum(files.values()), "files": files,
                "dbstat": storage is not None},
}))
`;

const py = (...args) => run("python3", ["-c", PY, ...args.map(String)]).then((out) => JSON.parse(out.trim().split("\n").at(-1)));

/** The Worker's D1 file under a stack's persist dir. */
function d1File(persistDir) {
  const dir = join(persistDir, D1_DIR);
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 *.sqlite in ${dir}, found ${JSON.stringify(files)}`);
  return join(dir, files[0]);
}

/** Folds the WAL into the file and removes -wal/-shm, so the file alone is the database. */
async function settle(file) {
  const r = await py("checkpoint", file);
  for (const ext of ["-wal", "-shm"]) {
    const f = file + ext;
    if (!existsSync(f)) continue;
    if (ext === "-wal" && statSync(f).size > 0) throw new Error(`${f} still holds ${statSync(f).size} bytes after a checkpoint (${JSON.stringify(r)})`);
    rmSync(f, { force: true });
  }
  return r;
}

/** copy, as a reflink where the file system can (else a plain copy), through a temp name. */
function copyFile(from, to) {
  const need = statSync(from).size;
  const free = statfsSync(dirname(to));
  const avail = free.bavail * free.bsize;
  if (avail < need + 512 * 1024 * 1024) {
    throw new Error(`not enough disk for ${from} → ${to}: ${gb(need)} needed, ${gb(avail)} free`);
  }
  const tmp = `${to}.partial`;
  copyFileSync(from, tmp, constants.COPYFILE_FICLONE);
  renameSync(tmp, to);
}
const gb = (b) => `${(b / 2 ** 30).toFixed(2)} GiB`;
/** Bytes in the unit that suits them. */
function human(b) {
  if (b == null) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (b >= 1024 * 10 && i < units.length - 1) (b /= 1024), i++;
  return `${i === 0 ? b : b.toFixed(1)} ${units[i]}`;
}

// ---------------------------------------------------------------- the cache

function cacheKey(opts, size) {
  const h = createHash("sha256");
  const part = (label, data) => h.update(`${label}\0${data.length}\0`).update(data);
  const dir = join(ROOT, "migrations");
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) part(`migration ${f}`, readFileSync(join(dir, f)));
  part("generator", readFileSync(opts.generator));
  part("staff", readFileSync(join(ROOT, "scripts/staff.mjs")));
  part("params", Buffer.from(JSON.stringify({ size, seed: opts.seed, years: opts.years, now: opts.now })));
  return h.digest("hex");
}

/** Deletes cache files that are none of `keep` (and any half-written copy). */
function pruneCache(dir, keep, keepOthers) {
  if (!existsSync(dir)) return [];
  const removed = [];
  for (const f of readdirSync(dir)) {
    const m = /^(.*)\.sqlite(\.partial|-wal|-shm|-journal)?$/.exec(f);
    if (!m || (!m[2] && (keep.has(m[1]) || keepOthers))) continue;
    rmSync(join(dir, f), { force: true });
    removed.push(f);
  }
  return removed;
}

/** Fills the fresh stack's D1 file with `size` applications: from the cache, or by the generator (then cached).
 *  The key is taken now, right after the stack applied the migrations, and again after generating: a
 *  migration or the generator edited meanwhile means the file is not cached. */
async function fill(opts, size, file) {
  const key = safeKey(opts, size);
  const cached = join(opts.cacheDir, `${key}.sqlite`);
  const t0 = performance.now();
  const fresh = await settle(file);
  const freshMigrations = await py("migrations", file);
  if (existsSync(cached)) {
    const cachedMigrations = await py("migrations", cached);
    if (JSON.stringify(cachedMigrations) === JSON.stringify(freshMigrations)) {
      log(`cache hit: ${relative(ROOT, cached)} (${human(statSync(cached).size)}), copying over the fresh D1 file`);
      copyFile(cached, file);
      return { source: "cache", key, cache_file: cached, seconds: (performance.now() - t0) / 1000, journal_mode: fresh.journal_mode };
    }
    log(`cache file ${relative(ROOT, cached)} was made from other migrations (${cachedMigrations.length} vs ${freshMigrations.length}); generating again`);
    rmSync(cached, { force: true });
  }
  if (!existsSync(opts.generator)) {
    throw new Error(`no cached D1 file for ${size} applications and no generator at ${opts.generator}`);
  }
  const args = [opts.generator, "--db", file, "--applications", size, "--now", opts.now, "--years", opts.years, "--seed", opts.seed];
  log(`generating: python3 ${relative(ROOT, opts.generator)} ${args.slice(1).map((a) => (a === file ? "<D1 file>" : a)).join(" ")}`);
  const out = await run("python3", args.map(String), { onLine: (line) => console.error(`  [generator] ${line}`) });
  const lines = out.trim().split("\n");
  let summary;
  try {
    summary = JSON.parse(lines.at(-1));
  } catch {
    summary = { stdout: lines.slice(-3).join("\n") };
  }
  const generated = (performance.now() - t0) / 1000;
  log(`generated in ${fixed(generated)} s: ${JSON.stringify(summary)}`);
  const settled = await settle(file);
  const result = { source: "generator", key, generator_summary: summary, seconds: generated, cache_file: null, journal_mode: settled.journal_mode };
  if (safeKey(opts, size) !== key) {
    log("not cached: a migration, the generator or scripts/staff.mjs changed while generating");
    return result;
  }
  try {
    mkdirSync(opts.cacheDir, { recursive: true });
    copyFile(file, cached);
    result.cache_file = cached;
    log(`cached as ${relative(ROOT, cached)} (${human(statSync(cached).size)}; journal mode ${settled.journal_mode})`);
  } catch (e) {
    log(`not cached: ${e.message}`);
  }
  return result;
}

// ---------------------------------------------------------------- HTTP

class RequestFailed extends Error {}

/** One request; the time includes reading the whole body. */
async function send(base, { method = "GET", path, token, cookie, json, form }) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (cookie) headers.cookie = `${SESSION_COOKIE}=${cookie}`;
  let body;
  if (json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(form).toString();
  }
  const t0 = performance.now();
  const r = await fetch(base + path, { method, headers, body, redirect: "manual", signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  // The headers arrive once the Worker has its first piece: for the
  // streamed export, after its first page.
  const headMs = performance.now() - t0;
  const buf = Buffer.from(await r.arrayBuffer());
  const ms = performance.now() - t0;
  const num = (h) => (r.headers.get(h) === null ? null : Number(r.headers.get(h)));
  return { status: r.status, ms, headMs, bytes: buf.length, text: () => buf.toString("utf8"), headers: r.headers, rt: num("x-d1-round-trips"), st: num("x-d1-statements") };
}

function expectOk(what, spec, r) {
  if (r.status >= 200 && r.status < 300) return r;
  const start = r.text().slice(0, 600).replace(/\s+/g, " ");
  throw new RequestFailed(`${what}: ${spec.method ?? "GET"} ${spec.path} answered ${r.status}${r.headers.get("location") ? ` → ${r.headers.get("location")}` : ""}: ${start}`);
}

/** `spec(i)` for i = 0 (warm-up) … runs: median, p90, round trips, statements, bytes. */
async function measure(base, what, runs, spec, { warmup = 1 } = {}) {
  const samples = [];
  for (let i = 0; i < warmup + runs; i++) {
    const s = spec(i);
    const r = expectOk(what, s, await send(base, s));
    if (i >= warmup) samples.push(r);
  }
  return { ...stats(samples), last: samples.at(-1) };
}

function stats(samples) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const head = samples.map((s) => s.headMs).sort((a, b) => a - b);
  const range = (xs) => {
    const v = xs.filter((x) => x !== null);
    if (!v.length) return null;
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return lo === hi ? String(lo) : `${lo}–${hi}`;
  };
  return {
    n: ms.length,
    p50: percentile(ms, 50),
    p90: percentile(ms, 90),
    head_p50: percentile(head, 50),
    min: ms[0],
    max: ms.at(-1),
    round_trips: range(samples.map((s) => s.rt)),
    statements: range(samples.map((s) => s.st)),
    bytes: samples.length ? Math.round(samples.reduce((a, s) => a + s.bytes, 0) / samples.length) : null,
  };
}

async function apiLogin(base, username) {
  const spec = { method: "POST", path: "/api/v1/auth/login", json: { username, password: PASSWORD } };
  const r = expectOk(`login ${username}`, spec, await send(base, spec));
  const token = JSON.parse(r.text()).token;
  if (!token) throw new Error(`login ${username}: no token in the answer`);
  return token;
}

/** The staff UI's session cookie (POST /staff/login answers 303 with it). */
async function pageLogin(base, username) {
  const r = await send(base, { method: "POST", path: "/staff/login", form: { username, password: PASSWORD, next: "/staff" } });
  const cookie = (r.headers.getSetCookie?.() ?? [r.headers.get("set-cookie") ?? ""])
    .map((c) => new RegExp(`^${SESSION_COOKIE}=([^;]+)`).exec(c)?.[1])
    .find(Boolean);
  if (r.status !== 303 || !cookie) throw new Error(`staff login ${username}: ${r.status}, cookie ${cookie ? "set" : "missing"}: ${r.text().slice(0, 300)}`);
  return cookie;
}

/** The CSRF token of a session, from the queue page's search form. */
async function csrfOf(base, cookie) {
  const r = expectOk("csrf", { path: "/staff" }, await send(base, { path: "/staff", cookie }));
  const m = /name="csrf" value="([^"]+)"/.exec(r.text());
  if (!m) throw new Error("no csrf field on GET /staff");
  return m[1];
}

/** Follows next_cursor `pages - 1` times (untimed); the path of the page reached, and its number. */
async function deepPage(base, token, query, pages) {
  let cursor = null;
  let page = 1;
  const path = () => `/api/v1/queue?limit=${PAGE_LIMIT}${query ? `&${query}` : ""}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
  while (page < pages) {
    const r = expectOk("queue walk", { path: path() }, await send(base, { path: path(), token }));
    const next = JSON.parse(r.text()).next_cursor;
    if (!next) break;
    cursor = next;
    page++;
  }
  // Is there a page after the one reached? (A page of exactly 50 rows can be the last.)
  const last = !JSON.parse(expectOk("queue walk", { path: path() }, await send(base, { path: path(), token })).text()).next_cursor;
  return { path: path(), page, last };
}

/** WIB date of an instant, shifted by `days`. */
const wibDay = (iso, days = 0) => new Date(Date.parse(iso) + 7 * 3600_000 + days * 86400_000).toISOString().slice(0, 10);

// ---------------------------------------------------------------- contention: the dashboard in a loop

/** The child: GETs the dashboard, one at a time, until its stdin closes; prints its figures. */
async function hammer({ base, cookie }) {
  let stop = false;
  process.stdin.on("end", () => (stop = true)).resume();
  const ms = [];
  let errors = 0;
  const t0 = performance.now();
  while (!stop) {
    const r = await send(base, { path: "/staff/dashboard", cookie });
    if (r.status !== 200) errors++;
    ms.push(r.ms);
    if (ms.length === 1) process.stdout.write("started\n");
  }
  ms.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({ requests: ms.length, errors, seconds: (performance.now() - t0) / 1000, p50: percentile(ms, 50), p90: percentile(ms, 90) })}\n`);
}

function startHammer(base, cookie) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--hammer", JSON.stringify({ base, cookie })], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(child);
  const lines = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    waiters.splice(0).forEach((w) => w());
  });
  const nextLine = async (n) => {
    while (lines.length < n) {
      if (child.exitCode !== null) throw new Error(`the dashboard loop exited (${child.exitCode})`);
      await new Promise((w) => waiters.push(w));
    }
    return lines[n - 1];
  };
  child.on("exit", () => waiters.splice(0).forEach((w) => w()));
  return {
    started: () => nextLine(1),
    stop: async () => {
      child.stdin.end();
      const out = JSON.parse(await nextLine(2));
      children.delete(child);
      return out;
    },
  };
}

// ---------------------------------------------------------------- one size

/** The rows of the comparison table, in order: key → title. */
const REQUESTS = [
  ["api_queue_page1", "API queue page 1 (front_office)"],
  ["api_queue_deep_open", `API queue page ${DEEP_PAGE} (admin, all open)`],
  ["api_queue_deep_completed", `API queue page ${DEEP_PAGE} (admin, status=completed)`],
  ["staff_queue", "staff queue page /staff (front_office)"],
  ["search_nik", "search by NIK (POST /staff, front_office)"],
  ...NAME_PREFIXES.map((p) => [`search_name_${p}`, `search by name "${p}" (POST /staff)`]),
  ["status_check", "citizen status check (POST …/status)"],
  ["record_api", "staff record API (admin)"],
  ["record_html", "staff record page (admin)"],
  ["dashboard", "dashboard (head_of_agency)"],
  ["export_csv", "CSV export, 30 days (head_of_agency), whole file"],
  ["export_first_page", "CSV export, first page of 1,000 rows"],
  ["fees_reconciliation", "fee reconciliation, 30 days (head_of_agency)"],
  ["contended_status_check", "status check, dashboard looping"],
  ["contended_queue_page1", "API queue page 1, dashboard looping"],
  ["accept", "accept (front_office)"],
  ["approve", "approve (validator)"],
];

async function measureSize(opts, size, build) {
  const label = sizeLabel(size);
  step(`${label}: ${size} applications`);
  const out = { size, label, requests: {}, notes: [], failures: [] };
  let info = null;
  let dbFile = null;
  const onPhase = async (phase, i) => {
    if (phase === "build") log(`${i.profile === "none" ? "existing build/" : `${i.profile} build`} (${fixed(i.seconds)} s)`);
    if (phase !== "state") return;
    log(`migrations applied, demo staff seeded in ${fixed(i.seconds)} s (${i.dir})`);
    const file = d1File(i.persistDir);
    dbFile = file;
    out.fill = await fill(opts, size, file);
    const t0 = performance.now();
    info = await py("inspect", file, opts.runs + 1, JSON.stringify(NAME_PREFIXES));
    out.inspect_seconds = (performance.now() - t0) / 1000;
    log(`read the file in ${fixed(out.inspect_seconds)} s: ${info.tables.applications} applications, ${human(info.storage.file_bytes)}`);
  };
  const stack = await startStack({
    name: "bench-scale",
    mode: "api",
    build,
    assets: false,
    consumers: false,
    // Every request comes from this machine without a client address: lift
    // the shared key's per-address limits as .dev.vars.example does.
    vars: { NO_ADDRESS_LIMIT_FACTOR: "1000", ARCHIVE_BATCH: String(ARCHIVE_BATCH) },
    control: { courier_auto: false },
    logLevel: "warn",
    // The cron only runs when --archive asks (/__scheduled).
    testScheduled: Boolean(opts.archive),
    onPhase,
  });
  try {
    log(`Worker at ${stack.base} (up in ${fixed(stack.timings.worker)} s)`);
    out.worker_start_seconds = stack.timings.worker;
    const base = stack.base;
    const apps = info.tables.applications;
    out.applications = apps;
    out.tables = info.tables;
    out.statuses = info.statuses;
    out.awaiting_roles = info.awaiting_roles;
    out.storage = info.storage;
    out.names = info.names;
    out.subject = info.subject;
    if (apps !== size) out.notes.push(`the file holds ${apps} applications, not ${size}`);
    if (!info.subject) throw new Error("the D1 file holds no application");

    const tokens = {};
    for (const [role, user] of Object.entries(ACCOUNTS)) tokens[role] = await apiLogin(base, user);
    const cookies = {};
    for (const role of ["front_office", "admin", "head_of_agency"]) cookies[role] = await pageLogin(base, ACCOUNTS[role]);
    const csrf = await csrfOf(base, cookies.front_office);

    const runs = opts.runs;
    const n = encodeURIComponent(info.subject.number);
    const to = wibDay(opts.now);
    const from = wibDay(opts.now, -29);
    out.range = { from, to };
    /** Times `spec`; `extra` goes into the figures, `items(text)` (of the last answer) too, as `items`. */
    const timed = async (key, spec, { items, ...extra } = {}) => {
      const title = REQUESTS.find(([k]) => k === key)?.[1] ?? key;
      try {
        const { last, ...s } = await measure(base, title, runs, spec);
        if (items) {
          s.items = items(last.text());
          extra.note = [`${s.items} rows on the page`, extra.note].filter(Boolean).join(", ");
        }
        out.requests[key] = { ...s, ...extra };
        log(`  ${title.padEnd(52)} p50 ${fixed(s.p50).padStart(7)} ms  p90 ${fixed(s.p90).padStart(7)} ms  ` +
          `D1 ${s.round_trips ?? "-"} rt / ${s.statements ?? "-"} st  ${s.bytes} B${extra.note ? `  (${extra.note})` : ""}`);
        return s;
      } catch (e) {
        if (!(e instanceof RequestFailed)) throw e;
        out.requests[key] = { failed: e.message, ...extra };
        out.failures.push(e.message);
        console.error(`  FAILED ${e.message}`);
        return null;
      }
    };

    step(`${label}: set-up: applications for the workflow steps (one per timed run) and a full front-office queue page`);
    const need = runs + 1;
    const pool = { submitted: [...info.candidates.submitted], awaiting_validation: [...info.candidates.awaiting_validation] };
    const made = { submitted: 0, awaiting_validation: 0 };
    const villages = villageCodes(join(ROOT, "migrations/0002_seed_villages.sql"));
    let next = 0;
    const submitOne = async () => {
      const spec = { method: "POST", path: "/api/v1/applications", json: application(next++, villages, " (scale bench)").body };
      const r = JSON.parse(expectOk("set-up submit", spec, await send(base, spec)).text());
      return { number: r.registration_number, version: r.version ?? 1 };
    };
    const acceptBody = (c, i) => ({ action: "accept", expected_version: c.version, siak_reference: `SIAK-SCALE-${String(i).padStart(6, "0")}` });
    // The front office's queue gets a full first page too (a small history
    // has next to nothing waiting: an empty page would not compare).
    const toSubmit = Math.max(need - pool.submitted.length, PAGE_LIMIT - (info.statuses.submitted ?? 0), 0);
    try {
      for (let i = 0; i < toSubmit; i++) (pool.submitted.push(await submitOne()), made.submitted++);
      while (pool.awaiting_validation.length < need) {
        const c = await submitOne();
        const spec = { method: "POST", path: `/api/v1/applications/${encodeURIComponent(c.number)}/actions`, token: tokens.front_office, json: acceptBody(c, 900_000 + next) };
        const r = JSON.parse(expectOk("set-up accept", spec, await send(base, spec)).text());
        pool.awaiting_validation.push({ number: c.number, version: r.version });
        made.awaiting_validation++;
      }
    } catch (e) {
      if (!(e instanceof RequestFailed)) throw e;
      out.failures.push(e.message);
      console.error(`  FAILED ${e.message}`);
    }
    if (made.submitted || made.awaiting_validation) {
      const note = `set-up before the reads: ${made.submitted} application(s) submitted and ${made.awaiting_validation} submitted and accepted ` +
        `through the API (the history had ${info.statuses.submitted ?? 0} submitted and ${info.statuses.awaiting_validation ?? 0} awaiting validation)`;
      out.notes.push(note);
      log(`  ${note}`);
    }
    out.setup = made;

    step(`${label}: reads, ${runs} timed after one warm-up, one at a time`);
    const queue1 = { path: `/api/v1/queue?limit=${PAGE_LIMIT}`, token: tokens.front_office };
    const apiItems = (text) => JSON.parse(text).items.length;
    const htmlRows = (text) => new Set(text.match(/\/staff\/applications\/[0-9A-Z]{4}-[0-9A-Z]{5}/g) ?? []).size;
    await timed("api_queue_page1", () => queue1, { items: apiItems });
    for (const [k, query] of [["api_queue_deep_open", ""], ["api_queue_deep_completed", "status=completed"]]) {
      const deep = await deepPage(base, tokens.admin, query, DEEP_PAGE);
      const note = deep.page < DEEP_PAGE ? `only ${deep.page} page${deep.page === 1 ? "" : "s"}: the last timed` : deep.last ? "the last page" : undefined;
      await timed(k, () => ({ path: deep.path, token: tokens.admin }), { page: deep.page, note, items: apiItems });
    }
    await timed("staff_queue", () => ({ path: "/staff", cookie: cookies.front_office }), { items: htmlRows });
    const search = (q) => () => ({ method: "POST", path: "/staff", cookie: cookies.front_office, form: { csrf, q } });
    await timed("search_nik", search(info.subject.nik), { matches: info.subject.nik_matches, note: `${info.subject.nik_matches} match(es)` });
    for (const p of NAME_PREFIXES) {
      await timed(`search_name_${p}`, search(p), { matches: info.names[p], note: `${info.names[p]} matches in the DB`, items: htmlRows });
    }
    const status = () => ({ method: "POST", path: `/api/v1/applications/${n}/status`, json: { nik: info.subject.nik } });
    await timed("status_check", status);
    const subj = info.subject;
    const about = `${subj.status}, ${subj.events} events, ${subj.messages} messages`;
    await timed("record_api", () => ({ path: `/api/v1/applications/${n}`, token: tokens.admin }), { note: about });
    await timed("record_html", () => ({ path: `/staff/applications/${n}`, cookie: cookies.admin }), { note: about });
    await timed("dashboard", () => ({ path: "/staff/dashboard", cookie: cookies.head_of_agency }));
    const exportSpec = { path: `/staff/export.csv?from=${from}&to=${to}`, cookie: cookies.head_of_agency };
    const exp = await timed("export_csv", () => exportSpec, { note: `${from} – ${to}` });
    if (exp) {
      const text = expectOk("export", exportSpec, await send(base, exportSpec)).text();
      const lines = text.split(/\r?\n/).filter((l) => l.length > 0).length;
      out.requests.export_csv.rows = lines - 1;
      out.requests.export_csv.note = `${from} – ${to}: ${lines - 1} rows`;
      // The export streams: its first page (headers in) is what one request
      // holds D1 for; the rest follows page by page.
      out.requests.export_first_page = { ...out.requests.export_csv, p50: exp.head_p50, p90: null, note: "time to the first page (headers)" };
      log(`    export rows (lines − 1): ${lines - 1}`);
    }
    await timed("fees_reconciliation", () => ({ path: `/api/v1/fees/reconciliation?from=${from}&to=${to}`, token: tokens.head_of_agency }),
      { note: `${from} – ${to}` });

    step(`${label}: contention — a second client loads the dashboard in a loop meanwhile`);
    const loop = startHammer(base, cookies.head_of_agency);
    let hammered;
    try {
      await loop.started();
      await timed("contended_status_check", status, { unloaded_p50: out.requests.status_check?.p50 });
      await timed("contended_queue_page1", () => queue1, { unloaded_p50: out.requests.api_queue_page1?.p50, items: apiItems });
    } finally {
      hammered = await loop.stop();
    }
    out.contention = { dashboard_loop: hammered };
    log(`  dashboard loop meanwhile: ${hammered.requests} requests in ${fixed(hammered.seconds)} s, ` +
      `p50 ${fixed(hammered.p50)} ms, p90 ${fixed(hammered.p90)} ms, ${hammered.errors} not 200`);
    if (hammered.errors) out.failures.push(`the dashboard loop had ${hammered.errors} answers other than 200`);

    step(`${label}: workflow steps, each on its own application`);
    const act = (list, role, body) => (i) => ({
      method: "POST", path: `/api/v1/applications/${encodeURIComponent(list[i].number)}/actions`, token: tokens[role], json: body(list[i], i),
    });
    const fromApi = (k) => Math.max(0, need - info.candidates[k].length);
    const madeNote = (k) => (fromApi(k) ? `${fromApi(k)} of the ${need} applications made through the API (see set-up)` : undefined);
    if (pool.submitted.length >= need) await timed("accept", act(pool.submitted, "front_office", acceptBody), { made: fromApi("submitted"), note: madeNote("submitted") });
    if (pool.awaiting_validation.length >= need) {
      await timed("approve", act(pool.awaiting_validation, "validator", (c) => ({ action: "approve", expected_version: c.version })),
        { made: fromApi("awaiting_validation"), note: madeNote("awaiting_validation") });
    }
    if (opts.archive) {
      out.archive = await archiveAll(base, dbFile, label);
      // The Worker is idle now (no cron, consumers off): read the file
      // beside it, before the stack's directory goes.
      const after = await py("inspect-live", dbFile, 1, JSON.stringify([]));
      out.storage_after = after.storage;
      out.tables_after = after.tables;
    }
  } finally {
    await stack.stop();
  }
  return out;
}

const ARCHIVE_BATCH = 500;

/** Runs the Worker's cron until a run archives nothing more; how long it took. */
async function archiveAll(base, file, label) {
  step(`${label}: the archive, through the Worker's cron (${ARCHIVE_BATCH} applications a run)`);
  const t0 = performance.now();
  let [archived] = await py("archived", file);
  const before = archived;
  let runs = 0;
  let left = 0;
  for (;;) {
    const r = await fetch(`${base}/__scheduled?cron=*+*+*+*+*`);
    await r.text();
    if (!r.ok) throw new Error(`cron: HTTP ${r.status}`);
    runs++;
    const [now, due] = await py("archived", file);
    left = due;
    if (now === archived) break;
    archived = now;
    if (runs % 20 === 0) log(`  ${archived} archived after ${runs} runs (${fixed((performance.now() - t0) / 1000)} s)`);
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`  ${archived - before} applications archived in ${runs} runs, ${fixed(seconds)} s ` +
    `(${fixed(((archived - before) / Math.max(seconds, 0.001)))} a second); ${left} closed over a year ago left ` +
    "(papers on their way back, a message still being sent, or a failed run: see the Worker's log above)");
  return { archived: archived - before, runs, seconds, left };
}

// ---------------------------------------------------------------- report

function mdTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  // Text columns (the first; "notes") left, numbers right.
  const left = (i) => i === 0 || header[i] === "notes";
  const line = (r) => `| ${r.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  const rule = widths.map((w, i) => (left(i) ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|");
  return [line(all[0]), `|${rule}|`, ...all.slice(1).map(line)].join("\n");
}

function report(results) {
  const sizes = results.filter((s) => s && !s.error);
  const first = sizes[0];
  const last = sizes.at(-1);
  const rows = [];
  for (const [key, title] of REQUESTS) {
    const cells = sizes.map((s) => s.requests[key]);
    if (cells.every((c) => !c)) continue;
    const cell = (c) => (!c ? "-" : c.failed ? "FAILED" : `${fixed(c.p50)} (${fixed(c.p90)})`);
    const growth = sizes.length > 1 && first.requests[key]?.p50 && last.requests[key]?.p50
      ? `${fixed(last.requests[key].p50 / first.requests[key].p50, 2)}×`
      : "-";
    const rt = cells.map((c) => (c && !c.failed ? `${c.round_trips ?? "-"}/${c.statements ?? "-"}` : "-")).join(" → ");
    const notes = sizes.map((s) => (s.requests[key]?.note ? `${s.label}: ${s.requests[key].note}` : null)).filter(Boolean).join("; ");
    rows.push([title, ...cells.map(cell), growth, rt, notes]);
  }
  step("Latency: median (p90) ms per size; D1 round trips/statements");
  log(mdTable(["request", ...sizes.map((s) => s.label), "growth", "D1 rt/st", "notes"], rows));
  for (const s of sizes) {
    const c = s.contention?.dashboard_loop;
    if (c) log(`${s.label}: while the dashboard looped (${c.requests} loads, p50 ${fixed(c.p50)} ms), status check p50 ` +
      `${fixed(s.requests.contended_status_check?.p50)} ms vs ${fixed(s.requests.status_check?.p50)} ms alone; ` +
      `queue page p50 ${fixed(s.requests.contended_queue_page1?.p50)} ms vs ${fixed(s.requests.api_queue_page1?.p50)} ms alone`);
  }

  step("Storage (python3 sqlite3, before the Worker started)");
  log(mdTable(["size", "applications", "file", "bytes/application", "pages", "free pages", "tables", "indexes"], sizes.map((s) => {
    const st = s.storage;
    const sum = (type) => (st.objects ? human(st.objects.filter((o) => o.type === type).reduce((a, o) => a + o.bytes, 0)) : "-");
    return [s.label, s.applications, human(st.file_bytes), fixed(st.file_bytes / s.applications, 0),
      `${st.page_count} × ${st.page_size}`, st.freelist_pages, sum("table"), sum("index")];
  })));
  const archived = sizes.filter((s) => s.storage_after?.objects && s.storage.objects);
  if (archived.length) {
    // File size stays (SQLite keeps freed pages for reuse): the bytes the
    // tables and indexes use are what the archive gives back.
    const used = (st) => st.objects.filter((o) => o.type === "table" || o.type === "index").reduce((a, o) => a + o.bytes, 0);
    step("Storage after the archive (same database; tables and indexes, freed pages not counted)");
    log(mdTable(["size", "applications", "archived", "cron runs", "seconds", "used before", "B/app before", "used after", "B/app after"],
      archived.map((s) => [s.label, s.applications, s.archive.archived, s.archive.runs, fixed(s.archive.seconds),
        human(used(s.storage)), fixed(used(s.storage) / s.applications, 0),
        human(used(s.storage_after)), fixed(used(s.storage_after) / s.applications, 0)])));
    const last = archived.at(-1);
    log(`\nlargest tables and indexes at ${last.label} after the archive:`);
    log(mdTable(["table / index", "rows", "bytes", "B/app"], last.storage_after.objects.slice(0, 15).map((o) => [
      `${o.name}${o.type === "index" ? " (index)" : ""}`, o.type === "table" ? last.tables_after[o.name] ?? "" : "",
      human(o.bytes), fixed(o.bytes / last.applications, 0)])));
  }
  const big = sizes.at(-1);
  if (!sizes.every((s) => s.storage.objects)) {
    log("(no dbstat in this python3's sqlite3: only the totals above)");
  } else {
    // The 20 largest tables and indexes at the largest size, beside the others.
    const byName = sizes.map((s) => new Map(s.storage.objects.map((o) => [o.name, o])));
    const top = big.storage.objects.slice(0, 20);
    log(`\nlargest tables and indexes at ${big.label} (bytes, then bytes per application):`);
    log(mdTable(["table / index", "of", ...sizes.flatMap((s) => [`${s.label} rows`, `${s.label} bytes`, `${s.label} B/app`]), "share"],
      top.map((o) => [
        `${o.name}${o.type === "index" ? " (index)" : ""}`,
        o.type === "index" ? o.table : "",
        ...sizes.flatMap((s, i) => {
          const x = byName[i].get(o.name);
          return [o.type === "table" ? s.tables[o.name] ?? "" : "", x ? human(x.bytes) : "-", x ? fixed(x.bytes / s.applications, 0) : "-"];
        }),
        `${fixed((100 * o.bytes) / big.storage.file_bytes)}%`,
      ])));
  }
  step("Rows per table");
  const names = [...new Set(sizes.flatMap((s) => Object.keys(s.tables)))].sort();
  log(mdTable(["table", ...sizes.map((s) => s.label)],
    names.filter((t) => sizes.some((s) => s.tables[t])).map((t) => [t, ...sizes.map((s) => s.tables[t] ?? "-")])));
  return rows;
}

// ---------------------------------------------------------------- main

async function main() {
  let opts;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exitCode = 2;
    return;
  }
  if (opts.hammer) return hammer(opts.hammer);
  if (opts.help) return log(USAGE);
  const started = new Date();
  const result = {
    started_at: started.toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
    options: { ...opts, generator: relative(ROOT, opts.generator), cacheDir: relative(ROOT, opts.cacheDir) || "." },
    sizes: [],
  };
  log(`PAK POS scale bench — ${started.toISOString()}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  log(`sizes ${opts.sizes.map(sizeLabel).join(", ")}; ${opts.runs} runs each after one warm-up; history of ${opts.years} years ending ${opts.now}, seed ${opts.seed}`);

  const gitignore = existsSync(join(ROOT, ".gitignore")) ? readFileSync(join(ROOT, ".gitignore"), "utf8") : "";
  if (!gitignore.split("\n").some((l) => /^\/?bench-output\/?$/.test(l.trim()))) log("warning: bench-output/ is not in .gitignore");

  const keys = new Map(opts.sizes.map((size) => [size, safeKey(opts, size)]));
  // Without the generator no key can be made: nothing is pruned then.
  const removed = pruneCache(opts.cacheDir, new Set(keys.values()), opts.keepCache || !existsSync(opts.generator));
  if (removed.length) log(`cache: removed ${removed.length} file(s) of other keys (--keep-cache keeps them)`);

  let failed = false;
  for (const [i, size] of opts.sizes.entries()) {
    const build = opts.skipBuild || i > 0 ? "none" : "release";
    let r;
    try {
      r = await measureSize(opts, size, build);
    } catch (e) {
      // The stack did not start, the generator failed…: the other sizes still run.
      console.error(`\n${sizeLabel(size)} failed: ${e.stack ?? e}`);
      r = { size, label: sizeLabel(size), error: String(e.message ?? e), failures: [String(e.message ?? e).split("\n")[0]] };
    }
    result.sizes.push(r);
    if (r.failures.length) failed = true;
  }
  if (result.sizes.some((s) => !s.error)) result.table = report(result.sizes);
  const failures = result.sizes.flatMap((s) => s.failures.map((f) => `${s.label}: ${f}`));
  result.failures = failures;
  result.finished_at = new Date().toISOString();
  mkdirSync(join(ROOT, "bench-output"), { recursive: true });
  writeFileSync(join(ROOT, "bench-output/scale.json"), `${JSON.stringify(result, null, 2)}\n`);
  log(`\nfigures: bench-output/scale.json (total ${fixed((Date.now() - started.getTime()) / 1000)} s)`);
  if (failed) {
    step(`FAILURES (${failures.length})`);
    for (const f of failures) log(`  ${f}`);
    process.exitCode = 1;
  }
}

/** The cache key; without a generator file the key cannot be made (and no cache can match). */
function safeKey(opts, size) {
  if (!existsSync(opts.generator)) return `no-generator-${size}`;
  return cacheKey(opts, size);
}

main()
  .catch((e) => {
    console.error(`bench-scale failed: ${e.stack ?? e}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    // wrangler's programmatic API may leave handles open in this process.
    process.exit(process.exitCode ?? 0);
  });
