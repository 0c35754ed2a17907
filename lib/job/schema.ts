/**
 * A small schema language for job files. Plugins declare their `parameter` with it; the
 * validator reports each problem as `<json path>: expected <what>, got <value>` and each
 * unknown key as a warning. Our own code rather than a JSON-Schema library because the
 * messages are the product here: a DataX user must see the path, the expectation and the value.
 */
import type { JobIssue } from '../errors.js';
import { describeValue } from './describe.js';
import { nearest } from '../util/nearest.js';

interface Common {
  /** Shown in `ferry plugins` and the README. */
  description?: string;
  /** A value that must never be printed (passwords). */
  secret?: boolean;
  /**
   * An extra check after the type matched; returns the problem text, or `{ key, message }`
   * when the problem is in one key of an object value (the path then names that key).
   */
  check?: (value: any, path: string) => string | { key: string; message: string } | undefined;
  /** How messages name what is expected, when the type's own name says too little (`a reader name such as "streamreader"`). */
  expected?: string;
  /**
   * A key that is accepted but has no effect or a changed meaning: reported as a warning when
   * present (a string), or when the function returns a text.
   */
  warn?: string | ((value: any, path: string) => string | undefined);
}

export type Schema = Common &
  (
    | { type: 'string'; enum?: readonly string[]; nonEmpty?: boolean }
    | { type: 'number' | 'integer'; min?: number; max?: number }
    | { type: 'boolean' }
    | { type: 'array'; items: Schema; minItems?: number }
    /** `moved`: keys that are known elsewhere in the file, with where they belong (`core` inside `job`). */
    | { type: 'object'; properties: Record<string, Schema>; required?: readonly string[]; additional?: Schema | 'allow'; moved?: Record<string, string> }
    /** The first option whose type matches is used; `expected` names them all for the message. */
    | { type: 'oneOf'; options: Schema[]; expected: string }
    | { type: 'any' }
  );

export interface ValidationResult {
  errors: JobIssue[];
  warnings: JobIssue[];
}

export function validate(value: unknown, schema: Schema, path: string, result: ValidationResult = { errors: [], warnings: [] }): ValidationResult {
  const before = result.errors.length;
  if (schema.warn !== undefined && value !== undefined) {
    const warning = typeof schema.warn === 'string' ? schema.warn : schema.warn(value, path);
    if (warning !== undefined) result.warnings.push({ path, message: warning });
  }
  checkType(value, schema, path, result);
  if (result.errors.length === before && schema.check && value !== undefined) {
    const problem = schema.check(value, path);
    if (typeof problem === 'string') result.errors.push({ path, message: problem });
    else if (problem !== undefined) result.errors.push({ path: childPath(path, problem.key), message: problem.message });
  }
  return result;
}

export function expectedName(schema: Schema): string {
  if (schema.expected !== undefined) return schema.expected;
  switch (schema.type) {
    case 'string': return schema.enum ? `one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` : schema.nonEmpty ? 'a non-empty string' : 'a string';
    case 'number':
    case 'integer': {
      const noun = schema.type === 'number' ? 'a number' : 'an integer';
      if (schema.min !== undefined && schema.max !== undefined) return `${noun} from ${schema.min} to ${schema.max}`;
      if (schema.min !== undefined) return `${noun} of at least ${schema.min}`;
      if (schema.max !== undefined) return `${noun} of at most ${schema.max}`;
      return noun;
    }
    case 'boolean': return 'true or false';
    case 'array': return 'an array';
    case 'object': return 'an object';
    case 'oneOf': return schema.expected;
    case 'any': return 'any value';
  }
}

/** Whether the value has the schema's basic JSON type (used to pick a oneOf branch). */
function matchesType(value: unknown, schema: Schema): boolean {
  switch (schema.type) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'array': return Array.isArray(value);
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'oneOf': return schema.options.some((o) => matchesType(value, o));
    case 'any': return true;
  }
}

