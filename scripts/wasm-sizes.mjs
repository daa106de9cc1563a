#!/usr/bin/env node
// Where the release wasm's bytes go, by function, grouped by Rust path:
//
//   node scripts/wasm-sizes.mjs [--skip-build] [--top 40] [--depth 3]
//
// Builds the release wasm with its function names kept (profile-cpu.mjs's
// named build: the same optimisation, names not stripped; it overwrites
// build/ — rebuild with PAKPOS_BUILD=release bash scripts/build-worker.sh
// before measuring the real size), reads the code section's body sizes and
// the name section, and prints the biggest functions and the byte totals
// per path prefix (`pakpos::web::pages`, `serde_json`, …). Raw bytes, not
// gzip: a guide to what to cut, not the budget's figure.

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { namedReleaseBuild } from "./profile-cpu.mjs";
import { ROOT } from "./stack.mjs";

function leb(buf, at) {
  let result = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = buf[i++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [result, i];
  }
}

/** [{ name, size }] of every defined function. */
export function functionSizes(buf) {
  let at = 8;
  let imported = 0;
  const bodies = [];
  const names = new Map();
  while (at < buf.length) {
    const id = buf[at];
    const [len, start] = leb(buf, at + 1);
    const end = start + len;
    if (id === 2) {
      let [count, p] = leb(buf, start);
      for (let k = 0; k < count; k++) {
        for (let s = 0; s < 2; s++) {
          const [n, q] = leb(buf, p);
          p = q + n;
        }
        const kind = buf[p++];
        if (kind === 0) {
          imported++;
          p = leb(buf, p)[1];
        } else if (kind === 1) {
          p += 1;
          const flags = buf[p++];
          p = leb(buf, p)[1];
          if (flags & 1) p = leb(buf, p)[1];
        } else if (kind === 2) {
          const flags = buf[p++];
          p = leb(buf, p)[1];
          if (flags & 1) p = leb(buf, p)[1];
        } else if (kind === 3) {
          p += 2;
        } else p = leb(buf, p + 1)[1];
      }
    } else if (id === 10) {
      let [count, p] = leb(buf, start);
      for (let k = 0; k < count; k++) {
        const [size, q] = leb(buf, p);
        bodies.push(size);
        p = q + size;
      }
    } else if (id === 0) {
      const [nlen, q] = leb(buf, start);
      const section = buf.toString("utf8", q, q + nlen);
      if (section === "name") {
        let p = q + nlen;
        while (p < end) {
          const sub = buf[p];
          const [slen, r] = leb(buf, p + 1);
          if (sub === 1) {
            let [count, s] = leb(buf, r);
            for (let k = 0; k < count; k++) {
              const [idx, t] = leb(buf, s);
              const [n, u] = leb(buf, t);
              names.set(idx, buf.toString("utf8", u, u + n));
              s = u + n;
            }
          }
          p = r + slen;
        }
      }
    }
    at = end;
  }
  return bodies.map((size, k) => ({ name: names.get(imported + k) ?? `func${imported + k}`, size }));
}

/** A demangled-enough path: `pakpos::web::pages::health::view::h123…` → its segments. */
function segments(name) {
  const clean = name
    .replace(/^_ZN/, "")
    .replace(/17h[0-9a-f]{16}E$/, "")
    .replace(/\$LT\$|\$GT\$|\$u20\$|\$RF\$|\$C\$|\$u7b\$|\$u7d\$|\$BP\$/g, " ")
    .replace(/\.\./g, "::");
  // _ZN-mangled: length-prefixed parts.
  if (/^\d/.test(clean)) {
    const parts = [];
    let s = clean;
    while (/^\d/.test(s)) {
      const m = /^(\d+)/.exec(s);
      const n = Number(m[1]);
      parts.push(s.slice(m[1].length, m[1].length + n));
      s = s.slice(m[1].length + n);
    }
    return parts.map((p) => p.replace(/\.\./g, "::")).join("::").split("::").map((p) => p.trim()).filter(Boolean);
  }
  return clean.split("::").map((p) => p.trim()).filter(Boolean);
}

const USAGE = "usage: node scripts/wasm-sizes.mjs [--skip-build] [--top N] [--depth N]";

function main() {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const known = new Set(["--skip-build", "--top", "--depth"]);
  for (let i = 0; i < args.length; i++) {
    if (!known.has(args[i])) {
      console.error(`unknown argument ${JSON.stringify(args[i])}\n${USAGE}`);
      process.exit(2);
    }
    if (args[i] !== "--skip-build") i++;
  }
  const opt = (flag, dflt) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  if (!args.includes("--skip-build")) namedReleaseBuild();
  const buf = readFileSync(join(ROOT, "build/index_bg.wasm"));
  const fns = functionSizes(buf);
  const total = fns.reduce((a, f) => a + f.size, 0);
  console.log(`${fns.length} functions, ${total} bytes of code (file ${buf.length} bytes, raw)`);
  const depth = opt("--depth", 3);
  const groups = new Map();
  for (const f of fns) {
    const key = segments(f.name).slice(0, depth).join("::") || f.name;
    groups.set(key, (groups.get(key) ?? 0) + f.size);
  }
  const top = opt("--top", 40);
  console.log(`\nby path (first ${depth} segments):`);
  for (const [k, v] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(v).padStart(8)}  ${k}`);
  console.log("\nbiggest functions:");
  for (const f of [...fns].sort((a, b) => b.size - a.size).slice(0, top)) console.log(`${String(f.size).padStart(8)}  ${segments(f.name).join("::").slice(0, 150)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
