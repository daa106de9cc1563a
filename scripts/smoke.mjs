#!/usr/bin/env node
// The smoke test after a deploy (scripts/deploy.sh), or against any running
// PAK POS (the e2e suite runs it against the local stack):
//
//   node scripts/smoke.mjs <base> [--write] [--address A]
//
// Reads GET /health and the OpenAPI document; with --write (staging only:
// it creates a real application) it also submits one through the public API
// and reads its status back with the applicant's NIK, as a citizen would.
// --address sends CF-Connecting-IP: A, the client address the abuse limits
// count by — for a local stack only (Cloudflare replaces the header with
// the real address), so a test's smoke run has limits of its own.
// Prints one line per check and exits 1 if any failed. Standard library only.

const USAGE = "usage: node scripts/smoke.mjs <base URL> [--write] [--address A]";
const TIMEOUT_MS = 15_000;

function parse(argv) {
  const args = argv.slice(2);
  let write = false;
  let address = null;
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--write") write = true;
    else if (args[i] === "--address") address = args[++i] ?? "";
    else rest.push(args[i]);
  }
  if (rest.length !== 1 || rest[0] === "--help" || rest[0] === "-h") return null;
  if (address !== null && !/^[0-9a-fA-F.:]{2,45}$/.test(address)) return null;
  let base;
  try {
    base = new URL(rest[0]);
  } catch {
    return null;
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") return null;
  return { base: base.origin, write, address };
}

let clientAddress = null;

async function call(base, method, path, body) {
  const headers = body ? { "content-type": "application/json" } : {};
  if (clientAddress) headers["cf-connecting-ip"] = clientAddress;
  const res = await fetch(base + path, {
    method,
    headers,
    body: body ? JSON.stringify(body) : undefined,
    redirect: "manual",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: the check says so.
  }
  return { status: res.status, json, text, id: res.headers.get("x-request-id") };
}

/** A valid NIK of an applicant (a woman born on 5 February 1990-99) with a random serial. */
function randomNik() {
  const year = String(90 + Math.floor(Math.random() * 10));
  const serial = String(1 + Math.floor(Math.random() * 9998)).padStart(4, "0");
  return `3312014502${year}${serial}`;
}

/** A date `days` ago in Asia/Jakarta (UTC+7), YYYY-MM-DD. */
function daysAgo(days) {
  return new Date(Date.now() + 7 * 3600_000 - days * 86_400_000).toISOString().slice(0, 10);
}

function application(nik) {
  return {
    services: ["birth_certificate"],
    applicant: {
      nik,
      name: "Uji Asap",
      phone: `0812${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`,
      village_code: "33.12.01.2001",
      address: "Uji setelah pemasangan (smoke test), abaikan",
    },
    subject: {
      name: "Uji Asap",
      sex: "female",
      birth_date: daysAgo(10),
      birth_place: "Wonogiri",
      mother_name: "Uji Asap",
      family_card_number: "3312010101200003",
    },
    delivery_method: "pickup",
    checklist: ["surat_keterangan_lahir", "kk_orang_tua"],
  };
}

async function main() {
  const opts = parse(process.argv);
  if (!opts) {
    console.error(USAGE);
    process.exit(2);
  }
  const { base, write } = opts;
  clientAddress = opts.address;
  let failed = 0;
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      console.log(`ok    ${name}${detail ? `: ${detail}` : ""}`);
    } catch (e) {
      failed++;
      console.log(`FAIL  ${name}: ${e.message}`);
    }
  };
  const expect = (cond, what) => {
    if (!cond) throw new Error(what);
  };
  console.log(`smoke test of ${base}${write ? " (with a submission)" : ""}`);

  await check("GET /health", async () => {
    const r = await call(base, "GET", "/health");
    expect(r.status === 200 && r.json?.status === "ok", `${r.status} ${r.text.slice(0, 200)}`);
    expect(r.id, "no X-Request-Id header");
    return `request ${r.id}`;
  });
  await check("GET /api/v1/openapi.json", async () => {
    const r = await call(base, "GET", "/api/v1/openapi.json");
    expect(r.status === 200 && String(r.json?.openapi ?? "").startsWith("3."), `${r.status} ${r.text.slice(0, 200)}`);
    const paths = Object.keys(r.json.paths ?? {});
    expect(paths.includes("/api/v1/applications"), "the document has no /api/v1/applications");
    return `OpenAPI ${r.json.openapi}, ${paths.length} paths`;
  });
  if (write) {
    let submitted = null;
    await check("POST /api/v1/applications", async () => {
      const nik = randomNik();
      const r = await call(base, "POST", "/api/v1/applications", application(nik));
      expect(r.status === 201 && r.json?.registration_number, `${r.status} ${r.text.slice(0, 300)}`);
      submitted = { number: r.json.registration_number, nik };
      return submitted.number;
    });
    await check("POST /api/v1/applications/{number}/status", async () => {
      expect(submitted, "nothing was submitted");
      const r = await call(base, "POST", `/api/v1/applications/${submitted.number}/status`, { nik: submitted.nik });
      expect(r.status === 200 && r.json?.status === "submitted", `${r.status} ${r.text.slice(0, 300)}`);
      return r.json.status;
    });
  }
  console.log(failed ? `smoke test FAILED (${failed})` : "smoke test passed");
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`smoke test: ${e.stack ?? e}`);
  process.exit(1);
});
