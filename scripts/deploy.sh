#!/usr/bin/env bash
# Deploys PAK POS to Cloudflare and checks it:
#   scripts/deploy.sh staging|production
# 1. installs what the build needs (scripts/setup.sh) and builds the release
#    wasm; 2. applies the D1 migrations to that environment's remote
#    database; 3. deploys the Worker; 4. runs scripts/smoke.sh against the
#    environment's PUBLIC_BASE_URL (on staging with --write: it submits and
#    reads one application). Needs `npx wrangler login` (or
#    CLOUDFLARE_API_TOKEN) and the environment's resources and secrets made
#    (README, "Production"). Any failing step stops the deploy there.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  staging) env_flag="--env=staging"; smoke_flags=(--write) ;;
  production) env_flag="--env="; smoke_flags=() ;;
  *) echo "usage: scripts/deploy.sh staging|production" >&2; exit 2 ;;
esac
target=$1
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH" WRANGLER_SEND_METRICS=false
wrangler=node_modules/.bin/wrangler
echo "== $target: release build"
PAKPOS_BUILD=release bash scripts/build-worker.sh
echo "== $target: D1 migrations"
"$wrangler" d1 migrations apply DB --remote "$env_flag"
echo "== $target: deploy"
PAKPOS_BUILD=release "$wrangler" deploy "$env_flag"
base=$(node --input-type=module -e '
  import { experimental_readRawConfig } from "wrangler";
  const { rawConfig } = experimental_readRawConfig({ config: "wrangler.toml" });
  const vars = process.argv[1] === "staging" ? rawConfig.env?.staging?.vars : rawConfig.vars;
  if (!vars?.PUBLIC_BASE_URL) { console.error("no PUBLIC_BASE_URL for " + process.argv[1]); process.exit(1); }
  console.log(vars.PUBLIC_BASE_URL);
' "$target")
echo "== $target: smoke test of $base"
bash scripts/smoke.sh "$base" ${smoke_flags[@]+"${smoke_flags[@]}"}
