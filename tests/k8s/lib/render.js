// Renders a kustomize directory with `kubectl kustomize` (offline) and parses the YAML stream.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const k8sDir = path.join(repoRoot, 'k8s');

/** The overlays the project ships, with what differs between them for the checks. */
export const overlays = {
  dev: { dir: path.join(k8sDir, 'overlays/dev'), namespace: 'llm-gateway-dev', externalSecretsAllowed: false },
  prod: { dir: path.join(k8sDir, 'overlays/prod'), namespace: 'llm-gateway', externalSecretsAllowed: true },
};

/** Parses a multi-document YAML string; any syntax error throws. Empty documents are dropped. */
export function parseYamlStream(text) {
  const docs = parseAllDocuments(text);
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJSON();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

export function parseYamlFile(file) {
  return parseYaml(readFileSync(file, 'utf8'));
}

const cache = new Map();

/** `kubectl kustomize DIR` -> array of objects. Cached per directory for one test process. */
export function kustomize(dir) {
  if (!cache.has(dir)) {
    const out = execFileSync('kubectl', ['kustomize', dir], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cache.set(dir, parseYamlStream(out));
  }
  return cache.get(dir);
}

export function readRepoFile(relative) {
  return readFileSync(path.join(repoRoot, relative), 'utf8');
}
