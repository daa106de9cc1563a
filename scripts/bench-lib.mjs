// Pure helpers for scripts/bench.mjs (and the other bench scripts' flags): argument parsing, test data that the
// Worker's validation accepts, statistics and plain-text tables. No I/O here
// except reading the village seed (to submit to villages that exist).
import { readFileSync } from "node:fs";

export const USAGE = `Usage: node scripts/bench.mjs [options]

Builds the release Worker, starts it on 127.0.0.1 with throw-away local D1
state, drives applications through the whole workflow over HTTP and prints
size, latency and D1 round-trip figures (also bench-output/bench.json).

Options:
  --applications N   applications driven through the workflow (default 200)
  --concurrency C    applications in flight at once (default 8)
  --backlog K        open applications submitted after the run, so the
                     keyset walk of the open queue has pages (default 250)
  --skip-build       measure and run the existing build/ instead of building
  --cli              run under the \`wrangler dev\` CLI (inspector attached)
                     instead of unstable_startWorker with the inspector off
  --port P           port for the Worker (default: a free one outside
                     8787-8799; the CLI inspector also avoids 9229-9299)
  --sms-burst N      SMS burst phase: N applications submitted as fast as
                     --concurrency allows, measuring outbox → gateway dispatch
                     of their registration SMS (default 300; 0 skips it)
  --sms-error-rate R  also run the burst with the gateway stand-in failing a
                     share R (0 to 1) of sends with 429/500, so the Worker
                     retries (default 0: clean burst only)
  --sms-wait-seconds S  how long to wait for the gateway to receive every
                     expected SMS after a phase (default 60)
  --timeout-minutes M  stop everything and fail after M minutes (default 15)
  --help             this text

The release wasm's gzip size is printed against the 600 KiB budget and
against its size before issue 8's restructuring (a fixed baseline). The state,
the stand-ins and the Worker are started by the shared launcher
(scripts/stack.mjs); the SMS gateway and courier are the local stand-ins
(scripts/standins.mjs) on a free port with courier_auto off.

Exit status: 0 when every request answered 2xx and every SMS reached the
gateway exactly once; 1 on any failure; 124 on the global timeout; 130 on a
signal.`;

/** Walks the flags of `argv`: `on(flag, take)` is called for each, where
 *  `take.value()` consumes the flag's value and `take.count()` a whole
 *  number ≥ 1 (both refuse, naming the flag and showing `usage`). */
export function eachFlag(argv, usage, on) {
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${usage}`);
      return v;
    };
    const count = () => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number ≥ 1, not ${JSON.stringify(v)}\n${usage}`);
      return n;
    };
    on(flag, { value, count });
  }
}

