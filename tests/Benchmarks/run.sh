#!/usr/bin/env bash
# Issue 5's benchmark in one command: bash tests/Benchmarks/run.sh [--quick] [--out DIR] [--no-portkey] [--no-idle-streams]
# Outside the namespace: installs what is missing (apt: wrk, gnuplot-nox, redis-server, rabbitmq-server; npm: the pinned
# Portkey), builds the harness, the bare hop and the services (Release), then re-executes itself under `unshare -n`, so
# the whole comparison runs in a private network namespace with only loopback (Portkey binds every interface).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
harness="$here/Gateway.Benchmarks/bin/Release/net10.0/Gateway.Benchmarks.dll"

if [[ "${GATEWAY_BENCH_IN_NETNS:-}" != "1" ]]; then
  missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v gnuplot >/dev/null || missing+=(gnuplot-nox)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] || missing+=(rabbitmq-server)
  if ((${#missing[@]})); then
    echo "[run.sh] installing ${missing[*]}"
    if [[ $(id -u) -eq 0 ]]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "[run.sh] not root: install them with: sudo apt-get install -y ${missing[*]}" >&2
      exit 3
    fi
  fi

  # Portkey is optional: when it does not install, the table says so and the other targets still run.
  if command -v npm >/dev/null; then
    if ! (cd "$here/portkey" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
      echo "[run.sh] warning: npm ci of Portkey failed; it will be reported as not measured" >&2
    fi
  else
    echo "[run.sh] warning: npm not found; Portkey will be reported as not measured" >&2
  fi

  echo "[run.sh] building the harness, the bare hop and the services (Release)"
  (cd "$root" && dotnet build tests/Benchmarks/Gateway.Benchmarks/Gateway.Benchmarks.csproj -c Release -nodeReuse:false -v quiet -nologo \
     > "${TMPDIR:-/tmp}/gateway-bench-build.log" 2>&1) || { tail -30 "${TMPDIR:-/tmp}/gateway-bench-build.log"; exit 1; }

  if [[ $(id -u) -eq 0 ]]; then
    exec unshare -n -- env GATEWAY_BENCH_IN_NETNS=1 bash "$0" "$@"
  elif unshare -rn true 2>/dev/null; then
    exec unshare -rn -- env GATEWAY_BENCH_IN_NETNS=1 bash "$0" "$@"
  else
    echo "[run.sh] warning: no private network namespace (needs root or user namespaces); Portkey is left out" >&2
    cd "$root" && exec dotnet "$harness" --no-portkey "$@"
  fi
fi

# Inside the private network namespace: bring loopback up, allow thousands of sockets, run the harness.
ip link set lo up
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cd "$root"
exec dotnet "$harness" "$@"
