// Negative tests: each checker is fed a copy of a real render with one thing broken and must report it.
// (The unbroken renders pass: invariants.test.js.) This is what proves the invariant tests can fail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { overlayContext } from '../lib/context.js';
import * as checks from '../lib/checks.js';
import { checkTrafficMatrix, cidrContains } from '../lib/netpol.js';
import { METRICS } from '../lib/metrics.js';
import { selectorMatches } from '../lib/objects.js';
import { parseQuantity } from '../lib/quantity.js';

const metricNames = Object.values(METRICS).map((m) => m.name);

function broken(overlay, mutate) {
  const ctx = overlayContext(overlay);
  const copy = { ...ctx, objects: structuredClone(ctx.objects) };
  mutate(copy.objects, copy);
  return copy;
}

const get = (objects, kind, name) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`test setup: ${kind}/${name} not in the render`);
  return o;
};
const byPrefix = (objects, kind, prefix) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name.startsWith(prefix));
  if (!o) throw new Error(`test setup: ${kind}/${prefix}* not in the render`);
  return o;
};
const container = (objects, name, kind = 'Deployment') => get(objects, kind, name).spec.template.spec.containers[0];
const env = (objects, name) => container(objects, name).env;
const setEnv = (objects, name, variable, value) => {
  const e = env(objects, name).find((x) => x.name === variable);
  if (!e) throw new Error(`test setup: ${variable} not set on ${name}`);
  delete e.valueFrom;
  e.value = value;
};
const removeEnv = (objects, name, variable) => {
  const c = container(objects, name);
  c.env = c.env.filter((x) => x.name !== variable);
};
const policy = (objects, name) => get(objects, 'NetworkPolicy', name);