export function parseArgs(argv) {
  const opts = {
    applications: 200,
    concurrency: 8,
    backlog: 250,
    skipBuild: false,
    cli: false,
    port: undefined,
    timeoutMinutes: 15,
    smsBurst: 300,
    smsErrorRate: 0,
    smsWaitSeconds: 60,
    help: false,
  };
  const ints = {
    "--applications": ["applications", 1, 100_000],
    "--concurrency": ["concurrency", 1, 256],
    "--backlog": ["backlog", 0, 100_000],
    "--port": ["port", 1, 65535],
    "--timeout-minutes": ["timeoutMinutes", 1, 24 * 60],
    "--sms-burst": ["smsBurst", 0, 100_000],
    "--sms-wait-seconds": ["smsWaitSeconds", 1, 3_600],
  };
  const rates = { "--sms-error-rate": "smsErrorRate" };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const [flag, inline] = raw.includes("=") ? raw.split(/=(.*)/s, 2) : [raw, undefined];
    if (flag === "--help" || flag === "-h") opts.help = true;
    else if (flag === "--skip-build") opts.skipBuild = true;
    else if (flag === "--cli") opts.cli = true;
    else if (flag in ints) {
      const [key, min, max] = ints[flag];
      const value = inline ?? argv[++i];
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new Error(`${flag} needs a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
      }
      opts[key] = n;
    } else if (flag in rates) {
      const value = inline ?? argv[++i];
      const r = Number(value);
      if (value === undefined || value === "" || !Number.isFinite(r) || r < 0 || r > 1) {
        throw new Error(`${flag} needs a number from 0 to 1, got ${JSON.stringify(value)}`);
      }
      opts[rates[flag]] = r;
    } else {
      throw new Error(`unknown option ${JSON.stringify(raw)} (see --help)`);
    }
  }
  return opts;
}

/** Every village code in the seed migration, so submissions hit real villages. */
export function villageCodes(seedFile) {
  const text = readFileSync(seedFile, "utf8");
  const codes = [...text.matchAll(/'(33\.12\.\d{2}\.\d{4})'/g)].map((m) => m[1]);
  return [...new Set(codes)];
}

const FIRST = ["Sri", "Siti", "Dwi", "Tri", "Eko", "Budi", "Agus", "Rina", "Wahyu", "Endang", "Joko", "Lestari"];
const LAST = ["Lestari", "Wahyuni", "Santoso", "Rahayu", "Susanto", "Handayani", "Purnomo", "Mulyani", "Setiawan"];
const CHILD = ["Bima", "Arjuna", "Sekar", "Ayu", "Raka", "Dewi", "Galih", "Putri", "Bagas", "Nadia"];
const CHILD_LAST = ["Pratama", "Wicaksono", "Maharani", "Saputra", "Anggraini", "Nugroho"];
const DUSUN = ["Krajan", "Ngasem", "Sendang", "Tegalrejo", "Banaran", "Kedungrejo"];
const PHONE_THIRD = ["1", "2", "3", "5", "6", "7", "8", "9"];

const pad = (n, width) => String(n).padStart(width, "0");

/** A NIK the Worker accepts: region, DD (+40 for women), MM, YY, non-zero serial. */
export function nik(i, female) {
  const day = (i % 28) + 1 + (female ? 40 : 0);
  const month = (Math.floor(i / 28) % 12) + 1;
  const year = 70 + (i % 30);
  const serial = (i % 9998) + 1;
  return `331201${pad(day, 2)}${pad(month, 2)}${pad(year % 100, 2)}${pad(serial, 4)}`;
}

/** Today's date in WIB (UTC+7) minus `daysBack`, as YYYY-MM-DD. */
export function wibDate(daysBack) {
  return new Date(Date.now() + 7 * 3600_000 - daysBack * 86400_000).toISOString().slice(0, 10);
}

/**
 * Submission `i` of the run (a citizen, channel web): NIK, phone, village,
 * names and the delivery method vary; half `pickup`, half `pos`.
 */
export function application(i, villages, tag = "") {
  const female = i % 3 !== 0;
  const applicantName = `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`;
  const childName = `${CHILD[i % CHILD.length]} ${CHILD_LAST[(i * 5) % CHILD_LAST.length]}`;
  const delivery = i % 2 === 0 ? "pickup" : "pos";
  return {
    nik: nik(i, female),
    delivery,
    childName,
    body: {
      services: ["birth_certificate", "child_id_card"],
      applicant: {
        nik: nik(i, female),
        name: applicantName,
        phone: `08${PHONE_THIRD[i % PHONE_THIRD.length]}${pad((1_234_567 + i * 7919) % 100_000_000, 8)}`,
        village_code: villages[(i * 37) % villages.length],
        address: `Dusun ${DUSUN[i % DUSUN.length]} RT ${pad((i % 9) + 1, 2)} RW ${pad((i % 5) + 1, 2)}${tag}`,
      },
      subject: {
        name: childName,
        sex: i % 2 === 0 ? "male" : "female",
        birth_date: wibDate(1 + (i % 300)),
        birth_place: "Wonogiri",
        mother_name: female ? applicantName : `Endang ${LAST[i % LAST.length]}`,
        family_card_number: `331201${pad(i % 1_000_000, 6)}${pad((i % 9998) + 1, 4)}`,
      },
      delivery_method: delivery,
    },
  };
}

/** The registration number ("ABCD-EFGHK") an SMS body names, or null. */
export function registrationIn(body) {
  const m = /\b([0-9A-Z]{4}-[0-9A-Z]{5})\b/.exec(body ?? "");
  return m ? m[1] : null;
}

/**
 * Matches the SMS the gateway accepted to the outbox rows that should have
 * produced them, by recipient and body (the body names the registration
 * number). `numbers` is the set of registration numbers of the phase: an
 * accepted SMS naming one of them that matches no expected row is
 * `unexpected`. Returns each expected row with its first arrival (`pairs`),
 * the rows that never arrived (`missing`), and the extra arrivals of a row
 * (`duplicates`).
 */
export function matchSms(expected, accepted, numbers) {
  const key = (to, body) => `${to}\n${body}`;
  const want = new Map();
  for (const row of expected) {
    const k = key(row.recipient, row.body);
    if (!want.has(k)) want.set(k, []);
    want.get(k).push(row);
  }
  const got = new Map();
  const unexpected = [];
  for (const sms of accepted) {
    const k = key(sms.to, sms.body);
    if (want.has(k)) {
      if (!got.has(k)) got.set(k, []);
      got.get(k).push(sms);
    } else if (numbers.has(registrationIn(sms.body))) {
      unexpected.push(sms);
    }
  }
  const pairs = [];
  const missing = [];
  const duplicates = [];
  for (const [k, rows] of want) {
    const arrivals = (got.get(k) ?? []).sort((a, b) => (a.received_at < b.received_at ? -1 : a.received_at > b.received_at ? 1 : 0));
    rows.sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    rows.forEach((row, i) => (i < arrivals.length ? pairs.push({ row, sms: arrivals[i] }) : missing.push(row)));
    duplicates.push(...arrivals.slice(rows.length));
  }
  return { pairs, missing, duplicates, unexpected };
}

/**
 * Matches the courier orders the stand-in created (and the repeats it answered
 * from its idempotency store) to the courier outbox rows expected, by
 * registration number (`reference`) and leg (`kind`, the row's template).
 */
export function matchCourier(expected, orders, repeats) {
  const key = (reference, kind) => `${reference} ${kind}`;
  const want = tally(expected.map((r) => key(r.app.number, r.template)));
  const got = tally(orders.filter((o) => key(o.reference, o.kind) in want).map((o) => key(o.reference, o.kind)));
  let missing = 0;
  let duplicates = 0;
  for (const [k, n] of Object.entries(want)) {
    missing += Math.max(0, n - (got[k] ?? 0));
    duplicates += Math.max(0, (got[k] ?? 0) - n);
  }
  const ids = new Set(orders.filter((o) => key(o.reference, o.kind) in want).map((o) => o.order_id));
  return {
    expected: expected.length,
    created: Object.values(got).reduce((a, b) => a + b, 0),
    kinds: tally(orders.filter((o) => key(o.reference, o.kind) in want).map((o) => o.kind)),
    missing,
    duplicates,
    repeats: repeats.filter((r) => ids.has(r.order_id)).length,
    missing_keys: Object.keys(want).filter((k) => (got[k] ?? 0) < want[k]),
  };
}

/** { value: count } of `values`, in first-seen order. */
export function tally(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, mean: null, p50: null, p95: null, p99: null, max: null, min: null };
  const sum = v.reduce((a, b) => a + b, 0);
  return {
    n: v.length,
    mean: sum / v.length,
    min: v[0],
    p50: percentile(v, 50),
    p95: percentile(v, 95),
    p99: percentile(v, 99),
    max: v[v.length - 1],
  };
}

export const kib = (bytes) => bytes / 1024;
export const fixed = (x, digits = 1) => (x == null || !Number.isFinite(x) ? "-" : x.toFixed(digits));

/** A plain-text table: right-aligned numbers, left-aligned first column. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ").trimEnd();
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...all.slice(1).map(line)].join("\n");
}
