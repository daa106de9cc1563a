#!/usr/bin/env node
// Removes the `name` custom section from a wasm file, in place. worker-build
// keeps it (`wasm-opt --debuginfo`) for readable panic traces, but the
// release profile strips Rust's symbols at link time, so what is left names
// only wasm-bindgen's import shims: ~1.7 KB that every cold start pays.
//   node scripts/strip-wasm-names.mjs build/index_bg.wasm
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/strip-wasm-names.mjs FILE.wasm");
  process.exit(2);
}
const bytes = readFileSync(file);
if (bytes.readUInt32LE(0) !== 0x6d736100) {
  console.error(`${file} is not a wasm module`);
  process.exit(1);
}
const kept = [bytes.subarray(0, 8)];
let at = 8;
const leb = () => {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return value;
};
let removed = 0;
while (at < bytes.length) {
  const start = at;
  const id = bytes[at++];
  const length = leb();
  const body = at;
  let keep = true;
  if (id === 0) {
    const nameLength = leb();
    keep = bytes.subarray(at, at + nameLength).toString() !== "name";
  }
  at = body + length;
  if (keep) kept.push(bytes.subarray(start, at));
  else removed += at - start;
}
writeFileSync(file, Buffer.concat(kept));
console.log(`strip-wasm-names: ${removed} bytes of names removed from ${file}`);
