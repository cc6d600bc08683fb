#!/usr/bin/env bash
# Where the stack's CPU goes under load: bash tests/Benchmarks/profile.sh [--seconds N] [--connections N] [--out DIR]
# Starts the local stack (AppHost, Release) on free loopback ports, loads it with wrk (the benchmark's non-streaming
# request, 64 connections), and meanwhile samples every .NET service with dotnet-trace (profile
# dotnet-sampled-thread-time, ~100 Hz per thread). Each trace is converted to speedscope and summarised by
# profile_summary.py: samples on a CPU (threads parked in waits are left out), the top frames by inclusive and by
# exclusive share, per service. Writes DIR/profile.md (default docs/benchmarks/<UTC date>/profile.md) and keeps the
# raw traces in a temp dir. A tool, not a test; stops only the processes it started.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds=10
connections=64
out="$root/docs/benchmarks/$(date -u +%Y-%m-%d)"
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--connections N] [--out DIR]" >&2; exit 2 ;;
  esac
done

command -v wrk >/dev/null || { echo "profile.sh: wrk missing (apt-get install -y wrk)" >&2; exit 3; }
tools="$root/.artifacts/tools"
trace="$tools/dotnet-trace"
if [[ ! -x "$trace" ]]; then
  echo "[profile] installing dotnet-trace 10.0.750501 into $tools"
  dotnet tool install --tool-path "$tools" dotnet-trace --version 10.0.750501 >/dev/null
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/gateway-profile.XXXXXX")"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
public_port="$(free_port)"
admin_port="$(free_port)"

echo "[profile] building the stack (Release)"
(cd "$root" && dotnet build AppHost/AppHost.csproj -c Release -nodeReuse:false -v quiet -nologo >"$work/build.log" 2>&1) \
  || { tail -30 "$work/build.log"; exit 1; }

echo "[profile] starting the stack on 127.0.0.1:$public_port (log: $work/apphost.log)"
(cd "$root" && GATEWAY_PUBLIC_PORT="$public_port" GATEWAY_ADMIN_PORT="$admin_port" \
  exec setsid dotnet run --project AppHost -c Release --no-build) >"$work/apphost.log" 2>&1 &
apphost=$!
stop_stack() {
  if kill -0 "$apphost" 2>/dev/null; then
    kill -INT "$apphost" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$apphost" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$apphost" 2>/dev/null || true
  fi
}
trap stop_stack EXIT

key=""
for _ in $(seq 1 180); do
  key="$(sed -n 's/^ *Demo key *\(gw-[A-Za-z0-9]*\).*/\1/p' "$work/apphost.log" | head -1)"
  [[ -n "$key" ]] && break
  kill -0 "$apphost" 2>/dev/null || { tail -30 "$work/apphost.log"; exit 1; }
  sleep 1
done
[[ -n "$key" ]] || { echo "[profile] the stack did not print a demo key in 180 s" >&2; tail -30 "$work/apphost.log"; exit 1; }
# The demo key has the default rate limit; the load needs a key whose quota never refuses (but is still checked).
admin_token="$(sed -n 's/^ *Admin token *\([^ ]*\).*/\1/p' "$work/apphost.log" | head -1)"
key="$(curl -sf "http://127.0.0.1:$admin_port/admin/keys" -H "Authorization: Bearer $admin_token" \
  -H 'Content-Type: application/json' -d '{"tenantId":"profile","name":"profile","rpmLimit":1000000}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])')"

# The services are descendants of the AppHost: find each one's pid by its assembly name.
declare -A pids=()
for proc in /proc/[0-9]*; do
  cmd="$(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null || true)"
  for svc in Ingress Auth Quota Routing Metering; do
    if [[ "$cmd" == *"Gateway.$svc.dll"* || "$cmd" == *"/Gateway.$svc "* || "$cmd" == *"/Gateway.$svc" ]]; then
      pids[$svc]="${proc#/proc/}"
    fi
  done
done
echo "[profile] services: $(for s in "${!pids[@]}"; do printf '%s=%s ' "$s" "${pids[$s]}"; done)"

cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
wrk.body = '{"model":"sim-gpt","max_tokens":16,"messages":[{"role":"user","content":"Say something short for the benchmark. [sim ttft=0 itl=0 tokens=16]"}]}'
EOF
url="http://127.0.0.1:$public_port/v1/chat/completions"
echo "[profile] warm-up: wrk 5 s"
wrk -t2 -c"$connections" -d5s -s "$work/post.lua" "$url" >/dev/null

echo "[profile] sampling every service for ${seconds} s under wrk -c$connections"
trace_pids=()
for svc in "${!pids[@]}"; do
  "$trace" collect -p "${pids[$svc]}" --profile dotnet-sampled-thread-time --format Speedscope \
    --duration "00:00:00:$(printf '%02d' "$seconds")" -o "$work/$svc.nettrace" >"$work/$svc.trace.log" 2>&1 &
  trace_pids+=($!)
done
sleep 1
wrk -t2 -c"$connections" -d"$((seconds - 1))s" -s "$work/post.lua" "$url" | tee "$work/wrk.txt"
if grep -q "Non-2xx" "$work/wrk.txt"; then echo "[profile] warning: some answers were not 2xx (see above)" >&2; fi
for p in "${trace_pids[@]}"; do wait "$p" || true; done

mkdir -p "$out"
python3 "$here/profile_summary.py" --wrk "$work/wrk.txt" --connections "$connections" --seconds "$seconds" \
  $(for svc in Ingress Auth Quota Routing Metering; do [[ -f "$work/$svc.speedscope.json" ]] && printf '%s=%s ' "$svc" "$work/$svc.speedscope.json"; done) \
  >"$out/profile.md"
echo "[profile] wrote $out/profile.md (raw traces in $work)"
