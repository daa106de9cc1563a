#!/usr/bin/env node
// Where a workflow step's time goes inside the Worker (issue 12 item 3: "find
// where per-request time goes before changing code: a CPU profile of
// workerd"). Starts one server under the `wrangler dev` CLI (the inspector is
// how a profile is taken; it also costs wrangler's Node process CPU per D1
// call, so throughput here is not comparable with scripts/bench-peer.mjs),
// connects to the Worker's devtools inspector, samples its isolate's CPU
// while the shared load driver (../shared/bench/drive.mjs) walks N
// applications through the eight transitions at 1 in flight, and prints:
// the isolate's busy time per transition, split into the Worker's wasm, its
// JavaScript (the wasm-bindgen glue, the runtime's own JS), the garbage
// collector and the engine ("(program)": compiling, calls into workerd),
// and the functions with the most self time.
//
//   node scripts/profile-cpu.mjs [--server pakpos|peer] [--apps N] [--top N]
//                                [--skip-build] [--interval-us N]
//
// PAK POS runs a release build that keeps its function names (wasm-opt
// with -g, rustc's symbols not stripped; otherwise the same flags as
// `PAKPOS_BUILD=release scripts/build-worker.sh`), with queue consumers and
// static assets off (the request path, as bench-peer's "consumers off").
// The whole profile goes to bench-output/cpu-<server>.cpuprofile (open it in
// Chrome's devtools, Performance panel) and the figures to
// bench-output/cpu-<server>.json. Nothing is asserted.

import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { drive } from "./bench-peer.mjs";
import { ROOT, WRANGLER_ENV, freePort, startStack, stopAll } from "./stack.mjs";

Object.assign(process.env, WRANGLER_ENV);

const USAGE = `Usage: node scripts/profile-cpu.mjs [--server pakpos|peer] [--apps N] [--top N] [--skip-build] [--interval-us N]
  --server S       pakpos (default) or peer (../shared/bench/js-worker)
  --apps N         applications walked through the eight transitions (default 150)
  --top N          functions listed by self time (default 25)
  --interval-us N  sampling interval in microseconds (default 100)
  --skip-build     use the existing build/ (it must be a named build from this script)
  --peer-dir DIR   the shared bench folder (default ../shared/bench beside the checkout)`;

const TRANSITIONS = 8;

