/**
 * PostgreSQL text forms <-> ferry values (channel/value.ts).
 *
 * Reading: one converter per result column, chosen by the column's type OID, turns the text
 * PostgreSQL sends (DateStyle ISO, TimeZone UTC, extra_float_digits 3, bytea_output hex) into
 * a ferry value. Writing: one formatter per target column turns a ferry value into the text
 * PostgreSQL's input functions read; COPY escaping is done on top of it (copy-text.ts).
 *
 * Dates are computed with integer day arithmetic (no Date objects): faster, and right for
 * years 1..99 and beyond 9999, where Date.UTC and toISOString are not.
 */
import { DateTime, Decimal } from '../../../channel/value.js';
import type { Value } from '../../../channel/value.js';
import { civilFromDays, daysFromCivil, MS_PER_DAY } from '../../util/civil.js';

/** Type OIDs of the built-in types the converters know (pg_type.oid, fixed since 8.x). */
export const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  float4: 700,
  float8: 701,
  varchar: 1043,
  bpchar: 1042,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
} as const;

/** Text of one non-null field -> ferry value. */
export type Converter = (text: string) => Value;



const toString: Converter = (s) => s;
const toInt: Converter = (s) => +s;
const toFloat: Converter = (s) => +s; // Number() reads NaN, Infinity, -Infinity and -0 as PostgreSQL prints them
const toBool: Converter = (s) => s === 't';
const toNumeric: Converter = (s) => new Decimal(s);
const toInt8: Converter = (s) => {
  const n = +s;
  // An integer string above 2^53-1 always rounds to >= 2^53, which is not a safe integer.
  return Number.isSafeInteger(n) ? n : BigInt(s);
};
const toBytea: Converter = (s) => {
  if (s.charCodeAt(0) === 92 && s.charCodeAt(1) === 120) return Buffer.from(s.slice(2), 'hex');
  return decodeByteaEscape(s);
};

/** The old `escape` bytea output (bytea_output = escape): \\ and \NNN octal, other bytes as is. */
function decodeByteaEscape(s: string): Uint8Array {
  const out = Buffer.allocUnsafe(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      if (s.charCodeAt(i + 1) === 92) {
        out[n++] = 92;
        i++;
      } else {
        out[n++] = parseInt(s.slice(i + 1, i + 4), 8);
        i += 3;
      }
    } else {
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}


function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** Days of `YYYY-MM-DD` (4 or more year digits) ending at `dash2 + 3`; NaN when it is not one. */
function parseDay(s: string): { days: number; end: number } | undefined {
  const dash1 = s.indexOf('-', 4);
  if (dash1 < 4 || s.charCodeAt(dash1 + 3) !== 45) return undefined;
  const y = digits(s, 0, dash1);
  const m = digits(s, dash1 + 1, dash1 + 3);
  const d = digits(s, dash1 + 4, dash1 + 6);
  if (Number.isNaN(y + m + d)) return undefined;
  return { days: daysFromCivil(y, m, d), end: dash1 + 6 };
}

/** `HH:MM:SS[.ffffff]` at `at`: milliseconds of the day, micros, and where it ends. */
function parseClock(s: string, at: number): { ms: number; micros: number; end: number } | undefined {
  if (s.charCodeAt(at + 2) !== 58 || s.charCodeAt(at + 5) !== 58) return undefined;
  const h = digits(s, at, at + 2);
  const mi = digits(s, at + 3, at + 5);
  const sec = digits(s, at + 6, at + 8);
  if (Number.isNaN(h + mi + sec)) return undefined;
  let ms = ((h * 60 + mi) * 60 + sec) * 1000;
  let micros = 0;
  let end = at + 8;
  if (s.charCodeAt(end) === 46) {
    let i = end + 1;
    let frac = 0;
    let n = 0;
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (n < 6) {
        frac = frac * 10 + d;
        n++;
      }
    }
    for (; n < 6; n++) frac *= 10;
    ms += Math.floor(frac / 1000);
    micros = frac % 1000;
    end = i;
  }
  return { ms, micros, end };
}

/** date: a DateTime of kind 'date'; infinity and BC dates stay text. */
export const toDate: Converter = (s) => {
  const day = parseDay(s);
  if (!day || day.end !== s.length) return s;
  return new DateTime(day.days * MS_PER_DAY, 0, 'date');
};

/** time: a DateTime of kind 'time' on 1970-01-01. */
export const toTime: Converter = (s) => {
  const c = parseClock(s, 0);
  if (!c || c.end !== s.length) return s;
  return new DateTime(c.ms, c.micros, 'time');
};

/** timestamp: the wall-clock reading stored as if UTC. */
export const toTimestamp: Converter = (s) => {
  const day = parseDay(s);
  if (!day || s.charCodeAt(day.end) !== 32) return s;
  const c = parseClock(s, day.end + 1);
  if (!c || c.end !== s.length) return s;
  return new DateTime(day.days * MS_PER_DAY + c.ms, c.micros, 'timestamp');
};

/** timestamptz: an instant; the session prints +00, other offsets (+05:30, +00:09:21) are applied. */
export const toTimestamptz: Converter = (s) => {
  const day = parseDay(s);
  if (!day || s.charCodeAt(day.end) !== 32) return s;
  const c = parseClock(s, day.end + 1);
  if (!c) return s;
  let at = c.end;
  const sign = s.charCodeAt(at);
  if (sign !== 43 && sign !== 45) return s;
  let offset = digits(s, at + 1, at + 3) * 3600;
  at += 3;
  if (s.charCodeAt(at) === 58) {
    offset += digits(s, at + 1, at + 3) * 60;
    at += 3;
    if (s.charCodeAt(at) === 58) {
      offset += digits(s, at + 1, at + 3);
      at += 3;
    }
  }
  if (at !== s.length || Number.isNaN(offset)) return s;
  const ms = day.days * MS_PER_DAY + c.ms - (sign === 43 ? offset : -offset) * 1000;
  return new DateTime(ms, c.micros, 'timestamptz');
};

