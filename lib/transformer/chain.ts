/**
 * job.content[].transformer: checked on the main thread at load (every mistake is exit 2 with
 * its JSON path) and compiled again in the worker, once per task, into one RecordTransform.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dxDigest, dxFilter, dxPad, dxReplace, dxSubstr, TransformerParameterError, type DxParameter } from './dx.js';
import { compileExpr, ExprSyntaxError } from './expr.js';
import type { RecordTransform, TransformerSpec } from './spi.js';

const DX: Record<string, (p: DxParameter, path: string) => RecordTransform> = {
  dx_substr: dxSubstr,
  dx_pad: dxPad,
  dx_replace: dxReplace,
  dx_filter: dxFilter,
  dx_digest: dxDigest,
};

export const TRANSFORMER_NAMES = [...Object.keys(DX), 'expr', 'module'];

export interface TransformerIssue {
  path: string;
  message: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Compiles an entry that needs no import: a dx_* or expr transformer. */
function compileBuiltin(spec: TransformerSpec): RecordTransform {
  const dx = DX[spec.name];
  if (dx) return dx(spec.parameter, spec.path);
  const src = spec.parameter.expr ?? spec.parameter.code;
  if (typeof src !== 'string') throw new TransformerParameterError(`${spec.path}.parameter.expr`, 'expr needs "expr", e.g. "c[1] = upper(c[1])"');
  const target = spec.parameter.columnIndex;
  if (target !== undefined && (typeof target !== 'number' || !Number.isInteger(target) || target < 0)) {
    throw new TransformerParameterError(`${spec.path}.parameter.columnIndex`, `expected a column position counted from 0, got ${JSON.stringify(target)}`);
  }
  try {
    return compileExpr(src, target);
  } catch (err) {
    if (err instanceof ExprSyntaxError) throw new TransformerParameterError(`${spec.path}.parameter.expr`, `${err.message} in ${JSON.stringify(src)}`);
    throw err;
  }
}

/**
 * The transformer list of one job.content entry as specs, checked; issues collect every mistake.
 * DataX puts `parameter` beside `name`; ChunJun's SQL transformer (`{"transformSql": ...}`) is refused.
 */
export function transformerSpecs(list: unknown, path: string, baseDir: string, issues: TransformerIssue[]): TransformerSpec[] {
  if (list === undefined) return [];
  if (isObject(list) && 'transformSql' in list) {
    issues.push({ path: `${path}.transformSql`, message: 'ChunJun\'s SQL transformer is not supported: write the same change as an "expr" transformer or a module transformer in a "transformer" list' });
    return [];
  }
  if (!Array.isArray(list)) {
    issues.push({ path, message: 'expected a list of {"name": "dx_substr", "parameter": {...}} entries' });
    return [];
  }
  const specs: TransformerSpec[] = [];
  for (const [i, entry] of list.entries()) {
    const at = `${path}[${i}]`;
    if (!isObject(entry) || typeof entry.name !== 'string') {
      issues.push({ path: at, message: 'expected {"name": "dx_substr", "parameter": {...}}' });
      continue;
    }
    const parameter = entry.parameter ?? {};
    if (!isObject(parameter)) {
      issues.push({ path: `${at}.parameter`, message: 'expected an object' });
      continue;
    }
    const spec: TransformerSpec = { name: entry.name, parameter, path: at };
    if (entry.name === 'dx_groovy') {
      issues.push({ path: `${at}.name`, message: 'dx_groovy cannot run here (ferry runs no Groovy): rewrite the code as an "expr" transformer ({"name": "expr", "parameter": {"expr": "c[1] = upper(c[1])"}}) or a module transformer ({"name": "module", "parameter": {"path": "./t.mjs"}})' });
      continue;
    }
    if (entry.name === 'module') {
      if (typeof parameter.path !== 'string' || parameter.path === '') {
        issues.push({ path: `${at}.parameter.path`, message: 'module needs "path", the .mjs/.js file whose default export maps a record' });
        continue;
      }
      const file = resolve(baseDir, parameter.path);
      if (!existsSync(file)) {
        issues.push({ path: `${at}.parameter.path`, message: `no such file: ${file}` });
        continue;
      }
      spec.moduleUrl = pathToFileURL(file).href;
      specs.push(spec);
      continue;
    }
    if (!DX[entry.name] && entry.name !== 'expr') {
      issues.push({ path: `${at}.name`, message: `unknown transformer "${entry.name}" (known: ${TRANSFORMER_NAMES.join(', ')}, dx_groovy is not supported)` });
      continue;
    }
    try {
      compileBuiltin(spec);
      specs.push(spec);
    } catch (err) {
      if (!(err instanceof TransformerParameterError)) throw err;
      issues.push({ path: err.path, message: err.message });
    }
  }
  return specs;
}

/** The chain of a task's transformers as one function; modules are imported here, in the worker. */
export async function compileChain(specs: readonly TransformerSpec[]): Promise<RecordTransform | undefined> {
  if (specs.length === 0) return undefined;
  const steps: RecordTransform[] = [];
  for (const spec of specs) steps.push(spec.name === 'module' ? await compileModule(spec) : compileBuiltin(spec));
  return chainOf(steps);
}

async function compileModule(spec: TransformerSpec): Promise<RecordTransform> {
  const mod = (await import(spec.moduleUrl!)) as { default?: unknown };
  let fn = mod.default;
  // A factory (marked by taking no record: `export default (parameter) => (row) => ...` is
  // ambiguous, so a factory is `export function create(parameter)`) gets the parameter once.
  const create = (mod as { create?: unknown }).create;
  if (typeof create === 'function') fn = await (create as (p: unknown) => unknown)(spec.parameter);
  if (typeof fn !== 'function') throw new Error(`${spec.path}: ${spec.parameter.path as string} must export default a function (row) => row | null, or export create(parameter) returning one`);
  const f = fn as (row: unknown) => unknown;
  return (row) => {
    const r = f(row);
    // undefined: the function changed the record in place.
    if (r === undefined) return row;
    if (r !== null && !Array.isArray(r)) throw new Error(`module ${spec.parameter.path as string} returned ${typeof r}, not a record (an array) or null`);
    return r as ReturnType<RecordTransform>;
  };
}

/**
 * One function over the steps. Chains are short: up to three steps are called directly (each
 * call site sees one function, so V8 can inline it), longer ones in a loop.
 */
function chainOf(steps: readonly RecordTransform[]): RecordTransform {
  const [a, b, c] = steps as [RecordTransform, RecordTransform | undefined, RecordTransform | undefined];
  if (steps.length === 1) return a;
  if (steps.length === 2) {
    const b2 = b!;
    return (row) => {
      const r = a(row);
      return r === null ? null : b2(r);
    };
  }
  if (steps.length === 3) {
    const b3 = b!;
    const c3 = c!;
    return (row) => {
      let r = a(row);
      if (r !== null) r = b3(r);
      return r === null ? null : c3(r);
    };
  }
  return (row) => {
    let r: ReturnType<RecordTransform> = row;
    for (let i = 0; i < steps.length && r !== null; i++) r = steps[i]!(r);
    return r;
  };
}
