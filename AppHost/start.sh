#!/usr/bin/env bash
# Runs the local stack (the README's "run the system" command): installs redis-server and rabbitmq-server when
# they are missing, then builds and starts everything through the AppHost. Ctrl+C stops every process it started.
# Arguments go to the AppHost, e.g. `bash AppHost/start.sh --only redis,rabbitmq` or `--help`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "start.sh: ${missing[*]} missing and not root without sudo. Install them with:" >&2
      echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends redis-server rabbitmq-server" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  echo "start.sh: installing ${missing[*]} (apt-get) ..." >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

exec dotnet run --project AppHost -c Release -- "$@"
