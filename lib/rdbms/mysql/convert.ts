/**
 * MySQL values <-> ferry values (channel/value.ts), without loss.
 *
 * Reading: the connection runs with supportBigNumbers, dateStrings, jsonStrings and without
 * decimalNumbers, so mysql2 hands over numbers for the small integer and float types, a number or
 * (beyond 2^53) a string for BIGINT, text for DECIMAL and every temporal type, a Buffer for the
 * binary types and BIT, a string for the rest. One converter per column, chosen from the column
 * definition once per result set, turns those into ferry values.
 *
 * Writing: SQL literals (escaped by mysql2 where a value is text or bytes) for multi-row INSERT,
 * and tab-separated text for LOAD DATA LOCAL INFILE.
 */
import { escape } from 'mysql2';
import { BINARY_CHARSET, T } from './field-types.js';
import { DateTime, Decimal, type Value } from '../../../channel/value.js';
import { FerryError } from '../../errors.js';
import { civilFromDays, daysFromCivil, MS_PER_DAY } from '../../util/civil.js';

/** The parts of mysql2's ColumnDefinition a converter depends on. */
export interface FieldInfo {
  name: string;
  columnType?: number | undefined;
  characterSet?: number | undefined;
  columnLength?: number | undefined;
  flags: number | string[];
}

export type Converter = (v: unknown) => Value;

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic: lib/util/civil.ts (no Date objects per value).



function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Two ASCII digits at i as a number, or NaN. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

function d4(s: string, i: number): number {
  return d2(s, i) * 100 + d2(s, i + 2);
}

/** ".f" to ".ffffff" at i (or nothing) as microseconds, or NaN when malformed. */
function fraction(s: string, i: number): number {
  if (i === s.length) return 0;
  if (s.charCodeAt(i) !== 46 /* . */) return NaN;
  let us = 0;
  let digits = 0;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j) - 48;
    if (c < 0 || c > 9 || digits === 6) return NaN;
    us = us * 10 + c;
    digits++;
  }
  if (digits === 0) return NaN;
  for (; digits < 6; digits++) us *= 10;
  return us;
}

/** The day number of 'YYYY-MM-DD' at the start of s, or NaN for a zero or impossible date. */
function parseDay(s: string): number {
  if (s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const y = d4(s, 0);
  const m = d2(s, 5);
  const d = d2(s, 8);
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m))) return NaN; // also catches NaN
  return daysFromCivil(y, m, d);
}

