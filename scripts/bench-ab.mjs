#!/usr/bin/env node
// Two builds of PAK POS side by side: the Worker isolate's CPU per
// transition of each, measured in the same minutes.
//
//   node scripts/bench-ab.mjs --a "SETUP A" --b "SETUP B" [--rounds 4] [--apps 30] [--concurrency 1]
//
// Each SETUP is a shell command run in the checkout just before that side's
// stack starts; it puts the build to measure in build/ (and may change
// wrangler.toml): the stack copies build/ and reads wrangler.toml when it
// starts (scripts/stack.mjs, build "none"), so A and B then run at once, in
// two workerd processes, consumers and static assets off. The rounds drive
// them in turn (the shared driver, ../shared/bench/drive.mjs, `--apps`
// applications through the eight transitions each, alternating which goes
// first) and read each workerd's CPU time from /proc before and after its
// turn. Throughput on these shared two-core machines moves by ±30% within
// minutes; CPU time per transition, taken by the two builds in alternation,
// is steadier, so a change of a few percent can be seen. Still: run it twice.
// A fresh stack takes about 130 applications before the same test phone
// numbers reach their daily SMS limit (429s make a transition cheaper):
// keep rounds × apps under that.
//
// Example (the build before and after a change, both release builds kept
// aside first):
//   node scripts/bench-ab.mjs \
//     --a "cp /tmp/before/index.js /tmp/before/index_bg.wasm build/" \
//     --b "cp /tmp/after/index.js /tmp/after/index_bg.wasm build/"

import { execSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { eachFlag } from "./bench-lib.mjs";
import { cpuMs, drive, startPakpos, workerdPids } from "./bench-peer.mjs";
import { ROOT } from "./stack.mjs";

const USAGE = `Usage: node scripts/bench-ab.mjs --a "SETUP A" --b "SETUP B" [--rounds 4] [--apps 30] [--concurrency 1] [--peer-dir DIR]`;

function options(argv) {
  const o = { a: null, b: null, rounds: 4, apps: 30, concurrency: 1, peerDir: join(ROOT, "../shared/bench") };
  eachFlag(argv, USAGE, (flag, take) => {
    if (flag === "--a") o.a = take.value();
    else if (flag === "--b") o.b = take.value();
    else if (flag === "--rounds") o.rounds = take.count();
    else if (flag === "--apps") o.apps = take.count();
    else if (flag === "--concurrency") o.concurrency = take.count();
    else if (flag === "--peer-dir") o.peerDir = take.value();
    else throw new Error(`unknown argument ${JSON.stringify(flag)}\n${USAGE}`);
  });
  if (!o.a || !o.b) throw new Error(`--a and --b are required\n${USAGE}`);
  return o;
}

async function main() {
  const o = options(process.argv.slice(2));
  const profile = join(ROOT, "scripts/bench-profile.json");
  const sides = [];
  try {
    for (const [label, setup] of [["A", o.a], ["B", o.b]]) {
      execSync(setup, { cwd: ROOT, stdio: "inherit", shell: "/bin/bash" });
      const before = new Set(workerdPids());
      const stack = await startPakpos(false, "none", `bench-ab-${label}`);
      const pids = workerdPids().filter((p) => !before.has(p));
      if (!pids.length) throw new Error(`no workerd process found for ${label}`);
      sides.push({ label, stack, pids, cpuMs: 0, wallMs: 0, transitions: 0 });
      // Warm-up outside the figures: the wasm compiled, statements prepared.
      await drive(o.peerDir, stack.base, profile, 5, o.concurrency, `warm-up ${label}`);
    }
    for (let round = 1; round <= o.rounds; round++) {
      for (const side of round % 2 ? sides : [...sides].reverse()) {
        const cpu0 = side.pids.reduce((sum, p) => sum + cpuMs(p), 0);
        const wall0 = performance.now();
        await drive(o.peerDir, side.stack.base, profile, o.apps, o.concurrency, side.label);
        side.wallMs += performance.now() - wall0;
        side.cpuMs += side.pids.reduce((sum, p) => sum + cpuMs(p), 0) - cpu0;
        side.transitions += o.apps * 8;
      }
      const [a, b] = sides;
      console.log(
        `after round ${round}: A ${(a.cpuMs / a.transitions).toFixed(3)} ms, B ${(b.cpuMs / b.transitions).toFixed(3)} ms` +
          ` of workerd CPU per transition (B/A ${(b.cpuMs / b.transitions / (a.cpuMs / a.transitions)).toFixed(3)})`,
      );
    }
    const [a, b] = sides;
    console.log(
      JSON.stringify({
        a: { cpu_ms_per_transition: a.cpuMs / a.transitions, wall_ms_per_transition: a.wallMs / a.transitions },
        b: { cpu_ms_per_transition: b.cpuMs / b.transitions, wall_ms_per_transition: b.wallMs / b.transitions },
        b_over_a_cpu: b.cpuMs / b.transitions / (a.cpuMs / a.transitions),
        rounds: o.rounds,
        apps_per_round: o.apps,
        concurrency: o.concurrency,
      }),
    );
  } finally {
    for (const side of sides) await side.stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench-ab: ${e.message}`);
    process.exit(1);
  },
);
