// Invariants over rendered manifests that the Kubernetes schemas cannot express.
// Every checker takes the rendered objects (and a context) and returns a list of violations; [] means it holds.
import {
  allContainers, containerPorts, effectiveReplicas, envMap, find, id, mapSelectorMatches, ofKind, podLabels, podSpec,
  selectorMatches, workloads,
} from './objects.js';
import { parseQuantity } from './quantity.js';
import {
  CATALOG_READER, EXPECTED_ENV, KESTREL_ENDPOINTS, REQUIRED_PROTOCOLS, SECRET_VARS, SERVICE_OF_WORKLOAD,
} from './contract.js';
import { parse as parseYaml } from 'yaml';

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PriorityClass', 'StorageClass',
  'IngressClass', 'PersistentVolume', 'CustomResourceDefinition']);

/** The five gateway services every overlay must deploy. */
export const CORE_WORKLOADS = ['gateway-ingress', 'gateway-auth', 'gateway-quota', 'gateway-routing', 'gateway-metering'];

// ---------------------------------------------------------------------------------------------------------------
// metadata

export function checkMetadata(objects, ctx) {
  const v = [];
  const seen = new Set();
  for (const o of objects) {
    if (!o.metadata?.name) { v.push(`${o.kind}: metadata.name missing`); continue; }
    const key = `${o.apiVersion}/${o.kind}/${o.metadata.name}`;
    if (seen.has(key)) v.push(`${id(o)}: defined twice`);
    seen.add(key);
    if (CLUSTER_SCOPED.has(o.kind)) continue;
    if (o.metadata.namespace !== ctx.namespace) {
      v.push(`${id(o)}: namespace is ${o.metadata.namespace ?? '(none)'}, expected ${ctx.namespace}`);
    }
  }
  if (!find(objects, 'Namespace', ctx.namespace)) v.push(`Namespace ${ctx.namespace} is not part of the render`);
  for (const w of CORE_WORKLOADS) if (!find(objects, 'Deployment', w)) v.push(`Deployment/${w} is missing`);
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// selectors

export function checkSelectors(objects) {
  const v = [];
  const ws = workloads(objects);
  const matchesAnyWorkload = (sel, fn) => ws.some((w) => fn(sel, podLabels(w)));
  for (const w of ws) {
    const sel = w.spec?.selector;
    if (!sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)) {
      v.push(`${id(w)}: spec.selector is empty`);
    } else if (!selectorMatches(sel, podLabels(w))) {
      v.push(`${id(w)}: spec.selector ${JSON.stringify(sel)} does not match its pod labels ${JSON.stringify(podLabels(w))}`);
    }
    for (const other of ws) {
      if (other === w || other.kind !== w.kind) continue;
      if (sel && selectorMatches(sel, podLabels(other))) v.push(`${id(w)}: selector also matches the pods of ${id(other)}`);
    }
  }
  for (const s of ofKind(objects, 'Service')) {
    if (!s.spec?.selector) continue; // selector-less Services point at external endpoints
    if (!matchesAnyWorkload(s.spec.selector, mapSelectorMatches)) {
      v.push(`${id(s)}: selector ${JSON.stringify(s.spec.selector)} matches no pod template`);
    }
  }
  for (const p of ofKind(objects, 'PodDisruptionBudget')) {
    if (!matchesAnyWorkload(p.spec?.selector, selectorMatches)) v.push(`${id(p)}: selector matches no pod template`);
  }
  for (const h of ofKind(objects, 'HorizontalPodAutoscaler')) {
    const t = h.spec?.scaleTargetRef ?? {};
    if (!find(objects, t.kind, t.name)) v.push(`${id(h)}: scaleTargetRef ${t.kind}/${t.name} does not exist`);
  }
  for (const np of ofKind(objects, 'NetworkPolicy')) {
    const sel = np.spec?.podSelector ?? {};
    const empty = Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
    if (!empty && !matchesAnyWorkload(sel, selectorMatches)) v.push(`${id(np)}: podSelector matches no pod template`);
    const peers = [...(np.spec?.ingress ?? []).flatMap((r) => r.from ?? []), ...(np.spec?.egress ?? []).flatMap((r) => r.to ?? [])];
    for (const peer of peers) {
      if (peer.podSelector && !peer.namespaceSelector) {
        const ps = peer.podSelector;
        const pEmpty = Object.keys(ps.matchLabels ?? {}).length === 0 && (ps.matchExpressions ?? []).length === 0;
        if (!pEmpty && !matchesAnyWorkload(ps, selectorMatches)) {
          v.push(`${id(np)}: peer podSelector ${JSON.stringify(ps)} matches no pod in this namespace`);
        }
      }
    }
  }
  for (const w of ws) {
    for (const tsc of podSpec(w).topologySpreadConstraints ?? []) {
      if (!selectorMatches(tsc.labelSelector, podLabels(w))) {
        v.push(`${id(w)}: topologySpreadConstraint on ${tsc.topologyKey} does not select the workload's own pods`);
      }
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// containers: probes, resources, security context, writable /tmp

function probePort(probe) {
  return probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
}

function portDeclared(w, container, port) {
  const ports = container.ports ?? [];
  return typeof port === 'string'
    ? ports.some((p) => p.name === port)
    : ports.some((p) => p.containerPort === port);
}

export function checkContainers(objects) {
  const v = [];
  for (const w of workloads(objects)) {
    const spec = podSpec(w);
    const podSc = spec.securityContext ?? {};
    const volumes = new Map((spec.volumes ?? []).map((vol) => [vol.name, vol]));
    if (podSc.runAsUser === 0) v.push(`${id(w)}: pod runs as uid 0`);
    if (spec.hostNetwork || spec.hostPID || spec.hostIPC) v.push(`${id(w)}: uses host namespaces`);
    for (const { c, kind } of allContainers(w)) {
      const where = `${id(w)} ${kind} ${c.name}`;
      if (kind === 'container') {
        for (const probeName of ['readinessProbe', 'livenessProbe']) {
          const probe = c[probeName];
          if (!probe) { v.push(`${where}: no ${probeName}`); continue; }
          const handlers = ['httpGet', 'tcpSocket', 'grpc', 'exec'].filter((h) => probe[h]);
          if (handlers.length !== 1) { v.push(`${where}: ${probeName} needs exactly one handler`); continue; }
          const port = probePort(probe);
          if (port !== undefined && !portDeclared(w, c, port)) {
            v.push(`${where}: ${probeName} port ${port} is not a declared container port`);
          }
        }
      }
      const req = c.resources?.requests ?? {};
      const lim = c.resources?.limits ?? {};
      for (const r of ['cpu', 'memory']) {
        if (req[r] === undefined) v.push(`${where}: no ${r} request`);
        if (lim[r] === undefined) v.push(`${where}: no ${r} limit`);
        if (req[r] !== undefined && lim[r] !== undefined && parseQuantity(req[r]) > parseQuantity(lim[r])) {
          v.push(`${where}: ${r} request ${req[r]} exceeds its limit ${lim[r]}`);
        }
      }
      const sc = c.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      if (runAsNonRoot !== true) v.push(`${where}: runAsNonRoot is not true`);
      if ((sc.runAsUser ?? podSc.runAsUser) === 0) v.push(`${where}: runs as uid 0`);
      if (sc.readOnlyRootFilesystem !== true) v.push(`${where}: readOnlyRootFilesystem is not true`);
      if (sc.allowPrivilegeEscalation !== false) v.push(`${where}: allowPrivilegeEscalation is not false`);
      if (sc.privileged === true) v.push(`${where}: privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${where}: capabilities do not drop ALL`);
      if ((sc.capabilities?.add ?? []).length > 0) v.push(`${where}: adds capabilities ${sc.capabilities.add.join(',')}`);
      const seccomp = sc.seccompProfile?.type ?? podSc.seccompProfile?.type;
      if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${where}: seccompProfile is not RuntimeDefault`);
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
      if (!tmp) v.push(`${where}: no writable /tmp (mount an emptyDir; the root filesystem is read-only)`);
      else if (!volumes.get(tmp.name)?.emptyDir) v.push(`${where}: /tmp is not an emptyDir`);
      else if (tmp.readOnly) v.push(`${where}: /tmp is mounted read-only`);
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// references to ConfigMaps, Secrets, ServiceAccounts

function collectRefs(objects) {
  const refs = [];
  for (const w of workloads(objects)) {
    const spec = podSpec(w);
    const from = id(w);
    if (spec.serviceAccountName) refs.push({ from, kind: 'ServiceAccount', name: spec.serviceAccountName });
    for (const s of spec.imagePullSecrets ?? []) refs.push({ from, kind: 'Secret', name: s.name });
    for (const { c } of allContainers(w)) {
      for (const e of c.env ?? []) {
        const cm = e.valueFrom?.configMapKeyRef;
        const sk = e.valueFrom?.secretKeyRef;
        if (cm) refs.push({ from: `${from} env ${e.name}`, kind: 'ConfigMap', name: cm.name, keys: [cm.key], optional: !!cm.optional });
        if (sk) refs.push({ from: `${from} env ${e.name}`, kind: 'Secret', name: sk.name, keys: [sk.key], optional: !!sk.optional });
      }
      for (const ef of c.envFrom ?? []) {
        if (ef.configMapRef) refs.push({ from: `${from} envFrom`, kind: 'ConfigMap', name: ef.configMapRef.name, optional: !!ef.configMapRef.optional });
        if (ef.secretRef) refs.push({ from: `${from} envFrom`, kind: 'Secret', name: ef.secretRef.name, optional: !!ef.secretRef.optional });
      }
    }
    for (const vol of spec.volumes ?? []) {
      const at = `${from} volume ${vol.name}`;
      if (vol.configMap) refs.push({ from: at, kind: 'ConfigMap', name: vol.configMap.name, keys: (vol.configMap.items ?? []).map((i) => i.key), optional: !!vol.configMap.optional });
      if (vol.secret) refs.push({ from: at, kind: 'Secret', name: vol.secret.secretName, keys: (vol.secret.items ?? []).map((i) => i.key), optional: !!vol.secret.optional });
      for (const src of vol.projected?.sources ?? []) {
        if (src.configMap) refs.push({ from: at, kind: 'ConfigMap', name: src.configMap.name, keys: (src.configMap.items ?? []).map((i) => i.key), optional: !!src.configMap.optional });
        if (src.secret) refs.push({ from: at, kind: 'Secret', name: src.secret.name, keys: (src.secret.items ?? []).map((i) => i.key), optional: !!src.secret.optional });
      }
    }
  }
  for (const ing of ofKind(objects, 'Ingress')) {
    for (const t of ing.spec?.tls ?? []) if (t.secretName) refs.push({ from: id(ing), kind: 'Secret', name: t.secretName, tls: true });
  }
  return refs;
}

const dataKeys = (o) => new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {}), ...Object.keys(o.stringData ?? {})]);

/**
 * ctx.externalSecrets: null (everything must be in the render) or { secrets: { name: { keys: [...], type? } } },
 * the documented allowlist of Secrets the operator creates outside git.
 */
export function checkReferences(objects, ctx) {
  const v = [];
  for (const r of collectRefs(objects)) {
    const target = find(objects, r.kind, r.name);
    if (target) {
      if (r.kind === 'ServiceAccount') continue;
      const keys = dataKeys(target);
      for (const k of r.keys ?? []) {
        if (!keys.has(k) && !r.optional) v.push(`${r.from}: ${r.kind} ${r.name} has no key "${k}"`);
      }
      continue;
    }
    const external = r.kind === 'Secret' ? ctx.externalSecrets?.secrets?.[r.name] : undefined;
    if (!external) {
      v.push(`${r.from}: ${r.kind} ${r.name} is neither rendered nor an allowed externally created Secret`);
      continue;
    }
    if (r.tls && external.type !== 'kubernetes.io/tls') v.push(`${r.from}: Secret ${r.name} is allowlisted but not as a TLS Secret`);
    for (const k of r.keys ?? []) {
      if (!(external.keys ?? []).includes(k) && !(r.optional && external.openKeys)) {
        v.push(`${r.from}: externally created Secret ${r.name} is not documented to have key "${k}"`);
      }
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// Services: target ports exist on every selected pod template

export function resolveTargetPort(w, servicePort) {
  const target = servicePort.targetPort ?? servicePort.port;
  return containerPorts(w).find((p) => (typeof target === 'string' ? p.name === target : p.port === target)
    && p.protocol === (servicePort.protocol ?? 'TCP'));
}

export function checkServicePorts(objects) {
  const v = [];
  for (const s of ofKind(objects, 'Service')) {
    if (!s.spec?.selector) continue;
    const selected = workloads(objects).filter((w) => mapSelectorMatches(s.spec.selector, podLabels(w)));
    if (selected.length === 0) { v.push(`${id(s)}: selects no workload`); continue; }
    if ((s.spec.ports ?? []).length === 0) v.push(`${id(s)}: has no ports`);
    for (const p of s.spec.ports ?? []) {
      for (const w of selected) {
        if (!resolveTargetPort(w, p)) {
          v.push(`${id(s)} port ${p.name ?? p.port}: targetPort ${p.targetPort ?? p.port} is not a container port of ${id(w)}`);
        }
      }
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// environment contract (docs/configuration.md)

const URL_RE = /^http:\/\/([^/:]+):(\d+)\/?$/;

function serviceForUrl(objects, url) {
  const m = URL_RE.exec(url ?? '');
  if (!m) return { error: `"${url}" is not http://host:port` };
  const svc = find(objects, 'Service', m[1]);
  if (!svc) return { error: `${url}: no Service ${m[1]}` };
  const port = (svc.spec.ports ?? []).find((p) => p.port === Number(m[2]));
  if (!port) return { error: `${url}: Service ${m[1]} has no port ${m[2]}` };
  return { svc, port };
}

/** The catalog mounted into Routing: { catalog, error }. */
export function routingCatalog(objects, routing) {
  const c = podSpec(routing).containers?.[0];
  const path = envMap(c).get('Routing__CatalogPath')?.value;
  if (!path) return { error: 'Routing__CatalogPath is not set' };
  const mount = (c.volumeMounts ?? []).find((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  if (!mount) return { error: `Routing__CatalogPath ${path} is not inside a mounted volume` };
  const vol = (podSpec(routing).volumes ?? []).find((x) => x.name === mount.name);
  if (!vol?.configMap) return { error: `Routing__CatalogPath ${path}: volume ${mount.name} is not a ConfigMap` };
  const file = path.slice(mount.mountPath.replace(/\/$/, '').length + 1);
  const item = (vol.configMap.items ?? []).find((i) => i.path === file);
  const key = vol.configMap.items ? item?.key : file;
  if (!key) return { error: `Routing__CatalogPath ${path}: ConfigMap volume does not project ${file}` };
  const cm = find(objects, 'ConfigMap', vol.configMap.name);
  if (!cm?.data?.[key]) return { error: `Routing__CatalogPath ${path}: ConfigMap ${vol.configMap.name} has no key ${key}` };
  try {
    return { catalog: JSON.parse(cm.data[key]), configMap: cm.metadata.name };
  } catch (e) {
    return { error: `catalog in ConfigMap ${cm.metadata.name} is not JSON: ${e.message}` };
  }
}

export function checkEnvContract(objects) {
  const v = [];
  for (const [workload, service] of Object.entries(SERVICE_OF_WORKLOAD)) {
    const w = find(objects, 'Deployment', workload);
    if (!w) continue; // presence of the core workloads is checkMetadata's job; the simulator is dev-only
    const c = (podSpec(w).containers ?? []).find((x) => x.name === workload);
    if (!c) { v.push(`${id(w)}: no container named ${workload}`); continue; }
    const env = envMap(c);
    const required = new Set(EXPECTED_ENV[service]);
    const allowed = new Set([...required, 'OTEL_EXPORTER_OTLP_PROTOCOL',
      ...KESTREL_ENDPOINTS[service].map((n) => `Kestrel__Endpoints__${n}__Protocols`)]);
    const secretVars = new Set(SECRET_VARS);
    if (service === CATALOG_READER) {
      const { catalog, error } = routingCatalog(objects, w);
      if (error) v.push(`${id(w)}: ${error}`);
      for (const p of catalog?.providers ?? []) {
        if (p.apiKeyEnv) { required.add(p.apiKeyEnv); allowed.add(p.apiKeyEnv); secretVars.add(p.apiKeyEnv); }
      }
      if (JSON.stringify(catalog ?? {}).includes('${SIMULATOR_BASE_URL}')) {
        required.add('SIMULATOR_BASE_URL');
        allowed.add('SIMULATOR_BASE_URL');
        const r = serviceForUrl(objects, env.get('SIMULATOR_BASE_URL')?.value);
        if (r.error) v.push(`${id(w)}: SIMULATOR_BASE_URL ${r.error}`);
      }
    }
    for (const name of required) if (!env.has(name)) v.push(`${id(w)}: ${name} (read by ${service}) is not set`);
    for (const name of env.keys()) {
      if (!allowed.has(name)) v.push(`${id(w)}: ${name} is not in the configuration contract for ${service}`);
    }
    if ((c.env ?? []).length !== env.size) v.push(`${id(w)}: an environment variable is set twice`);
    for (const [name, e] of env) {
      if (e.valueFrom === undefined && (e.value === undefined || e.value === '')) v.push(`${id(w)}: ${name} is empty`);
      if (secretVars.has(name) && !e.valueFrom?.secretKeyRef) v.push(`${id(w)}: ${name} is a secret and must come from a Secret`);
    }
    if (env.get('OTEL_SERVICE_NAME')?.value !== workload) v.push(`${id(w)}: OTEL_SERVICE_NAME should be ${workload}`);
    const otlp = serviceForUrl(objects, env.get('OTEL_EXPORTER_OTLP_ENDPOINT')?.value);
    if (otlp.error) v.push(`${id(w)}: OTEL_EXPORTER_OTLP_ENDPOINT ${otlp.error}`);
    for (const endpoint of KESTREL_ENDPOINTS[service]) {
      const url = env.get(`Kestrel__Endpoints__${endpoint}__Url`)?.value;
      const m = /^http:\/\/(0\.0\.0\.0|\[::\]|\+|\*):(\d+)$/.exec(url ?? '');
      if (!m) { v.push(`${id(w)}: Kestrel__Endpoints__${endpoint}__Url "${url}" must listen on all interfaces (http://0.0.0.0:PORT)`); continue; }
      if (!portDeclared(w, c, Number(m[2]))) v.push(`${id(w)}: Kestrel endpoint ${endpoint} port ${m[2]} is not a declared container port`);
    }
    for (const [endpoint, protocols] of Object.entries(REQUIRED_PROTOCOLS[service] ?? {})) {
      const got = env.get(`Kestrel__Endpoints__${endpoint}__Protocols`)?.value;
      if (got !== protocols) v.push(`${id(w)}: Kestrel__Endpoints__${endpoint}__Protocols is ${got}, the contract says ${protocols}`);
    }
    for (const [name, e] of env) {
      const target = /^Services__(\w+)$/.exec(name)?.[1];
      if (!target) continue;
      const r = serviceForUrl(objects, e.value);
      if (r.error) { v.push(`${id(w)}: ${name} ${r.error}`); continue; }
      const targetWorkload = Object.keys(SERVICE_OF_WORKLOAD).find((k) => SERVICE_OF_WORKLOAD[k] === target);
      const tw = find(objects, 'Deployment', targetWorkload);
      if (!tw || !mapSelectorMatches(r.svc.spec.selector, podLabels(tw))) {
        v.push(`${id(w)}: ${name} points at Service ${r.svc.metadata.name}, which does not select ${targetWorkload}`);
      }
    }
    for (const name of ['Ingress__MaxRequestBodyBytes', 'Ingress__StreamIdleTimeoutSeconds', 'Quota__DefaultRpm']) {
      const val = env.get(name)?.value;
      if (env.has(name) && !(Number.isInteger(Number(val)) && Number(val) > 0)) v.push(`${id(w)}: ${name} "${val}" is not a positive integer`);
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// the model catalog

const WIRES = new Set(['openai-chat', 'anthropic-messages', 'openai-responses']);
const PRICES = ['inputPerMTok', 'outputPerMTok', 'cachedInputPerMTok', 'cacheWritePerMTok'];

export function checkCatalog(objects) {
  const routing = find(objects, 'Deployment', 'gateway-routing');
  if (!routing) return ['Deployment/gateway-routing is missing'];
  const { catalog, error } = routingCatalog(objects, routing);
  if (error) return [error];
  const v = [];
  const providers = new Map();
  if (!Array.isArray(catalog.providers) || catalog.providers.length === 0) v.push('catalog: no providers');
  if (!Array.isArray(catalog.models) || catalog.models.length === 0) v.push('catalog: no models');
  for (const p of catalog.providers ?? []) {
    if (providers.has(p.id)) v.push(`catalog: provider ${p.id} defined twice`);
    providers.set(p.id, p);
    if (!WIRES.has(p.wire)) v.push(`catalog: provider ${p.id} has unknown wire "${p.wire}"`);
    if (!/^(https:\/\/[^\s]+|\$\{SIMULATOR_BASE_URL\}(\/[^\s]*)?)$/.test(p.baseUrl ?? '')) {
      v.push(`catalog: provider ${p.id} baseUrl "${p.baseUrl}" must be https:// (or \${SIMULATOR_BASE_URL} in dev)`);
    }
    if (!/^[A-Z][A-Z0-9_]*$/.test(p.apiKeyEnv ?? '')) v.push(`catalog: provider ${p.id} apiKeyEnv "${p.apiKeyEnv}" is not an env var name`);
  }
  const names = new Set();
  for (const m of catalog.models ?? []) {
    for (const n of [m.id, ...(m.aliases ?? [])]) {
      if (names.has(n)) v.push(`catalog: model name or alias "${n}" is used twice`);
      names.add(n);
    }
    if (!providers.has(m.provider)) v.push(`catalog: model ${m.id} uses unknown provider ${m.provider}`);
    if (!m.upstreamModel) v.push(`catalog: model ${m.id} has no upstreamModel`);
    if (!Array.isArray(m.aliases)) v.push(`catalog: model ${m.id} aliases must be an array`);
    for (const k of PRICES) {
      const price = m.pricing?.[k];
      if (typeof price !== 'number' || !(price >= 0)) v.push(`catalog: model ${m.id} pricing.${k} must be a number >= 0`);
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// images

export function parseImage(ref) {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : null;
  const nameTag = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = nameTag.lastIndexOf('/');
  const colon = nameTag.indexOf(':', lastSlash + 1);
  return {
    name: colon >= 0 ? nameTag.slice(0, colon) : nameTag,
    tag: colon >= 0 ? nameTag.slice(colon + 1) : null,
    digest,
  };
}

export function checkImages(objects) {
  const v = [];
  for (const w of workloads(objects)) {
    for (const { c } of allContainers(w)) {
      const where = `${id(w)} ${c.name}`;
      if (!c.image) { v.push(`${where}: no image`); continue; }
      const { tag, digest } = parseImage(c.image);
      if (!tag) v.push(`${where}: image ${c.image} has no version tag`);
      else if (tag === 'latest' || tag.startsWith('latest-')) v.push(`${where}: image ${c.image} uses "latest"`);
      else if (!/\d/.test(tag)) v.push(`${where}: image ${c.image} tag "${tag}" is not a version`);
      if (digest && !/^sha256:[0-9a-f]{64}$/.test(digest)) v.push(`${where}: image ${c.image} has a malformed digest`);
      if (c.imagePullPolicy === 'Always' && !digest) v.push(`${where}: imagePullPolicy Always with a tag (pin the version instead)`);
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// graceful shutdown of the edge

function preStopSleepSeconds(c) {
  const ps = c.lifecycle?.preStop;
  if (ps?.sleep?.seconds !== undefined) return ps.sleep.seconds;
  const cmd = (ps?.exec?.command ?? []).join(' ');
  const m = /\bsleep\s+(\d+)/.exec(cmd);
  return m ? Number(m[1]) : null;
}

export function checkGracefulShutdown(objects) {
  const v = [];
  const w = find(objects, 'Deployment', 'gateway-ingress');
  if (!w) return ['Deployment/gateway-ingress is missing'];
  const c = (podSpec(w).containers ?? []).find((x) => x.name === 'gateway-ingress');
  const idle = Number(envMap(c ?? {}).get('Ingress__StreamIdleTimeoutSeconds')?.value);
  if (!Number.isFinite(idle) || idle <= 0) v.push('gateway-ingress: Ingress__StreamIdleTimeoutSeconds must be set explicitly');
  const sleep = c ? preStopSleepSeconds(c) : null;
  if (sleep === null || sleep <= 0) v.push('gateway-ingress: no preStop delay');
  const grace = podSpec(w).terminationGracePeriodSeconds ?? 30;
  if (!(grace > idle + (sleep ?? 0))) {
    v.push(`gateway-ingress: terminationGracePeriodSeconds ${grace} must exceed the stream idle timeout ${idle}s plus the preStop delay ${sleep ?? 0}s`);
  }
  const strategy = w.spec?.strategy?.rollingUpdate;
  if (strategy && strategy.maxUnavailable !== 0 && strategy.maxUnavailable !== '0%') {
    v.push('gateway-ingress: rolling updates should keep every pod until its replacement is ready (maxUnavailable: 0)');
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// PodDisruptionBudgets

export function checkDisruptionBudgets(objects) {
  const v = [];
  const pdbs = ofKind(objects, 'PodDisruptionBudget');
  for (const w of workloads(objects)) {
    const replicas = effectiveReplicas(objects, w);
    const mine = pdbs.filter((p) => selectorMatches(p.spec?.selector, podLabels(w)));
    if (replicas > 1 && mine.length === 0) v.push(`${id(w)}: ${replicas} replicas but no PodDisruptionBudget`);
    if (mine.length > 1) v.push(`${id(w)}: selected by ${mine.length} PodDisruptionBudgets`);
    for (const p of mine) {
      const { maxUnavailable, minAvailable } = p.spec;
      if (maxUnavailable !== undefined && minAvailable !== undefined) v.push(`${id(p)}: sets both maxUnavailable and minAvailable`);
      const blocks = maxUnavailable !== undefined
        ? (maxUnavailable === 0 || maxUnavailable === '0%')
        : (typeof minAvailable === 'number' ? minAvailable >= replicas : minAvailable === '100%');
      if (blocks) v.push(`${id(p)}: allows no voluntary disruption of ${id(w)} (node drains would hang)`);
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// topology spread

export function checkTopologySpread(objects) {
  const v = [];
  for (const w of workloads(objects)) {
    const tscs = podSpec(w).topologySpreadConstraints ?? [];
    for (const key of ['topology.kubernetes.io/zone', 'kubernetes.io/hostname']) {
      const n = tscs.filter((t) => t.topologyKey === key).length;
      if (n === 0) v.push(`${id(w)}: no topologySpreadConstraint over ${key}`);
      if (n > 1) v.push(`${id(w)}: ${n} topologySpreadConstraints over ${key} (a patch merged instead of replacing?)`);
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// the public route (Kubernetes Ingress) and exposure of the admin listener

const ANNOTATION = 'nginx.ingress.kubernetes.io/';

export function checkPublicRoute(objects) {
  const v = [];
  const edge = find(objects, 'Deployment', 'gateway-ingress');
  if (!edge) return ['Deployment/gateway-ingress is missing'];
  const env = envMap(podSpec(edge).containers?.[0] ?? {});
  const idle = Number(env.get('Ingress__StreamIdleTimeoutSeconds')?.value);
  const maxBody = Number(env.get('Ingress__MaxRequestBodyBytes')?.value);
  const publicPort = containerPorts(edge).find((p) => p.name === 'public');
  const adminPort = containerPorts(edge).find((p) => p.name === 'admin');
  if (!publicPort) v.push('gateway-ingress: no container port named "public"');
  if (!adminPort) v.push('gateway-ingress: no container port named "admin"');

  const ingresses = ofKind(objects, 'Ingress');
  if (ingresses.length === 0) v.push('no Ingress routes the public port');
  for (const ing of ingresses) {
    const a = ing.metadata.annotations ?? {};
    const num = (k) => Number(a[ANNOTATION + k]);
    if (a[`${ANNOTATION}proxy-buffering`] !== 'off') v.push(`${id(ing)}: proxy-buffering must be "off" for SSE`);
    if (a[`${ANNOTATION}proxy-request-buffering`] !== 'off') v.push(`${id(ing)}: proxy-request-buffering must be "off"`);
    for (const k of ['proxy-read-timeout', 'proxy-send-timeout']) {
      if (!(num(k) >= idle)) v.push(`${id(ing)}: ${k} must be at least the stream idle timeout (${idle}s)`);
    }
    const body = a[`${ANNOTATION}proxy-body-size`];
    if (!body || parseQuantity(body.replace(/m$/, 'Mi').replace(/k$/, 'Ki').replace(/g$/, 'Gi')) < maxBody) {
      v.push(`${id(ing)}: proxy-body-size must allow Ingress__MaxRequestBodyBytes (${maxBody})`);
    }
    const backends = [ing.spec?.defaultBackend, ...(ing.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend))]
      .filter(Boolean);
    if (backends.length === 0) v.push(`${id(ing)}: no backend`);
    for (const b of backends) {
      const svc = find(objects, 'Service', b.service?.name);
      if (!svc) { v.push(`${id(ing)}: backend Service ${b.service?.name} does not exist`); continue; }
      const sp = (svc.spec.ports ?? []).find((p) => (b.service.port.name ? p.name === b.service.port.name : p.port === b.service.port.number));
      if (!sp) { v.push(`${id(ing)}: Service ${svc.metadata.name} has no port ${JSON.stringify(b.service.port)}`); continue; }
      const target = mapSelectorMatches(svc.spec.selector, podLabels(edge)) ? resolveTargetPort(edge, sp) : null;
      if (!target || target.name !== 'public') v.push(`${id(ing)}: routes to something other than gateway-ingress's public port`);
    }
  }
  for (const s of ofKind(objects, 'Service')) {
    if (['LoadBalancer', 'NodePort'].includes(s.spec?.type)) v.push(`${id(s)}: type ${s.spec.type} exposes pods outside the cluster`);
    if (!s.spec?.selector || !mapSelectorMatches(s.spec.selector, podLabels(edge))) continue;
    for (const p of s.spec.ports ?? []) {
      const t = resolveTargetPort(edge, p);
      if (t && adminPort && t.port === adminPort.port) v.push(`${id(s)}: exposes the admin listener of gateway-ingress`);
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// autoscaling of the edge

export function checkAutoscaling(objects) {
  const v = [];
  const hpas = ofKind(objects, 'HorizontalPodAutoscaler')
    .filter((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec.scaleTargetRef.name === 'gateway-ingress');
  if (hpas.length !== 1) return [`gateway-ingress needs exactly one HorizontalPodAutoscaler, found ${hpas.length}`];
  const h = hpas[0];
  if (!(h.spec.minReplicas >= 1) || !(h.spec.maxReplicas > h.spec.minReplicas)) v.push(`${id(h)}: needs 1 <= minReplicas < maxReplicas`);
  if ((h.spec.metrics ?? []).length === 0) v.push(`${id(h)}: no metrics`);
  const d = find(objects, 'Deployment', 'gateway-ingress');
  if (d?.spec?.replicas !== undefined) v.push('Deployment/gateway-ingress sets spec.replicas, which fights its HorizontalPodAutoscaler on every apply');
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// state: Redis with AOF on a PVC, RabbitMQ with quorum queues on a PVC

function configMapOfVolume(objects, w, volumeName) {
  const vol = (podSpec(w).volumes ?? []).find((x) => x.name === volumeName);
  return vol?.configMap ? find(objects, 'ConfigMap', vol.configMap.name) : null;
}

function claimMountPath(w, claim) {
  const c = podSpec(w).containers?.[0];
  return (c?.volumeMounts ?? []).find((m) => m.name === claim)?.mountPath;
}

/** The ConfigMap data entry a container reads at `file` (through a configMap volume mount), or null. */
function mountedConfigFile(objects, w, c, file) {
  for (const m of c.volumeMounts ?? []) {
    const dir = m.mountPath.replace(/\/$/, '');
    if (!file.startsWith(`${dir}/`)) continue;
    const cm = configMapOfVolume(objects, w, m.name);
    const key = file.slice(dir.length + 1);
    if (cm?.data?.[key] !== undefined) return cm.data[key];
  }
  return null;
}

export function checkState(objects) {
  const v = [];
  const redis = find(objects, 'StatefulSet', 'redis');
  if (!redis) v.push('StatefulSet/redis is missing');
  else {
    const c = podSpec(redis).containers[0];
    const confPath = (c.args ?? []).find((a) => a.endsWith('.conf'));
    const conf = confPath ? mountedConfigFile(objects, redis, c, confPath) : null;
    if (!conf) v.push('redis: its config file is not mounted from a ConfigMap');
    else {
      if (!/^\s*appendonly\s+yes\s*$/m.test(conf)) v.push('redis: appendonly yes (AOF) is not set');
      if (!/^\s*appendfsync\s+(everysec|always)\s*$/m.test(conf)) v.push('redis: appendfsync must be everysec or always');
      const dir = /^\s*dir\s+(\S+)\s*$/m.exec(conf)?.[1];
      const claim = (redis.spec.volumeClaimTemplates ?? [])[0]?.metadata?.name;
      if (!claim) v.push('redis: no volumeClaimTemplate');
      else if (claimMountPath(redis, claim) !== dir) v.push(`redis: AOF directory ${dir} is not the PersistentVolumeClaim mount`);
      if (/^\s*maxmemory-policy\s+(?!noeviction)/m.test(conf)) v.push('redis: balances must never be evicted (maxmemory-policy noeviction)');
    }
    if (!find(objects, 'Service', redis.spec.serviceName)) v.push(`redis: serviceName ${redis.spec.serviceName} is not a Service`);
  }
  const rabbit = find(objects, 'StatefulSet', 'rabbitmq');
  if (!rabbit) v.push('StatefulSet/rabbitmq is missing');
  else {
    const c = podSpec(rabbit).containers[0];
    const env = envMap(c);
    const confPath = env.get('RABBITMQ_CONFIG_FILE')?.value;
    const conf = confPath ? mountedConfigFile(objects, rabbit, c, confPath) : null;
    if (!conf) v.push('rabbitmq: RABBITMQ_CONFIG_FILE is not mounted from a ConfigMap');
    else if (!/^\s*default_queue_type\s*=\s*quorum\s*$/m.test(conf)) v.push('rabbitmq: default_queue_type = quorum is not set');
    const plugins = env.get('RABBITMQ_ENABLED_PLUGINS_FILE')?.value;
    if (plugins && mountedConfigFile(objects, rabbit, c, plugins) === null) v.push('rabbitmq: RABBITMQ_ENABLED_PLUGINS_FILE is not mounted');
    const claim = (rabbit.spec.volumeClaimTemplates ?? [])[0]?.metadata?.name;
    if (!claim) v.push('rabbitmq: no volumeClaimTemplate');
    else if (claimMountPath(rabbit, claim) !== '/var/lib/rabbitmq') v.push('rabbitmq: /var/lib/rabbitmq is not on the PersistentVolumeClaim');
    const headless = find(objects, 'Service', rabbit.spec.serviceName);
    if (!headless || headless.spec.clusterIP !== 'None' || headless.spec.publishNotReadyAddresses !== true) {
      v.push('rabbitmq: serviceName must be a headless Service publishing not-ready addresses (peer discovery)');
    }
    if (!(env.get('RABBITMQ_NODENAME')?.value ?? '').includes(`.${rabbit.spec.serviceName}.`)) {
      v.push('rabbitmq: RABBITMQ_NODENAME must use the headless Service domain');
    }
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// observability wiring: services -> collector -> Jaeger / Prometheus -> Grafana

function hostPort(endpoint) {
  const m = /^(?:[a-z]+:\/\/)?([^:/]+):(\d+)/.exec(endpoint ?? '');
  return m ? { host: m[1], port: Number(m[2]) } : null;
}

export function checkObservability(objects, metricNames) {
  const v = [];
  const collector = find(objects, 'Deployment', 'otel-collector');
  if (!collector) return ['Deployment/otel-collector is missing'];
  const cc = podSpec(collector).containers[0];
  const cfgPath = (cc.args ?? []).map((a) => /^--config=(.*)$/.exec(a)?.[1]).find(Boolean);
  const cfgText = cfgPath ? mountedConfigFile(objects, collector, cc, cfgPath) : null;
  if (!cfgText) return ['otel-collector: --config is not a mounted ConfigMap file'];
  const cfg = parseYaml(cfgText);
  const declared = new Set(containerPorts(collector).map((p) => p.port));
  const grpc = hostPort(cfg.receivers?.otlp?.protocols?.grpc?.endpoint);
  const http = hostPort(cfg.receivers?.otlp?.protocols?.http?.endpoint);
  if (grpc?.port !== 4317 || grpc.host !== '0.0.0.0') v.push('otel-collector: OTLP gRPC receiver must listen on 0.0.0.0:4317');
  if (http?.port !== 4318 || http.host !== '0.0.0.0') v.push('otel-collector: OTLP HTTP receiver must listen on 0.0.0.0:4318');
  for (const p of [4317, 4318]) if (!declared.has(p)) v.push(`otel-collector: port ${p} is not declared`);
  const pipelines = cfg.service?.pipelines ?? {};
  const traceExporters = pipelines.traces?.exporters ?? [];
  const toJaeger = traceExporters.map((e) => cfg.exporters?.[e]).find((e) => e?.endpoint);
  const jt = hostPort(toJaeger?.endpoint);
  const jaegerSvc = jt ? find(objects, 'Service', jt.host) : null;
  if (!jaegerSvc || !(jaegerSvc.spec.ports ?? []).some((p) => p.port === jt.port)) v.push('otel-collector: traces are not exported to a Jaeger Service port');
  const jaeger = find(objects, 'Deployment', 'jaeger');
  if (!jaeger || !jaegerSvc || !mapSelectorMatches(jaegerSvc.spec.selector, podLabels(jaeger))) v.push('Jaeger is not behind the collector\'s trace exporter');
  if (!(jaegerSvc?.spec.ports ?? []).some((p) => p.port === 16686)) v.push('Jaeger UI (16686) has no Service port to port-forward');
  const promExporterName = (pipelines.metrics?.exporters ?? []).find((e) => e.split('/')[0] === 'prometheus');
  const pe = hostPort(cfg.exporters?.[promExporterName]?.endpoint);
  if (!pe) v.push('otel-collector: metrics are not exposed with the prometheus exporter');
  else if (!declared.has(pe.port)) v.push(`otel-collector: prometheus exporter port ${pe.port} is not declared`);
  if (!(pipelines.traces?.receivers ?? []).includes('otlp') || !(pipelines.metrics?.receivers ?? []).includes('otlp')) {
    v.push('otel-collector: traces and metrics pipelines must receive otlp');
  }

  const prom = find(objects, 'StatefulSet', 'prometheus') ?? find(objects, 'Deployment', 'prometheus');
  if (!prom) v.push('Prometheus is missing');
  else {
    const pc = podSpec(prom).containers[0];
    const pPath = (pc.args ?? []).map((a) => /^--config\.file=(.*)$/.exec(a)?.[1]).find(Boolean);
    const pText = pPath ? mountedConfigFile(objects, prom, pc, pPath) : null;
    if (!pText) v.push('prometheus: --config.file is not a mounted ConfigMap file');
    else {
      const pcfg = parseYaml(pText);
      const scrapesCollector = (pcfg.scrape_configs ?? []).some((sc) => {
        const targets = [
          ...(sc.static_configs ?? []).flatMap((s) => s.targets ?? []).map(hostPort),
          ...(sc.dns_sd_configs ?? []).flatMap((d) => (d.names ?? []).map((n) => ({ host: n, port: d.port }))),
        ];
        return targets.some((t) => {
          const svc = t && find(objects, 'Service', t.host);
          return pe && t.port === pe.port && svc && mapSelectorMatches(svc.spec.selector, podLabels(collector))
            && (svc.spec.clusterIP === 'None' || (svc.spec.ports ?? []).some((p) => p.port === t.port));
        });
      });
      if (!scrapesCollector) v.push('prometheus: no scrape job reaches the collector\'s prometheus exporter');
    }
  }

  const grafana = find(objects, 'Deployment', 'grafana');
  if (!grafana) return [...v, 'Grafana is missing'];
  const gc = podSpec(grafana).containers[0];
  const files = (dir) => {
    const m = (gc.volumeMounts ?? []).find((x) => x.mountPath === dir);
    const cm = m ? configMapOfVolume(objects, grafana, m.name) : null;
    return cm ? Object.values(cm.data ?? {}) : [];
  };
  const ds = files('/etc/grafana/provisioning/datasources').map((t) => parseYaml(t)).flatMap((d) => d.datasources ?? []);
  const promDs = ds.find((d) => d.type === 'prometheus');
  const pu = hostPort(promDs?.url);
  if (!pu || !find(objects, 'Service', pu.host)) v.push('grafana: no Prometheus data source pointing at a Service');
  const providers = files('/etc/grafana/provisioning/dashboards').map((t) => parseYaml(t)).flatMap((d) => d.providers ?? []);
  const dashDir = providers[0]?.options?.path;
  const dashboards = dashDir ? files(dashDir).map((t) => JSON.parse(t)) : [];
  if (dashboards.length === 0) v.push('grafana: no dashboard is provisioned');
  const exprs = dashboards.flatMap((d) => (d.panels ?? []).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')));
  for (const name of metricNames) {
    const uses = exprs.filter((e) => e.includes(name));
    if (uses.length === 0) v.push(`dashboard: no panel queries ${name}`);
    else if (!uses.some((e) => /by \(([^)]*\b)?model\b[^)]*\bprovider\b/.test(e))) v.push(`dashboard: ${name} is never shown per model and provider`);
  }
  return v;
}
