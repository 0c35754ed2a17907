/**
 * A module resolve hook (node:module register): a plugin module outside a ferry checkout
 * (`ferry run job.json --plugin ~/plugins/x.mjs`) imports 'ferry/plugin' and finds this ferry,
 * the one running it, when its own node_modules has none.
 */
const SELF: Record<string, string> = {
  ferry: new URL('../index.js', import.meta.url).href,
  'ferry/plugin': new URL('./index.js', import.meta.url).href,
};

type Next = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, next: Next): Promise<{ url: string; shortCircuit?: boolean }> {
  try {
    return await next(specifier, context);
  } catch (err) {
    const self = SELF[specifier];
    if (self !== undefined && (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return { url: self, shortCircuit: true };
    throw err;
  }
}
