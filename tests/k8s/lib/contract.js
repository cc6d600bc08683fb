// The environment-variable contract of docs/configuration.md, and the explicit mapping the manifests follow.
import { readRepoFile } from './render.js';

/** Workload (Deployment) name in the manifests -> service name used in docs/configuration.md. */
export const SERVICE_OF_WORKLOAD = {
  'gateway-ingress': 'Ingress',
  'gateway-auth': 'Auth',
  'gateway-quota': 'Quota',
  'gateway-routing': 'Routing',
  'gateway-metering': 'Metering',
  'gateway-simulator': 'Simulator',
};

/** Kestrel listeners per service (the contract's `Kestrel__Endpoints__<Name>__Url` row, made concrete). */
export const KESTREL_ENDPOINTS = {
  Ingress: ['Public', 'Admin'],
  Auth: ['Grpc'],
  Quota: ['Grpc'],
  Routing: ['Grpc'],
  Metering: ['Grpc'],
  Simulator: ['Http'],
};

/** Endpoints whose Protocols the contract fixes (gRPC: one endpoint "Grpc" with Protocols=Http2). */
export const REQUIRED_PROTOCOLS = {
  Auth: { Grpc: 'Http2' },
  Quota: { Grpc: 'Http2' },
  Routing: { Grpc: 'Http2' },
  Metering: { Grpc: 'Http2' },
};

const OTEL = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME'];
const kestrelUrls = (svc) => KESTREL_ENDPOINTS[svc].map((n) => `Kestrel__Endpoints__${n}__Url`);

/**
 * Every variable each service reads, written out explicitly (apart from the catalog-derived ones).
 * A test compares this with the tables of docs/configuration.md, so the two cannot drift apart.
 */
export const EXPECTED_ENV = {
  Ingress: [...OTEL, ...kestrelUrls('Ingress'), 'ConnectionStrings__RabbitMq', 'Services__Auth', 'Services__Quota',
    'Services__Routing', 'Services__Metering', 'Ingress__AdminToken', 'Ingress__MaxRequestBodyBytes',
    'Ingress__StreamIdleTimeoutSeconds', 'Ingress__DependencyTimeoutMs', 'Ingress__PreUpstreamBudgetMs',
    'Ingress__UpstreamConnectTimeoutSeconds', 'Ingress__MaxUpstreamResponseBytes', 'Ingress__UsageQueueCapacity',
    'Ingress__UsageDrainTimeoutSeconds', 'Ingress__UsageBatchMaxEvents', 'Ingress__UsageBatchLingerMs',
    'Ingress__UsageSpillDirectory', 'Ingress__UsageSpillMaxBytes', 'Ingress__QuotaLeaseMax', 'Ingress__QuotaLeaseTtlMs',
    'Ingress__QuotaLeaseRpmPercent',
    'Ingress__KeyCacheTtlSeconds', 'Ingress__KeyCacheMaxEntries', 'Ingress__CatalogMaxStalenessSeconds'],
  Auth: [...OTEL, ...kestrelUrls('Auth'), 'Kestrel__Endpoints__Grpc__Protocols', 'ConnectionStrings__Redis', 'Auth__KeyPepper'],
  Quota: [...OTEL, ...kestrelUrls('Quota'), 'Kestrel__Endpoints__Grpc__Protocols', 'ConnectionStrings__Redis', 'Quota__DefaultRpm'],
  Routing: [...OTEL, ...kestrelUrls('Routing'), 'Kestrel__Endpoints__Grpc__Protocols', 'ConnectionStrings__Redis', 'Routing__CatalogPath'],
  Metering: [...OTEL, ...kestrelUrls('Metering'), 'Kestrel__Endpoints__Grpc__Protocols', 'ConnectionStrings__Redis',
    'ConnectionStrings__RabbitMq'],
  Simulator: [...OTEL, ...kestrelUrls('Simulator'), 'Simulator__RequiredApiKey'],
};

/** Variables the contract marks (secret): they must come from a Secret, never a literal value. */
export const SECRET_VARS = ['Auth__KeyPepper', 'Ingress__AdminToken', 'ConnectionStrings__RabbitMq', 'Simulator__RequiredApiKey'];

/** Routing reads provider keys named by the catalog's apiKeyEnv, and SIMULATOR_BASE_URL where the catalog uses it. */
export const CATALOG_READER = 'Routing';

/** The service that calls the providers' baseUrl (architecture.md: the Ingress relays upstream calls). */
export const UPSTREAM_CALLER = 'gateway-ingress';

