// Validates rendered objects against the Kubernetes OpenAPI schemas shipped by npm kubernetes-models.
// Only core (CRD-free) kinds are expected; an object whose apiVersion/kind has no model is reported.

const modelCache = new Map();

async function modelFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!modelCache.has(key)) {
    let Model = null;
    try {
      const mod = await import(`kubernetes-models/${apiVersion}/${kind}`);
      Model = mod[kind] ?? null;
    } catch {
      Model = null;
    }
    modelCache.set(key, Model);
  }
  return modelCache.get(key);
}

/**
 * kustomize wraps long base64 values of generated Secrets over several lines. The API server decodes them with
 * Go's base64 decoder, which skips \r and \n, so they are valid; the schema's "byte" format is not that lenient.
 */
function normalise(obj) {
  const copy = structuredClone(obj);
  if (copy.kind === 'Secret' && copy.data) {
    for (const k of Object.keys(copy.data)) {
      if (typeof copy.data[k] === 'string') copy.data[k] = copy.data[k].replace(/[\r\n]/g, '');
    }
  }
  return copy;
}

/** Returns a list of problems (empty when the object is valid). */
export async function validateObject(obj) {
  if (typeof obj?.apiVersion !== 'string' || typeof obj?.kind !== 'string') return ['apiVersion and kind are required'];
  const Model = await modelFor(obj.apiVersion, obj.kind);
  if (!Model) return [`no Kubernetes schema for ${obj.apiVersion} ${obj.kind} (a CRD or a typo)`];
  try {
    new Model(normalise(obj)).validate();
    return [];
  } catch (e) {
    return [String(e.message ?? e)];
  }
}

export async function validateAll(objects) {
  const problems = [];
  for (const o of objects) {
    for (const p of await validateObject(o)) problems.push(`${o.kind}/${o.metadata?.name}: ${p}`);
  }
  return problems;
}
