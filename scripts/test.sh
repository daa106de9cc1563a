#!/usr/bin/env bash
# Runs every test: rustfmt's check, the native unit tests, the layering check
# (tests/layers.rs), the build scripts' tests (tests/scripts/), clippy on every target natively and on the wasm target
# (the Worker glue only compiles there), the end-to-end suite,
# which starts the real Worker under `wrangler dev` with throw-away state,
# `wrangler deploy --dry-run` for production and staging (the configuration
# and the bundle, nothing uploaded), and the browser tests (tests/browser/:
# Playwright driving Debian's Chromium through the staff pages; screenshots
# in test-output/screenshots/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false CI=true CLOUDFLARE_CF_FETCH_ENABLED=false

echo "== format (cargo fmt --check)"
cargo fmt --check
echo "== unit tests and the layering check (native)"
cargo test --locked --lib --test layers
echo "== build scripts (node --test tests/scripts/)"
node --test tests/scripts/
echo "== clippy, every target, natively and on wasm32 (warnings are errors)"
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --target wasm32-unknown-unknown --all-targets -- -D warnings
echo "== end-to-end tests (wrangler dev, local D1)"
cargo test --locked --test e2e
echo "== wrangler deploy --dry-run, production and staging (a config error fails here)"
node_modules/.bin/wrangler deploy --dry-run --env=
node_modules/.bin/wrangler deploy --dry-run --env=staging
echo "== browser tests (Playwright, Chromium)"
rm -rf test-output/screenshots
node --test --test-concurrency=1 tests/browser/*.test.mjs
