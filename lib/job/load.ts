/**
 * Loading a job: read (or copy the given object), replace variables, validate the structure,
 * load each reader and writer and validate its `parameter` against the plugin's schema, then
 * normalise the settings. Every problem is collected and thrown as ONE JobConfigError (exit
 * code 2) with secret values masked; warnings (unknown keys, ...) go into JobSpec.warnings.
 */
import { resolve } from 'node:path';
import { FerryError, JobConfigError, type ErrorCode, type JobIssue } from '../errors.js';
import { PluginRegistry } from '../plugin/registry.js';
import { readDataxHabits } from './datax-habits.js';
import { validateJobStructure } from './job-schema.js';
import { collectSecrets, maskSecrets, maskText, secretKeysOf } from './mask.js';
import { checkTop, isPlainObject, parseJobText, readJobText } from './read.js';
import { childPath, isUnknownKey, validate } from './schema.js';
import { checkChannelOverride, jobSettings } from './settings.js';
import type { ContentSpec, JobSettings, JobSpec, PluginRef } from './types.js';
import { resolveVariables, variableContext } from './variables.js';
import { transformerSpecs } from '../transformer/chain.js';

export interface LoadOptions {
  /** Values for `${name}` (the CLI's `-p`; see parseParams). */
  params?: Record<string, string>;
  /** Business date, yyyyMMdd; default yesterday relative to `now`. */
  bizdate?: string;
  /** The run's clock for ${bizdate}, ${cyctime} and $[...]; default: the current time. */
  now?: Date;
  /** Where plugins are looked up; default: a registry of the built-in plugins. */
  registry?: PluginRegistry;
  /** `--channel`: overrides setting.speed.channel. */
  channel?: number;
  /** For a job given as an object: what relative paths resolve against (default: cwd). A job file's own directory is used for a path. */
  baseDir?: string;
  /** `--strict`: an unknown key is an error (exit 2), not a warning. */
  strict?: boolean;
}

export interface ValidatedJob {
  /** The job after variable substitution, secrets masked: safe to print. */
  job: Record<string, unknown>;
  warnings: JobIssue[];
  settings: JobSettings;
  /** Every secret value in the resolved job (collectSecrets), for scrubbing what a run logs. */
  secrets: string[];
}

export async function loadJob(input: string | object, options: LoadOptions = {}): Promise<JobSpec> {
  return (await load(input, options)).spec;
}

/** Loads and validates like loadJob (same errors), and gives the resolved job with secrets masked. */
export async function validateJob(input: string | object, options: LoadOptions = {}): Promise<ValidatedJob> {
  const { spec, secretKeys } = await load(input, options);
  return { job: maskSecrets(spec.resolved, secretKeys), warnings: spec.warnings, settings: spec.settings, secrets: collectSecrets(spec.resolved, secretKeys) };
}

/** An issue and the error code it would give the whole error if it came first. */
interface Problem extends JobIssue {
  code: ErrorCode;
}

async function load(input: string | object, options: LoadOptions): Promise<{ spec: JobSpec; secretKeys: Set<string> }> {
  // Usage errors first: nothing else is worth reporting while the command line is wrong.
  checkChannelOverride(options.channel);
  const ctx = variableContext(options);

  const warnings: JobIssue[] = [];
  let root: Record<string, unknown>;
  let source: string;
  if (typeof input === 'string') {
    source = input;
    root = parseJobText(await readJobText(input), input, warnings);
  } else {
    source = '<object>';
    const copy = copyJson(input);
    checkTop(copy, source);
    root = copy;
  }
  // Relative paths in a job are relative to the working directory, as with DataX (datax.py
  // runs the JVM where it was started), not to the job file.
  const baseDir = resolve(options.baseDir ?? process.cwd());

  const problems: Problem[] = [];
  const substituted = resolveVariables(root, ctx);
  const resolved = substituted.value;
  for (const issue of substituted.errors) problems.push({ ...issue, code: 'FERRY_JOB_VARIABLE' });

  readDataxHabits(resolved, warnings);
  const structure = validateJobStructure(resolved);
  warnings.push(...structure.warnings);
  for (const issue of structure.errors) problems.push({ ...issue, code: 'FERRY_JOB_INVALID' });

  const registry = options.registry ?? new PluginRegistry();
  const secretKeys = new Set<string>();
  const content: ContentSpec[] = [];
  const entries = isPlainObject(resolved.job) ? resolved.job.content : undefined;
  if (Array.isArray(entries)) {
    for (const [index, entry] of entries.entries()) {
      if (!isPlainObject(entry)) continue;
      const base = `job.content[${index}]`;
      const reader = await pluginRef(entry.reader, 'reader', `${base}.reader`, registry, problems, warnings, secretKeys);
      const writer = await pluginRef(entry.writer, 'writer', `${base}.writer`, registry, problems, warnings, secretKeys);
      const issues: JobIssue[] = [];
      const transformers = transformerSpecs(entry.transformer, `${base}.transformer`, baseDir, issues);
      for (const issue of issues) problems.push({ ...issue, code: 'FERRY_JOB_INVALID' });
      if (reader && writer) content.push({ index, reader, writer, transformers });
    }
  }

  if (options.strict) {
    for (const w of warnings.filter(isUnknownKey)) problems.push({ ...w, code: 'FERRY_JOB_INVALID' });
    warnings.splice(0, warnings.length, ...warnings.filter((w) => !isUnknownKey(w)));
  }

  const secrets = collectSecrets(resolved, secretKeys);
  if (problems.length > 0) {
    const shown = withoutEchoes(problems);
    throw new JobConfigError((shown[0] as Problem).code, shown.map((p) => ({ path: p.path, message: maskText(p.message, secrets) })));
  }
  // A plugin's warn() may quote a value too.
  for (const w of warnings) w.message = maskText(w.message, secrets);

  const spec: JobSpec = {
    source,
    baseDir,
    content,
    settings: jobSettings(resolved, { channel: options.channel }),
    resolved,
    warnings,
  };
  return { spec, secretKeys };
}

