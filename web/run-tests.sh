#!/usr/bin/env bash
# Tests the web UI: type check, unit tests (vitest), a rebuild that must
# equal the committed bundle in internal/ui/dist, the bundle size budget,
# and the end-to-end tests (playwright-core driving Debian's Chromium
# against a real `logpond server`). Installs Chromium from Debian's packages
# when /usr/bin/chromium is missing (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
BUDGET_KB=300

if [ ! -x "$CHROMIUM" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "== installing chromium (Debian package)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "== type check"
npx --no-install tsc --noEmit

echo "== unit tests (vitest)"
npx --no-install vitest run

echo "== the committed bundle is built from this source"
built=$(mktemp -d)
trap 'rm -rf "$built"' EXIT
npx --no-install vite build --outDir "$built" --emptyOutDir --logLevel warn
if ! diff -r "$built" ../internal/ui/dist >/dev/null; then
  echo "FAIL: internal/ui/dist differs from a fresh build of web/:"
  diff -r "$built" ../internal/ui/dist | head -20 || true
  echo "Run 'npm run build' in web/ and commit internal/ui/dist."
  exit 1
fi

echo "== bundle size"
total=0
for f in ../internal/ui/dist/index.html ../internal/ui/dist/assets/*; do
  n=$(gzip -9 -c "$f" | wc -c)
  total=$((total + n))
  printf '  %-48s %7d bytes gzipped\n' "${f#../internal/ui/dist/}" "$n"
done
echo "  total: $((total / 1024)) KB gzipped (budget ${BUDGET_KB} KB)"
if [ "$total" -gt $((BUDGET_KB * 1024)) ]; then
  echo "FAIL: the bundle is over its budget"
  exit 1
fi

echo "== end-to-end tests (Chromium at $CHROMIUM)"
CHROMIUM="$CHROMIUM" node --test --test-concurrency=1 e2e/ui.test.mjs
