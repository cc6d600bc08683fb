// Invariants the schemas cannot express, checked on both rendered overlays.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { overlays } from '../lib/render.js';
import { overlayContext } from '../lib/context.js';
import * as checks from '../lib/checks.js';
import { checkTrafficMatrix } from '../lib/netpol.js';
import { METRICS } from '../lib/metrics.js';

const metricNames = Object.values(METRICS).map((m) => m.name);

export const INVARIANTS = [
  ['names are unique and every namespaced object is in the overlay namespace', (c) => checks.checkMetadata(c.objects, c)],
  ['selectors match pod labels (workloads, Services, PDBs, HPAs, NetworkPolicies, spread constraints)', (c) => checks.checkSelectors(c.objects)],
  ['every container has probes, resources and a restricted security context with a writable /tmp', (c) => checks.checkContainers(c.objects)],
  ['every ConfigMap/Secret/ServiceAccount reference exists (or is an allowlisted external Secret)', (c) => checks.checkReferences(c.objects, c)],
  ['Service target ports match container ports', (c) => checks.checkServicePorts(c.objects)],
  ['every environment variable a service reads (docs/configuration.md) is set, and nothing else', (c) => checks.checkEnvContract(c.objects)],
  ['the routing catalog is well formed', (c) => checks.checkCatalog(c.objects)],
  ['every image is pinned to a version tag (no latest)', (c) => checks.checkImages(c.objects)],
  ['NetworkPolicies allow exactly the needed connections', (c) => checkTrafficMatrix(c.objects)],
  ['termination grace period exceeds the stream idle timeout plus the preStop delay', (c) => checks.checkGracefulShutdown(c.objects)],
  ['multi-replica workloads have PodDisruptionBudgets that still allow drains', (c) => checks.checkDisruptionBudgets(c.objects)],
  ['pods spread across zones and nodes', (c) => checks.checkTopologySpread(c.objects)],
  ['the public route passes SSE unbuffered and never exposes the admin listener', (c) => checks.checkPublicRoute(c.objects)],
  ['gateway-ingress is autoscaled by an HPA', (c) => checks.checkAutoscaling(c.objects)],
  ['Redis keeps an AOF on a PVC; RabbitMQ defaults to quorum queues on a PVC', (c) => checks.checkState(c.objects)],
  ['telemetry flows services -> collector -> Jaeger and Prometheus -> Grafana dashboard', (c) => checks.checkObservability(c.objects, metricNames)],
];

for (const name of Object.keys(overlays)) {
  describe(`overlay ${name} invariants`, () => {
    for (const [title, check] of INVARIANTS) {
      it(title, () => {
        const violations = check(overlayContext(name));
        assert.deepEqual(violations, [], `${violations.length} violation(s):\n${violations.join('\n')}`);
      });
    }
  });
}
