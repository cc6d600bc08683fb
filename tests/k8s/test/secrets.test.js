// Secrets: referenced, never committed. create-secrets.sh creates exactly the allowlisted Secrets; the example env
// file ships no values; the dev overlay's generated Secrets are obviously fake.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { k8sDir, parseYamlStream } from '../lib/render.js';
import { loadExternalSecrets } from '../lib/context.js';

const script = path.join(k8sDir, 'create-secrets.sh');
const hex = (n) => randomBytes(n).toString('hex');
let dir;

function validEnv(overrides = {}) {
  const values = {
    GATEWAY_ADMIN_TOKEN: hex(24), AUTH_KEY_PEPPER: hex(24), REDIS_PASSWORD: hex(16), RABBITMQ_USERNAME: 'gateway',
    RABBITMQ_PASSWORD: hex(16), RABBITMQ_ERLANG_COOKIE: hex(16), OPENAI_API_KEY: `sk-test-${hex(8)}`,
    ANTHROPIC_API_KEY: '', GRAFANA_ADMIN_USER: 'admin', GRAFANA_ADMIN_PASSWORD: hex(8), ...overrides,
  };
  return { values, text: Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n') + '\n' };
}

function run(envText, ...args) {
  const file = path.join(dir, `env-${hex(4)}`);
  writeFileSync(file, envText, { mode: 0o600 });
  return spawnSync('bash', [script, '--dry-run', '-n', 'llm-gateway', ...args, file], {
    encoding: 'utf8', env: { ...process.env, KUBECONFIG: path.join(dir, 'no-kubeconfig') }, timeout: 60_000,
  });
}

const decode = (s) => Buffer.from(s.replace(/\s/g, ''), 'base64').toString('utf8');

describe('create-secrets.sh', () => {
  before(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'k8s-secrets-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('creates exactly the externally created Secrets the prod overlay may reference', () => {
    const { values, text } = validEnv();
    const r = run(text);
    assert.equal(r.status, 0, r.stderr);
    const secrets = parseYamlStream(r.stdout);
    const allow = loadExternalSecrets().secrets;
    const generic = Object.keys(allow).filter((n) => allow[n].type !== 'kubernetes.io/tls').sort();
    assert.deepEqual(secrets.map((s) => s.metadata.name).sort(), generic);
    for (const s of secrets) {
      assert.equal(s.metadata.namespace, 'llm-gateway');
      const keys = Object.keys(s.data ?? {}).sort();
      if (allow[s.metadata.name].openKeys) {
        assert.deepEqual(keys, ['OPENAI_API_KEY'], 'only non-empty provider keys are stored');
      } else {
        assert.deepEqual(keys, [...allow[s.metadata.name].keys].sort(), s.metadata.name);
      }
    }
    const get = (name, key) => decode(secrets.find((s) => s.metadata.name === name).data[key]);
    assert.equal(get('gateway-redis', 'connection-string'), `redis:6379,password=${values.REDIS_PASSWORD}`);
    assert.equal(get('gateway-rabbitmq', 'connection-string'), `amqp://gateway:${values.RABBITMQ_PASSWORD}@rabbitmq:5672/`);
    assert.equal(get('gateway-auth', 'key-pepper'), values.AUTH_KEY_PEPPER);
    assert.equal(get('gateway-providers', 'OPENAI_API_KEY'), values.OPENAI_API_KEY);
  });

  it('uses a managed service connection string when one is given', () => {
    const { text } = validEnv({ RABBITMQ_CONNECTION_STRING: 'amqps://u:p@mq.example.net:5671/', REDIS_CONNECTION_STRING: 'cache.example.net:6380,password=x,ssl=true' });
    const r = run(text);
    assert.equal(r.status, 0, r.stderr);
    const secrets = parseYamlStream(r.stdout);
    assert.equal(decode(secrets.find((s) => s.metadata.name === 'gateway-rabbitmq').data['connection-string']), 'amqps://u:p@mq.example.net:5671/');
    assert.equal(decode(secrets.find((s) => s.metadata.name === 'gateway-redis').data['connection-string']), 'cache.example.net:6380,password=x,ssl=true');
  });

  it('refuses weak or unusable values and prints no secret', () => {
    const weak = validEnv({ GATEWAY_ADMIN_TOKEN: 'short', RABBITMQ_PASSWORD: `p@ss/${hex(8)}` });
    const r = run(weak.text);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /GATEWAY_ADMIN_TOKEN: required, at least 32 characters/);
    assert.match(r.stderr, /RABBITMQ_PASSWORD: use letters, digits/);
    assert.equal(r.stdout, '');
    assert.ok(!r.stderr.includes(weak.values.RABBITMQ_PASSWORD), 'a value leaked into the error output');
  });

  it('refuses a file with missing values (the untouched example)', () => {
    const r = run(readFileSync(path.join(k8sDir, 'secrets.example.env'), 'utf8'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /AUTH_KEY_PEPPER: required/);
  });
});

describe('committed secrets', () => {
  it('secrets.example.env carries no secret values', () => {
    const allowedDefaults = new Set(['RABBITMQ_USERNAME', 'GRAFANA_ADMIN_USER']);
    const filled = readFileSync(path.join(k8sDir, 'secrets.example.env'), 'utf8').split('\n')
      .filter((l) => /^[A-Z_]+=.+/.test(l)).map((l) => l.split('=')[0]).filter((k) => !allowedDefaults.has(k));
    assert.deepEqual(filled, []);
  });

  it('the dev overlay generates Secrets only from obviously fake values', () => {
    const devSecrets = path.join(k8sDir, 'overlays/dev/dev-secrets');
    const allow = loadExternalSecrets().secrets;
    for (const f of readdirSync(devSecrets)) {
      const name = f.replace(/\.env$/, '');
      const pairs = readFileSync(path.join(devSecrets, f), 'utf8').split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2));
      for (const [k, v] of pairs) {
        if (['username', 'admin-user'].includes(k)) continue;
        assert.match(v, /dev-?only/, `${f}: ${k} does not look fake`);
      }
      assert.ok(allow[name], `${name} is not a Secret prod knows`);
      if (!allow[name].openKeys) assert.deepEqual(pairs.map(([k]) => k).sort(), [...allow[name].keys].sort(), `${name}: dev and prod keys differ`);
    }
  });

  it('no committed file under k8s/ holds a provider key or a private key', () => {
    const offenders = [];
    const walk = (d) => {
      for (const e of readdirSync(d)) {
        const p = path.join(d, e);
        if (statSync(p).isDirectory()) { walk(p); continue; }
        const text = readFileSync(p, 'utf8');
        if (/sk-(proj-|ant-)?[A-Za-z0-9_-]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}/.test(text)) offenders.push(p);
      }
    };
    walk(k8sDir);
    assert.deepEqual(offenders, []);
  });
});
