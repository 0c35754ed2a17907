/**
 * A small schema language for job files. Plugins declare their `parameter` with it; the
 * validator reports each problem as `<json path>: expected <what>, got <value>` and each
 * unknown key as a warning. Our own code rather than a JSON-Schema library because the
 * messages are the product here: a DataX user must see the path, the expectation and the value.
 */
import type { JobIssue } from '../errors.js';
import { describeValue } from './describe.js';

interface Common {
  /** Shown in `ferry plugins` and the README. */
  description?: string;
  /** A value that must never be printed (passwords). */
  secret?: boolean;
  /** An extra check after the type matched; returns the problem text or undefined. */
  check?: (value: any, path: string) => string | undefined;
}

export type Schema = Common &
  (
    | { type: 'string'; enum?: readonly string[]; nonEmpty?: boolean }
    | { type: 'number' | 'integer'; min?: number; max?: number }
    | { type: 'boolean' }
    | { type: 'array'; items: Schema; minItems?: number }
    | { type: 'object'; properties: Record<string, Schema>; required?: readonly string[]; additional?: Schema | 'allow' }
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
  checkType(value, schema, path, result);
  if (result.errors.length === before && schema.check && value !== undefined) {
    const problem = schema.check(value, path);
    if (problem !== undefined) result.errors.push({ path, message: problem });
  }
  return result;
}

export function expectedName(schema: Schema): string {
  switch (schema.type) {
    case 'string': return schema.enum ? `one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}` : 'a string';
    case 'number': return 'a number';
    case 'integer': return 'an integer';
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

function mismatch(value: unknown, schema: Schema, path: string, result: ValidationResult): void {
  const got = schema.secret ? '"******"' : describeValue(value);
  result.errors.push({ path, message: `expected ${expectedName(schema)}, got ${got}` });
}

function checkType(value: unknown, schema: Schema, path: string, result: ValidationResult): void {
  if (!matchesType(value, schema)) {
    mismatch(value, schema, path, result);
    return;
  }
  switch (schema.type) {
    case 'string':
      if (schema.enum && !schema.enum.includes(value as string)) mismatch(value, schema, path, result);
      else if (schema.nonEmpty && value === '') result.errors.push({ path, message: 'must not be empty' });
      return;
    case 'number':
    case 'integer': {
      const n = value as number;
      if (schema.min !== undefined && n < schema.min) result.errors.push({ path, message: `must be at least ${schema.min}, got ${n}` });
      else if (schema.max !== undefined && n > schema.max) result.errors.push({ path, message: `must be at most ${schema.max}, got ${n}` });
      return;
    }
    case 'array': {
      const arr = value as unknown[];
      if (schema.minItems !== undefined && arr.length < schema.minItems) {
        result.errors.push({ path, message: schema.minItems === 1 ? 'must not be empty' : `needs at least ${schema.minItems} items, got ${arr.length}` });
      }
      arr.forEach((item, i) => validate(item, schema.items, `${path}[${i}]`, result));
      return;
    }
    case 'object': {
      const obj = value as Record<string, unknown>;
      for (const key of schema.required ?? []) {
        if (obj[key] === undefined) result.errors.push({ path: `${path}.${key}`, message: `is required` });
      }
      for (const [key, v] of Object.entries(obj)) {
        const sub = schema.properties[key];
        const childPath = `${path}.${key}`;
        if (sub) validate(v, sub, childPath, result);
        else if (schema.additional === 'allow') continue;
        else if (schema.additional) validate(v, schema.additional, childPath, result);
        else result.warnings.push({ path: childPath, message: 'unknown key, ignored' });
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

/** Paths of every key marked secret, for masking (`password`, and anything a plugin marks). */
export function isSecretKey(key: string): boolean {
  return /pass(word|wd)?$|secret|token|accesskey|credential/i.test(key);
}
