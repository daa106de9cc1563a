#!/usr/bin/env bash
# Installs what building and testing PAK POS needs, and only what is missing,
# so a second run takes a second: the wasm32 target, wasm-bindgen-cli at the
# exact version in Cargo.lock, worker-build, the npm packages (pinned
# wrangler, binaryen and playwright-core, from package-lock.json), Debian's
# Chromium for the browser tests, and schemathesis (PyPI, pinned) in .venv/
# for the e2e suite's contract check. Nothing is downloaded from GitHub:
# worker-build is pointed at these tools by scripts/build-worker.sh, and
# Playwright never downloads a browser (tests/browser launch /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

WORKER_BUILD_VERSION=0.8.7

say() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must equal the wasm-bindgen crate in Cargo.lock, or the bindings break.
want_bindgen=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have_bindgen=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have_bindgen" != "$want_bindgen" ]; then
  say "installing wasm-bindgen-cli $want_bindgen (about 2.5 min)"
  cargo install wasm-bindgen-cli --version "=$want_bindgen" --force
fi

if ! cargo install --list | grep -qx "worker-build v$WORKER_BUILD_VERSION:"; then
  say "installing worker-build $WORKER_BUILD_VERSION (about 3.5 min)"
  cargo install worker-build --version "=$WORKER_BUILD_VERSION" --force
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The browser tests drive Debian's Chromium (never a browser Playwright downloads).
if [ ! -x /usr/bin/chromium ]; then
  say "installing Chromium from Debian (apt-get, about 1 min)"
  as_root=""
  if [ "$(id -u)" != 0 ]; then as_root="sudo"; fi
  $as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq chromium >/dev/null
fi

# schemathesis judges the API against its OpenAPI document (tests/e2e/schemathesis.rs).
SCHEMATHESIS_VERSION=4.32.5
if [ "$(.venv/bin/schemathesis --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  say "installing schemathesis $SCHEMATHESIS_VERSION into .venv (PyPI, about 20 s)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
