// Pure helpers for scripts/bench.mjs: argument parsing, test data that the
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
  --timeout-minutes M  stop everything and fail after M minutes (default 15)
  --help             this text

Exit status: 0 when every request answered 2xx; 1 on any failure; 124 on
the global timeout; 130 on a signal.`;

export function parseArgs(argv) {
  const opts = {
    applications: 200,
    concurrency: 8,
    backlog: 250,
    skipBuild: false,
    cli: false,
    port: undefined,
    timeoutMinutes: 15,
    help: false,
  };
  const ints = {
    "--applications": ["applications", 1, 100_000],
    "--concurrency": ["concurrency", 1, 256],
    "--backlog": ["backlog", 0, 100_000],
    "--port": ["port", 1, 65535],
    "--timeout-minutes": ["timeoutMinutes", 1, 24 * 60],
  };
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
