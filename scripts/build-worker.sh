#!/usr/bin/env bash
# Builds the Worker into build/ with worker-build, never letting it download
# anything: it is pointed at the wasm-bindgen CLI installed by setup.sh and at
# the npm copies of wasm-opt and esbuild (esbuild through
# scripts/esbuild-lean-shim, which first takes the per-request Proxies out of
# worker-build's entry shim: scripts/lean-shim.mjs).
#   PAKPOS_BUILD=dev      fast unoptimised build (default; wrangler dev, tests)
#   PAKPOS_BUILD=release  optimised (wasm-opt as Cargo.toml says, then the
#                         names section dropped: deploy, size budget, bench)
# The git commit is baked in (PAKPOS_COMMIT, below).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_BIN="$(command -v wasm-bindgen)"
export WASM_OPT_BIN="$root/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$root/scripts/esbuild-lean-shim"
# The deployed version the health page shows (app::health::version): the
# commit, "-modified" when the tree has uncommitted changes; "dev" outside a
# checkout. Set PAKPOS_COMMIT to override.
if [ -z "${PAKPOS_COMMIT:-}" ]; then
  PAKPOS_COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo dev)
  if [ "$PAKPOS_COMMIT" != dev ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    PAKPOS_COMMIT="$PAKPOS_COMMIT-modified"
  fi
fi
export PAKPOS_COMMIT
case "${PAKPOS_BUILD:-dev}" in
  release) worker-build --release && node scripts/strip-wasm-names.mjs build/index_bg.wasm ;;
  dev) exec worker-build --dev --no-opt ;;
  *) echo "PAKPOS_BUILD must be dev or release" >&2; exit 2 ;;
esac