/** Loads one plugin and validates its parameter; undefined when it could not be (the problem is recorded). */
async function pluginRef(
  ref: unknown,
  kind: 'reader' | 'writer',
  path: string,
  registry: PluginRegistry,
  problems: Problem[],
  warnings: JobIssue[],
  secretKeys: Set<string>,
): Promise<PluginRef | undefined> {
  // A missing or malformed block was reported by the structure check.
  if (!isPlainObject(ref) || typeof ref.name !== 'string' || ref.name === '') return undefined;
  const namePath = childPath(path, 'name');
  let loaded;
  try {
    loaded = await registry.get(ref.name, kind, namePath);
  } catch (err) {
    if (err instanceof JobConfigError) problems.push(...err.issues.map((i) => ({ ...i, code: err.code })));
    else if (err instanceof FerryError) problems.push({ path: namePath, message: err.message, code: err.code });
    else throw err;
    return undefined;
  }
  for (const key of secretKeysOf(loaded.plugin.parameter)) secretKeys.add(key);
  const parameterPath = childPath(path, 'parameter');
  const parameter = ref.parameter ?? {};
  if (!isPlainObject(parameter)) return undefined; // reported by the structure check
  const result = validate(parameter, loaded.plugin.parameter, parameterPath);
  warnings.push(...result.warnings);
  for (const issue of result.errors) problems.push({ ...issue, code: 'FERRY_JOB_INVALID' });
  return { name: ref.name, plugin: loaded.plugin, moduleUrl: loaded.moduleUrl, parameter, path: parameterPath };
}

/**
 * Drops the problems that only echo an unresolved variable: where `${name}` was left in place,
 * a type check at that path, or a plugin's check of the enclosing object that quotes the value,
 * would complain about the leftover text too.
 */
function withoutEchoes(problems: Problem[]): Problem[] {
  const variables = problems.filter((p) => p.code === 'FERRY_JOB_VARIABLE');
  if (variables.length === 0) return problems;
  const leftovers = variables.flatMap((p) => /^unresolved variable (\$\{[^}]*\})/.exec(p.message)?.[1] ?? []);
  const echoes = (p: Problem) => variables.some((v) => v.path === p.path) || leftovers.some((text) => p.message.includes(text));
  return problems.filter((p) => p.code === 'FERRY_JOB_VARIABLE' || !echoes(p));
}

/** A deep copy of a job given as an object; anything that is not JSON data is an error at its path. */
function copyJson(input: object): unknown {
  const issues: JobIssue[] = [];
  const ancestors = new Set<object>();
  const copy = (v: unknown, path: string): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      issues.push({ path, message: `expected a finite number, got ${String(v)}` });
      return null;
    }
    const proto = typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
    if (typeof v === 'object' && (Array.isArray(v) || proto === Object.prototype || proto === null)) {
      if (ancestors.has(v)) {
        issues.push({ path, message: 'expected JSON data, got a circular reference' });
        return null;
      }
      ancestors.add(v);
      const out = Array.isArray(v)
        ? v.map((item, i) => copy(item, `${path}[${i}]`))
        : Object.fromEntries(
            Object.entries(v)
              .filter(([, item]) => item !== undefined)
              .map(([k, item]) => [k, copy(item, childPath(path, k))]),
          );
      ancestors.delete(v);
      return out;
    }
    const what = typeof v === 'object' ? `a ${(proto as { constructor?: { name?: string } } | undefined)?.constructor?.name ?? 'non-plain object'}` : typeof v === 'function' ? 'a function' : `a ${typeof v}`;
    issues.push({ path, message: `expected JSON data (a string, number, boolean, null, array or object), got ${what}` });
    return null;
  };
  const out = copy(input, '');
  if (issues.length > 0) throw new JobConfigError('FERRY_JOB_INVALID', issues);
  return out;
}