function mismatch(value: unknown, schema: Schema, path: string, result: ValidationResult, got?: string): void {
  const secret = schema.secret || isSecretKey(lastKey(path));
  const shown = secret && value !== undefined ? '"******"' : (got ?? describeValue(value));
  result.errors.push({ path, message: `expected ${expectedName(schema)}, got ${shown}` });
}

/** The path of a key under `path`: `a.b`, or `a["dfs.nameservices"]` for a key that is not a plain name. */
export function childPath(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** The last key of a JSON path (`password` for `a.b[0].password`); '' when it ends with an index. */
function lastKey(path: string): string {
  const m = /(?:^|\.)([^.[\]]+)$|\["((?:[^"\\]|\\.)*)"\]$/.exec(path);
  return m?.[1] ?? m?.[2] ?? '';
}

function checkType(value: unknown, schema: Schema, path: string, result: ValidationResult): void {
  if (!matchesType(value, schema)) {
    mismatch(value, schema, path, result);
    return;
  }
  switch (schema.type) {
    case 'string':
      if (schema.enum && !schema.enum.includes(value as string)) mismatch(value, schema, path, result);
      else if (schema.nonEmpty && value === '') mismatch(value, schema, path, result);
      return;
    case 'number':
    case 'integer': {
      const n = value as number;
      if ((schema.min !== undefined && n < schema.min) || (schema.max !== undefined && n > schema.max)) mismatch(value, schema, path, result);
      return;
    }
    case 'array': {
      const arr = value as unknown[];
      if (schema.minItems !== undefined && arr.length < schema.minItems) {
        const expected = schema.expected ?? (schema.minItems === 1 ? 'a non-empty array' : `an array of at least ${schema.minItems} items`);
        const got = arr.length === 0 ? 'an empty array' : `${arr.length} item${arr.length === 1 ? '' : 's'}`;
        result.errors.push({ path, message: `expected ${expected}, got ${got}` });
      }
      arr.forEach((item, i) => validate(item, schema.items, `${path}[${i}]`, result));
      return;
    }
    case 'object': {
      const obj = value as Record<string, unknown>;
      for (const key of schema.required ?? []) {
        const sub = schema.properties[key];
        if (obj[key] !== undefined) continue;
        if (sub) mismatch(undefined, sub, childPath(path, key), result);
        else result.errors.push({ path: childPath(path, key), message: 'is required' });
      }
      for (const [key, v] of Object.entries(obj)) {
        const sub = Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
        const keyPath = childPath(path, key);
        if (sub) validate(v, sub, keyPath, result);
        else if (schema.additional === 'allow') continue;
        else if (schema.additional) validate(v, schema.additional, keyPath, result);
        else result.warnings.push(unknownKey(keyPath, key, schema));
      }
      return;
    }
    case 'oneOf': {
      const option = schema.options.find((o) => matchesType(value, o));
      if (option) validate(value, option, path, result);
      return;
    }
    default:
      return;
  }
}

const unknownKeys = new WeakSet<JobIssue>();

/** Whether a warning is about an unknown key (an error under `--strict`). */
export function isUnknownKey(issue: JobIssue): boolean {
  return unknownKeys.has(issue);
}

function unknownKey(path: string, key: string, schema: { properties: Record<string, Schema>; moved?: Record<string, string> }): JobIssue {
  const moved = schema.moved && Object.hasOwn(schema.moved, key) ? schema.moved[key] : undefined;
  const near = moved === undefined ? nearest(key, Object.keys(schema.properties)) : undefined;
  const message = moved !== undefined ? `unknown key here: ${moved}` : near !== undefined ? `unknown key; did you mean ${JSON.stringify(near)}?` : 'unknown key, ignored';
  const issue = { path, message };
  unknownKeys.add(issue);
  return issue;
}

/** Paths of every key marked secret, for masking (`password`, and anything a plugin marks). */
export function isSecretKey(key: string): boolean {
  return /pass(word|wd)?$|(^|_)pwd$|secret|token|accesskey|credential/i.test(key);
}
