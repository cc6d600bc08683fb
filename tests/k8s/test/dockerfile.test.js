// The one Dockerfile: multi-stage, parameterised by SERVICE, pinned base images, non-root; and every gateway
// image the manifests deploy is a project it can build.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/render.js';
import { overlayContext } from '../lib/context.js';
import { workloads, podSpec } from '../lib/objects.js';
import { parseImage } from '../lib/checks.js';

const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

function argDefaults() {
  const out = {};
  for (const l of instructions) {
    const m = /^ARG\s+(\w+)=(\S+)$/.exec(l);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

function stages() {
  const defaults = argDefaults();
  return instructions.filter((l) => l.startsWith('FROM ')).map((l) => {
    const m = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(l);
    const image = m[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => defaults[a ?? b] ?? `<${a ?? b} unset>`);
    return { image, name: m[2] };
  });
}

/** Instructions of the last stage. */
function finalStage() {
  const lastFrom = instructions.map((l) => l.startsWith('FROM ')).lastIndexOf(true);
  return instructions.slice(lastFrom);
}

describe('Dockerfile', () => {
  it('is multi-stage: SDK build, ASP.NET runtime', () => {
    const s = stages();
    assert.ok(s.length >= 2, 'needs a build and a runtime stage');
    assert.match(s[0].image, /^mcr\.microsoft\.com\/dotnet\/sdk:/);
    assert.match(s.at(-1).image, /^mcr\.microsoft\.com\/dotnet\/aspnet:/);
  });

  it('pins every base image to an exact patch version', () => {
    for (const { image } of stages()) {
      const { tag } = parseImage(image);
      assert.ok(tag, `${image} has no tag`);
      assert.match(tag, /^\d+\.\d+\.\d+(-[a-z0-9.-]+)?$/, `${image} is not pinned to a patch version`);
    }
    assert.match(stages().at(-1).image, /aspnet:10\.0\.\d+/);
  });

  it('builds the project named by --build-arg SERVICE', () => {
    assert.ok(instructions.includes('ARG SERVICE'), 'no ARG SERVICE');
    assert.ok(instructions.some((l) => /dotnet publish "services\/\$\{SERVICE\}\/\$\{SERVICE\}\.csproj"/.test(l)), 'publish does not use SERVICE');
    assert.ok(finalStage().some((l) => /APP_ASSEMBLY=\/app\/\$\{SERVICE\}\.dll/.test(l)), 'the runtime does not start SERVICE');
  });

  it('runs as the non-root app user', () => {
    const users = finalStage().filter((l) => l.startsWith('USER '));
    assert.deepEqual(users, ['USER $APP_UID']);
  });

  it('copies everything a project build reads, and the context keeps build outputs out', () => {
    for (const f of ['global.json', 'Directory.Build.props', 'Directory.Packages.props', '.editorconfig']) {
      assert.ok(instructions.some((l) => l.startsWith('COPY ') && l.includes(f)), `${f} is not copied`);
      assert.ok(existsSync(path.join(repoRoot, f)), `${f} does not exist`);
    }
    const ignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['**/bin/', '**/obj/', '**/node_modules/', '.git/']) assert.ok(ignore.includes(p), `.dockerignore misses ${p}`);
  });

  it('can build every gateway image the overlays deploy, and the pods run as its uid (1654)', () => {
    for (const overlay of ['dev', 'prod']) {
      for (const w of workloads(overlayContext(overlay).objects)) {
        for (const c of podSpec(w).containers) {
          const base = parseImage(c.image).name.split('/').at(-1);
          if (!base.startsWith('gateway-')) continue;
          const project = `Gateway.${base.slice('gateway-'.length).replace(/^./, (ch) => ch.toUpperCase())}`;
          assert.ok(existsSync(path.join(repoRoot, 'services', project, `${project}.csproj`)), `${overlay}: no project for image ${c.image} (SERVICE=${project})`);
          assert.equal(podSpec(w).securityContext?.runAsUser, 1654, `${overlay} ${w.metadata.name}: runAsUser should be the image's app uid`);
        }
      }
    }
  });
});
