// scripts/profile-native.mjs's buckets, on the workerd this checkout really
// runs: SQLite's functions are found in its symbol table (and workerd's own
// SQLite wrappers are not taken for SQLite), and samples land in the bucket
// their function belongs to.
//
//   node --test tests/scripts/

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { bucket, sqliteNames } from "../../scripts/profile-native.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");

function workerdSymbols() {
  const workerd = createRequire(join(ROOT, "package.json"))("workerd").default;
  return execFileSync("nm", ["-C", "--defined-only", workerd], { encoding: "utf8", maxBuffer: 1 << 30 });
}

test("SQLite's functions are the C run around sqlite3VdbeExec, workerd's wrappers are not", () => {
  const names = sqliteNames(workerdSymbols());
  for (const name of ["sqlite3VdbeExec", "sqlite3_step", "sqlite3_prepare_v3", "sqlite3BtreeInsert"]) {
    assert.ok(names.has(name), `${name} is SQLite`);
  }
  // SQLite's static helpers, which carry no sqlite3 prefix, count too.
  assert.ok([...names].some((n) => !n.startsWith("sqlite3")), "static helpers without the prefix are included");
  assert.ok(names.size > 500 && names.size < 10_000, `a plausible count of SQLite functions (${names.size})`);
  for (const name of names) assert.ok(!name.includes("::"), `${name} is not C++`);
});

test("a sample goes to the bucket of the function it was taken in", () => {
  const sqlite = new Set(["sqlite3VdbeExec", "balance_nonroot"]);
  const cases = [
    ["sqlite3VdbeExec", "workerd", "sqlite"],
    ["balance_nonroot", "workerd", "sqlite"],
    ["[unknown]", "[unknown]", "v8_generated"],
    ["Builtins_JSEntry", "workerd", "v8_builtins"],
    ["v8::internal::Scavenger::ScavengePage(v8::internal::MutablePageMetadata*)", "workerd", "v8_gc"],
    ["v8::internal::Runtime_WasmStackGuard(int, unsigned long*, v8::internal::Isolate*)", "workerd", "v8_runtime"],
    ["kj::_::Event::armBreadthFirst()", "workerd", "kj_capnp"],
    ["workerd::api::D1DatabaseSessionAlwaysPrimary::fetch()", "workerd", "workerd"],
    ["__memmove_avx_unaligned_erms", "/usr/lib/x86_64-linux-gnu/libc.so.6", "libc"],
    ["tcp_sendmsg", "[kernel.kallsyms]", "kernel"],
  ];
  for (const [sym, dso, want] of cases) assert.equal(bucket(sym, dso, sqlite), want, `${sym} in ${dso}`);
});
