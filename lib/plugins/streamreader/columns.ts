/**
 * streamreader's columns, compiled once per task: constants are parsed up front, and `random`
 * and `incr` columns become small generator functions, so producing a row costs only the
 * columns that change.
 */
import { DateTime, Decimal, columnType, type ColumnType, type Value } from '../../../channel/value.js';
import { compileDateFormat, parseDateTimeLoose, type DateFormat } from '../../util/date-format.js';

export interface StreamColumn {
  type: string;
  value?: unknown;
  random?: string;
  incr?: string;
  dateFormat?: string;
  format?: string;
  name?: string;
}

/** A column's value for the n-th row of a task; constants ignore n. */
export type ColumnSource = { constant: true; value: Value } | { constant: false; next: (n: number) => Value };

const DEFAULT_DATE_FORMAT = 'yyyy-MM-dd HH:mm:ss';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Thrown with the JSON key that is wrong (relative to the column), so callers can build the path. */
export class ColumnProblem extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

function parseScalar(type: ColumnType, raw: unknown, fmt: DateFormat | undefined, key: string): Value {
  if (raw === null || raw === undefined) return null;
  const text = typeof raw === 'string' ? raw : String(raw);
  const bad = (what: string): never => {
    throw new ColumnProblem(key, `${JSON.stringify(raw)} is not ${what}`);
  };
  switch (type) {
    case 'long': {
      if (!/^\s*[-+]?\d+\s*$/.test(text)) bad('a long');
      const b = BigInt(text.trim());
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    case 'double': {
      const n = Number(text);
      if (text.trim() === '' || (Number.isNaN(n) && text.trim() !== 'NaN')) bad('a double');
      return n;
    }
    case 'decimal':
      if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) bad('a decimal');
      return new Decimal(text.trim());
    case 'string':
      return text;
    case 'bool':
      if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
      return bad('true or false');
    case 'date': {
      const d = fmt ? fmt.parseDateTime(text) : parseDateTimeLoose(text);
      return d ?? bad(`a date${fmt ? ` in the format ${fmt.pattern}` : ''}`);
    }
    case 'bytes':
      return new Uint8Array(Buffer.from(text, 'utf8'));
  }
}

function pair(spec: string, key: string, type: ColumnType, fmt: DateFormat | undefined): [Value, Value] {
  const parts = spec.split(',');
  if (parts.length < 2) throw new ColumnProblem(key, `${JSON.stringify(spec)} is not a range; write "min,max"`);
  return [parseScalar(type === 'string' || type === 'bytes' ? 'long' : type, parts[0], fmt, key), parseScalar(type === 'string' || type === 'bytes' ? 'long' : type, parts[1], fmt, key)];
}

function randomText(min: number, max: number): string {
  const len = min + Math.floor(Math.random() * (max - min + 1));
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(Math.random() * ALPHABET.length)];
  return s;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function compileColumn(col: StreamColumn): ColumnSource {
  const type = columnType(col.type);
  if (!type) throw new ColumnProblem('type', `unknown type ${JSON.stringify(col.type)}; use long, double, decimal, string, bool, date or bytes`);
  // FlinkX writes `"format": ""` for "no format"; a constant without one is read as any ISO-like date
  // ("2020-08-09", "2020-08-09 10:00:00.123456"), a range in DataX's default format.
  const pattern = (col.dateFormat ?? col.format) || undefined;
  const patternKey = col.dateFormat ? 'dateFormat' : 'format';
  let fmt: DateFormat | undefined;
  if (type === 'date' && (pattern !== undefined || col.value === undefined)) {
    try {
      fmt = compileDateFormat(pattern ?? DEFAULT_DATE_FORMAT);
    } catch (err) {
      throw new ColumnProblem(patternKey, (err as Error).message);
    }
  }
  if (col.random !== undefined && type === 'bool') {
    // DataX: a random bool column ignores its range.
    return { constant: false, next: () => Math.random() < 0.5 };
  }
  if (col.random !== undefined) {
    const [lo, hi] = pair(col.random, 'random', type, fmt);
    if (lo === null || hi === null) throw new ColumnProblem('random', 'needs both ends of the range');
    switch (type) {
      case 'long': {
        const a = Number(lo), b = Number(hi);
        return { constant: false, next: () => a + Math.floor(Math.random() * (b - a + 1)) };
      }
      case 'double': {
        const a = lo as number, b = hi as number;
        return { constant: false, next: () => a + Math.random() * (b - a) };
      }
      case 'decimal': {
        const a = Number((lo as Decimal).text), b = Number((hi as Decimal).text);
        return { constant: false, next: () => new Decimal((a + Math.random() * (b - a)).toFixed(2)) };
      }
      case 'string':
        return { constant: false, next: () => randomText(Number(lo), Number(hi)) };
      case 'bytes':
        return { constant: false, next: () => new Uint8Array(Buffer.from(randomText(Number(lo), Number(hi)))) };
      case 'bool':
        throw new Error('unreachable: handled above');
      case 'date': {
        const a = (lo as DateTime).epochMs, b = (hi as DateTime).epochMs, kind = (lo as DateTime).kind;
        return { constant: false, next: () => new DateTime(a + Math.floor(Math.random() * (b - a)), 0, kind) };
      }
    }
  }
  if (col.incr !== undefined) {
    const parts = String(col.incr).split(',').map((p) => p.trim());
    if (type === 'long' || type === 'double') {
      const start = parseScalar(type, parts[0], undefined, 'incr') as number;
      const step = parts[1] === undefined ? 1 : (parseScalar(type, parts[1], undefined, 'incr') as number);
      return { constant: false, next: (n) => start + n * step };
    }
    if (type === 'date') {
      const first = parseScalar('date', parts[0], fmt, 'incr') as DateTime;
      const start = first.epochMs;
      const kind = first.kind;
      const step = parts[1] === undefined ? 1 : Number(parts[1]);
      const unit = (parts[2] ?? 'd').trim();
      if (!Number.isInteger(step)) throw new ColumnProblem('incr', `step ${JSON.stringify(parts[1])} is not an integer`);
      if (unit === 'M' || unit === 'y') {
        const months = unit === 'y' ? 12 * step : step;
        // Wall-clock dates keep their fields in UTC (see DateKind): step the month there.
        return { constant: false, next: (n) => { const d = new Date(start); d.setUTCMonth(d.getUTCMonth() + n * months); return new DateTime(d.getTime(), 0, kind); } };
      }
      const ms = UNIT_MS[unit.toLowerCase()];
      if (ms === undefined) throw new ColumnProblem('incr', `unit ${JSON.stringify(unit)} is not one of s, m, h, d, M, y`);
      return { constant: false, next: (n) => new DateTime(start + n * step * ms, 0, kind) };
    }
    throw new ColumnProblem('incr', `incr works on long, double and date columns, not ${type}`);
  }
  return { constant: true, value: parseScalar(type, col.value, fmt, 'value') };
}
