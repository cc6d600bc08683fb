// Helpers over a list of rendered Kubernetes objects.

export const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export const id = (o) => `${o.kind}/${o.metadata?.name}`;

export const ofKind = (objects, kind) => objects.filter((o) => o.kind === kind);

export const find = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);

export const workloads = (objects) => objects.filter((o) => WORKLOAD_KINDS.has(o.kind));

export const podSpec = (w) => w.spec?.template?.spec ?? {};

export const podLabels = (w) => w.spec?.template?.metadata?.labels ?? {};

/** Regular and init containers of a workload, each with a `kind` of 'container' or 'init'. */
export function allContainers(w) {
  const spec = podSpec(w);
  return [
    ...(spec.initContainers ?? []).map((c) => ({ c, kind: 'init' })),
    ...(spec.containers ?? []).map((c) => ({ c, kind: 'container' })),
  ];
}

/** Kubernetes label selector semantics (matchLabels + matchExpressions). An empty selector matches everything. */
export function selectorMatches(selector, labels) {
  if (!selector) return false;
  labels = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !e.values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && e.values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** A Service's selector is a plain map; a workload matches when every pair is among its pod labels. */
export const mapSelectorMatches = (map, labels) =>
  Object.keys(map ?? {}).length > 0 && Object.entries(map).every(([k, v]) => (labels ?? {})[k] === v);

/** Declared ports of a workload's containers: [{ container, name, port, protocol }]. */
export function containerPorts(w) {
  return (podSpec(w).containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => ({ container: c.name, name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
}

/** Replica count a workload runs with: the HPA's minimum when an HPA targets it, else spec.replicas (default 1). */
export function effectiveReplicas(objects, w) {
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler'
    && o.spec?.scaleTargetRef?.kind === w.kind && o.spec?.scaleTargetRef?.name === w.metadata.name);
  if (hpa) return hpa.spec.minReplicas ?? 1;
  return w.spec?.replicas ?? 1;
}

/** Env entries of a container as a map name -> entry (value or valueFrom). */
export const envMap = (c) => new Map((c.env ?? []).map((e) => [e.name, e]));