const BY_OID = new Map<number, Converter>([
  [OID.bool, toBool],
  [OID.bytea, toBytea],
  [OID.int8, toInt8],
  [OID.int2, toInt],
  [OID.int4, toInt],
  [OID.oid, toInt],
  [OID.float4, toFloat],
  [OID.float8, toFloat],
  [OID.numeric, toNumeric],
  [OID.date, toDate],
  [OID.time, toTime],
  [OID.timestamp, toTimestamp],
  [OID.timestamptz, toTimestamptz],
]);

/** The converter for a type OID; anything not listed (text, uuid, json, arrays, enums, interval, timetz ...) stays text. */
export function converterFor(oid: number): Converter {
  return BY_OID.get(oid) ?? toString;
}

/** Whether a type OID is one the converters know (for domains: resolve to the base type first). */
export function isKnownOid(oid: number): boolean {
  return BY_OID.has(oid);
}

// ---------------------------------------------------------------------------------------
// Writing

/** What a target column is, which decides how some values are written into it. */
export type TargetKind = 'bytea' | 'bool' | 'number' | 'text' | 'other';

/** The target kind of a column from its type name as format_type prints it. */
export function targetKind(dbType: string): TargetKind {
  if (dbType.endsWith('[]')) return 'other';
  const t = dbType.replace(/\(.*$/, '').trim();
  if (t === 'bytea') return 'bytea';
  if (t === 'boolean') return 'bool';
  if (/^(smallint|integer|bigint|numeric|real|double precision|oid|money)$/.test(t)) return 'number';
  if (/^(text|character varying|character|"char"|name|citext)$/.test(t)) return 'text';
  return 'other';
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

/** A formatter of days and times with a one-day cache: rows of a batch often share a day. */
export class DateFormatter {
  private lastDay = NaN;
  private lastDayText = '';
  private lastBc = false;

  /** `YYYY-MM-DD` of a day number (years <= 0 as PostgreSQL's BC years, flagged in `bc`). */
  day(days: number): string {
    if (days === this.lastDay) return this.lastDayText;
    const [year, m, d] = civilFromDays(days);
    let y = year;
    this.lastBc = y <= 0;
    if (this.lastBc) y = 1 - y; // 0 is 1 BC
    const ys = y >= 1000 ? `${y}` : `000${y}`.slice(-4);
    this.lastDay = days;
    this.lastDayText = `${ys}-${pad2(m)}-${pad2(d)}`;
    return this.lastDayText;
  }

  /** Whether the last day() was a BC day. */
  get bc(): boolean {
    return this.lastBc;
  }

  /** The PostgreSQL text of a DateTime, by its kind. */
  dateTime(v: DateTime): string {
    let ms = v.epochMs;
    let micros = v.micros;
    if (!Number.isInteger(ms)) {
      const whole = Math.floor(ms);
      micros += Math.round((ms - whole) * 1000);
      ms = whole;
      if (micros >= 1000) {
        ms += Math.floor(micros / 1000);
        micros %= 1000;
      }
    }
    const days = Math.floor(ms / MS_PER_DAY);
    const msOfDay = ms - days * MS_PER_DAY;
    switch (v.kind) {
      case 'date': {
        const d = this.day(days);
        return this.lastBc ? `${d} BC` : d;
      }
      case 'time':
        // 24:00:00 is a valid time of day in PostgreSQL: keep it when that is what was read.
        if (ms === MS_PER_DAY && micros === 0) return '24:00:00';
        return clock(msOfDay, micros);
      case 'timestamp': {
        const d = this.day(days);
        const t = `${d} ${clock(msOfDay, micros)}`;
        return this.lastBc ? `${t} BC` : t;
      }
      case 'timestamptz': {
        const d = this.day(days);
        const t = `${d} ${clock(msOfDay, micros)}+00`;
        return this.lastBc ? `${t} BC` : t;
      }
    }
  }

  /** A JS Date as an instant. */
  instant(d: Date): string {
    const ms = d.getTime();
    if (Number.isNaN(ms)) return 'Invalid Date';
    const days = Math.floor(ms / MS_PER_DAY);
    const t = `${this.day(days)} ${clock(ms - days * MS_PER_DAY, 0)}+00`;
    return this.lastBc ? `${t} BC` : t;
  }
}

function clock(msOfDay: number, micros: number): string {
  const s = Math.floor(msOfDay / 1000);
  const ms = msOfDay - s * 1000;
  const h = Math.floor(s / 3600);
  const mi = Math.floor(s / 60) % 60;
  const base = `${pad2(h)}:${pad2(mi)}:${pad2(s % 60)}`;
  if (ms === 0 && micros === 0) return base;
  return `${base}.${pad3(ms)}${pad3(micros)}`;
}

/** A number as PostgreSQL reads it: -0 kept, NaN / Infinity / -Infinity spelled as float input wants. */
export function numberText(n: number): string {
  if (Number.isFinite(n)) return n === 0 && 1 / n < 0 ? '-0' : String(n);
  return n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN';
}

/** Bytes as bytea hex input: \x0a1b... */
export function byteaText(b: Uint8Array): string {
  return `\\x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`;
}

export function utf8Text(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
}
