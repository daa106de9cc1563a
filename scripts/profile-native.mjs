#!/usr/bin/env node
// Where workerd's CPU goes, natively: SQLite, V8's compiled code (the
// Worker's wasm and JavaScript, the runtime's JS), V8's own C++ and GC,
// workerd's C++ (its API objects, KJ's event loop, Cap'n Proto RPC between
// the isolate and local D1), the C library and the kernel — per transition,
// for the peer and for PAK POS, under the bench's harness (wrangler's
// programmatic API, inspector off, static assets off), with no inspector
// attached: `perf record` samples the workerd processes from outside.
//
//   node scripts/profile-native.mjs [--servers peer,pakpos_no_consumers,pakpos]
//                                   [--apps 100] [--concurrency 1] [--freq 1999]
//                                   [--top 25] [--skip-build]
//
// Each server starts fresh (its own local D1), is warmed up with 5
// applications, then `perf record -e cpu-clock` samples its workerd
// processes while the shared driver (../shared/bench/drive.mjs) walks
// `--apps` applications through the eight transitions. Each sample is put
// in one bucket by the function it was taken in (its own time, not its
// callers'): SQLite is the run of C functions around `sqlite3VdbeExec` in
// workerd's symbol table (SQLite is compiled into workerd as one unit, so
// its functions sit together, between workerd's and Cap'n Proto's C++);
// code with no symbol in a mapped file is V8's generated code (wasm and
// JavaScript, compiled at run time). Prints ms of CPU per transition by
// bucket and the functions with the most samples; figures go to
// bench-output/profile-native.json.
//
// Needs `perf` (Debian's linux-perf) able to sample a process of the same
// user (kernel.perf_event_paranoid ≤ 2), and a release build in build/
// (made first unless --skip-build).

import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { eachFlag } from "./bench-lib.mjs";
import { drive, startPakpos, startPeer, workerdPids } from "./bench-peer.mjs";
import { ROOT } from "./stack.mjs";

const USAGE = `Usage: node scripts/profile-native.mjs [--servers peer,pakpos_no_consumers,pakpos] [--apps 100] [--concurrency 1] [--freq 1999] [--top 25] [--skip-build] [--keep DIR]
  --keep DIR   also record call graphs (perf -g) and keep each server's perf.data in DIR, for perf report`;
const SERVERS = ["peer", "pakpos_no_consumers", "pakpos"];

function options(argv) {
  const o = { servers: ["peer", "pakpos_no_consumers"], apps: 100, concurrency: 1, freq: 1999, top: 25, skipBuild: false,
    peerDir: join(ROOT, "../shared/bench") };
  eachFlag(argv, USAGE, (flag, take) => {
    if (flag === "--servers") {
      o.servers = take.value().split(",").map((s) => s.trim()).filter(Boolean);
      const bad = o.servers.filter((s) => !SERVERS.includes(s));
      if (bad.length || !o.servers.length) throw new Error(`--servers takes ${SERVERS.join(", ")}; not ${bad.join(", ") || "nothing"}`);
    } else if (flag === "--apps") o.apps = take.count();
    else if (flag === "--concurrency") o.concurrency = take.count();
    else if (flag === "--freq") o.freq = take.count();
    else if (flag === "--top") o.top = take.count();
    else if (flag === "--skip-build") o.skipBuild = true;
    else if (flag === "--keep") o.keep = take.value();
    else if (flag === "--peer-dir") o.peerDir = take.value();
    else if (flag === "--help" || flag === "-h") o.help = true;
    else throw new Error(`unknown argument ${JSON.stringify(flag)}\n${USAGE}`);
  });
  return o;
}

// ------------------------------------------------------------ symbols

/** The names of SQLite's functions in this workerd: the run of C symbols
 *  (no `::`) around `sqlite3VdbeExec` in address order. */