/** [checker, what is broken, overlay, mutation, expected fragment of a violation] */
const CASES = [
  // metadata
  ['checkMetadata', 'an object in another namespace', 'dev', (o) => { get(o, 'Service', 'redis').metadata.namespace = 'default'; }, 'Service/redis: namespace is default'],
  ['checkMetadata', 'an object defined twice', 'prod', (o) => { o.push(structuredClone(get(o, 'Service', 'redis'))); }, 'defined twice'],
  ['checkMetadata', 'a core service missing', 'prod', (o) => { o.splice(o.indexOf(get(o, 'Deployment', 'gateway-quota')), 1); }, 'Deployment/gateway-quota is missing'],
  // selectors
  ['checkSelectors', 'a Deployment selector that misses its pods', 'dev', (o) => { get(o, 'Deployment', 'gateway-auth').spec.selector.matchLabels['app.kubernetes.io/name'] = 'gateway-authx'; }, 'does not match its pod labels'],
  ['checkSelectors', 'a Service selector typo', 'prod', (o) => { get(o, 'Service', 'gateway-quota').spec.selector = { 'app.kubernetes.io/name': 'gateway-qouta' }; }, 'Service/gateway-quota: selector'],
  ['checkSelectors', 'a PDB selecting nothing', 'prod', (o) => { get(o, 'PodDisruptionBudget', 'gateway-routing').spec.selector.matchLabels['app.kubernetes.io/name'] = 'routing'; }, 'PodDisruptionBudget/gateway-routing: selector matches no pod template'],
  ['checkSelectors', 'an HPA targeting a missing Deployment', 'prod', (o) => { get(o, 'HorizontalPodAutoscaler', 'gateway-ingress').spec.scaleTargetRef.name = 'ingress'; }, 'scaleTargetRef Deployment/ingress does not exist'],
  ['checkSelectors', 'a NetworkPolicy peer with a typo', 'prod', (o) => { policy(o, 'gateway-metering').spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/name'] = 'gateway-ingres'; }, 'peer podSelector'],
  ['checkSelectors', 'a spread constraint selecting other pods', 'dev', (o) => { get(o, 'Deployment', 'gateway-quota').spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels['app.kubernetes.io/name'] = 'x'; }, 'does not select the workload\'s own pods'],
  // containers
  ['checkContainers', 'no readiness probe', 'prod', (o) => { delete container(o, 'gateway-auth').readinessProbe; }, 'gateway-auth: no readinessProbe'],
  ['checkContainers', 'no liveness probe', 'dev', (o) => { delete container(o, 'redis', 'StatefulSet').livenessProbe; }, 'redis: no livenessProbe'],
  ['checkContainers', 'a probe on an undeclared port', 'dev', (o) => { container(o, 'gateway-ingress').readinessProbe.httpGet.port = 'publik'; }, 'readinessProbe port publik is not a declared container port'],
  ['checkContainers', 'no memory limit', 'prod', (o) => { delete container(o, 'jaeger').resources.limits.memory; }, 'jaeger: no memory limit'],
  ['checkContainers', 'no cpu request', 'prod', (o) => { delete container(o, 'grafana').resources.requests.cpu; }, 'grafana: no cpu request'],
  ['checkContainers', 'a request above its limit', 'prod', (o) => { container(o, 'gateway-quota').resources.requests.memory = '2Gi'; }, 'memory request 2Gi exceeds its limit'],
  ['checkContainers', 'a writable root filesystem', 'dev', (o) => { container(o, 'gateway-routing').securityContext.readOnlyRootFilesystem = false; }, 'readOnlyRootFilesystem is not true'],
  ['checkContainers', 'capabilities not dropped', 'prod', (o) => { container(o, 'rabbitmq', 'StatefulSet').securityContext.capabilities.drop = ['NET_RAW']; }, 'capabilities do not drop ALL'],
  ['checkContainers', 'privilege escalation allowed', 'prod', (o) => { delete container(o, 'gateway-ingress').securityContext.allowPrivilegeEscalation; }, 'allowPrivilegeEscalation is not false'],
  ['checkContainers', 'root allowed', 'prod', (o) => {
    delete container(o, 'otel-collector').securityContext.runAsNonRoot;
    delete get(o, 'Deployment', 'otel-collector').spec.template.spec.securityContext.runAsNonRoot;
  }, 'otel-collector: runAsNonRoot is not true'],
  ['checkContainers', 'no seccomp profile', 'prod', (o) => {
    delete container(o, 'prometheus', 'StatefulSet').securityContext.seccompProfile;
    delete get(o, 'StatefulSet', 'prometheus').spec.template.spec.securityContext.seccompProfile;
  }, 'prometheus: seccompProfile is not RuntimeDefault'],
  ['checkContainers', 'no writable /tmp', 'prod', (o) => { const c = container(o, 'gateway-metering'); c.volumeMounts = c.volumeMounts.filter((m) => m.mountPath !== '/tmp'); }, 'no writable /tmp'],
  // references
  ['checkReferences', 'a Secret that does not exist (dev)', 'dev', (o) => { env(o, 'gateway-auth').find((e) => e.name === 'Auth__KeyPepper').valueFrom.secretKeyRef.name = 'gateway-pepper'; }, 'Secret gateway-pepper is neither rendered nor an allowed externally created Secret'],
  ['checkReferences', 'a Secret key that does not exist (dev)', 'dev', (o) => { env(o, 'gateway-ingress').find((e) => e.name === 'Ingress__AdminToken').valueFrom.secretKeyRef.key = 'token'; }, 'has no key "token"'],
  ['checkReferences', 'an external Secret outside the allowlist (prod)', 'prod', (o) => { env(o, 'gateway-auth').find((e) => e.name === 'Auth__KeyPepper').valueFrom.secretKeyRef.name = 'pepper'; }, 'Secret pepper is neither rendered nor an allowed externally created Secret'],
  ['checkReferences', 'an undocumented key of an external Secret (prod)', 'prod', (o) => { env(o, 'gateway-ingress').find((e) => e.name === 'ConnectionStrings__RabbitMq').valueFrom.secretKeyRef.key = 'uri'; }, 'not documented to have key "uri"'],
  ['checkReferences', 'a ConfigMap volume that does not exist', 'prod', (o) => { get(o, 'Deployment', 'grafana').spec.template.spec.volumes.find((v) => v.name === 'dashboards').configMap.name = 'dashboards'; }, 'ConfigMap dashboards is neither rendered'],
  ['checkReferences', 'a ConfigMap item key that does not exist', 'dev', (o) => { get(o, 'Deployment', 'gateway-routing').spec.template.spec.volumes.find((v) => v.name === 'catalog').configMap.items[0].key = 'models.json'; }, 'has no key "models.json"'],
  ['checkReferences', 'a missing ServiceAccount', 'dev', (o) => { o.splice(o.indexOf(get(o, 'ServiceAccount', 'jaeger')), 1); }, 'ServiceAccount jaeger is neither rendered'],
  ['checkReferences', 'a TLS Secret outside the allowlist', 'prod', (o) => { get(o, 'Ingress', 'gateway-ingress').spec.tls[0].secretName = 'my-cert'; }, 'Secret my-cert is neither rendered'],
  // service ports
  ['checkServicePorts', 'a targetPort name typo', 'prod', (o) => { get(o, 'Service', 'gateway-routing').spec.ports[0].targetPort = 'grcp'; }, 'targetPort grcp is not a container port of Deployment/gateway-routing'],
  ['checkServicePorts', 'a numeric targetPort that is not declared', 'dev', (o) => { get(o, 'Service', 'jaeger').spec.ports[1].targetPort = 16687; }, 'targetPort 16687'],
  ['checkServicePorts', 'a Service selecting nothing', 'dev', (o) => { get(o, 'Service', 'grafana').spec.selector = { app: 'grafana' }; }, 'Service/grafana: selects no workload'],
  // environment contract
  ['checkEnvContract', 'a variable the service reads is missing', 'prod', (o) => removeEnv(o, 'gateway-quota', 'ConnectionStrings__Redis'), 'ConnectionStrings__Redis (read by Quota) is not set'],
  ['checkEnvContract', 'the stream idle timeout is missing', 'dev', (o) => removeEnv(o, 'gateway-ingress', 'Ingress__StreamIdleTimeoutSeconds'), 'Ingress__StreamIdleTimeoutSeconds (read by Ingress) is not set'],
  ['checkEnvContract', 'a variable outside the contract', 'prod', (o) => { env(o, 'gateway-auth').push({ name: 'Auth__Pepper', value: 'x' }); }, 'Auth__Pepper is not in the configuration contract for Auth'],
  ['checkEnvContract', 'a secret given as a literal', 'prod', (o) => setEnv(o, 'gateway-auth', 'Auth__KeyPepper', 'not-so-secret-pepper-value-0000000000'), 'Auth__KeyPepper is a secret and must come from a Secret'],
  ['checkEnvContract', 'a Services__ address on the wrong port', 'prod', (o) => setEnv(o, 'gateway-ingress', 'Services__Auth', 'http://gateway-auth:7001'), 'Services__Auth http://gateway-auth:7001: Service gateway-auth has no port 7001'],
  ['checkEnvContract', 'a Services__ address at the wrong service', 'dev', (o) => setEnv(o, 'gateway-ingress', 'Services__Quota', 'http://gateway-auth:7000'), 'does not select gateway-quota'],
  ['checkEnvContract', 'gRPC not on HTTP/2', 'dev', (o) => setEnv(o, 'gateway-metering', 'Kestrel__Endpoints__Grpc__Protocols', 'Http1AndHttp2'), 'the contract says Http2'],
  ['checkEnvContract', 'a listener bound to loopback', 'prod', (o) => setEnv(o, 'gateway-ingress', 'Kestrel__Endpoints__Public__Url', 'http://127.0.0.1:8080'), 'must listen on all interfaces'],
  ['checkEnvContract', 'a listener on an undeclared port', 'prod', (o) => setEnv(o, 'gateway-auth', 'Kestrel__Endpoints__Grpc__Url', 'http://0.0.0.0:7100'), 'port 7100 is not a declared container port'],
  ['checkEnvContract', 'a catalog provider whose key is not passed', 'prod', (o) => {
    const cm = byPrefix(o, 'ConfigMap', 'routing-catalog');
    const cat = JSON.parse(cm.data['catalog.json']);
    cat.providers.push({ id: 'mistral', wire: 'openai-chat', baseUrl: 'https://api.mistral.ai/v1', apiKeyEnv: 'MISTRAL_API_KEY' });
    cm.data['catalog.json'] = JSON.stringify(cat);
  }, 'MISTRAL_API_KEY (read by Routing) is not set'],
  ['checkEnvContract', 'the simulator address missing while the catalog uses it', 'dev', (o) => removeEnv(o, 'gateway-routing', 'SIMULATOR_BASE_URL'), 'SIMULATOR_BASE_URL (read by Routing) is not set'],
  ['checkEnvContract', 'the catalog path outside any mount', 'dev', (o) => setEnv(o, 'gateway-routing', 'Routing__CatalogPath', '/etc/catalog.json'), 'is not inside a mounted volume'],
  ['checkEnvContract', 'a wrong OTEL_SERVICE_NAME', 'prod', (o) => setEnv(o, 'gateway-quota', 'OTEL_SERVICE_NAME', 'quota'), 'OTEL_SERVICE_NAME should be gateway-quota'],
  ['checkEnvContract', 'an OTLP endpoint that is no Service', 'prod', (o) => setEnv(o, 'gateway-quota', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'http://collector:4317'), 'no Service collector'],
  // catalog
  ['checkCatalog', 'a model of an unknown provider', 'prod', (o) => {
    const cm = byPrefix(o, 'ConfigMap', 'routing-catalog');
    const cat = JSON.parse(cm.data['catalog.json']);
    cat.models[0].provider = 'azure';
    cm.data['catalog.json'] = JSON.stringify(cat);
  }, 'uses unknown provider azure'],
  ['checkCatalog', 'a negative price and a duplicate alias', 'dev', (o) => {
    const cm = byPrefix(o, 'ConfigMap', 'routing-catalog');
    const cat = JSON.parse(cm.data['catalog.json']);
    cat.models[0].pricing.outputPerMTok = -1;
    cat.models[1].aliases = [cat.models[0].id];
    cm.data['catalog.json'] = JSON.stringify(cat);
  }, 'pricing.outputPerMTok must be a number >= 0'],
  ['checkCatalog', 'a plain-http provider', 'prod', (o) => {
    const cm = byPrefix(o, 'ConfigMap', 'routing-catalog');
    const cat = JSON.parse(cm.data['catalog.json']);
    cat.providers[0].baseUrl = 'http://api.openai.com/v1';
    cm.data['catalog.json'] = JSON.stringify(cat);
  }, 'must be https://'],
  ['checkCatalog', 'an unknown wire protocol', 'prod', (o) => {
    const cm = byPrefix(o, 'ConfigMap', 'routing-catalog');
    const cat = JSON.parse(cm.data['catalog.json']);
    cat.providers[0].wire = 'openai-completions';
    cm.data['catalog.json'] = JSON.stringify(cat);
  }, 'unknown wire "openai-completions"'],
  // images
  ['checkImages', 'an image without a tag', 'prod', (o) => { container(o, 'grafana').image = 'grafana/grafana'; }, 'has no version tag'],
  ['checkImages', 'an image on latest', 'dev', (o) => { container(o, 'gateway-auth').image = 'gateway-auth:latest'; }, 'uses "latest"'],
  ['checkImages', 'a registry port mistaken for a tag', 'prod', (o) => { container(o, 'gateway-quota').image = 'registry.example.com:5000/llm-gateway/gateway-quota'; }, 'has no version tag'],
  // network policies
  ['checkTrafficMatrix', 'the edge cannot reach Auth', 'prod', (o) => {
    const p = policy(o, 'gateway-ingress');
    p.spec.egress[0].to[0].podSelector.matchExpressions[0].values = ['gateway-quota', 'gateway-routing', 'gateway-metering'];
  }, 'needed but blocked: gateway-ingress->gateway-auth:7000'],
  ['checkTrafficMatrix', 'Redis open to everyone in the namespace (and the edge allowed out to it)', 'prod', (o) => {
    policy(o, 'redis').spec.ingress[0].from = [{ podSelector: {} }];
    policy(o, 'gateway-ingress').spec.egress.push({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } } }] });
  }, 'open but not needed: gateway-ingress->redis:6379'],
  ['checkTrafficMatrix', 'Redis open to other namespaces', 'dev', (o) => { policy(o, 'redis').spec.ingress[0].from.push({ namespaceSelector: {} }); }, 'reachable from a pod in another namespace: redis:6379'],
  ['checkTrafficMatrix', 'RabbitMQ reachable by a service that does not use it', 'dev', (o) => { policy(o, 'rabbitmq').spec.ingress[0].from[0].podSelector.matchExpressions[0].values.push('gateway-auth'); policy(o, 'gateway-grpc-services').spec.egress.push({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'rabbitmq' } } }] }); }, 'open but not needed: gateway-auth->rabbitmq:5672'],
  ['checkTrafficMatrix', 'a gRPC service open to other namespaces', 'prod', (o) => { policy(o, 'gateway-grpc-services').spec.ingress[0].from.push({ namespaceSelector: {} }); }, 'reachable from a pod in another namespace: gateway-auth:7000'],
  ['checkTrafficMatrix', 'the admin listener reachable from outside', 'prod', (o) => { policy(o, 'gateway-ingress').spec.ingress[0].ports.push({ port: 8081, protocol: 'TCP' }); }, 'reachable from a pod in another namespace: gateway-ingress:8081'],
  ['checkTrafficMatrix', 'an ingress rule without ports', 'dev', (o) => { delete policy(o, 'gateway-ingress').spec.ingress[0].ports; }, 'gateway-ingress:8081'],
  ['checkTrafficMatrix', 'no default deny', 'prod', (o) => { o.splice(o.indexOf(policy(o, 'default-deny-all')), 1); }, 'no default-deny NetworkPolicy'],
  ['checkTrafficMatrix', 'no DNS', 'prod', (o) => { o.splice(o.indexOf(policy(o, 'allow-dns-egress')), 1); }, 'DNS (UDP 53 to kube-dns) is blocked'],
  ['checkTrafficMatrix', 'internet egress for a gRPC service', 'prod', (o) => { policy(o, 'gateway-grpc-services').spec.egress.push({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] }); }, 'gateway-auth: HTTPS to the internet (203.0.113.10) is open'],
  ['checkTrafficMatrix', 'the cloud metadata endpoint reachable', 'prod', (o) => { policy(o, 'gateway-ingress').spec.egress[3].to[0].ipBlock.except = ['10.0.0.0/8']; }, 'the cloud metadata endpoint is reachable'],
  ['checkTrafficMatrix', 'a workload without a policy of its own', 'dev', (o) => { o.splice(o.indexOf(policy(o, 'jaeger')), 1); }, 'Deployment/jaeger: no NetworkPolicy of its own selects it'],
  ['checkTrafficMatrix', 'the simulator unreachable from the edge', 'dev', (o) => { o.splice(o.indexOf(policy(o, 'gateway-ingress-to-simulator')), 1); }, 'needed but blocked: gateway-ingress->gateway-simulator:5300'],
  ['checkTrafficMatrix', 'the collector unreachable for one service', 'dev', (o) => { delete get(o, 'Deployment', 'gateway-quota').spec.template.metadata.labels['llm-gateway/otlp-exporter']; }, 'needed but blocked: gateway-quota->otel-collector:4317'],
  // graceful shutdown
  ['checkGracefulShutdown', 'grace period equal to the idle timeout', 'prod', (o) => { get(o, 'Deployment', 'gateway-ingress').spec.template.spec.terminationGracePeriodSeconds = 300; }, 'terminationGracePeriodSeconds 300 must exceed'],
  ['checkGracefulShutdown', 'idle timeout raised above the grace period', 'dev', (o) => setEnv(o, 'gateway-ingress', 'Ingress__StreamIdleTimeoutSeconds', '600'), 'must exceed the stream idle timeout 600s'],
  ['checkGracefulShutdown', 'no preStop delay', 'prod', (o) => { delete container(o, 'gateway-ingress').lifecycle; }, 'no preStop delay'],
  // disruption budgets
  ['checkDisruptionBudgets', 'a multi-replica service without a PDB', 'prod', (o) => { o.splice(o.indexOf(get(o, 'PodDisruptionBudget', 'gateway-auth')), 1); }, 'Deployment/gateway-auth: 3 replicas but no PodDisruptionBudget'],
  ['checkDisruptionBudgets', 'a PDB that blocks every drain', 'prod', (o) => { get(o, 'PodDisruptionBudget', 'rabbitmq').spec.maxUnavailable = 0; }, 'allows no voluntary disruption of StatefulSet/rabbitmq'],
  ['checkDisruptionBudgets', 'minAvailable equal to the replicas', 'prod', (o) => { const p = get(o, 'PodDisruptionBudget', 'gateway-ingress'); delete p.spec.maxUnavailable; p.spec.minAvailable = 3; }, 'allows no voluntary disruption of Deployment/gateway-ingress'],
  // topology spread
  ['checkTopologySpread', 'no spread over nodes', 'prod', (o) => { const s = get(o, 'Deployment', 'gateway-routing').spec.template.spec; s.topologySpreadConstraints = s.topologySpreadConstraints.filter((t) => t.topologyKey !== 'kubernetes.io/hostname'); }, 'no topologySpreadConstraint over kubernetes.io/hostname'],
  ['checkTopologySpread', 'a merged duplicate constraint', 'prod', (o) => { const s = get(o, 'StatefulSet', 'rabbitmq').spec.template.spec; s.topologySpreadConstraints.push({ ...s.topologySpreadConstraints[1], whenUnsatisfiable: 'ScheduleAnyway' }); }, '2 topologySpreadConstraints over kubernetes.io/hostname'],
  // public route
  ['checkPublicRoute', 'buffered proxying', 'prod', (o) => { get(o, 'Ingress', 'gateway-ingress').metadata.annotations['nginx.ingress.kubernetes.io/proxy-buffering'] = 'on'; }, 'proxy-buffering must be "off" for SSE'],
  ['checkPublicRoute', 'a read timeout shorter than the idle timeout', 'dev', (o) => { get(o, 'Ingress', 'gateway-ingress').metadata.annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'] = '60'; }, 'proxy-read-timeout must be at least the stream idle timeout'],
  ['checkPublicRoute', 'a body limit below the service limit', 'prod', (o) => { get(o, 'Ingress', 'gateway-ingress').metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'] = '1m'; }, 'proxy-body-size must allow'],
  ['checkPublicRoute', 'the admin listener behind a Service', 'prod', (o) => { get(o, 'Service', 'gateway-ingress').spec.ports.push({ name: 'admin', port: 8081, targetPort: 'admin', protocol: 'TCP' }); }, 'exposes the admin listener'],
  ['checkPublicRoute', 'the Ingress routed to the admin listener', 'dev', (o) => { get(o, 'Service', 'gateway-ingress').spec.ports[0].targetPort = 'admin'; }, 'routes to something other than gateway-ingress\'s public port'],
  ['checkPublicRoute', 'a LoadBalancer Service', 'prod', (o) => { get(o, 'Service', 'grafana').spec.type = 'LoadBalancer'; }, 'type LoadBalancer exposes pods'],
  // autoscaling
  ['checkAutoscaling', 'replicas fixed on the autoscaled Deployment', 'prod', (o) => { get(o, 'Deployment', 'gateway-ingress').spec.replicas = 3; }, 'fights its HorizontalPodAutoscaler'],
  ['checkAutoscaling', 'no HPA', 'dev', (o) => { o.splice(o.indexOf(get(o, 'HorizontalPodAutoscaler', 'gateway-ingress')), 1); }, 'needs exactly one HorizontalPodAutoscaler, found 0'],
  // state
  ['checkState', 'Redis without AOF', 'prod', (o) => { const cm = byPrefix(o, 'ConfigMap', 'redis-config'); cm.data['redis.conf'] = cm.data['redis.conf'].replace('appendonly yes', 'appendonly no'); }, 'appendonly yes (AOF) is not set'],
  ['checkState', 'Redis data outside the volume', 'dev', (o) => { const cm = byPrefix(o, 'ConfigMap', 'redis-config'); cm.data['redis.conf'] = cm.data['redis.conf'].replace('dir /data', 'dir /tmp'); }, 'AOF directory /tmp is not the PersistentVolumeClaim mount'],
  ['checkState', 'Redis allowed to evict', 'prod', (o) => { const cm = byPrefix(o, 'ConfigMap', 'redis-config'); cm.data['redis.conf'] = cm.data['redis.conf'].replace('maxmemory-policy noeviction', 'maxmemory-policy allkeys-lru'); }, 'never be evicted'],
  ['checkState', 'classic queues by default', 'prod', (o) => { const cm = byPrefix(o, 'ConfigMap', 'rabbitmq-config'); cm.data['rabbitmq.conf'] = cm.data['rabbitmq.conf'].replace('default_queue_type = quorum', 'default_queue_type = classic'); }, 'default_queue_type = quorum is not set'],
  ['checkState', 'RabbitMQ without a volume', 'dev', (o) => { get(o, 'StatefulSet', 'rabbitmq').spec.volumeClaimTemplates = []; }, 'rabbitmq: no volumeClaimTemplate'],
  // observability
  ['checkObservability', 'no trace exporter to Jaeger', 'prod', (o) => { const cm = byPrefix(o, 'ConfigMap', 'otel-collector-config'); cm.data['config.yaml'] = cm.data['config.yaml'].replace('endpoint: jaeger:4317', 'endpoint: tempo:4317'); }, 'traces are not exported to a Jaeger Service port'],
  ['checkObservability', 'Prometheus not scraping the collector', 'dev', (o) => { const cm = byPrefix(o, 'ConfigMap', 'prometheus-config'); cm.data['prometheus.yml'] = cm.data['prometheus.yml'].replaceAll('port: 8889', 'port: 9999'); }, 'no scrape job reaches the collector'],
  ['checkObservability', 'a dashboard without the cost metric', 'prod', (o) => { const cm = byPrefix(o, 'ConfigMap', 'grafana-dashboards'); cm.data['llm-gateway.json'] = cm.data['llm-gateway.json'].replaceAll('gateway_cost_usd_total', 'gateway_spend'); }, 'no panel queries gateway_cost_usd_total'],
  ['checkObservability', 'a metric never shown per model and provider', 'prod', (o) => { const cm = byPrefix(o, 'ConfigMap', 'grafana-dashboards'); cm.data['llm-gateway.json'] = cm.data['llm-gateway.json'].replaceAll('by (le, model, provider)', 'by (le)'); }, 'gateway_time_to_first_token_seconds is never shown per model and provider'],
];

const CHECKERS = { ...checks, checkTrafficMatrix };

describe('each checker reports a deliberately broken render', () => {
  for (const [checker, what, overlay, mutate, expected] of CASES) {
    it(`${checker}: ${what} (${overlay})`, () => {
      const ctx = broken(overlay, mutate);
      const violations = checker === 'checkObservability'
        ? CHECKERS[checker](ctx.objects, metricNames)
        : CHECKERS[checker](ctx.objects, ctx);
      assert.ok(violations.some((v) => v.includes(expected)),
        `expected a violation containing "${expected}", got:\n${violations.join('\n') || '(none)'}`);
    });
  }
  it('covers every checker of the invariant suite', () => {
    const covered = new Set(CASES.map(([c]) => c));
    const all = Object.keys(CHECKERS).filter((k) => k.startsWith('check'));
    assert.deepEqual(all.filter((c) => !covered.has(c)), []);
  });
});

describe('helpers', () => {
  it('selectorMatches follows matchLabels and matchExpressions', () => {
    const labels = { app: 'a', tier: 'web' };
    assert.equal(selectorMatches({ matchLabels: { app: 'a' } }, labels), true);
    assert.equal(selectorMatches({ matchLabels: { app: 'b' } }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, labels), true);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] }, labels), false);
    assert.equal(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels), true);
    assert.equal(selectorMatches({}, labels), true);
    assert.equal(selectorMatches(undefined, labels), false);
  });
  it('cidrContains handles IPv4, IPv6 and /0', () => {
    assert.equal(cidrContains('10.0.0.0/8', '10.244.1.23'), true);
    assert.equal(cidrContains('172.16.0.0/12', '172.32.0.1'), false);
    assert.equal(cidrContains('0.0.0.0/0', '203.0.113.10'), true);
    assert.equal(cidrContains('169.254.0.0/16', '169.254.169.254'), true);
    assert.equal(cidrContains('::/0', '2001:db8::10'), true);
    assert.equal(cidrContains('fc00::/7', '2001:db8::10'), false);
    assert.equal(cidrContains('0.0.0.0/0', '2001:db8::10'), false);
  });
  it('parseQuantity reads Kubernetes quantities', () => {
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('512Mi'), 512 * 2 ** 20);
    assert.equal(parseQuantity('1G'), 1e9);
    assert.throws(() => parseQuantity('lots'));
  });
  it('parseImage separates registry ports, tags and digests', () => {
    assert.deepEqual(checks.parseImage('registry:5000/a/b:1.2.3'), { name: 'registry:5000/a/b', tag: '1.2.3', digest: null });
    assert.deepEqual(checks.parseImage('redis'), { name: 'redis', tag: null, digest: null });
    assert.equal(checks.parseImage('a/b:1@sha256:abc').digest, 'sha256:abc');
  });
});
