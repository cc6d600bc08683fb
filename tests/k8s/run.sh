#!/usr/bin/env bash
# Offline validation of the Kubernetes manifests: renders k8s/overlays/{dev,prod} with kubectl kustomize,
# validates every object against the Kubernetes schemas and checks the invariants (node --test).
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

command -v kubectl >/dev/null || { echo "kubectl is required (kubectl kustomize renders the overlays)" >&2; exit 1; }
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }

# npm ci when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

exec node --test --test-reporter=spec test/*.test.js
