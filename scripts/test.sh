#!/usr/bin/env bash
# Runs every logpond test: go vet, the Go test suite (unit, SDK, crash and
# fuzz-seed tests) and the AWS CLI end-to-end script. Installs what the tests
# need from Debian's packages when it is missing (as root, or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
# The end-to-end script needs AWS CLI v2 (Debian's awscli package).
if ! /usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2'; then need_apt+=(awscli); fi
command -v python3 >/dev/null || need_apt+=(python3)
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "== go vet"
go vet ./...
echo "== cross-build for Windows (the agent's Event Log source is build-tagged)"
GOOS=windows GOARCH=amd64 go build -o /dev/null ./cmd/logpond
echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "not gofmt'ed: $unformatted"; exit 1; fi
echo "== generated model is current"
if [ -f ../shared/reference/cloudwatch-logs-api/service-2.json ]; then
  (cd internal/api/model && go run ./internal/gen -model ../../../../shared/reference/cloudwatch-logs-api/service-2.json -out /tmp/logpond-model-check.go)
  cmp -s /tmp/logpond-model-check.go internal/api/model/zz_generated.go || { echo "internal/api/model/zz_generated.go is stale: run go generate ./internal/api/model"; exit 1; }
fi
echo "== go test"
go test -count=1 ./...
echo "== web UI (vitest, bundle check, Chromium end-to-end)"
# Screenshots go to a scratch dir unless UPDATE_SCREENSHOTS=1 asks to
# refresh the committed ones in docs/screenshots.
if [ "${UPDATE_SCREENSHOTS:-}" != 1 ]; then export LOGPOND_SCREENSHOTS="${LOGPOND_SCREENSHOTS:-$(mktemp -d)}"; fi
bash web/run-tests.sh
echo "== AWS CLI end-to-end"
AWS=/usr/bin/aws bash test/e2e/cli.sh
