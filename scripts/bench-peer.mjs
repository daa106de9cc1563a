#!/usr/bin/env node
// Side by side with the performance peer (../shared/bench: a plain JS Worker
// doing the same transitions over D1, without auth, validation, audit or SMS
// sending): both in ONE run, on this machine, with the same load driver
// (../shared/bench/drive.mjs) and the same harness (wrangler's programmatic
// API in this process, inspector off, static assets off, a fresh local D1 per
// measurement). Speed means only the ratio printed here: absolute figures on
// a shared 2-core machine are noise.
//
//   node scripts/bench-peer.mjs [--apps N] [--concurrency "1 8"] [--probes N]
//                               [--skip-build] [--peer-dir DIR]
//
// For each of: the peer; PAK POS with its queue consumers (as in production:
// every SMS and courier request of the run really dispatched to the local
// stand-ins); PAK POS without consumers (the request path alone) — and for
// each concurrency C:
//   1. a fresh local D1 (PAK POS: its migrations and demo staff; the peer: its
//      own migrations), the server on a free 127.0.0.1 port;
//   2. drive.mjs: N applications submitted, then each walked through the
//      same 8 transitions (accept … hand_over), C in flight; for PAK POS the
//      profile is scripts/bench-profile.json: real logins per role, the
//      fields each step needs, and the product's draft attached (step h)
//      before request_signature — an extra request the peer does not make,
//      counted in PAK POS's wall time, never as a transition — and the CPU
//      it took per transition: the server's workerd processes (the isolate,
//      local D1, R2, queues) and this process (wrangler's harness, which
//      reads every line the Worker logs), from /proc and process.cpuUsage;
//   3. (C = 1, consumers on) probes, each its own closed loop in a child
//      process: GET /health, the first page of a work queue, and — PAK POS
//      only, the peer has no such route — a citizen's status check;
//   4. (consumers on) every SMS written to the outbox reached the SMS
//      stand-in exactly once (the bench fails otherwise).
// The release build is made first (PAKPOS_BUILD=release); its wasm size is
// printed against the 600 KiB budget. Figures go to stdout and to
// bench-output/side-by-side.json.

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";

import { ROOT, WRANGLER_ENV, descendants, freePort, startStack, stopAll } from "./stack.mjs";

Object.assign(process.env, WRANGLER_ENV);
process.env.WRANGLER_LOG ??= "warn";

const USAGE = `Usage: node scripts/bench-peer.mjs [--apps N] [--concurrency "1 8"] [--probes N] [--skip-build] [--peer-dir DIR]
  --apps N           applications per measurement (default 300)
  --concurrency L    space-separated in-flight counts (default "1 8")
  --probes N         requests per probe (GET /health, queue page, status check; default 500)
  --skip-build       use the existing build/ (else PAKPOS_BUILD=release scripts/build-worker.sh)
  --servers L        which of peer, pakpos, pakpos_no_consumers to run (default all three)
  --peer-dir DIR     the shared bench folder (default ../shared/bench beside the checkout)`;

const BUDGET_KIB = 600;
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");

