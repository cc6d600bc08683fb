// Environment parity: the explicit service -> variables mapping the manifests are checked against is exactly
// what docs/configuration.md (the contract AppHost follows too) says each service reads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffContract, loadContract, parseContract, EXPECTED_ENV } from '../lib/contract.js';
import { readRepoFile } from '../lib/render.js';

describe('configuration contract', () => {
  it('EXPECTED_ENV equals the tables of docs/configuration.md, service by service', (t) => {
    const diffs = diffContract(loadContract());
    assert.deepEqual(diffs, [], diffs.join('\n'));
    t.diagnostic(Object.entries(EXPECTED_ENV).map(([s, v]) => `${s}: ${v.length} variables`).join(', '));
  });

  it('notices a variable added to the docs but not to the mapping', () => {
    const md = readRepoFile('docs/configuration.md')
      .replace('| `Quota__DefaultRpm` | Quota |', '| `Quota__Burst` | Quota | burst size |\n| `Quota__DefaultRpm` | Quota |');
    assert.deepEqual(diffContract(parseContract(md)), ['Quota: Quota__Burst is in docs/configuration.md but not in EXPECTED_ENV']);
  });

  it('notices a variable moved to another service in the docs', () => {
    const md = readRepoFile('docs/configuration.md').replace('| `ConnectionStrings__Redis` | Auth, Quota, Routing, Metering |', '| `ConnectionStrings__Redis` | Auth, Quota, Routing |');
    assert.deepEqual(diffContract(parseContract(md)), ['Metering: ConnectionStrings__Redis is in EXPECTED_ENV but not in docs/configuration.md']);
  });

  it('refuses a service the mapping does not know', () => {
    const md = readRepoFile('docs/configuration.md').replace('| `Quota__DefaultRpm` | Quota |', '| `Quota__DefaultRpm` | Billing |');
    assert.throws(() => parseContract(md), /unknown service "Billing"/);
  });
});
