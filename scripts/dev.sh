#!/usr/bin/env bash
# Starts the whole PAK POS system locally: the local stand-ins for the SMS
# gateway and the courier, then wrangler dev on local D1 (migrated, with a
# demo account for every staff role) and local queues, with a once-a-minute
# tick standing in for Cloudflare's cron. State persists in .wrangler/state;
# `PAKPOS_RESET=1` starts from scratch.
#   PORT=8787 (Worker), STANDINS_PORT=8790 (stand-ins)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
port="${PORT:-8787}"
standins_port="${STANDINS_PORT:-8790}"
state=".wrangler/state"
if [ "${PAKPOS_RESET:-0}" = 1 ]; then rm -rf "$state"; fi
[ -f .dev.vars ] || cp .dev.vars.example .dev.vars

CI=true npx wrangler d1 migrations apply DB --local --persist-to "$state" >/dev/null
CI=true node scripts/staff.mjs seed-demo --persist-to "$state"

# The stand-ins read the same secrets as the Worker.
set -a; . ./.dev.vars; set +a
COURIER_WEBHOOK_URL="http://127.0.0.1:$port/webhooks/courier" SMS_INBOUND_URL="http://127.0.0.1:$port/webhooks/sms/inbound" node scripts/standins.mjs --port "$standins_port" &
standins=$!
( while sleep 60; do curl -s -o /dev/null "http://127.0.0.1:$port/__scheduled?cron=*+*+*+*+*" || true; done ) &
ticker=$!
trap 'kill $standins $ticker 2>/dev/null || true' EXIT

cat <<BANNER

  PAK POS Online is starting on  http://127.0.0.1:$port
    API contract:                http://127.0.0.1:$port/api/v1/openapi.json
    SMS, courier, e-signature stand-ins: http://127.0.0.1:$standins_port/_records

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
npx wrangler dev --ip 127.0.0.1 --port "$port" --persist-to "$state" --show-interactive-dev-session=false \
  --test-scheduled \
  --var "PUBLIC_BASE_URL:http://127.0.0.1:$port" \
  --var "TWILIO_API_BASE:http://127.0.0.1:$standins_port" \
  --var "COURIER_API_BASE:http://127.0.0.1:$standins_port" \
  --var "ESIGN_API_BASE:http://127.0.0.1:$standins_port"
