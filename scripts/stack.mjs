#!/usr/bin/env node
// The one launcher of the local PAK POS stack, shared by the Rust end-to-end
// tests (tests/e2e/server.rs, through the CLI below), the browser tests
// (tests/browser/ui.mjs) and the bench (scripts/bench.mjs):
//
//  1. a throw-away temp dir: local D1 state (migrations applied, demo staff
//     seeded by scripts/staff.mjs) and an own wrangler dev registry;
//  2. the SMS gateway + courier stand-ins (scripts/standins.mjs) on a free
//     port, with the same credentials as the Worker (optionally switched with
//     POST /_control before the Worker starts);
//  3. the Worker on 127.0.0.1 on a free port, either under the `wrangler dev`
//     CLI (inspector attached) or through wrangler's programmatic API with the
//     inspector off (TOOLCHAIN.md: the inspector halves D1-bound throughput),
//     with its origin, the stand-ins' origin and the credentials as vars;
//     resolved once GET /health answers ok.
// stop() ends everything it started (wrangler's whole process group, so also
// workerd and esbuild; the stand-ins' group) and removes the temp dir.
// killWorker() / restartWorker() (CLI mode) SIGKILL the Worker's whole group
// and start it again on the same port, state and stand-ins: a crash test.
//
// As a module:
//   import { startStack } from "../scripts/stack.mjs";
//   const stack = await startStack({ name: "browser", control: { courier_auto: false } });
//   stack.base, stack.standins, stack.persistDir, stack.secrets, stack.logTail(40)
//   await stack.stop();
//
// As a command (the Rust e2e harness runs this):
//   node scripts/stack.mjs --json [--api] [--build wrangler|dev|release|none] [--port P]
//                          [--var NAME=VALUE]... [--log-level L] [--name N]
// starts the stack, prints ONE JSON line on stdout once the Worker is healthy
// ({"ready":true,"base":…,"standins":…,"persistDir":…,…}; nothing else ever
// goes to stdout), copies every log line (wrangler, stand-ins, set-up) to
// stderr, and stops everything when its stdin closes (so also when the
// process that started it dies) or on SIGTERM/SIGINT. With --json, a line
// "kill" on stdin SIGKILLs the Worker's process group and "restart" starts it
// again on the same state; each is answered by one JSON line on stdout
// ({"killed":true} / {"restarted":true,"pids":…} or {"error":…}). When the stack cannot
// start it prints why, with the log's tail, on stderr and exits 1. Without
// --json it prints a readable summary instead and stops only on a signal.
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Credentials the Worker and the stand-ins share (tests/e2e/server.rs checks them). */
export const SECRETS = Object.freeze({
  TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
  TWILIO_AUTH_TOKEN: "e2e-twilio-token",
  COURIER_API_KEY: "e2e-courier-key",
  COURIER_WEBHOOK_SECRET: "e2e-courier-secret",
  ESIGN_USERNAME: "e2e-esign-user",
  ESIGN_PASSWORD: "e2e-esign-password",
  ESIGN_SIGNER_NIK: "3312011207700003",
});

/** The WhatsApp sender and the approved templates' content SIDs (Twilio's
 *  Content API) the Worker is given: a template without one (here
 *  approved_send_documents, among others) goes by SMS. */
export const WHATSAPP = Object.freeze({
  TWILIO_WHATSAPP_FROM: "whatsapp:+6281100001111",
  TWILIO_WHATSAPP_CONTENT: JSON.stringify({
    registration_received: "HX" + "1".repeat(32),
    documents_received: "HX" + "2".repeat(32),
    ready_for_pickup: "HX" + "3".repeat(32),
  }),
});

/** The tests' extra vars: fast retries, a relay that takes every unfinished
 *  row, so a test can make the queues deliver the same row again, a provider
 *  timeout short enough for a test to wait out, a cron that asks the
 *  stand-ins about any report missing for two seconds, and the production
 *  abuse limits even for requests without a client address (a local
 *  .dev.vars may relax them for demos), and CSV export pages of 7 rows so
 *  an export crosses page boundaries, and an archive age (5000 days) that
 *  only the archive test's application, closed in 2010, reaches (other
 *  tests date theirs back to 2020), and nightly-export chunks of 25 rows,
 *  so the restore test's export pages every big table by its key. */
