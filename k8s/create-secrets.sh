#!/usr/bin/env bash
# Creates (or updates) the Secrets the llm-gateway manifests reference, from an env file shaped like
# k8s/secrets.example.env. Values go to kubectl through files in a private temp dir, never on a command line.
#
#   k8s/create-secrets.sh [-n NAMESPACE] [--dry-run] ENV_FILE
#
# --dry-run prints the Secret manifests (base64 values!) to stdout instead of applying them; no cluster needed.
set -euo pipefail

namespace=llm-gateway
dry_run=0
env_file=
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--namespace) namespace="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) env_file="$1"; shift ;;
  esac
done
[ -n "$env_file" ] || { echo "usage: $0 [-n NAMESPACE] [--dry-run] ENV_FILE" >&2; exit 2; }
[ -r "$env_file" ] || { echo "cannot read $env_file" >&2; exit 2; }

declare -A v=()
# KEY=VALUE lines; no shell evaluation of the file. Surrounding quotes are removed.
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in ''|'#'*) continue ;; esac
  key="${line%%=*}"
  value="${line#*=}"
  [ "$key" != "$line" ] || { echo "not KEY=VALUE: $key" >&2; exit 2; }
  if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
  v["$key"]="$value"
done < "$env_file"

fail=0
need() { # name min_length [pattern description]
  local name="$1" min="$2" val="${v[$1]:-}"
  if [ "${#val}" -lt "$min" ]; then echo "$name: required, at least $min characters" >&2; fail=1; fi
}
uri_safe() {
  local name="$1" val="${v[$1]:-}"
  if [ -n "$val" ] && ! [[ "$val" =~ ^[A-Za-z0-9._-]+$ ]]; then
    echo "$name: use letters, digits, '-', '_', '.' only (it is embedded in a connection string)" >&2; fail=1
  fi
}
need GATEWAY_ADMIN_TOKEN 32
need AUTH_KEY_PEPPER 32
need REDIS_PASSWORD 16;        uri_safe REDIS_PASSWORD
need RABBITMQ_USERNAME 1;      uri_safe RABBITMQ_USERNAME
need RABBITMQ_PASSWORD 16;     uri_safe RABBITMQ_PASSWORD
need RABBITMQ_ERLANG_COOKIE 20
if [ -n "${v[RABBITMQ_ERLANG_COOKIE]:-}" ] && ! [[ "${v[RABBITMQ_ERLANG_COOKIE]}" =~ ^[A-Za-z0-9]+$ ]]; then
  echo "RABBITMQ_ERLANG_COOKIE: letters and digits only" >&2; fail=1
fi
need GRAFANA_ADMIN_USER 1
need GRAFANA_ADMIN_PASSWORD 12
[ "$fail" -eq 0 ] || exit 1

redis_cs="${v[REDIS_CONNECTION_STRING]:-}"
[ -n "$redis_cs" ] || redis_cs="redis:6379,password=${v[REDIS_PASSWORD]}"
rabbit_cs="${v[RABBITMQ_CONNECTION_STRING]:-}"
[ -n "$rabbit_cs" ] || rabbit_cs="amqp://${v[RABBITMQ_USERNAME]}:${v[RABBITMQ_PASSWORD]}@rabbitmq:5672/"

umask 077
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

secret() { # name key=value...
  local name="$1"; shift
  local args=() pair key i=0
  for pair in "$@"; do
    key="${pair%%=*}"
    i=$((i + 1))
    printf '%s' "${pair#*=}" > "$tmp/$name.$i"
    args+=("--from-file=$key=$tmp/$name.$i")
  done
  if [ "$dry_run" -eq 1 ]; then
    echo "---"
    kubectl create secret generic "$name" -n "$namespace" "${args[@]}" --dry-run=client -o yaml
  else
    kubectl create secret generic "$name" -n "$namespace" "${args[@]}" --dry-run=client -o yaml \
      | kubectl apply -f -
  fi
}

secret gateway-admin "admin-token=${v[GATEWAY_ADMIN_TOKEN]}"
secret gateway-auth "key-pepper=${v[AUTH_KEY_PEPPER]}"
secret gateway-redis "password=${v[REDIS_PASSWORD]}" "connection-string=$redis_cs"
secret gateway-rabbitmq "username=${v[RABBITMQ_USERNAME]}" "password=${v[RABBITMQ_PASSWORD]}" \
  "erlang-cookie=${v[RABBITMQ_ERLANG_COOKIE]}" "connection-string=$rabbit_cs"

# Provider keys: every non-empty *_API_KEY becomes a key of gateway-providers (the name is the catalog's
# apiKeyEnv). The Secret always exists so that Routing starts; an absent key disables that provider.
providers=()
for key in $(printf '%s\n' "${!v[@]}" | sort); do
  if [[ "$key" == *_API_KEY && -n "${v[$key]}" ]]; then providers+=("$key=${v[$key]}"); fi
done
secret gateway-providers "${providers[@]}"

secret grafana-admin "admin-user=${v[GRAFANA_ADMIN_USER]}" "admin-password=${v[GRAFANA_ADMIN_PASSWORD]}"
