// Rewrites worker-build's entry shim (the `shim.js` it writes into its
// staging directory before bundling) so a request does not pass through
// JavaScript Proxies.
//
//   node scripts/lean-shim.mjs path/to/shim.js
//
// worker-build 0.8's shim exports `new Proxy(Entrypoint, classProxyHooks)`:
// every request constructs the entry class through a `construct` trap that
// makes a second Proxy (its twelve hooks copied into a fresh object), and
// every property the runtime reads from it (`fetch`, `env`, `ctx`) goes
// through a `get` trap that wraps each method in a third Proxy. All of that
// is there for one thing: after a wasm trap (a Rust panic: `panic = "abort"`)
// the next call re-instantiates the module instead of failing for the
// isolate's lifetime. That is kept, once, without the Proxies: each handler
// on the class is wrapped when the module loads, checks for a pending
// re-initialisation before it runs (`checkReinitialize`) and marks a trap it
// sees as critical (`handleMaybeCritical`), as the Proxy's `apply` did. The
// `error` listener that catches traps thrown later, in a promise, stays.
//
// Called by scripts/esbuild-lean-shim (worker-build's ESBUILD_BIN) just
// before esbuild bundles the shim. Fails loudly if the shim is not the text
// it expects (a new worker-build: read its shim again before changing this).

import { readFileSync, writeFileSync } from "node:fs";

const PROXY_EXPORT = "export default new Proxy(Entrypoint, classProxyHooks);";
const NEEDED = ["function checkReinitialize()", "function handleMaybeCritical(e)", "class Entrypoint extends WorkerEntrypoint"];

const LEAN_EXPORT = `// scripts/lean-shim.mjs: the handlers wrapped once, not a Proxy per request.
for (const name of ["fetch", "queue", "scheduled"]) {
  const handler = Entrypoint.prototype[name];
  if (typeof handler !== "function") continue;
  Entrypoint.prototype[name] = function (arg) {
    checkReinitialize();
    try {
      return handler.call(this, arg);
    } catch (e) {
      handleMaybeCritical(e);
      throw e;
    }
  };
}
export default Entrypoint;`;

export function leanShim(text) {
  const missing = [PROXY_EXPORT, ...NEEDED].filter((s) => !text.includes(s));
  if (missing.length) {
    throw new Error(`worker-build's shim is not the one scripts/lean-shim.mjs knows: missing ${missing.map((s) => JSON.stringify(s)).join(", ")}`);
  }
  return text.replace(PROXY_EXPORT, LEAN_EXPORT);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2];
  if (!path) {
    console.error("usage: node scripts/lean-shim.mjs path/to/shim.js");
    process.exit(2);
  }
  writeFileSync(path, leanShim(readFileSync(path, "utf8")));
}