export const TEST_VARS = Object.freeze({
  DISPATCH_RETRY_BASE_SECONDS: "1",
  DISPATCH_RETRY_MAX_SECONDS: "1",
  RELAY_MIN_AGE_SECONDS: "0",
  POLL_AFTER_SECONDS: "2",
  NO_ADDRESS_LIMIT_FACTOR: "1",
  PROVIDER_TIMEOUT_SECONDS: "8",
  EXPORT_PAGE_ROWS: "7",
  ARCHIVE_AFTER_DAYS: "5000",
  BACKUP_CHUNK_ROWS: "25",
});

/** Every wrangler command: no prompts, no telemetry, no failed Request.cf fetch (TOOLCHAIN.md). */
export const WRANGLER_ENV = Object.freeze({ WRANGLER_SEND_METRICS: "false", CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false" });

const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const LOG_LINES_KEPT = 2000;
const FAILURE_TAIL = 40;
const STANDINS_START_MS = 15_000;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
const within = (promise, ms) => Promise.race([promise, sleep(ms).then(() => "timeout")]);
const seconds = (since) => (performance.now() - since) / 1000;

/** dev.sh's ports (8787-8799) and the default inspector ports (9229-9299). */
const reserved = (p) => (p >= 8787 && p <= 8799) || (p >= 9229 && p <= 9299);

/** A port nobody listens on right now (the kernel picks it), outside dev.sh's and the inspector's defaults. */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  }).then((port) => (reserved(port) ? freePort() : port));
}

/** All live descendants of `pid`, from /proc (Linux). */
export function descendants(pid) {
  const parent = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z") continue;
      parent.set(Number(entry), Number(fields[1]));
    } catch {
      // exited meanwhile
    }
  }
  const out = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift();
    for (const [child, pp] of parent) if (pp === p) (out.push(child), queue.push(child));
  }
  return out;
}

/** Whether `pid` runs (not a zombie). */
export function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const running = (child) => child && child.exitCode === null && child.signalCode === null;

/** Signals a process group (every child here is spawned detached: its own group). */
function signalGroup(pid, sig) {
  try {
    process.kill(-pid, sig);
  } catch {
    // already gone
  }
}

/** TERM to the group, up to `graceMs` for its leader to exit, then KILL to
 *  whatever is left of the group (workerd may outlive wrangler). */
async function stopGroup(child, graceMs) {
  if (!child?.pid) return;
  const gone = running(child) ? new Promise((ok) => child.once("exit", ok)) : Promise.resolve();
  signalGroup(child.pid, "SIGTERM");
  await within(gone, graceMs);
  signalGroup(child.pid, "SIGKILL");
  await within(gone, 2_000);
}

/**
 * wrangler and miniflare install SIGINT/SIGTERM handlers that exit at once
 * (wrangler's with status 0); in the programmatic mode they would run in our
 * process. Calls `fn` and then removes every signal listener it added.
 */
async function withoutTheirSignalHandlers(fn) {
  const before = Object.fromEntries(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const strip = () => {
    for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before[s].has(l)) process.removeListener(s, l);
  };
  try {
    return await fn(strip);
  } finally {
    strip();
  }
}

// ---------------------------------------------------------------- lifecycle

const live = new Set();

/** Synchronous last resort (process exit, a signal): KILL every group, remove the state. */
function killNow(stack) {
  if (stack.stopped) return;
  stack.stopped = true;
  for (const child of [stack.wranglerChild, stack.standinsChild, ...stack.runs]) if (child?.pid) signalGroup(child.pid, "SIGKILL");
  try {
    rmSync(stack.dir, { recursive: true, force: true });
  } catch {}
  live.delete(stack);
}

process.once("exit", () => {
  for (const stack of [...live]) killNow(stack);
});