export function sqliteNames(nmText) {
  const syms = [];
  for (const line of nmText.split("\n")) {
    const m = /^([0-9a-f]+) [tTwW] (.+)$/.exec(line);
    if (m) syms.push({ addr: BigInt(`0x${m[1]}`), name: m[2] });
  }
  syms.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  const at = syms.findIndex((s) => s.name === "sqlite3VdbeExec");
  if (at < 0) throw new Error("no sqlite3VdbeExec in workerd's symbols: is it stripped?");
  const isC = (s) => !s.name.includes("::") && !s.name.includes("(");
  let lo = at;
  let hi = at;
  while (lo > 0 && isC(syms[lo - 1])) lo--;
  while (hi + 1 < syms.length && isC(syms[hi + 1])) hi++;
  return new Set(syms.slice(lo, hi + 1).map((s) => s.name));
}

/** The bucket of one sample, by the function (`sym`, demangled) and file
 *  (`dso`) it was taken in. */
export function bucket(sym, dso, sqlite) {
  if (dso === "[kernel.kallsyms]" || dso.startsWith("[kernel")) return "kernel";
  if (sqlite.has(sym)) return "sqlite";
  if (/libc\.so|libm\.so|ld-linux|libpthread/.test(dso)) return "libc";
  if (sym === "[unknown]" || dso === "[unknown]" || dso.startsWith("[JIT]") || dso.startsWith("/memfd:") || dso.startsWith("//anon")) {
    return "v8_generated";
  }
  if (/^Builtins_/.test(sym)) return "v8_builtins";
  if (/^v8::internal::(Heap|Scavenger|MarkCompact|Sweeper|ConcurrentMarking|MinorMarkCompact|Marking|GC|.*Evacuat|IncrementalMarking|MemoryAllocator|PagedSpace|NewSpace|LargeObjectSpace|CppHeap|StackGuard)|^cppgc::|^heap::/.test(sym)) return "v8_gc";
  if (/^v8::|^v8_inspector|^wasm::|^(void )?v8::internal::wasm::/.test(sym)) return "v8_runtime";
  if (/^(kj|capnp)::/.test(sym) || /kj::|capnp::/.test(sym.slice(0, 80))) return "kj_capnp";
  if (/^workerd::/.test(sym) || /workerd::/.test(sym.slice(0, 120))) return "workerd";
  if (/^(BORINGSSL|bssl::|EVP_|SHA|HMAC|PKCS5|CRYPTO_|OPENSSL|sha256|sha1|aes)/i.test(sym)) return "crypto";
  if (/^(std::|operator new|operator delete|__cxa|malloc|free|tc_|je_|mem|str|tcmalloc::|TCMalloc)/.test(sym)) return "libc";
  return "other";
}

export const BUCKETS = ["sqlite", "v8_generated", "v8_builtins", "v8_runtime", "v8_gc", "workerd", "kj_capnp", "crypto", "libc", "kernel", "other"];
const BUCKET_TEXT = {
  sqlite: "SQLite (local D1's statements)",
  v8_generated: "V8 generated code (wasm, JavaScript)",
  v8_builtins: "V8 builtins (JS runtime functions)",
  v8_runtime: "V8 C++ (runtime, compiler, API)",
  v8_gc: "V8 garbage collection",
  workerd: "workerd C++ (API objects, D1 client, HTTP)",
  kj_capnp: "KJ / Cap'n Proto (event loop, RPC)",
  crypto: "BoringSSL",
  libc: "C library, allocator",
  kernel: "kernel (syscalls, loopback TCP)",
  other: "other",
};

// ------------------------------------------------------------ perf

