// scripts/lean-shim.mjs on the shim worker-build really writes: the entry
// class is exported as itself (no Proxy per request), each handler still
// re-initialises the module after a wasm trap, and a shim it does not know
// is refused rather than passed through.
//
//   node --test tests/scripts/

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { types } from "node:util";

import { leanShim } from "../../scripts/lean-shim.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The shim worker-build embeds, from the crate source `cargo install`
 *  (scripts/setup.sh) left in CARGO_HOME, for the version setup.sh pins. */
function workerBuildShim() {
  const version = readFileSync(join(ROOT, "scripts/setup.sh"), "utf8").match(/^WORKER_BUILD_VERSION=(\S+)$/m)?.[1];
  assert.ok(version, "scripts/setup.sh pins WORKER_BUILD_VERSION");
  const registry = join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "registry/src");
  for (const index of existsSync(registry) ? readdirSync(registry) : []) {
    const path = join(registry, index, `worker-build-${version}`, "src/js/shim.js");
    if (existsSync(path)) return readFileSync(path, "utf8");
  }
  throw new Error(`worker-build ${version}'s source is not under ${registry}: run scripts/setup.sh`);
}

/** The handlers worker-build puts in place of `$HANDLERS` for our exports
 *  (its `generate_handlers`: fetch, queue and scheduled take env and ctx). */
const HANDLERS = ["fetch", "queue", "scheduled"]
  .map((name) => `Entrypoint.prototype.${name} = function ${name} (arg) {\n  return exports.${name}.call(this, arg, this.env, this.ctx);\n}\n`)
  .join("");

/** Loads a shim with stand-ins for the runtime's module and the wasm glue. */
async function load(shimText) {
  const stub = {
    state: { criticalError: false, instanceId: 0 },
    resets: 0,
    listeners: [],
  };
  globalThis.__leanShimStub = stub;
  globalThis.addEventListener = (type, listener) => stub.listeners.push([type, listener]);
  const glue = {
    __worker_init_state: () => stub.state,
    __wbg_reset_state: () => {
      stub.resets++;
    },
    fetch(request, env, ctx) {
      if (request === "trap") throw new WebAssembly.RuntimeError("unreachable");
      return `answered ${request} with ${env} and ${ctx}`;
    },
    queue: (batch, env) => `queued ${batch} with ${env}`,
    scheduled: (event, env) => `ran ${event} with ${env}`,
  };
  stub.glue = glue;
  const text = shimText
    .replace('import { WorkerEntrypoint } from "cloudflare:workers";', "class WorkerEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }")
    .replace('import * as exports from "./index.js";', "const exports = globalThis.__leanShimStub.glue;")
    .replace("$HANDLERS", HANDLERS);
  assert.ok(!text.includes("cloudflare:workers") && !text.includes("./index.js"), "the stand-ins replaced both imports");
  const dir = mkdtempSync(join(tmpdir(), "lean-shim-"));
  try {
    const file = join(dir, "shim.mjs");
    writeFileSync(file, text);
    const module = await import(pathToFileURL(file).href);
    return { Entry: module.default, stub };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the lean shim exports the entry class itself and answers through it", async () => {
  const original = workerBuildShim();
  const { Entry: proxied } = await load(original);
  assert.ok(types.isProxy(proxied), "worker-build's own shim exports a Proxy (else this script has nothing to do)");

  const { Entry } = await load(leanShim(original));
  assert.ok(!types.isProxy(Entry), "the default export is not a Proxy");
  const worker = new Entry("ctx", "env");
  assert.ok(!types.isProxy(worker), "an instance is not a Proxy");
  assert.equal(worker.fetch("GET /"), "answered GET / with env and ctx");
  assert.equal(worker.queue("batch"), "queued batch with env");
  assert.equal(worker.scheduled("cron"), "ran cron with env");
});

test("after a wasm trap the next request re-initialises the module once, as worker-build's Proxy did", async () => {
  for (const variant of ["worker-build", "lean"]) {
    const text = variant === "lean" ? leanShim(workerBuildShim()) : workerBuildShim();
    const { Entry, stub } = await load(text);
    const worker = new Entry("ctx", "env");
    assert.equal(worker.fetch("one"), "answered one with env and ctx", variant);
    assert.equal(stub.resets, 0, variant);

    assert.throws(() => worker.fetch("trap"), WebAssembly.RuntimeError, variant);
    assert.equal(stub.state.criticalError, true, `${variant}: the trap is marked critical`);
    assert.equal(stub.resets, 0, `${variant}: nothing re-initialised yet`);

    const next = new Entry("ctx2", "env2");
    assert.equal(next.fetch("two"), "answered two with env2 and ctx2", variant);
    assert.equal(stub.resets, 1, `${variant}: re-initialised before the next request`);
    assert.equal(stub.state.criticalError, false, variant);
    assert.equal(stub.state.instanceId, 1, variant);
    next.fetch("three");
    assert.equal(stub.resets, 1, `${variant}: once, not on every request`);

    // A trap surfacing later (in a promise) reaches the error listener.
    const [type, listener] = stub.listeners.at(-1);
    assert.equal(type, "error", variant);
    listener({ error: new WebAssembly.RuntimeError("unreachable") });
    assert.equal(stub.state.criticalError, true, variant);
    worker.queue("after");
    assert.equal(stub.resets, 2, `${variant}: a queue batch re-initialises too`);
    listener({ error: new TypeError("not a trap") });
    assert.equal(stub.state.criticalError, false, `${variant}: an ordinary error is not critical`);
  }
});

test("a shim it does not know is refused, not passed through", () => {
  const original = workerBuildShim();
  assert.throws(() => leanShim(original.replace("export default new Proxy(Entrypoint, classProxyHooks);", "export default Entrypoint;")), /missing "export default new Proxy/);
  assert.throws(() => leanShim(original.replace("function checkReinitialize()", "function check()")), /checkReinitialize/);
});