/** 'YYYY-MM-DD' → DateTime(date); a zero or invalid date stays the server's text. */
export function readDate(s: string): DateTime | string {
  const day = s.length === 10 ? parseDay(s) : NaN;
  return Number.isNaN(day) ? s : new DateTime(day * MS_PER_DAY, 0, 'date');
}

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]' → DateTime of the kind; a zero or invalid value stays text. */
export function readDateTime(s: string, kind: 'timestamp' | 'timestamptz'): DateTime | string {
  const day = parseDay(s);
  if (Number.isNaN(day) || s.length < 19 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return s;
  const h = d2(s, 11);
  const mi = d2(s, 14);
  const sec = d2(s, 17);
  const us = fraction(s, 19);
  if (!(h <= 23 && mi <= 59 && sec <= 59) || Number.isNaN(us)) return s;
  return new DateTime(day * MS_PER_DAY + ((h * 60 + mi) * 60 + sec) * 1000 + Math.floor(us / 1000), us % 1000, kind);
}

/**
 * 'HH:MM:SS[.ffffff]' within a day → DateTime(time). MySQL's TIME is a duration from
 * -838:59:59 to 838:59:59: anything outside 00:00:00..23:59:59.999999 stays text, without
 * trailing zeros in its fraction ('-12:00:00', '838:59:59.5'), the same from either protocol.
 */
export function readTime(s: string): DateTime | string {
  if (s.length < 8 || s.charCodeAt(2) !== 58 || s.charCodeAt(5) !== 58) return trimFraction(s);
  const h = d2(s, 0);
  const mi = d2(s, 3);
  const sec = d2(s, 6);
  const us = fraction(s, 8);
  if (!(h <= 23 && mi <= 59 && sec <= 59) || Number.isNaN(us)) return trimFraction(s);
  return new DateTime(((h * 60 + mi) * 60 + sec) * 1000 + Math.floor(us / 1000), us % 1000, 'time');
}

function trimFraction(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

// ---------------------------------------------------------------------------------------------
// Reading

const flagsOf = (f: FieldInfo): number => (typeof f.flags === 'number' ? f.flags : 0);
const UNSIGNED_FLAG = 32;

const identity: Converter = (v) => v as Value;

const toBigIntIfText: Converter = (v) => (typeof v === 'string' ? BigInt(v) : (v as Value));

/** tinyint(1): 0 and 1 are booleans; any other value it can hold (2, -1, ...) stays a number, never lost. */
const tinyBool: Converter = (v) => (v === 0 ? false : v === 1 ? true : (v as Value));

const toDecimal: Converter = (v) => (v === null ? null : new Decimal(v as string));

/** A copy: mysql2's buffers are views on its network buffer. */
const toBytes: Converter = (v) => (v === null ? null : new Uint8Array(v as Uint8Array));

const bitBool: Converter = (v) => {
  if (v === null) return null;
  const b = v as Uint8Array;
  return b[b.length - 1] === 1;
};

/** BIT(n), big-endian bytes: a number while safe, else a bigint. */
const bitNumber: Converter = (v) => {
  if (v === null) return null;
  const b = v as Uint8Array;
  if (b.length <= 6) {
    let n = 0;
    for (const x of b) n = n * 256 + x;
    return n;
  }
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
};

const dateConv: Converter = (v) => (v === null ? null : readDate(v as string));
const datetimeConv: Converter = (v) => (v === null ? null : readDateTime(v as string, 'timestamp'));
const timestampConv: Converter = (v) => (v === null ? null : readDateTime(v as string, 'timestamptz'));
const timeConv: Converter = (v) => (v === null ? null : readTime(v as string));

/** Whether mysql2 must hand this column over as raw bytes (its own parsers would lose data). */
export function needsRawBytes(f: FieldInfo): boolean {
  return f.columnType === T.GEOMETRY || f.columnType === T.VECTOR;
}

/** The converter for one result column. */
export function converterFor(f: FieldInfo): Converter {
  switch (f.columnType) {
    case T.TINY:
      return f.columnLength === 1 ? tinyBool : identity;
    case T.SHORT:
    case T.LONG:
    case T.INT24:
    case T.YEAR:
    case T.FLOAT:
    case T.DOUBLE:
      return identity;
    case T.LONGLONG:
      return toBigIntIfText;
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return toDecimal;
    case T.NULL:
      return () => null;
    case T.DATE:
    case T.NEWDATE:
      return dateConv;
    case T.DATETIME:
    case T.DATETIME2:
      return datetimeConv;
    case T.TIMESTAMP:
    case T.TIMESTAMP2:
      return timestampConv;
    case T.TIME:
    case T.TIME2:
      return timeConv;
    case T.BIT:
      return f.columnLength === 1 ? bitBool : bitNumber;
    case T.GEOMETRY:
    case T.VECTOR:
      return toBytes;
    case T.JSON:
      return identity; // jsonStrings: the document's text
    default:
      // CHAR/VARCHAR/TEXT/ENUM/SET: text; BINARY/VARBINARY/BLOB: the binary charset.
      return f.characterSet === BINARY_CHARSET ? toBytes : identity;
  }
}

/** Whether a column's values are unsigned (for callers that care). */
export function isUnsigned(f: FieldInfo): boolean {
  return (flagsOf(f) & UNSIGNED_FLAG) !== 0;
}

// ---------------------------------------------------------------------------------------------
// Writing

/** A value MySQL cannot store (NaN, Infinity, an invalid Date). Names the column. */
export class MysqlValueError extends FerryError {
  constructor(readonly column: string, message: string) {
    super('FERRY_PLUGIN_ERROR', `column "${column}": ${message}`, { retryable: false });
    this.name = 'MysqlValueError';
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  if (n < 0) return `-${pad4(-n)}`;
  return n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : String(n);
}

function pad6(n: number): string {
  return n >= 100000 ? String(n) : (1000000 + n).toString().slice(1);
}

function formatDay(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${pad4(y)}-${pad2(m)}-${pad2(d)}`;
}

/** HH:MM:SS[.ffffff] of a millisecond-of-day and extra micros. */
function formatTimeOfDay(msOfDay: number, micros: number): string {
  const secs = Math.floor(msOfDay / 1000);
  const frac = (msOfDay - secs * 1000) * 1000 + micros;
  const base = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
  return frac === 0 ? base : `${base}.${pad6(frac)}`;
}

/** The text MySQL reads for a DateTime: UTC fields (the session's time zone is +00:00). */
export function formatDateTime(v: DateTime): string {
  const ms = v.epochMs;
  const days = Math.floor(ms / MS_PER_DAY);
  const msOfDay = ms - days * MS_PER_DAY;
  switch (v.kind) {
    case 'date':
      return formatDay(days);
    case 'time':
      return formatTimeOfDay(msOfDay, v.micros);
    default:
      return `${formatDay(days)} ${formatTimeOfDay(msOfDay, v.micros)}`;
  }
}

/**
 * A decimal's text goes into SQL as it is only when it is a plain exact-value literal; with an
 * exponent MySQL would read a double (losing digits), so that and anything else goes in quoted:
 * MySQL converts a string to DECIMAL exactly.
 */
const PLAIN_DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

function numberText(v: number, column: string): string {
  if (!Number.isFinite(v)) throw new MysqlValueError(column, `${v} cannot be written: MySQL has no NaN or Infinity`);
  return String(v);
}

function dateText(v: Date, column: string): string {
  const ms = v.getTime();
  if (Number.isNaN(ms)) throw new MysqlValueError(column, 'an invalid date cannot be written');
  return formatDateTime(new DateTime(ms, 0, 'timestamptz'));
}

function bufferOf(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** A value as an SQL literal; text and bytes escaped by mysql2. */
export function sqlLiteral(v: Value, column: string): string {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'string':
      return escape(v);
    case 'number':
      return numberText(v, column);
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? '1' : '0';
  }
  if (v instanceof DateTime) return `'${formatDateTime(v)}'`;
  if (v instanceof Decimal) return PLAIN_DECIMAL.test(v.text) ? v.text : escape(v.text);
  if (v instanceof Date) return `'${dateText(v, column)}'`;
  return escape(bufferOf(v));
}

/** A non-null, non-bytes value's text (what MySQL reads from its literal). */
function plainText(v: Exclude<Value, null | Uint8Array>, column: string): string {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return numberText(v, column);
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? '1' : '0';
  }
  if (v instanceof DateTime) return formatDateTime(v);
  if (v instanceof Decimal) return v.text;
  return dateText(v, column);
}

// LOAD DATA ... FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n'
const TSV_SPECIAL = /[\\\t\n\r\0\x1a]/;
const TSV_SPECIAL_G = /[\\\t\n\r\0\x1a]/g;
const TSV_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', '\x1a': '\\Z' };

export function tsvText(s: string): string {
  return TSV_SPECIAL.test(s) ? s.replace(TSV_SPECIAL_G, (c) => TSV_ESCAPES[c]!) : s;
}

/**
 * A value as one LOAD DATA field, or undefined when it cannot be one (bytes into a column that
 * does not take hex: the caller falls back to INSERT). `hexColumn`: the column is loaded through
 * UNHEX(@var).
 */
export function tsvField(v: Value, column: string, hexColumn: boolean): string | undefined {
  if (v === null) return '\\N';
  if (hexColumn) {
    if (v instanceof Uint8Array) return bufferOf(v).toString('hex');
    // anything else as its text's bytes, as INSERT would store it
    return Buffer.from(plainText(v, column), 'utf8').toString('hex');
  }
  if (typeof v === 'string') return tsvText(v);
  if (v instanceof Uint8Array) return undefined;
  return tsvText(plainText(v, column));
}
