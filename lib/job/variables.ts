/**
 * Variable substitution in every string of a job (keys untouched), before validation:
 * - `${name}` from params (`-p name=value`); a param's value may itself use variables.
 * - `${bizdate}` (yyyyMMdd) and `${cyctime}` (yyyyMMddHHmmss), unless a param of that name is given.
 * - `$[...]` date expressions relative to cyctime (see dates.ts).
 * Substituted text is not scanned again, except a param's own value. A bare `${name}` (see
 * read.ts) becomes the JSON value of its text: `"channel": ${ch}` with ch=4 gives the number 4.
 * An unresolved `${name}` is an error at the JSON path of its string.
 */
import { configError, type JobIssue } from '../errors.js';
import { cyctimeOf, defaultBizdate, evaluateDateExpression, formatDate, parseBizdate, parseYyyyMMdd } from './dates.js';
import { PARAM_NAME } from './params.js';
import { BareVariable } from './read.js';
import { childPath } from './schema.js';

export interface VariableContext {
  params: Readonly<Record<string, string>>;
  /** Local midnight of the business date. */
  bizdate: Date;
  /** The run's time: bizdate + 1 day at the time of day of `now`. */
  cyctime: Date;
}

export interface VariableOptions {
  params?: Record<string, string> | undefined;
  /** yyyyMMdd; default: a `bizdate` param in that form, else yesterday relative to `now`. */
  bizdate?: string | undefined;
  now?: Date | undefined;
}

/** Builds the context; a bad `--bizdate` is FERRY_USAGE. */
export function variableContext(options: VariableOptions = {}): VariableContext {
  const now = options.now ?? new Date();
  const params = options.params ?? {};
  const fromParam = Object.hasOwn(params, 'bizdate') ? params.bizdate : undefined;
  let bizdate: Date;
  if (options.bizdate !== undefined) {
    bizdate = parseBizdate(options.bizdate);
    if (fromParam !== undefined && fromParam !== options.bizdate) {
      throw configError('FERRY_USAGE', '--bizdate', `${options.bizdate} disagrees with -p bizdate=${fromParam}; give one of them`);
    }
  } else {
    // DataX users pass the business date as their own param (-p "-Dbizdate=20240131"): let it
    // drive the $[...] expressions too, so ${bizdate} and $[yyyyMMdd-1] agree.
    bizdate = (fromParam !== undefined ? parseYyyyMMdd(fromParam) : undefined) ?? defaultBizdate(now);
  }
  return { params, bizdate, cyctime: cyctimeOf(bizdate, now) };
}

export interface Resolved<T> {
  value: T;
  /** One per unresolved variable or bad date expression, in document order. */
  errors: JobIssue[];
}

const VARIABLE = /\$\{([^{}]*)\}|\$\[([^[\]]*)\]/g;

/** Replaces variables in every string of `value` (a deep copy is returned); `path` is the JSON path of `value`. */
export function resolveVariables<T>(value: T, ctx: VariableContext, path = ''): Resolved<T> {
  const errors: JobIssue[] = [];
  const seen = new Set<string>();
  const report = (issue: JobIssue) => {
    const key = `${issue.path}\n${issue.message}`;
    if (!seen.has(key)) errors.push(issue);
    seen.add(key);
  };
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === 'string') return substitute(v, ctx, at, report, []);
    if (v instanceof BareVariable) return bareValue(v, ctx, at, report);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, `${at}[${i}]`));
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, childPath(at, k))]));
    }
    return v;
  };
  return { value: walk(value, path) as T, errors };
}

/** Replaces the variables of one string; `stack` holds the params being expanded (a cycle is an error). */
function substitute(text: string, ctx: VariableContext, path: string, report: (i: JobIssue) => void, stack: string[]): string {
  return text.replace(VARIABLE, (whole, inner: string | undefined, expr: string | undefined) => {
    if (inner !== undefined) {
      const name = inner.trim();
      if (!PARAM_NAME.test(name)) return whole; // `${}` or `${a b}`: not a variable, kept as written
      const found = lookup(name, ctx, path, report, stack);
      return found ?? whole;
    }
    const result = evaluateDateExpression(expr as string, ctx.cyctime);
    if (result === undefined) return whole;
    if ('error' in result) {
      report({ path, message: result.error });
      return whole;
    }
    return result.value;
  });
}

function lookup(name: string, ctx: VariableContext, path: string, report: (i: JobIssue) => void, stack: string[]): string | undefined {
  if (Object.hasOwn(ctx.params, name)) {
    if (stack.includes(name)) {
      report({ path, message: `variable \${${name}} refers to itself (-p ${[...stack, name].join(' -> ')})` });
      return undefined;
    }
    return substitute(ctx.params[name] as string, ctx, path, report, [...stack, name]);
  }
  if (name === 'bizdate') return formatDate(ctx.bizdate, 'yyyyMMdd');
  if (name === 'cyctime') return formatDate(ctx.cyctime, 'yyyyMMddHHmmss');
  report({ path, message: `unresolved variable \${${name}}; pass it with -p ${name}=value` });
  return undefined;
}

/** A bare `${name}`: its text as JSON when it is a number, true, false or null, else as a string. */
function bareValue(v: BareVariable, ctx: VariableContext, path: string, report: (i: JobIssue) => void): unknown {
  const text = lookup(v.name, ctx, path, report, []);
  if (text === undefined) return `\${${v.name}}`;
  const trimmed = text.trim();
  if (/^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/.test(trimmed)) return JSON.parse(trimmed) as unknown;
  return text;
}
