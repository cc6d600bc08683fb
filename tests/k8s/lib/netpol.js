// A small NetworkPolicy evaluator (networking.k8s.io/v1 semantics) and the traffic the gateway needs.
// It answers "may pod A open a TCP connection to port P of pod B?" for the rendered policies, so a test can
// compare every allowed connection with the expected ones, in both directions: nothing needed is blocked,
// nothing else is open.
import { envMap, find, id, podLabels, podSpec, selectorMatches, workloads, containerPorts } from './objects.js';
import { SERVICE_OF_WORKLOAD, UPSTREAM_CALLER } from './contract.js';
import { routingCatalog } from './checks.js';

// Assumed addresses: pods in the usual pod CIDR (10.244.0.0/16 of kind/flannel; any RFC 1918 range behaves the
// same here), an internet host, and the cloud metadata endpoint.
export const POD_IP = '10.244.1.23';
export const INTERNET_IP = '203.0.113.10';
export const INTERNET_IP6 = '2001:db8::10';
export const METADATA_IP = '169.254.169.254';

function ipv4ToInt(ip) {
  return ip.split('.').reduce((acc, o) => (acc << 8n) + BigInt(Number(o)), 0n);
}
function ipv6ToInt(ip) {
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n);
}
export function cidrContains(cidr, ip) {
  const [net, bitsText] = cidr.split('/');
  const v6 = net.includes(':');
  if (v6 !== ip.includes(':')) return false;
  const width = v6 ? 128n : 32n;
  const bits = BigInt(Number(bitsText));
  const toInt = v6 ? ipv6ToInt : ipv4ToInt;
  const mask = bits === 0n ? 0n : ((1n << bits) - 1n) << (width - bits);
  return (toInt(net) & mask) === (toInt(ip) & mask);
}

const nsLabels = (ns) => ({ 'kubernetes.io/metadata.name': ns });

/** endpoint: { namespace, labels, ip } (a pod, or an address outside the cluster with namespace null). */
function peerMatches(peer, policyNamespace, endpoint) {
  if (peer.ipBlock) {
    return cidrContains(peer.ipBlock.cidr, endpoint.ip)
      && !(peer.ipBlock.except ?? []).some((c) => cidrContains(c, endpoint.ip));
  }
  if (endpoint.namespace === null) return false; // selectors select pods only
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, nsLabels(endpoint.namespace))) return false;
    return peer.podSelector ? selectorMatches(peer.podSelector, endpoint.labels) : true;
  }
  if (peer.podSelector) return endpoint.namespace === policyNamespace && selectorMatches(peer.podSelector, endpoint.labels);
  return false;
}

/** target: { port, name, protocol } of the destination; rule ports may use numbers, ranges or names. */
function portMatches(rulePorts, target) {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    if ((p.protocol ?? 'TCP') !== target.protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') return p.port === target.name;
    return p.endPort !== undefined ? target.port >= p.port && target.port <= p.endPort : target.port === p.port;
  });
}

function policyTypes(np) {
  if (np.spec.policyTypes) return np.spec.policyTypes;
  return np.spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
}

function selecting(policies, pod, type) {
  return policies.filter((np) => np.metadata.namespace === pod.namespace
    && selectorMatches(np.spec.podSelector ?? {}, pod.labels) && policyTypes(np).includes(type));
}

/** Whether `dst` (a pod) admits a connection from `src` on `target`. */
export function ingressAllowed(policies, src, dst, target) {
  const sel = selecting(policies, dst, 'Ingress');
  if (sel.length === 0) return true;
  return sel.some((np) => (np.spec.ingress ?? []).some((rule) => portMatches(rule.ports, target)
    && (!rule.from || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, np.metadata.namespace, src)))));
}

/** Whether `src` (a pod) may send to `dst` on `target`. */
export function egressAllowed(policies, src, dst, target) {
  const sel = selecting(policies, src, 'Egress');
  if (sel.length === 0) return true;
  return sel.some((np) => (np.spec.egress ?? []).some((rule) => portMatches(rule.ports, target)
    && (!rule.to || rule.to.length === 0 || rule.to.some((peer) => peerMatches(peer, np.metadata.namespace, dst)))));
}

export function connectionAllowed(policies, src, dst, target) {
  const srcChecked = src.namespace === null || egressAllowed(policies, src, dst, target);
  const dstChecked = dst.namespace === null || ingressAllowed(policies, src, dst, target);
  return srcChecked && dstChecked;
}