let signalHandlersInstalled = false;
function installSignalHandlers() {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      for (const stack of [...live]) killNow(stack);
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

/** Stops every stack this process started (also one still starting). */
export async function stopAll() {
  await Promise.all([...live].map((stack) => stack.stop()));
}

/** Ends what the stack started — the programmatic Worker (teardown, 20 s at
 *  most), a set-up command, wrangler's process group (TERM, 10 s, KILL), the
 *  stand-ins' group (TERM, 3 s, KILL) — and removes its temp dir. */
function stopStack(stack) {
  stack.stopping ??= (async () => {
    if (stack.stopped) return;
    stack.closing = true;
    if (stack.devEnv) {
      const devEnv = stack.devEnv;
      stack.devEnv = null;
      const r = await within(devEnv.teardown().catch((e) => stack.note(`stack: wrangler teardown: ${e.message}`)), 20_000);
      if (r === "timeout") stack.note("stack: wrangler teardown did not finish in 20 s");
    }
    for (const child of stack.runs) await stopGroup(child, 10_000);
    await stopGroup(stack.wranglerChild, 10_000);
    await stopGroup(stack.standinsChild, 3_000);
    stack.stopped = true;
    live.delete(stack);
    rmSync(stack.dir, { recursive: true, force: true });
  })();
  return stack.stopping;
}

class Stopped extends Error {}

/** Runs a set-up command in its own group; its output goes to the log.
 *  Rejects with the tail of that output when it fails. */
function run(stack, command, args, what, env = {}) {
  if (stack.closing) return Promise.reject(new Stopped(`${what}: the stack was stopped`));
  return new Promise((ok, fail) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...WRANGLER_ENV, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    stack.runs.add(child);
    const output = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        stack.note(line);
      });
    }
    child.on("error", (e) => fail(new Error(`${what}: ${e.message}`)));
    child.on("close", (code, signal) => {
      stack.runs.delete(child);
      if (code === 0) return ok();
      if (stack.closing) return fail(new Stopped(`${what}: the stack was stopped`));
      fail(new Error(`${what} failed (${signal ?? `exit ${code}`}):\n${output.slice(-FAILURE_TAIL).join("\n")}`));
    });
  });
}

/** Starts scripts/standins.mjs (its own group) and resolves with its origin once it prints it. */
function startStandins(stack, secrets) {
  stack.guard();
  const child = spawn(process.execPath, [join(ROOT, "scripts/standins.mjs"), "--port", "0"], {
    cwd: ROOT,
    env: { ...process.env, ...secrets },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  stack.standinsChild = child;
  return new Promise((ok, fail) => {
    let origin = null;
    const timer = setTimeout(() => fail(new Error(`the stand-ins did not print their address within ${STANDINS_START_MS / 1000} s`)), STANDINS_START_MS);
    // Keep draining both streams so the stand-ins never block on a full pipe.
    createInterface({ input: child.stdout }).on("line", (line) => {
      stack.note(`[standins] ${line}`);
      const m = !origin && /standins listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        origin = m[1];
        clearTimeout(timer);
        ok(origin);
      }
    });
    createInterface({ input: child.stderr }).on("line", (line) => stack.note(`[standins] ${line}`));
    child.on("error", (e) => (clearTimeout(timer), fail(new Error(`spawn standins: ${e.message}`))));
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const how = signal ?? `exit ${code}`;
      if (!origin) fail(new Error(`the stand-ins exited (${how}) before listening:\n${stack.logTail(20)}`));
      else if (!stack.closing) stack.exited("standins", how);
    });
  });
}

