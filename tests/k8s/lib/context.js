// What each overlay's checks need: the render, the namespace, the allowlist of externally created Secrets.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { kustomize, overlays, k8sDir } from './render.js';

export const EXTERNAL_SECRETS_FILE = path.join(k8sDir, 'overlays/prod/external-secrets.json');

export function loadExternalSecrets() {
  return JSON.parse(readFileSync(EXTERNAL_SECRETS_FILE, 'utf8'));
}

export function overlayContext(name) {
  const o = overlays[name];
  return {
    name,
    objects: kustomize(o.dir),
    namespace: o.namespace,
    externalSecrets: o.externalSecretsAllowed ? loadExternalSecrets() : null,
  };
}