function startPerf(pids, freq, out, callGraph) {
  const graph = callGraph ? ["-g"] : [];
  const perf = spawn("perf", ["record", "-e", "cpu-clock", "-F", String(freq), ...graph, "-p", pids.join(","), "-o", out, "--quiet"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  perf.stderr.on("data", (d) => (err += d));
  const exited = new Promise((ok) => perf.on("exit", (code) => ok(code)));
  return {
    async stop() {
      perf.kill("SIGINT");
      const code = await exited;
      if (code !== 0 && code !== null) throw new Error(`perf record exited ${code}: ${err.trim()}`);
    },
  };
}

/** System calls counted while the run is sampled: how often local D1, R2
 *  and the queues write and sync files, and how much goes over sockets. */
export const SYSCALLS = ["fsync", "fdatasync", "pwrite64", "write", "writev", "openat", "sendmsg", "recvmsg"];

function startSyscallCount(pids, out) {
  const events = SYSCALLS.map((c) => `syscalls:sys_enter_${c}`).join(",");
  const stat = spawn("perf", ["stat", "-x", ",", "-e", events, "-p", pids.join(","), "-o", out], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  stat.stderr.on("data", (d) => (err += d));
  const exited = new Promise((ok) => stat.on("exit", (code) => ok(code)));
  return {
    async stop() {
      stat.kill("SIGINT");
      await exited;
      let text = "";
      try {
        text = readFileSync(out, "utf8");
      } catch {
        throw new Error(`perf stat wrote nothing: ${err.trim()}`);
      }
      return parseSyscallCounts(text);
    },
  };
}

/** `perf stat -x ,` lines ("123,,syscalls:sys_enter_fsync,…") → { fsync: 123, … }. */
export function parseSyscallCounts(text) {
  const counts = {};
  for (const line of text.split("\n")) {
    const [value, , event] = line.split(",");
    const m = /^syscalls:sys_enter_(\w+)$/.exec(event ?? "");
    if (m) counts[m[1]] = /^\d+$/.test(value) ? Number(value) : null;
  }
  return counts;
}

function samples(out, workerd) {
  const text = execFileSync("perf", ["script", "-i", out, "-F", "pid,ip,sym,dso", "--demangle", "--hide-call-graph"],
    { maxBuffer: 1 << 30, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const rows = [];
  for (const line of text.split("\n")) {
    // "  1234  55d0c0ffee sqlite3VdbeExec (/path/workerd)"
    const m = /^\s*(\d+)\s+[0-9a-f]+\s+(.*?)\s*\(([^()]*)\)\s*$/.exec(line);
    if (m) rows.push({ pid: Number(m[1]), sym: m[2] || "[unknown]", dso: m[3] === workerd ? "workerd" : m[3] });
    else if (/^\s*\d+\s+[0-9a-f]+\s*$/.test(line)) rows.push({ pid: Number(line.trim().split(/\s+/)[0]), sym: "[unknown]", dso: "[unknown]" });
    else if (line.trim()) rows.push({ pid: 0, sym: line.trim(), dso: "[unparsed]" });
  }
  return rows;
}

// ------------------------------------------------------------ main

async function profileOne(o, server, sqlite, workerd) {
  const profile = server === "peer" ? join(o.peerDir, "profiles/peer.json") : join(ROOT, "scripts/bench-profile.json");
  const before = new Set(workerdPids());
  const stack = server === "peer" ? await startPeer(o.peerDir) : await startPakpos(server === "pakpos", "none", `profile-native-${server}`);
  const dir = mkdtempSync(join(tmpdir(), "pakpos-perf-"));
  try {
    const pids = workerdPids().filter((p) => !before.has(p));
    if (!pids.length) throw new Error(`no workerd process found for ${server}`);
    await drive(o.peerDir, stack.base, profile, 5, o.concurrency, `warm-up ${server}`);
    const out = join(dir, "perf.data");
    const perf = startPerf(pids, o.freq, out, Boolean(o.keep));
    const syscalls = startSyscallCount(pids, join(dir, "syscalls.txt"));
    await new Promise((ok) => setTimeout(ok, 1000)); // perf attached
    const figures = await drive(o.peerDir, stack.base, profile, o.apps, o.concurrency, server);
    await perf.stop();
    const syscallCounts = await syscalls.stop();
    if (o.keep) {
      mkdirSync(o.keep, { recursive: true });
      copyFileSync(out, join(o.keep, `${server}.perf.data`));
      writeFileSync(join(o.keep, `${server}.pids`), pids.join(","));
    }
    const rows = samples(out, workerd);
    const transitions = o.apps * 8;
    const perTransition = (n) => (n * 1000) / o.freq / transitions;
    const byBucket = Object.fromEntries(BUCKETS.map((b) => [b, 0]));
    const bySym = new Map();
    const byPid = new Map();
    for (const r of rows) {
      const b = bucket(r.sym, r.dso, sqlite);
      byBucket[b]++;
      const key = `${b}\t${r.sym}`;
      bySym.set(key, (bySym.get(key) ?? 0) + 1);
      byPid.set(r.pid, (byPid.get(r.pid) ?? 0) + 1);
    }
    const top = [...bySym].sort((a, b) => b[1] - a[1]).slice(0, o.top).map(([k, n]) => {
      const [b, sym] = k.split("\t");
      return { bucket: b, sym, ms_per_transition: perTransition(n), share: n / rows.length };
    });
    return {
      server,
      samples: rows.length,
      transitions,
      wall_s: figures.workflow?.walk_s,
      ms_per_transition: perTransition(rows.length),
      buckets: Object.fromEntries(BUCKETS.map((b) => [b, perTransition(byBucket[b])])),
      syscalls_per_transition: Object.fromEntries(
        Object.entries(syscallCounts).map(([c, n]) => [c, n === null ? null : n / transitions]),
      ),
      processes: [...byPid].map(([pid, n]) => ({ pid, ms_per_transition: perTransition(n) })),
      top,
    };
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const o = options(process.argv.slice(2));
  if (o.help) {
    console.log(USAGE);
    return;
  }
  try {
    execFileSync("perf", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("perf is not installed (Debian: apt-get install linux-perf)");
  }
  if (!o.skipBuild) {
    execFileSync("bash", ["scripts/build-worker.sh"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, PAKPOS_BUILD: "release" } });
  }
  const workerd = execFileSync(process.execPath, ["-e", "process.stdout.write(require('workerd').default ?? require('workerd'))"],
    { cwd: ROOT, encoding: "utf8" }).trim();
  const sqlite = sqliteNames(execFileSync("nm", ["-C", "--defined-only", workerd], { encoding: "utf8", maxBuffer: 1 << 30 }));
  console.log(`workerd ${workerd}: ${sqlite.size} SQLite functions`);
  const results = [];
  for (const server of o.servers) {
    const r = await profileOne(o, server, sqlite, workerd);
    results.push(r);
    console.log(`\n${server}: ${r.samples} samples, ${r.ms_per_transition.toFixed(2)} ms of workerd CPU per transition`);
    for (const t of r.top) {
      console.log(`  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.ms_per_transition.toFixed(3)} ms  [${t.bucket}] ${t.sym.slice(0, 110)}`);
    }
  }
  console.log(`\nms of workerd CPU per transition, by where it was spent (${o.apps} applications, ${o.concurrency} in flight)`);
  console.log(`| | ${results.map((r) => r.server).join(" | ")} |`);
  console.log(`|---|${results.map(() => "---:").join("|")}|`);
  for (const b of BUCKETS) {
    console.log(`| ${BUCKET_TEXT[b]} | ${results.map((r) => r.buckets[b].toFixed(2)).join(" | ")} |`);
  }
  console.log(`| **all** | ${results.map((r) => `**${r.ms_per_transition.toFixed(2)}**`).join(" | ")} |`);
  console.log(`\nsystem calls per transition`);
  console.log(`| | ${results.map((r) => r.server).join(" | ")} |`);
  console.log(`|---|${results.map(() => "---:").join("|")}|`);
  for (const c of SYSCALLS) {
    console.log(`| ${c} | ${results.map((r) => r.syscalls_per_transition[c]?.toFixed(2) ?? "n/a").join(" | ")} |`);
  }
  mkdirSync(join(ROOT, "bench-output"), { recursive: true });
  writeFileSync(join(ROOT, "bench-output/profile-native.json"),
    JSON.stringify({ when: new Date().toISOString(), apps: o.apps, concurrency: o.concurrency, freq: o.freq, results }, null, 2));
}

// Run as a command, not when a test imports `bucket`.
if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (e) => {
      console.error(`profile-native: ${e.message}`);
      process.exit(1);
    },
  );
}