/** GETs (no body) or POSTs (JSON body) a stand-in test endpoint. */
export async function standinRequest(origin, path, body, signal) {
  const r = await fetch(origin + path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`stand-ins ${path}: HTTP ${r.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Copies build/ (so a concurrent rebuild cannot change what runs), after
 *  building it with scripts/build-worker.sh unless `build` is "none". */
async function prepareBuild(stack, build) {
  const t0 = performance.now();
  if (build === "none") {
    if (!existsSync(join(ROOT, "build/index_bg.wasm"))) throw new Error("build none: build/index_bg.wasm does not exist");
  } else {
    await run(stack, "bash", ["scripts/build-worker.sh"], `PAKPOS_BUILD=${build} scripts/build-worker.sh`, { PAKPOS_BUILD: build });
  }
  const buildSeconds = seconds(t0);
  stack.buildDir = join(stack.dir, "build");
  cpSync(join(ROOT, "build"), stack.buildDir, { recursive: true });
  return buildSeconds;
}

/** wrangler.toml as JSON without [build], `main` at the copied build, absolute
 *  paths and `vars` added (they win over wrangler.toml's), in the temp dir. */
async function writeConfig(stack, vars, { assets = true, consumers = true } = {}) {
  const { experimental_readRawConfig } = await withoutTheirSignalHandlers(() => import("wrangler"));
  const { rawConfig } = experimental_readRawConfig({ config: join(ROOT, "wrangler.toml") });
  const abs = (p) => (isAbsolute(p) ? p : join(ROOT, p));
  const fix = (cfg) => {
    const out = { ...cfg };
    delete out.build;
    delete out.$schema;
    if (out.main) out.main = join(stack.buildDir, "index.js");
    if (out.assets?.directory) out.assets = { ...out.assets, directory: abs(out.assets.directory) };
    if (out.d1_databases) {
      out.d1_databases = out.d1_databases.map((d) => (d.migrations_dir ? { ...d, migrations_dir: abs(d.migrations_dir) } : d));
    }
    if (out.site?.bucket) out.site = { ...out.site, bucket: abs(out.site.bucket) };
    return out;
  };
  const config = fix(rawConfig);
  config.vars = { ...config.vars, ...vars };
  // The side-by-side bench (scripts/bench-peer.mjs) can leave out the static
  // assets (locally they add ~1 ms in front of every request, which
  // production does not pay) and the queue consumers.
  if (!assets) delete config.assets;
  if (!consumers && config.queues) config.queues = { ...config.queues, consumers: undefined };
  if (config.env) config.env = Object.fromEntries(Object.entries(config.env).map(([k, v]) => [k, fix(v)]));
  const file = join(stack.dir, "wrangler.json");
  writeFileSync(file, JSON.stringify(config, null, 2));
  // Local vars/secrets, if the repo has them, are read from beside the config;
  // they would override `vars`, so the names set here are left out.
  for (const name of [".dev.vars", ".env"]) {
    if (!existsSync(join(ROOT, name))) continue;
    const kept = readFileSync(join(ROOT, name), "utf8").split("\n")
      .filter((line) => !(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1] in vars));
    writeFileSync(join(stack.dir, name), kept.join("\n"));
  }
  return file;
}

/** Polls GET /health until it answers 200 with "ok". */
async function waitHealthy(stack, limitMs) {
  const started = Date.now();
  for (;;) {
    stack.guard();
    const child = stack.wranglerChild;
    if (child && !running(child)) {
      throw new Error(`wrangler dev exited (${child.signalCode ?? `exit ${child.exitCode}`}) before it was healthy:\n${stack.logTail(FAILURE_TAIL)}`);
    }
    try {
      const r = await fetch(`${stack.base}/health`, { signal: AbortSignal.timeout(2_000) });
      if (r.ok && (await r.text()).includes("ok")) return;
    } catch {
      // not up yet
    }
    if (Date.now() - started > limitMs) {
      throw new Error(`the Worker did not answer ${stack.base}/health within ${limitMs / 1000} s:\n${stack.logTail(FAILURE_TAIL)}`);
    }
    await sleep(250);
  }
}

/** `wrangler dev` in its own process group, its output into the log. */
function startCli(stack, { config, port, vars, logLevel, testScheduled }) {
  const args = ["dev"];
  if (config) args.push("--config", config);
  args.push(
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(stack.inspectorPort),
    "--persist-to", stack.persistDir,
    "--show-interactive-dev-session=false",
    "--log-level", logLevel,
  );
  if (testScheduled) args.push("--test-scheduled");
  // With the repo's wrangler.toml the vars go on the command line (they win
  // over wrangler.toml and .dev.vars); a generated config already has them.
  if (!config) args.push(...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]));
  stack.command = `wrangler ${args.join(" ")}`;
  stack.guard();
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: { ...process.env, ...WRANGLER_ENV, NO_COLOR: "1", WRANGLER_REGISTRY_PATH: stack.registry },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  stack.wranglerChild = child;
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on("line", (line) => stack.note(line));
  child.on("exit", (code, signal) => {
    if (!stack.closing && stack.ready && !child.killedOnPurpose) stack.exited("wrangler dev", signal ?? `exit ${code}`);
  });
}

/** SIGKILLs the Worker's whole process group (wrangler, workerd, esbuild) at
 *  once, as a crash would; the state and the stand-ins stay. CLI mode only. */
async function killWorker(stack) {
  const child = stack.wranglerChild;
  if (stack.mode !== "cli" || !child?.pid) throw new Error("killWorker: only a `wrangler dev` CLI stack can be killed");
  child.killedOnPurpose = true;
  const gone = running(child) ? new Promise((ok) => child.once("exit", ok)) : Promise.resolve();
  signalGroup(child.pid, "SIGKILL");
  await within(gone, 5_000);
  // workerd may be reparented before the group signal reaches it: wait until none is left.
  for (let i = 0; i < 50 && alive(child.pid); i++) await sleep(100);
  stack.note(`stack: killed the Worker's process group ${child.pid} (SIGKILL)`);
}

/** Starts the Worker again (after killWorker) with the same config, port,
 *  vars and persisted state; resolves once /health answers ok. */
async function restartWorker(stack) {
  if (!stack.cli) throw new Error("restartWorker: only a `wrangler dev` CLI stack can be restarted");
  if (running(stack.wranglerChild)) await killWorker(stack);
  const t0 = performance.now();
  startCli(stack, stack.cli);
  await waitHealthy(stack, stack.cli.healthTimeoutMs);
  stack.note(`stack: the Worker is up again after ${seconds(t0).toFixed(1)} s`);
}

/** unstable_startWorker (through unstable_DevEnv) with the inspector off, in this process. */
async function startApi(stack, { config, port, logLevel, testScheduled }) {
  await withoutTheirSignalHandlers(async (strip) => {
    const { unstable_DevEnv } = await import("wrangler");
    // wrangler runs in this process here, so its settings go into our environment.
    Object.assign(process.env, WRANGLER_ENV, { WRANGLER_REGISTRY_PATH: stack.registry });
    stack.guard();
    const devEnv = new unstable_DevEnv();
    stack.devEnv = devEnv;
    const worker = await devEnv.startWorker({
      config,
      sendMetrics: false,
      dev: {
        inspector: false,
        persist: stack.persistDir,
        watch: false,
        liveReload: false,
        remote: false,
        logLevel,
        registry: stack.registry,
        enableContainers: false,
        testScheduled,
        server: { hostname: "127.0.0.1", port },
      },
    });
    strip();
    await worker.ready;
    strip();
    const url = await worker.url;
    if (url.hostname !== "127.0.0.1") throw new Error(`the Worker is not on 127.0.0.1: ${url}`);
    if (url.port !== String(port)) throw new Error(`the Worker is on ${url}, not on port ${port}`);
  });
}

/**
 * Starts the stack; resolves once the Worker's /health answers ok.
 *
 * options (all optional):
 *   name           temp dir prefix `pakpos-<name>-` (default "stack")
 *   mode           "cli": the `wrangler dev` CLI (inspector attached; default), or
 *                  "api": wrangler's programmatic API in this process, inspector off
 *   build          "wrangler": wrangler.toml's [build] command builds at start (dev
 *                  profile unless PAKPOS_BUILD says otherwise; "cli" only; default);
 *                  "dev" / "release": scripts/build-worker.sh with that profile first;
 *                  "none": the existing build/. Except with "wrangler", build/ is
 *                  copied into the temp dir and run from a generated config
 *                  without [build] (`stack.buildDir`)
 *   port           the Worker's port (default: a free one)
 *   secrets        credentials shared by the Worker and the stand-ins (default SECRETS)
 *   vars           further Worker vars (default TEST_VARS); the Worker always gets
 *                  PUBLIC_BASE_URL, TWILIO_API_BASE, COURIER_API_BASE, ESIGN_API_BASE, TWILIO_FROM,
 *                  the WHATSAPP vars and the secrets
 *   control        JSON POSTed to the stand-ins' /_control before the Worker starts
 *   assets         serve the static assets (default true; not with build "wrangler")
 *   consumers      run the queue consumers (default true; not with build "wrangler")
 *   logLevel       wrangler's log level (default "info")
 *   testScheduled  serve /__scheduled (default true)
 *   healthTimeoutMs  how long /health may take (default 300 s with build "wrangler",
 *                  else 120 s for "cli" and 60 s for "api")
 *   handleSignals  on SIGINT/SIGTERM, kill every stack and exit 130/143 (default true)
 *   onLog(line)    each log line as it arrives (wrangler CLI, set-up commands, stand-ins)
 *   onPhase(name, info)  awaited after each step: "build" {profile, seconds, dir},
 *                  "state" {seconds, persistDir, dir}, "standins" {url, seconds}; throwing
 *                  stops the stack and rejects
 *   onExit(what, how)  a process of the running stack exited on its own
 *
 * Resolves with { base, standins, persistDir, dir, buildDir, secrets, vars, mode,
 * inspectorPort, command, timings: {build, state, standins, worker} (seconds),
 * pids: {wrangler, standins} (process groups), logTail(n), logLines(needle), stop() }.
 * The log holds the last 2000 lines; in "api" mode wrangler logs to this
 * process's console instead.
 */
export async function startStack(options = {}) {
  const {
    name = "stack",
    mode = "cli",
    build = "wrangler",
    port: fixedPort,
    secrets = SECRETS,
    vars: extraVars = TEST_VARS,
    control = null,
    assets = true,
    consumers = true,
    logLevel = "info",
    testScheduled = true,
    handleSignals = true,
    onLog,
    onPhase,
    onExit,
  } = options;
  if (!["cli", "api"].includes(mode)) throw new Error(`stack: mode must be cli or api, not ${JSON.stringify(mode)}`);
  if (!["wrangler", "dev", "release", "none"].includes(build)) {
    throw new Error(`stack: build must be wrangler, dev, release or none, not ${JSON.stringify(build)}`);
  }
  if (mode === "api" && build === "wrangler") {
    throw new Error("stack: the programmatic API runs a prepared build: use build dev, release or none");
  }
  const healthTimeoutMs = options.healthTimeoutMs ?? (build === "wrangler" ? 300_000 : mode === "cli" ? 120_000 : 60_000);
  if (handleSignals) installSignalHandlers();

  const dir = mkdtempSync(join(tmpdir(), `pakpos-${name}-`));
  const log = [];
  const stack = {
    base: "",
    standins: "",
    dir,
    persistDir: join(dir, "state"),
    registry: join(dir, "registry"),
    buildDir: null,
    secrets: { ...secrets },
    vars: {},
    mode,
    inspectorPort: null,
    command: null,
    timings: {},
    ready: false,
    closing: false,
    stopped: false,
    runs: new Set(),
    standinsChild: null,
    wranglerChild: null,
    devEnv: null,
    get pids() {
      return { wrangler: this.wranglerChild?.pid ?? null, standins: this.standinsChild?.pid ?? null };
    },
    note(line) {
      log.push(line);
      if (log.length > LOG_LINES_KEPT) log.splice(0, log.length - LOG_LINES_KEPT);
      onLog?.(line);
    },
    /** Nothing new is started once stop() began (it would outlive it). */
    guard() {
      if (this.closing) throw new Stopped("the stack was stopped while starting");
    },
    exited(what, how) {
      this.note(`stack: ${what} exited on its own (${how})`);
      onExit?.(what, how);
    },
    cli: null,
    killWorker: () => killWorker(stack),
    restartWorker: () => restartWorker(stack),
    logTail: (n = 60) => log.slice(-n).join("\n"),
    logLines: (needle) => log.filter((l) => l.includes(needle)),
    stop: () => stopStack(stack),
  };
  mkdirSync(stack.registry);
  live.add(stack);
  const phase = async (step, info) => {
    stack.guard();
    await onPhase?.(step, info);
  };
  try {
    if (build !== "wrangler") {
      const t0 = performance.now();
      const buildSeconds = await prepareBuild(stack, build);
      stack.timings.build = seconds(t0);
      await phase("build", { profile: build, seconds: buildSeconds, dir: stack.buildDir });
    }

    const t1 = performance.now();
    await run(stack, WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", stack.persistDir], "migrations");
    await run(stack, process.execPath, ["scripts/staff.mjs", "seed-demo", "--persist-to", stack.persistDir], "seed staff");
    stack.timings.state = seconds(t1);
    await phase("state", { seconds: stack.timings.state, persistDir: stack.persistDir, dir: stack.dir });

    const t2 = performance.now();
    stack.standins = await startStandins(stack, stack.secrets);
    if (control) await standinRequest(stack.standins, "/_control", control);
    stack.timings.standins = seconds(t2);
    await phase("standins", { url: stack.standins, seconds: stack.timings.standins });

    // The Worker's own origin goes into the SMS StatusCallback and the courier
    // stand-in's webhook setting (Biteship's dashboard), so its port is chosen
    // before it starts. A free port can be taken by another process before
    // wrangler binds it (or the inspector's): then new ports, up to three
    // times, unless the port was given.
    let t3 = performance.now();
    for (let attempt = 1; ; attempt++) {
      const port = fixedPort ?? (await freePort());
      stack.base = `http://127.0.0.1:${port}`;
      await standinRequest(stack.standins, "/_courier/webhook", { url: `${stack.base}/webhooks/courier` });
      await standinRequest(stack.standins, "/_sms/webhook", { url: `${stack.base}/webhooks/sms/inbound` });
      stack.vars = {
        PUBLIC_BASE_URL: stack.base,
        TWILIO_API_BASE: stack.standins,
        COURIER_API_BASE: stack.standins,
        ESIGN_API_BASE: stack.standins,
        ...stack.secrets,
        TWILIO_FROM: "PAKPOS",
        ...WHATSAPP,
        ...extraVars,
      };
      const config = build === "wrangler" ? null : await writeConfig(stack, stack.vars, { assets, consumers });
      stack.guard();
      t3 = performance.now();
      if (mode === "cli") {
        stack.inspectorPort = await freePort();
        stack.cli = { config, port, vars: stack.vars, logLevel, testScheduled, healthTimeoutMs };
        startCli(stack, stack.cli);
      } else {
        await startApi(stack, { config, port, logLevel, testScheduled });
      }
      try {
        await waitHealthy(stack, healthTimeoutMs);
        break;
      } catch (e) {
        const taken = mode === "cli" && fixedPort === undefined && attempt < 3 && String(e.message).includes("Address already in use");
        if (!taken) throw e;
        stack.note(`stack: a port was taken before wrangler bound it; starting again on new ports (attempt ${attempt + 1})`);
      }
    }
    stack.timings.worker = seconds(t3);
    stack.ready = true;
    return stack;
  } catch (e) {
    await stopStack(stack);
    throw e;
  }
}

// ---------------------------------------------------------------- command line

const USAGE = `Usage: node scripts/stack.mjs [--json] [--api] [--build wrangler|dev|release|none]
                              [--port P] [--var NAME=VALUE]... [--log-level L] [--name N]

Starts the local stack (throw-away local D1 migrated and seeded with the demo
staff, the SMS/courier stand-ins, the Worker) on free ports, and stops it all
on SIGINT/SIGTERM.

  --json         print one JSON line on stdout when ready; stop also when stdin closes
  --api          wrangler's programmatic API, inspector off (default: the wrangler dev CLI)
  --build B      wrangler (default: wrangler.toml's build at start), dev, release, none
  --port P       the Worker's port (default: a free one)
  --var N=V      a further Worker var, over the test vars DISPATCH_RETRY_BASE_SECONDS=1
                 DISPATCH_RETRY_MAX_SECONDS=1 RELAY_MIN_AGE_SECONDS=0
                 POLL_AFTER_SECONDS=2 NO_ADDRESS_LIMIT_FACTOR=1
                 PROVIDER_TIMEOUT_SECONDS=8 (repeatable)
  --log-level L  wrangler's log level (default info)
  --name N       temp dir prefix pakpos-N- (default stack)`;

function parseCli(argv) {
  const opts = { json: false, mode: "cli", build: "wrangler", vars: {}, logLevel: "info", name: "stack", port: undefined };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=") ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--help" || flag === "-h") opts.help = true;
    else if (flag === "--json") opts.json = true;
    else if (flag === "--api") opts.mode = "api";
    else if (flag === "--build") opts.build = value();
    else if (flag === "--log-level") opts.logLevel = value();
    else if (flag === "--name") opts.name = value();
    else if (flag === "--port") {
      opts.port = Number(value());
      if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new Error("--port needs a port number");
    } else if (flag === "--var") {
      const v = value();
      const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(v);
      if (!m) throw new Error(`--var needs NAME=VALUE, got ${JSON.stringify(v)}`);
      opts.vars[m[1]] = m[2];
    } else throw new Error(`unknown option ${JSON.stringify(argv[i])} (see --help)`);
  }
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseCli(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  // stdout carries the ready line only: anything else (wrangler's own
  // logger, in the programmatic mode) goes to stderr.
  const stdout = process.stdout.write.bind(process.stdout);
  if (opts.json) process.stdout.write = process.stderr.write.bind(process.stderr);
  const err = (line) => process.stderr.write(`${line}\n`);

  let ending = null;
  const end = (code, why) => {
    ending ??= (async () => {
      if (why) err(`stack: ${why}; stopping`);
      await stopAll().catch((e) => err(`stack: stop failed: ${e.stack ?? e}`));
      // What is left under this process (esbuild's service, the programmatic
      // Worker's workerd) is the stack's too.
      for (const pid of descendants(process.pid)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      process.exit(code);
    })();
    return ending;
  };
  process.on("SIGINT", () => end(130, "SIGINT"));
  process.on("SIGTERM", () => end(143, "SIGTERM"));
  let stack;
  if (opts.json) {
    process.stdin.on("end", () => end(0));
    process.stdin.on("error", () => end(0));
    // Crash-test commands, one at a time, each answered by one JSON line.
    let busy = Promise.resolve();
    createInterface({ input: process.stdin }).on("line", (line) => {
      const command = line.trim();
      busy = busy.then(async () => {
        if (!stack || ending) return;
        try {
          if (command === "kill") {
            await stack.killWorker();
            stdout(`${JSON.stringify({ killed: true })}\n`);
          } else if (command === "restart") {
            await stack.restartWorker();
            stdout(`${JSON.stringify({ restarted: true, pids: stack.pids })}\n`);
          } else {
            stdout(`${JSON.stringify({ error: `unknown command ${JSON.stringify(command)}` })}\n`);
          }
        } catch (e) {
          stdout(`${JSON.stringify({ error: e.message })}\n`);
        }
      });
    });
  }

  try {
    stack = await startStack({
      name: opts.name,
      mode: opts.mode,
      build: opts.build,
      port: opts.port,
      vars: { ...TEST_VARS, ...opts.vars },
      logLevel: opts.logLevel,
      handleSignals: false,
      onLog: err,
      onExit: (what, how) => end(1, `${what} exited on its own (${how})`),
    });
  } catch (e) {
    if (!(e instanceof Stopped)) err(`stack: could not start: ${e.message}`);
    return end(1);
  }
  if (ending) return;
  const ready = {
    ready: true,
    base: stack.base,
    standins: stack.standins,
    persistDir: stack.persistDir,
    dir: stack.dir,
    buildDir: stack.buildDir,
    mode: stack.mode,
    inspectorPort: stack.inspectorPort,
    command: stack.command,
    secrets: stack.secrets,
    vars: stack.vars,
    pids: stack.pids,
    timings: stack.timings,
  };
  if (opts.json) {
    stdout(`${JSON.stringify(ready)}\n`);
  } else {
    stdout(
      `\n  PAK POS stack ready (${stack.mode === "cli" ? "wrangler dev CLI" : "programmatic API, inspector off"})\n` +
        `    Worker:    ${stack.base}\n    stand-ins: ${stack.standins}\n    state:     ${stack.persistDir}\n` +
        "  Ctrl-C stops everything and removes the state.\n\n",
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => {
    process.stderr.write(`stack: ${e.stack ?? e}\n`);
    process.exit(1);
  });
}