/** Splits a markdown table row into trimmed cells. */
function cells(line) {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((s) => s.trim());
}

const backticked = (text) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

const ALL_SERVICES = Object.keys(KESTREL_ENDPOINTS);

/**
 * Parses docs/configuration.md into { vars: { Service: Set(names) }, providerKeysService, simulatorBaseUrlService,
 * kestrelTemplate }. Understands its three sections: "Every service", "Shared infrastructure" (a "used by"
 * column), "Per service" (a "service" column).
 */
export function parseContract(markdown) {
  const vars = Object.fromEntries(ALL_SERVICES.map((s) => [s, new Set()]));
  const result = { vars, providerKeysService: null, simulatorBaseUrlService: null, kestrelTemplate: false, secrets: new Set() };
  let section = null;
  let header = null;
  for (const line of markdown.split('\n')) {
    const heading = line.match(/^##\s+(.*)$/);
    if (heading) { section = heading[1].trim().toLowerCase(); header = null; continue; }
    if (!line.trim().startsWith('|')) { header = null; continue; }
    const row = cells(line);
    if (header === null) { header = row.map((h) => h.toLowerCase()); continue; }
    if (row.every((c) => /^-+$/.test(c))) continue;
    const names = backticked(row[0]);
    if (names.length === 0) continue;
    const meaning = row[header.indexOf('meaning')] ?? '';
    let services;
    if (section === 'every service') services = ALL_SERVICES;
    else if (header.includes('used by')) services = row[header.indexOf('used by')].split(',').map((s) => s.trim());
    else if (header.includes('service')) services = row[header.indexOf('service')].split(',').map((s) => s.trim());
    else throw new Error(`docs/configuration.md: cannot tell which services read: ${line}`);
    for (const s of services) if (!vars[s]) throw new Error(`docs/configuration.md names an unknown service "${s}"`);
    if (names.some((n) => n.includes('<Name>'))) { result.kestrelTemplate = true; continue; }
    if (row[0].includes('...')) {
      // Provider keys: "named by each catalog provider's apiKeyEnv".
      if (!/apiKeyEnv/.test(meaning)) throw new Error(`unexpected open-ended row: ${line}`);
      result.providerKeysService = services[0];
      continue;
    }
    for (const n of names) {
      if (n === 'SIMULATOR_BASE_URL') { result.simulatorBaseUrlService = services[0]; continue; }
      for (const s of services) vars[s].add(n);
      if (/\(secret\)/.test(meaning)) result.secrets.add(n);
    }
  }
  return result;
}

export function loadContract() {
  return parseContract(readRepoFile('docs/configuration.md'));
}

/** What the explicit mapping says each service must have, with the Kestrel template expanded. */
export function expectedFromDocs(contract) {
  const out = {};
  for (const [svc, set] of Object.entries(contract.vars)) {
    const names = new Set(set);
    if (contract.kestrelTemplate) for (const n of KESTREL_ENDPOINTS[svc]) names.add(`Kestrel__Endpoints__${n}__Url`);
    for (const n of Object.keys(REQUIRED_PROTOCOLS[svc] ?? {})) names.add(`Kestrel__Endpoints__${n}__Protocols`);
    out[svc] = [...names].sort();
  }
  return out;
}

/** Differences between the explicit mapping (EXPECTED_ENV) and what docs/configuration.md says. */
export function diffContract(contract) {
  const fromDocs = expectedFromDocs(contract);
  const diffs = [];
  for (const svc of Object.keys(EXPECTED_ENV)) {
    const explicit = new Set(EXPECTED_ENV[svc]);
    const documented = new Set(fromDocs[svc] ?? []);
    for (const n of documented) if (!explicit.has(n)) diffs.push(`${svc}: ${n} is in docs/configuration.md but not in EXPECTED_ENV`);
    for (const n of explicit) if (!documented.has(n)) diffs.push(`${svc}: ${n} is in EXPECTED_ENV but not in docs/configuration.md`);
  }
  if (contract.providerKeysService !== CATALOG_READER) diffs.push(`provider keys are read by ${contract.providerKeysService}, not ${CATALOG_READER}`);
  if (contract.simulatorBaseUrlService !== CATALOG_READER) diffs.push(`SIMULATOR_BASE_URL is read by ${contract.simulatorBaseUrlService}, not ${CATALOG_READER}`);
  for (const s of contract.secrets) if (!SECRET_VARS.includes(s)) diffs.push(`${s} is a secret in docs/configuration.md but not in SECRET_VARS`);
  return diffs;
}