function parse(argv) {
  const o = {
    apps: 300,
    concurrency: [1, 8],
    probes: 500,
    skipBuild: false,
    peerDir: resolve(ROOT, "../shared/bench"),
    servers: ["peer", "pakpos", "pakpos_no_consumers"],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const count = (v, min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) throw new Error(`${a} needs a whole number ≥ ${min}, not ${JSON.stringify(v)}`);
      return n;
    };
    if (a === "--help" || a === "-h") o.help = true;
    else if (a === "--apps") o.apps = count(value(), 1);
    else if (a === "--probes") o.probes = count(value(), 10);
    else if (a === "--concurrency") o.concurrency = value().trim().split(/\s+/).map((v) => count(v, 1));
    else if (a === "--skip-build") o.skipBuild = true;
    else if (a === "--peer-dir") o.peerDir = resolve(value());
    else if (a === "--servers") {
      o.servers = value().trim().split(/[\s,]+/);
      const unknown = o.servers.filter((n) => !["peer", "pakpos", "pakpos_no_consumers"].includes(n));
      if (unknown.length) throw new Error(`--servers: unknown ${unknown.join(", ")}`);
    }
    else if (a === "--probe") o.probe = JSON.parse(value());
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

// ---------------------------------------------------------------- probes

/** p-th percentile (nearest rank) of sorted values. */
function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * A closed loop of `n` requests, one in flight (run in a child process so the
 * servers' process does not also carry the client): warm-up first, then the
 * timed requests. Every answer must have status `expect`.
 */
async function probe({ url, method = "GET", headers = {}, body, n, expect = 200 }) {
  const once = async () => {
    const t0 = performance.now();
    const r = await fetch(url, { method, headers, body });
    await r.arrayBuffer();
    if (r.status !== expect) throw new Error(`${method} ${url}: ${r.status}, expected ${expect}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < Math.min(20, n); i++) await once();
  const times = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) times.push(await once());
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return { n, per_second: n / seconds, p50: pct(times, 50), p90: pct(times, 90), p99: pct(times, 99) };
}

function runProbe(spec) {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, "--probe", JSON.stringify(spec)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`probe ${spec.url} exited ${code}`))));
  });
}

// ---------------------------------------------------------------- driver

/** drive.mjs in a child process; its JSON figures. (scripts/profile-cpu.mjs uses it too.) */
export function drive(peerDir, base, profile, apps, concurrency, label, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), "pakpos-drive-"));
  const out = join(dir, "figures.json");
  return new Promise((ok, fail) => {
    const args = [join(peerDir, "drive.mjs"), "--base", base, "--apps", String(apps), "--concurrency", String(concurrency),
      "--profile", profile, "--label", label, "--quiet", "--json", out, ...extra];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
    child.on("exit", (code) => {
      try {
        if (!existsSync(out)) throw new Error(`drive.mjs exited ${code} without figures`);
        ok(JSON.parse(readFileSync(out, "utf8")));
      } catch (e) {
        fail(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

// ---------------------------------------------------------------- CPU

/** user + system CPU of a process, in ms (/proc, clock ticks of 10 ms). */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

export function workerdPids() {
  return descendants(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd";
    } catch {
      return false;
    }
  });
}

/** Where a server's CPU goes while `work` runs: its workerd processes (the
 *  isolate, local D1, R2 and queues; `pids()` lists them) and this process
 *  (wrangler's harness: it reads every line the Worker logs). The driver is
 *  a child process of its own, not counted. A workerd that starts during
 *  the run counts whole; one that ends during it cannot be read after its
 *  end, so the figure is then marked incomplete. */
async function cpuDuring(pids, work) {
  const start = new Map(pids().map((pid) => [pid, cpuMs(pid)]));
  const h0 = process.cpuUsage();
  const value = await work();
  const h = process.cpuUsage(h0);
  const end = new Map(pids().map((pid) => [pid, cpuMs(pid)]));
  let workerd = 0;
  for (const [pid, ms] of end) workerd += ms - (start.get(pid) ?? 0);
  const complete = [...start.keys()].every((pid) => end.has(pid));
  return { value, workerd_ms: workerd, harness_ms: (h.user + h.system) / 1000, complete };
}

/** The 8 transitions' figures out of drive.mjs's JSON (not submit, not draft). */
const TRANSITIONS = ["accept", "approve", "receive_documents", "request_signature", "validate_signature", "sign", "mark_printed", "hand_over"];

function transitions(figures) {
  const w = figures.workflow;
  if (!w) throw new Error("drive.mjs gave no workflow figures");
  const count = w.rows.filter((r) => TRANSITIONS.includes(r.name)).reduce((a, r) => a + r.count, 0);
  const all = w.rows.find((r) => r.name === "ALL transitions") ?? {};
  const errors = Object.values(w.errors_by_status ?? {}).reduce((a, b) => a + b, 0);
  // Per second over the whole walk (PAK POS's draft uploads included in its
  // time); p50/p99 over every step of the walk.
  return { count, errors, per_second: count / w.walk_s, p50: all.p50, p99: all.p99, completed: w.completed, steps: w.rows };
}

// ---------------------------------------------------------------- servers

export async function startPeer(peerDir) {
  const worker = join(peerDir, "js-worker");
  const dir = mkdtempSync(join(tmpdir(), "pakpos-peer-"));
  const persist = join(dir, "state");
  execFileSync(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, "--config", join(worker, "wrangler.toml")],
    { cwd: worker, stdio: ["ignore", "ignore", "inherit"], env: process.env });
  const { unstable_startWorker } = await import("wrangler");
  const port = await freePort();
  const server = await unstable_startWorker({
    config: join(worker, "wrangler.toml"),
    dev: { server: { hostname: "127.0.0.1", port }, inspector: false, persist, watch: false, liveReload: false, logLevel: "warn" },
  });
  await server.ready;
  return {
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startPakpos(consumers, build, name = "bench-peer") {
  const stack = await startStack({
    name,
    mode: "api",
    build,
    assets: false,
    consumers,
    // Every request comes from this machine without a client address: lift
    // the shared key's per-address limits as .dev.vars.example does.
    vars: { NO_ADDRESS_LIMIT_FACTOR: "1000" },
    control: { courier_auto: false },
    logLevel: "warn",
    testScheduled: false,
    handleSignals: false,
  });
  return { base: stack.base, standins: stack.standins, persistDir: stack.persistDir, stop: () => stack.stop() };
}

/** Rows of PAK POS's local D1 file, read beside the running Worker (Python's
 *  sqlite3, read-only: wrangler's `d1 execute` would go through the dev
 *  registry to the running session). */
function sql(persistDir, query) {
  const dir = join(persistDir, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database file in ${dir}`);
  const script = "import json,sqlite3,sys\n"
    + "c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro',uri=True)\nc.row_factory=sqlite3.Row\n"
    + "print(json.dumps([dict(r) for r in c.execute(sys.argv[2])]))";
  return JSON.parse(execFileSync("python3", ["-c", script, join(dir, file), query], { maxBuffer: 256 * 1024 * 1024 }));
}

/** Waits until every SMS outbox row reached the stand-in; exactly once each. */
async function smsExactlyOnce(stack, limitMs = 120_000) {
  const expected = sql(stack.persistDir, "SELECT recipient, body FROM outbox WHERE channel = 'sms'");
  const key = (to, body) => `${to}\n${body}`;
  const want = new Map();
  for (const r of expected) want.set(key(r.recipient, r.body), (want.get(key(r.recipient, r.body)) ?? 0) + 1);
  const started = performance.now();
  for (;;) {
    const records = await (await fetch(`${stack.standins}/_records`)).json();
    const got = new Map();
    for (const m of records.sms ?? []) got.set(key(m.to, m.body), (got.get(key(m.to, m.body)) ?? 0) + 1);
    let missing = 0;
    let duplicates = 0;
    for (const [k, n] of want) {
      const g = got.get(k) ?? 0;
      if (g < n) missing += n - g;
      if (g > n) duplicates += g - n;
    }
    const done = missing === 0;
    if (done || duplicates > 0 || performance.now() - started > limitMs) {
      return { expected: expected.length, delivered: (records.sms ?? []).length, missing, duplicates, seconds: (performance.now() - started) / 1000 };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ---------------------------------------------------------------- the run

const fx = (x, d = 1) => (x == null || !Number.isFinite(x) ? "-" : x.toFixed(d));

async function login(base, username) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: "pakpos-demo-2026" }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`);
  return (await r.json()).token;
}

async function main() {
  const opts = parse(process.argv.slice(2));
  if (opts.probe) {
    process.stdout.write(JSON.stringify(await probe(opts.probe)));
    return;
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  if (!existsSync(join(opts.peerDir, "drive.mjs")) || !existsSync(join(opts.peerDir, "js-worker/wrangler.toml"))) {
    throw new Error(`no peer bench at ${opts.peerDir} (drive.mjs, js-worker/): pass --peer-dir`);
  }
  const result = {
    started_at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() },
    apps: opts.apps,
    concurrency: opts.concurrency,
    runs: {},
    probes: {},
  };
  console.log(`== side by side: ${new Date().toISOString()}, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);

  if (!opts.skipBuild) {
    const t0 = performance.now();
    execFileSync("bash", ["scripts/build-worker.sh"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, PAKPOS_BUILD: "release" } });
    console.log(`release build: ${fx((performance.now() - t0) / 1000)} s`);
  }
  const wasm = readFileSync(join(ROOT, "build/index_bg.wasm"));
  const gz = gzipSync(wasm, { level: 9 }).length;
  result.wasm = { raw: wasm.length, gzip: gz, budget_kib: BUDGET_KIB, within: gz <= BUDGET_KIB * 1024 };
  console.log(`wasm: ${wasm.length} bytes raw, ${gz} gzip = ${fx(gz / 1024)} KiB of ${BUDGET_KIB} KiB (${result.wasm.within ? "within" : "OVER"})`);

  const peerProfile = join(opts.peerDir, "profiles/peer.json");
  const ourProfile = join(ROOT, "scripts/bench-profile.json");
  const servers = [
    { name: "peer", start: () => startPeer(opts.peerDir), profile: peerProfile },
    { name: "pakpos", start: () => startPakpos(true, "none"), profile: ourProfile, sms: true },
    { name: "pakpos_no_consumers", start: () => startPakpos(false, "none"), profile: ourProfile },
  ];
  for (const server of servers.filter((s) => opts.servers.includes(s.name))) {
    for (const c of opts.concurrency) {
      const label = `${server.name} c=${c}`;
      console.log(`\n-- ${label}: ${opts.apps} applications`);
      const before = new Set(workerdPids());
      const s = await server.start();
      try {
        const pids = () => workerdPids().filter((pid) => !before.has(pid));
        const cpu = await cpuDuring(pids, () => drive(opts.peerDir, s.base, server.profile, opts.apps, c, label));
        const run = transitions(cpu.value);
        run.cpu_ms_per_transition = { workerd: cpu.workerd_ms / run.count, harness: cpu.harness_ms / run.count, complete: cpu.complete };
        if (server.sms) run.sms = await smsExactlyOnce(s);
        result.runs[label] = run;
        console.log(`   ${fx(run.per_second)} transitions/s, p50 ${fx(run.p50, 2)} ms, p99 ${fx(run.p99, 2)} ms, ${run.errors} errors`
          + (run.sms ? `; SMS ${run.sms.expected} written, ${run.sms.missing} missing, ${run.sms.duplicates} twice` : "")
          + `\n   CPU per transition: workerd ${fx(run.cpu_ms_per_transition.workerd, 2)} ms, harness ${fx(run.cpu_ms_per_transition.harness, 2)} ms`
          + (cpu.complete ? "" : " (a workerd ended during the run: its CPU is missing)"));
        if (c === opts.concurrency[0] && server.name !== "pakpos_no_consumers") {
          const n = opts.probes;
          const probes = { health: await runProbe({ url: `${s.base}/health`, n }) };
          if (server.name === "peer") {
            probes.queue_page = await runProbe({ url: `${s.base}/api/v1/queue?status=completed&limit=50`, headers: { authorization: "Bearer x" }, n });
          } else {
            const token = await login(s.base, "admin");
            probes.queue_page = await runProbe({ url: `${s.base}/api/v1/queue?status=completed&limit=50`, headers: { authorization: `Bearer ${token}` }, n });
            const [row] = sql(s.persistDir, "SELECT registration_number, applicant_nik FROM applications LIMIT 1");
            probes.status_check = await runProbe({
              url: `${s.base}/api/v1/applications/${row.registration_number}/status`,
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ nik: row.applicant_nik }),
              n,
            });
          }
          result.probes[server.name] = probes;
        }
      } finally {
        await s.stop();
      }
    }
  }

  // The table: PAK POS against the peer, as ratios (higher is better for
  // throughput; for latency the ratio is PAK POS's time over the peer's).
  const rows = [];
  const ratio = (a, b) => (a != null && b ? a / b : NaN);
  for (const c of opts.concurrency) {
    const peer = result.runs[`peer c=${c}`] ?? {};
    for (const [name, title] of [["pakpos", "consumers on"], ["pakpos_no_consumers", "consumers off"]]) {
      const ours = result.runs[`${name} c=${c}`];
      if (!ours) continue;
      rows.push([`transitions/s, ${c} in flight, ${title}`, fx(peer.per_second), fx(ours.per_second), fx(ratio(ours.per_second, peer.per_second), 2) + "×"]);
      rows.push([`  p50 / p99 ms`, `${fx(peer.p50, 1)} / ${fx(peer.p99, 1)}`, `${fx(ours.p50, 1)} / ${fx(ours.p99, 1)}`,
        `${fx(ratio(ours.p50, peer.p50), 2)}× / ${fx(ratio(ours.p99, peer.p99), 2)}× time`]);
      const pc = peer.cpu_ms_per_transition ?? {};
      const oc = ours.cpu_ms_per_transition ?? {};
      rows.push([`  CPU ms per transition, workerd / harness`, `${fx(pc.workerd, 2)} / ${fx(pc.harness, 2)}`,
        `${fx(oc.workerd, 2)} / ${fx(oc.harness, 2)}`, `${fx(ratio(oc.workerd, pc.workerd), 2)}× / ${fx(ratio(oc.harness, pc.harness), 1)}× CPU`]);
    }
  }
  const pp = result.probes.peer ?? {};
  const op = result.probes.pakpos ?? {};
  for (const [key, title] of [["health", "GET /health"], ["queue_page", "queue page (50, completed)"], ["status_check", "citizen status check"]]) {
    const a = pp[key];
    const b = op[key];
    if (!b) continue;
    rows.push([`${title}, req/s (p50 / p99 ms)`, a ? `${fx(a.per_second)} (${fx(a.p50, 2)} / ${fx(a.p99, 2)})` : "no such route",
      `${fx(b.per_second)} (${fx(b.p50, 2)} / ${fx(b.p99, 2)})`, a ? fx(ratio(b.per_second, a.per_second), 2) + "×" : "-"]);
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[["measure", "peer", "PAK POS", "ratio"], ...rows].map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((x, i) => String(x).padEnd(widths[i])).join(" | ")} |`;
  console.log(`\n${line(["measure", "peer", "PAK POS", "ratio"])}`);
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
  result.table = rows;
  mkdirSync(join(ROOT, "bench-output"), { recursive: true });
  writeFileSync(join(ROOT, "bench-output/side-by-side.json"), JSON.stringify(result, null, 2));
  console.log("\nfigures: bench-output/side-by-side.json");
  const smsBad = Object.values(result.runs).some((r) => r.sms && (r.sms.missing || r.sms.duplicates));
  const errors = Object.values(result.runs).some((r) => r.errors);
  if (smsBad || errors) {
    console.error(smsBad ? "an SMS was lost or sent twice" : "a request failed (see drive.mjs's errors above)");
    process.exitCode = 1;
  }
}

// Run as a command, not when another script imports `drive`.
if (import.meta.url === `file://${process.argv[1]}`) {
  main()
    .catch((e) => {
      console.error(e.stack ?? String(e));
      process.exitCode = 1;
    })
    .finally(() => stopAll());
}
