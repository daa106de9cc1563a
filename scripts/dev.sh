#!/usr/bin/env bash
# Starts the whole PAK POS system locally: wrangler dev on local D1 (migrated,
# with a demo account for every staff role) and local queues. State persists
# in .wrangler/state between runs; `PAKPOS_RESET=1` starts from scratch.
#   PORT=8787 (default)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
port="${PORT:-8787}"
state=".wrangler/state"
if [ "${PAKPOS_RESET:-0}" = 1 ]; then rm -rf "$state"; fi

CI=true npx wrangler d1 migrations apply DB --local --persist-to "$state" >/dev/null
CI=true node scripts/staff.mjs seed-demo --persist-to "$state"

cat <<BANNER

  PAK POS Online is starting on  http://127.0.0.1:$port
    API contract:                http://127.0.0.1:$port/api/v1/openapi.json
    Health:                      http://127.0.0.1:$port/health

  Demo staff accounts (local development only), password: pakpos-demo-2026
    fo                 front_office        Front Office (FO) Dinas
    validator          validator           Kasi Pelayanan Pencatatan Sipil
    loket              pickup_counter      Loket Pengambilan
    produksi           production          Bagian Produksi
    kadis              head_of_agency      Kepala Dinas
    pengaduan          complaints_officer  Kabid Pelayanan Pencatatan Sipil
    admin              admin               Administrator Sistem
    desa.sumberagung   village_operator    Desa Sumberagung (33.12.01.2001)
    desa.gedong        village_operator    Kelurahan Gedong (33.12.01.1009)

BANNER
exec npx wrangler dev --ip 127.0.0.1 --port "$port" --persist-to "$state" --show-interactive-dev-session=false
