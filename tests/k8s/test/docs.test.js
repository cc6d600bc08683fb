// k8s/README.md stays in step with what the manifests and the dashboard use.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readRepoFile } from '../lib/render.js';
import { loadExternalSecrets } from '../lib/context.js';
import { METRICS } from '../lib/metrics.js';

const readme = readRepoFile('k8s/README.md');

describe('k8s/README.md', () => {
  it('documents every metric the dashboard queries, with its labels', () => {
    for (const { name, labels } of Object.values(METRICS)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      assert.ok(row, `no table row for ${name}`);
      for (const label of labels) assert.ok(row.includes(`\`${label}\``), `${name}: label ${label} is not documented`);
    }
  });

  it('lists every externally created Secret with its keys', () => {
    for (const [name, { keys }] of Object.entries(loadExternalSecrets().secrets)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      assert.ok(row, `Secret ${name} is not in the table`);
      for (const k of keys) assert.ok(row.includes(`\`${k}\``), `Secret ${name}: key ${k} is not documented`);
    }
  });

  it('has the operator steps: build, secrets, apply, Jaeger', () => {
    for (const needle of ['--build-arg SERVICE=Gateway.', 'k8s/create-secrets.sh', 'kubectl apply -k k8s/overlays/prod',
      'port-forward svc/jaeger 16686:16686', 'port-forward svc/grafana 3000:3000']) {
      assert.ok(readme.includes(needle), `README lacks: ${needle}`);
    }
  });
});
