// Both overlays render with kubectl kustomize, and every rendered object is valid against the Kubernetes schemas.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { overlays } from '../lib/render.js';
import { overlayContext } from '../lib/context.js';
import { validateAll } from '../lib/schema.js';

for (const name of Object.keys(overlays)) {
  describe(`overlay ${name}`, () => {
    it('renders with kubectl kustomize', (t) => {
      const { objects } = overlayContext(name);
      assert.ok(objects.length > 0, 'the render is empty');
      const kinds = {};
      for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
      t.diagnostic(`${name}: ${objects.length} objects: ${Object.entries(kinds).sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
    });

    it('validates every object against the Kubernetes schemas (kubernetes-models)', async (t) => {
      const { objects } = overlayContext(name);
      const problems = await validateAll(objects);
      assert.deepEqual(problems, [], `schema violations:\n${problems.join('\n')}`);
      t.diagnostic(`${name}: ${objects.length} objects valid`);
    });
  });
}
