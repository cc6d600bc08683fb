#!/usr/bin/env bash
# Runs the whole test suite (the README's "run the tests" command): installs what the tests need, builds the
# solution once, runs every test project, and ends with one line: "Tests: N passed, N failed, N skipped".
# Exits non-zero when anything failed. TESTS_SOLUTION picks another solution or .slnf (default Microservices.sln).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

solution="${TESTS_SOLUTION:-Microservices.sln}"
results="TestResults"
log() { printf '[tests/run.sh] %s\n' "$*" >&2; }

# 1. Servers the fixtures start as processes.
missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing ${missing[*]} (apt-get) ..."
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# 2. Node peers of the interop tests.
if [ -f tests/interop/package.json ]; then
  log "installing tests/interop npm packages ..."
  if [ -f tests/interop/package-lock.json ]; then
    npm ci --prefix tests/interop --no-audit --no-fund
  else
    npm install --prefix tests/interop --no-audit --no-fund
  fi
fi

# 3. Kubernetes manifest validation (offline), when present.
k8s_status=0
if [ -f tests/k8s/run.sh ]; then
  log "validating k8s manifests (tests/k8s/run.sh) ..."
  bash tests/k8s/run.sh || k8s_status=$?
  [ "$k8s_status" -eq 0 ] || log "k8s validation FAILED (exit $k8s_status)"
fi

# 4. One build, then every test project (in parallel, each with a hang guard that dumps and kills a stuck host).
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rm -rf "$results"
log "building $solution (Release) ..."
if ! dotnet build "$solution" -c Release; then
  log "build FAILED: no test ran."
  echo "Tests: 0 passed, 0 failed, 0 skipped"
  exit 1
fi

test_log="$(mktemp)"
trap 'rm -f "$test_log"' EXIT
log "running tests ..."
set +e
dotnet test "$solution" -c Release --no-build \
  --blame-hang-timeout 5m \
  --results-directory "$results" \
  --logger "trx;LogFilePrefix=tests" 2>&1 | tee "$test_log"
test_status=${PIPESTATUS[0]}
set -e

# Each test assembly ends with "Passed!  - Failed: F, Passed: P, Skipped: S, Total: T, ..." (or "Failed!  - ...").
read -r passed failed skipped < <(
  sed -nE 's/.*(Passed|Failed)! +- +Failed: +([0-9]+), +Passed: +([0-9]+), +Skipped: +([0-9]+),.*/\3 \2 \4/p' "$test_log" |
    awk '{ p += $1; f += $2; s += $3 } END { printf "%d %d %d\n", p, f, s }'
)

if [ "$test_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  log "dotnet test exited with $test_status without a failed test: a test host crashed or hung (see $results/)."
fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [ "$test_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$k8s_status" -ne 0 ]; then
  exit 1
fi
