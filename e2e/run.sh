#!/usr/bin/env bash
# Browser tests: builds umbral (unless UMBRAL_BIN names one), installs playwright-core, and runs
# the tests in Debian's Chromium. Fails loudly when Chromium is missing.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "e2e: Chromium not found at ${CHROMIUM:-/usr/bin/chromium} (apt-get install -y chromium)" >&2
  exit 1
fi
if [ -z "${UMBRAL_BIN:-}" ]; then
  (cd .. && cargo build -p umbral)
fi
npm ci --no-audit --no-fund >/dev/null
npm test
