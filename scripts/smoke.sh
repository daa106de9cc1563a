#!/usr/bin/env bash
# The smoke test after a deploy: health and the OpenAPI document, and with
# --write (staging only) a submission read back as a citizen would.
#   scripts/smoke.sh <base URL> [--write]
# See scripts/smoke.mjs; exits non-zero if any check failed.
set -euo pipefail
exec node "$(dirname "$0")/smoke.mjs" "$@"