export function podsOf(objects) {
  return workloads(objects).map((w) => ({
    name: w.metadata.name, namespace: w.metadata.namespace, labels: podLabels(w), ip: POD_IP, ports: containerPorts(w),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// The connections the gateway needs. Those between gateway services follow from their configuration (the env
// contract); the observability and broker-internal ones are listed here.

/** Fixed connections: [source workload, destination workload, destination port]. */
export const INFRA_EDGES = [
  ['otel-collector', 'jaeger', 4317],
  ['prometheus', 'otel-collector', 8888],
  ['prometheus', 'otel-collector', 8889],
  ['prometheus', 'rabbitmq', 15692],
  ['grafana', 'prometheus', 9090],
  ['grafana', 'jaeger', 16686],
  ['rabbitmq', 'rabbitmq', 4369],
  ['rabbitmq', 'rabbitmq', 25672],
];

/** The in-cluster state services behind the connection strings (which live in Secrets). */
export const STATE_SERVICES = { ConnectionStrings__Redis: ['redis', 6379], ConnectionStrings__RabbitMq: ['rabbitmq', 5672] };

/** Workloads that receive a port from outside the namespace, and on which port. */
export const PUBLIC_PORTS = [['gateway-ingress', 8080]];

function workloadBehindService(objects, serviceName) {
  const svc = find(objects, 'Service', serviceName);
  if (!svc?.spec?.selector) return null;
  return workloads(objects).find((w) => Object.entries(svc.spec.selector).every(([k, v]) => podLabels(w)[k] === v)) ?? null;
}

/** Expected connections as a Set of "src->dst:port" strings, plus problems found while deriving them. */
export function expectedEdges(objects) {
  const edges = new Set();
  const problems = [];
  const add = (src, dst, port) => edges.add(`${src}->${dst}:${port}`);
  for (const [s, d, p] of INFRA_EDGES) {
    if (find(objects, 'Deployment', s) || find(objects, 'StatefulSet', s)) add(s, d, p);
  }
  for (const workload of Object.keys(SERVICE_OF_WORKLOAD)) {
    const w = find(objects, 'Deployment', workload);
    if (!w) continue;
    const env = envMap(podSpec(w).containers?.[0] ?? {});
    for (const [name, e] of env) {
      if (STATE_SERVICES[name]) {
        const [svc, port] = STATE_SERVICES[name];
        const target = workloadBehindService(objects, svc);
        if (!target) problems.push(`${id(w)}: ${name} needs Service ${svc}, which selects no workload`);
        else add(workload, target.metadata.name, port);
        continue;
      }
      const url = /^http:\/\/([^/:]+):(\d+)/.exec(e.value ?? '');
      if (url && (name.startsWith('Services__') || name === 'OTEL_EXPORTER_OTLP_ENDPOINT')) {
        const target = workloadBehindService(objects, url[1]);
        const svcPort = (find(objects, 'Service', url[1])?.spec.ports ?? []).find((p) => p.port === Number(url[2]));
        const containerPort = target && svcPort
          ? containerPorts(target).find((p) => (typeof svcPort.targetPort === 'string' ? p.name === svcPort.targetPort : p.port === (svcPort.targetPort ?? svcPort.port)))
          : null;
        if (!containerPort) problems.push(`${id(w)}: ${name}=${e.value} reaches no container port`);
        else add(workload, target.metadata.name, containerPort.port);
        if (name === 'OTEL_EXPORTER_OTLP_ENDPOINT' && target) add(workload, target.metadata.name, 4318);
      }
    }
  }
  // Upstream providers inside the cluster (the simulator in dev), called by the edge.
  const routing = find(objects, 'Deployment', 'gateway-routing');
  const { catalog } = routing ? routingCatalog(objects, routing) : {};
  const simulatorUrl = envMap(podSpec(routing ?? {}).containers?.[0] ?? {}).get('SIMULATOR_BASE_URL')?.value;
  if (catalog && JSON.stringify(catalog).includes('${SIMULATOR_BASE_URL}') && simulatorUrl) {
    const m = /^http:\/\/([^/:]+):(\d+)/.exec(simulatorUrl);
    const target = m && workloadBehindService(objects, m[1]);
    if (!target) problems.push(`SIMULATOR_BASE_URL ${simulatorUrl} reaches no workload`);
    else add(UPSTREAM_CALLER, target.metadata.name, Number(m[2]));
  }
  return { edges, problems };
}

/**
 * Compares what the policies allow with what is expected:
 * - every pod-to-pod connection on every declared container port (allowed iff expected);
 * - from outside the namespace and from the internet: only the public ports;
 * - to the internet on 443: only the upstream caller; to the cloud metadata endpoint: nobody;
 * - DNS to kube-dns for everybody; a default-deny policy for both directions; each workload has its own policy.
 */
export function checkTrafficMatrix(objects) {
  const v = [];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const pods = podsOf(objects);
  const ns = pods[0]?.namespace;
  const { edges, problems } = expectedEdges(objects);
  v.push(...problems);

  const defaultDeny = policies.some((np) => Object.keys(np.spec.podSelector ?? {}).length === 0
    && ['Ingress', 'Egress'].every((t) => policyTypes(np).includes(t))
    && (np.spec.ingress ?? []).length === 0 && (np.spec.egress ?? []).length === 0);
  if (!defaultDeny) v.push('no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)');

  for (const w of workloads(objects)) {
    const own = policies.some((np) => {
      const sel = np.spec.podSelector ?? {};
      const nonEmpty = Object.keys(sel.matchLabels ?? {}).length > 0 || (sel.matchExpressions ?? []).length > 0;
      return nonEmpty && selectorMatches(sel, podLabels(w));
    });
    if (!own) v.push(`${id(w)}: no NetworkPolicy of its own selects it`);
  }

  const seen = new Set();
  for (const src of pods) {
    for (const dst of pods) {
      for (const port of dst.ports) {
        const key = `${src.name}->${dst.name}:${port.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const allowed = connectionAllowed(policies, src, dst, port);
        const expected = edges.has(key);
        if (allowed && !expected) v.push(`open but not needed: ${key} (${port.name ?? ''})`);
        if (!allowed && expected) v.push(`needed but blocked: ${key}`);
      }
    }
  }
  for (const e of edges) {
    const m = /^(.*)->(.*):(\d+)$/.exec(e);
    const dst = pods.find((p) => p.name === m[2]);
    if (!dst?.ports.some((p) => p.port === Number(m[3]))) v.push(`needed connection ${e} targets an undeclared port`);
  }

  const outsiders = [
    { label: 'a pod in another namespace', ep: { namespace: 'somewhere-else', labels: { app: 'x' }, ip: POD_IP } },
    { label: 'an ingress controller pod', ep: { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' }, ip: POD_IP } },
    { label: 'an internet address', ep: { namespace: null, labels: {}, ip: INTERNET_IP } },
  ];
  for (const { label, ep } of outsiders) {
    for (const dst of pods) {
      for (const port of dst.ports) {
        const allowed = connectionAllowed(policies, ep, dst, port);
        const isPublic = PUBLIC_PORTS.some(([w, p]) => w === dst.name && p === port.port);
        if (allowed && !isPublic) v.push(`reachable from ${label}: ${dst.name}:${port.port}`);
        if (!allowed && isPublic && label !== 'an internet address') v.push(`public port ${dst.name}:${port.port} is blocked for ${label}`);
      }
    }
  }
  if (ns) {
    const dns = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: POD_IP };
    for (const src of pods) {
      if (!connectionAllowed(policies, src, dns, { port: 53, protocol: 'UDP', name: 'dns' })) v.push(`${src.name}: DNS (UDP 53 to kube-dns) is blocked`);
      if (!connectionAllowed(policies, src, dns, { port: 53, protocol: 'TCP', name: 'dns-tcp' })) v.push(`${src.name}: DNS (TCP 53 to kube-dns) is blocked`);
      for (const ip of [INTERNET_IP, INTERNET_IP6]) {
        const internet = { namespace: null, labels: {}, ip };
        const https = connectionAllowed(policies, src, internet, { port: 443, protocol: 'TCP' });
        if (https !== (src.name === UPSTREAM_CALLER)) v.push(`${src.name}: HTTPS to the internet (${ip}) is ${https ? 'open' : 'blocked'}`);
        if (connectionAllowed(policies, src, internet, { port: 80, protocol: 'TCP' })) v.push(`${src.name}: plain HTTP to the internet is open`);
      }
      const metadata = { namespace: null, labels: {}, ip: METADATA_IP };
      if (connectionAllowed(policies, src, metadata, { port: 80, protocol: 'TCP' })
        || connectionAllowed(policies, src, metadata, { port: 443, protocol: 'TCP' })) v.push(`${src.name}: the cloud metadata endpoint is reachable`);
    }
  }
  return v;
}
