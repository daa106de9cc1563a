// Starts the whole PAK POS stack for a browser test file, exactly as the Rust
// end-to-end tests do (tests/e2e/server.rs): throw-away local D1 (migrated and
// seeded with the demo staff), the SMS/courier stand-ins, and the real Worker
// under `wrangler dev` on free ports. `stop()` ends every process it started
// (wrangler's whole process group: workerd, esbuild) and removes the state.
//
//   const stack = await startStack();   // in before()
//   stack.base                          // http://127.0.0.1:<port>
//   await stack.stop();                 // in after(); also runs on SIGINT/SIGTERM
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The credentials the Worker and the stand-ins share in this run (as server.rs). */
export const SECRETS = Object.freeze({
  TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
  TWILIO_AUTH_TOKEN: "e2e-twilio-token",
  COURIER_API_KEY: "e2e-courier-key",
  COURIER_WEBHOOK_SECRET: "e2e-courier-secret",
});

const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const HEALTH_LIMIT_MS = 300_000;
const LOG_LINES_KEPT = 2000;

function wranglerEnv() {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CI: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    NO_COLOR: "1",
  };
}

/** A port nobody listens on right now (the kernel picks it). */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(command, args, what) {
  return new Promise((ok, fail) => {
    const child = spawn(command, args, { cwd: ROOT, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", (e) => fail(new Error(`${what}: ${e.message}`)));
    child.on("close", (code) => (code === 0 ? ok(output) : fail(new Error(`${what} failed (exit ${code}):\n${output}`))));
  });
}

const live = new Set();

/** Synchronous last-resort cleanup (signals, process exit). */
function killNow(stack) {
  if (stack.stopped) return;
  stack.stopped = true;
  try {
    stack.standinsChild?.kill("SIGKILL");
  } catch {}
  if (stack.wranglerChild?.pid) {
    try {
      execFileSync("sh", ["-c", `kill -s KILL -- -${stack.wranglerChild.pid} 2>/dev/null; true`]);
    } catch {}
  }
  try {
    rmSync(stack.persistDir, { recursive: true, force: true });
  } catch {}
  live.delete(stack);
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const stack of [...live]) killNow(stack);
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}
process.once("exit", () => {
  for (const stack of [...live]) killNow(stack);
});

/** Starts the stand-ins on a free port; resolves with the process and its URL. */
function startStandins(stack) {
  return new Promise((ok, fail) => {
    const child = spawn("node", ["scripts/standins.mjs", "--port", "0"], {
      cwd: ROOT,
      env: { ...process.env, ...SECRETS },
      stdio: ["ignore", "pipe", "inherit"],
    });
    stack.standinsChild = child;
    const lines = createInterface({ input: child.stdout });
    let first = true;
    // Keep draining so the stand-in never blocks on a full pipe.
    lines.on("line", (line) => {
      if (!first) return;
      first = false;
      const url = line.startsWith("standins listening on ") ? line.slice("standins listening on ".length).trim() : null;
      if (url) ok(url);
      else fail(new Error(`standins did not start: ${JSON.stringify(line)}`));
    });
    child.on("error", (e) => fail(new Error(`spawn standins: ${e.message}`)));
    child.on("exit", (code) => first && fail(new Error(`standins exited (${code}) before listening`)));
  });
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * Starts migrations + demo staff + stand-ins + `wrangler dev` with throw-away
 * state. Resolves once /health answers ok.
 */
export async function startStack() {
  const persistDir = mkdtempSync(join(tmpdir(), "pakpos-browser-"));
  const log = [];
  const stack = {
    base: "",
    standins: "",
    persistDir,
    stopped: false,
    standinsChild: null,
    wranglerChild: null,
    logTail: (n = 60) => log.slice(-n).join("\n"),
    logLines: (needle) => log.filter((l) => l.includes(needle)),
    stop: () => stopStack(stack),
  };
  live.add(stack);
  try {
    await run(WRANGLER, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], "migrations");
    await run("node", ["scripts/staff.mjs", "seed-demo", "--persist-to", persistDir], "seed staff");

    stack.standins = await startStandins(stack);
    // The courier stand-in must not move shipments on its own: the counter
    // records the delivery through the UI.
    const control = await fetch(`${stack.standins}/_control`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ courier_auto: false }),
    });
    if (!control.ok) throw new Error(`standins /_control: ${control.status} ${await control.text()}`);

    const port = await freePort();
    const inspector = await freePort();
    stack.base = `http://127.0.0.1:${port}`;
    const vars = [
      `PUBLIC_BASE_URL:${stack.base}`,
      `TWILIO_API_BASE:${stack.standins}`,
      `TWILIO_ACCOUNT_SID:${SECRETS.TWILIO_ACCOUNT_SID}`,
      `TWILIO_AUTH_TOKEN:${SECRETS.TWILIO_AUTH_TOKEN}`,
      "TWILIO_FROM:PAKPOS",
      `COURIER_API_BASE:${stack.standins}`,
      `COURIER_API_KEY:${SECRETS.COURIER_API_KEY}`,
      `COURIER_WEBHOOK_SECRET:${SECRETS.COURIER_WEBHOOK_SECRET}`,
      "DISPATCH_RETRY_BASE_SECONDS:1",
      "DISPATCH_RETRY_MAX_SECONDS:1",
      "RELAY_MIN_AGE_SECONDS:0",
    ];
    const args = [
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspector),
      "--persist-to", persistDir,
      "--show-interactive-dev-session=false",
      "--log-level", "info",
      "--test-scheduled",
      ...vars.flatMap((v) => ["--var", v]),
    ];
    // Its own process group, so stop() ends wrangler with workerd and esbuild.
    const child = spawn(WRANGLER, args, { cwd: ROOT, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"], detached: true });
    stack.wranglerChild = child;
    let exited = null;
    child.on("exit", (code, signal) => (exited = { code, signal }));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        log.push(line);
        if (log.length > LOG_LINES_KEPT) log.splice(0, log.length - LOG_LINES_KEPT);
      });
    }

    const started = Date.now();
    for (;;) {
      if (exited) throw new Error(`wrangler dev exited (${JSON.stringify(exited)}) before it was healthy:\n${stack.logTail(40)}`);
      try {
        const r = await fetch(`${stack.base}/health`, { signal: AbortSignal.timeout(2000) });
        if (r.ok && (await r.text()).includes("ok")) break;
      } catch {}
      if (Date.now() - started > HEALTH_LIMIT_MS) {
        throw new Error(`wrangler dev did not become healthy in ${HEALTH_LIMIT_MS / 1000} s:\n${stack.logTail(40)}`);
      }
      await sleep(300);
    }
    return stack;
  } catch (e) {
    await stopStack(stack);
    throw e;
  }
}

/** Ends the stand-ins and wrangler's process group (TERM, then KILL), removes the state. */
export async function stopStack(stack) {
  if (stack.stopped) return;
  const standins = stack.standinsChild;
  if (standins && standins.exitCode === null && standins.signalCode === null) {
    const gone = new Promise((ok) => standins.once("exit", ok));
    standins.kill("SIGTERM");
    await Promise.race([gone, sleep(3000)]);
    if (standins.exitCode === null && standins.signalCode === null) standins.kill("SIGKILL");
  }
  const child = stack.wranglerChild;
  if (child?.pid) {
    // The shell's kill: procps' kill(1) does not reliably take a negative
    // process-group id (as server.rs).
    const signal = (sig) => {
      try {
        execFileSync("sh", ["-c", `kill -s ${sig} -- -${child.pid} 2>/dev/null; true`]);
      } catch {}
    };
    const gone = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((ok) => child.once("exit", ok));
    signal("TERM");
    await Promise.race([gone, sleep(5000)]);
    // Whatever is left of the group (workerd may outlive wrangler).
    signal("KILL");
  }
  stack.stopped = true;
  live.delete(stack);
  rmSync(stack.persistDir, { recursive: true, force: true });
}