function parse(argv) {
  const o = { server: "pakpos", apps: 150, top: 25, interval: 100, build: true, peerDir: resolve(ROOT, "../shared/bench") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const count = (name, v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not ${JSON.stringify(v)}`);
      return n;
    };
    if (a === "--server") {
      o.server = next();
      if (!["pakpos", "peer"].includes(o.server)) throw new Error(`--server must be pakpos or peer, not ${JSON.stringify(o.server)}`);
    } else if (a === "--apps") o.apps = count(a, next());
    else if (a === "--top") o.top = count(a, next());
    else if (a === "--interval-us") o.interval = count(a, next());
    else if (a === "--skip-build") o.build = false;
    else if (a === "--peer-dir") o.peerDir = resolve(next());
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  return o;
}

/** The release build with its function names kept, into build/. */
export function namedReleaseBuild() {
  const dir = mkdtempSync(join(tmpdir(), "pakpos-wasm-opt-"));
  const wrapper = join(dir, "wasm-opt");
  // -g keeps the names section through wasm-opt; the flags are Cargo.toml's.
  writeFileSync(wrapper, `#!/bin/sh\nexec "${join(ROOT, "node_modules/.bin/wasm-opt")}" -g "$@"\n`);
  chmodSync(wrapper, 0o755);
  const home = process.env.HOME ?? "";
  const env = {
    ...process.env,
    PATH: `${home}/.cargo/bin:${process.env.PATH}`,
    CARGO_PROFILE_RELEASE_STRIP: "false",
    WASM_OPT_BIN: wrapper,
    WASM_BINDGEN_BIN: execFileSync("bash", ["-c", `PATH="${home}/.cargo/bin:$PATH" command -v wasm-bindgen`]).toString().trim(),
    ESBUILD_BIN: join(ROOT, "scripts/esbuild-lean-shim"),
  };
  try {
    execFileSync("worker-build", ["--release"], { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The peer under `wrangler dev` with its inspector on a free port. */
async function startPeerCli(peerDir) {
  const worker = join(peerDir, "js-worker");
  const wrangler = join(ROOT, "node_modules/.bin/wrangler");
  const dir = mkdtempSync(join(tmpdir(), "pakpos-peer-profile-"));
  const persist = join(dir, "state");
  execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist, "--config", join(worker, "wrangler.toml")],
    { cwd: worker, stdio: ["ignore", "ignore", "inherit"], env: process.env });
  const port = await freePort();
  const inspectorPort = await freePort();
  const child = spawn(wrangler, ["dev", "--config", join(worker, "wrangler.toml"), "--ip", "127.0.0.1", "--port", String(port),
    "--inspector-port", String(inspectorPort), "--persist-to", persist, "--show-interactive-dev-session=false", "--log-level", "warn"],
  { cwd: worker, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "inherit", "inherit"], detached: true });
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() - started > 120_000) throw new Error("the peer did not answer /health within 120 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    inspectorPort,
    stop: async () => {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 500));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A devtools session on the Worker's isolate: send(method, params) → result. */
async function inspect(port) {
  const { default: WebSocket } = await import("ws");
  let targets = [];
  for (let i = 0; i < 40 && targets.length === 0; i++) {
    try {
      targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspector target on 127.0.0.1:${port}`);
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  let id = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    if (m.id && waiting.has(m.id)) {
      const { ok, fail } = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) fail(new Error(`${m.error.message} (${m.error.code})`));
      else ok(m.result);
    }
  });
  return {
    target: target.title ?? target.url ?? "",
    send: (method, params = {}) =>
      new Promise((ok, fail) => {
        const n = ++id;
        waiting.set(n, { ok, fail });
        ws.send(JSON.stringify({ id: n, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Self time per function (µs) and per kind, from a devtools CPU profile. */
export function tally(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0; // a sample's time is the gap to the next
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const kinds = { idle: 0, wasm: 0, js: 0, gc: 0, program: 0 };
  const fns = new Map();
  for (const [id, us] of self) {
    const f = byId.get(id)?.callFrame ?? {};
    const name = f.functionName || "(anonymous)";
    const url = f.url ?? "";
    let kind;
    if (name === "(idle)") kind = "idle";
    else if (name === "(garbage collector)") kind = "gc";
    else if (name === "(program)" || name === "(root)") kind = "program";
    else if (url.startsWith("wasm://") || /^\$?func\d+|wasm-function/.test(name)) kind = "wasm";
    else kind = "js";
    kinds[kind] += us;
    if (kind === "idle") continue;
    const key = `${kind}\t${name}\t${url.replace(/^.*\//, "")}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const top = [...fns.entries()].sort((a, b) => b[1] - a[1]).map(([key, us]) => {
    const [kind, name, file] = key.split("\t");
    return { kind, name, file, us };
  });
  return { kinds, top };
}

async function main() {
  const o = parse(process.argv.slice(2));
  let server;
  let profileFile;
  if (o.server === "pakpos") {
    if (o.build) namedReleaseBuild();
    const stack = await startStack({
      name: "profile-cpu",
      mode: "cli",
      build: "none",
      assets: false,
      consumers: false,
      vars: { NO_ADDRESS_LIMIT_FACTOR: "1000" },
      control: { courier_auto: false },
      logLevel: "warn",
      testScheduled: false,
    });
    server = { base: stack.base, inspectorPort: stack.inspectorPort, stop: () => stack.stop() };
    profileFile = join(ROOT, "scripts/bench-profile.json");
  } else {
    server = await startPeerCli(o.peerDir);
    profileFile = join(o.peerDir, "profiles/peer.json");
  }
  try {
    const devtools = await inspect(server.inspectorPort);
    await devtools.send("Profiler.enable");
    await devtools.send("Profiler.setSamplingInterval", { interval: o.interval });
    // A short warm-up outside the profile (wasm compiled, statements prepared).
    await drive(o.peerDir, server.base, profileFile, 5, 1, "profile warm-up");
    await devtools.send("Profiler.start");
    const figures = await drive(o.peerDir, server.base, profileFile, o.apps, 1, "profile");
    const { profile } = await devtools.send("Profiler.stop");
    devtools.close();

    const w = figures.workflow;
    const steps = o.apps * TRANSITIONS;
    const { kinds, top } = tally(profile);
    const busy = kinds.wasm + kinds.js + kinds.gc + kinds.program;
    const per = (us) => (us / steps / 1000).toFixed(3);
    const out = { server: o.server, apps: o.apps, transitions: steps, interval_us: o.interval, walk_s: w?.walk_s, kinds_us: kinds, top: top.slice(0, 200) };
    mkdirSync(join(ROOT, "bench-output"), { recursive: true });
    writeFileSync(join(ROOT, `bench-output/cpu-${o.server}.cpuprofile`), JSON.stringify(profile));
    writeFileSync(join(ROOT, `bench-output/cpu-${o.server}.json`), JSON.stringify(out, null, 2));
    console.log(`\n${o.server}: ${steps} transitions at 1 in flight (${o.server === "pakpos" ? "plus each application's submit, logins and draft" : "plus each submit"}), walk ${w?.walk_s?.toFixed?.(1)} s`);
    console.log(`isolate busy per transition: ${per(busy)} ms — wasm ${per(kinds.wasm)}, JS ${per(kinds.js)}, GC ${per(kinds.gc)}, engine ${per(kinds.program)}; idle ${per(kinds.idle)} ms`);
    console.log(`\ntop ${o.top} by self time (ms per transition, share of busy):`);
    for (const f of top.slice(0, o.top)) {
      console.log(`  ${per(f.us).padStart(7)}  ${((100 * f.us) / busy).toFixed(1).padStart(5)}%  ${f.kind.padEnd(7)} ${f.name.slice(0, 90)}${f.file ? `  (${f.file})` : ""}`);
    }
    console.log(`\nbench-output/cpu-${o.server}.cpuprofile, bench-output/cpu-${o.server}.json`);
  } finally {
    await server.stop();
    await stopAll?.();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(e.stack ?? e);
    process.exit(1);
  });
}
