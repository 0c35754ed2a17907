/**
 * Date patterns as DataX users write them: Java SimpleDateFormat letters (`yyyy-MM-dd HH:mm:ss`,
 * `yyyyMMdd`, `HH:mm:ss.SSS`, `'T'` quoted literals, `Z` / `XXX` zones).
 *
 * compileDateFormat() turns a pattern into a formatter/parser pair once; format() and parse()
 * are then cheap enough to call per value. Times are local unless the text carries a zone.
 *
 * Differences from SimpleDateFormat, all on purpose:
 * - parse() is strict: the whole text must match and the date must exist (2024-02-30 gives
 *   undefined, SimpleDateFormat would roll it over to March 1; trailing text is not ignored).
 * - `S` is the fraction of the second (as java.time's DateTimeFormatter): `.SSS` is the
 *   milliseconds, `.SSSSSS` the microseconds (a DateTime's; "000" for a Date); parse() keeps
 *   milliseconds, parseDateTime() microseconds; finer digits are dropped.
 * - `Y` (week year) is read as `y`: it is nearly always a typo for it in job files.
 * - Names (MMM, EEE, a) are English.
 */
import { DateTime, dateFields, formatDateTimeDefault } from '../../channel/value.js';

export interface DateFormat {
  /** The pattern as given. */
  readonly pattern: string;
  /** Whether the pattern has a zone field (Z, X, z). */
  readonly hasZone: boolean;
  /** The text for a date; a DateTime's microseconds show in `S` fields longer than 3. */
  format(d: Date | DateTime): string;
  /** The date the whole text denotes, or undefined when it does not match or does not exist. */
  parse(text: string): Date | undefined;
  /** As parse(), keeping microseconds (from `S` fields longer than 3). */
  parseDateTime(text: string): DateTime | undefined;
}

type Token = { kind: 'lit'; text: string } | { kind: 'field'; letter: string; count: number };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS_SHORT = MONTHS.map((m) => m.slice(0, 3));
const DAYS_SHORT = DAYS.map((d) => d.slice(0, 3));

/** Letters this implementation understands; any other unquoted ASCII letter is an error. */
const SUPPORTED = 'yYuMLdHkKhmsSaEzZX';
const NUMERIC = 'yYMLdHkKhmsSu';

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let lit = '';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    if (c === "'") {
      // '' is a literal quote, both inside and outside quoted text.
      if (pattern[i + 1] === "'") {
        lit += "'";
        i += 2;
        continue;
      }
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new Error(`unterminated quote in date pattern "${pattern}"`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            lit += "'";
            j += 2;
            continue;
          }
          break;
        }
        lit += pattern[j];
        j++;
      }
      i = j + 1;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (!SUPPORTED.includes(c)) throw new Error(`unsupported letter "${c}" in date pattern "${pattern}" (quote literal text: 'T')`);
      let j = i + 1;
      while (j < n && pattern[j] === c) j++;
      if (lit) {
        tokens.push({ kind: 'lit', text: lit });
        lit = '';
      }
      tokens.push({ kind: 'field', letter: c === 'Y' ? 'y' : c === 'L' ? 'M' : c, count: j - i });
      i = j;
      continue;
    }
    lit += c;
    i++;
  }
  if (lit) tokens.push({ kind: 'lit', text: lit });
  return tokens;
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

function formatOffset(minutes: number, colon: boolean, hoursOnly: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  const hh = pad(Math.floor(abs / 60), 2);
  if (hoursOnly) return sign + hh;
  return sign + hh + (colon ? ':' : '') + pad(abs % 60, 2);
}

type Formatter = (d: Date, micros: number) => string;

function fieldFormatter(letter: string, count: number): Formatter {
  switch (letter) {
    case 'y':
      if (count === 2) return (d) => pad(((d.getFullYear() % 100) + 100) % 100, 2);
      return (d) => pad(d.getFullYear(), count);
    case 'M':
      if (count >= 4) return (d) => MONTHS[d.getMonth()]!;
      if (count === 3) return (d) => MONTHS_SHORT[d.getMonth()]!;
      return (d) => pad(d.getMonth() + 1, count);
    case 'd':
      return (d) => pad(d.getDate(), count);
    case 'H':
      return (d) => pad(d.getHours(), count);
    case 'k':
      return (d) => pad(d.getHours() === 0 ? 24 : d.getHours(), count);
    case 'K':
      return (d) => pad(d.getHours() % 12, count);
    case 'h':
      return (d) => pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12, count);
    case 'm':
      return (d) => pad(d.getMinutes(), count);
    case 's':
      return (d) => pad(d.getSeconds(), count);
    case 'S':
      // Fraction of the second: the first `count` digits of .SSSuuu000...
      if (count === 3) return (d) => pad(d.getMilliseconds(), 3);
      if (count < 3) return (d) => pad(d.getMilliseconds(), 3).slice(0, count);
      if (count <= 6) return (d, micros) => (pad(d.getMilliseconds(), 3) + pad(micros, 3)).slice(0, count);
      return (d, micros) => pad(d.getMilliseconds(), 3) + pad(micros, 3) + '0'.repeat(count - 6);
    case 'u':
      return (d) => pad(d.getDay() === 0 ? 7 : d.getDay(), count);
    case 'E':
      if (count >= 4) return (d) => DAYS[d.getDay()]!;
      return (d) => DAYS_SHORT[d.getDay()]!;
    case 'a':
      return (d) => (d.getHours() < 12 ? 'AM' : 'PM');
    case 'Z':
      return (d) => formatOffset(-d.getTimezoneOffset(), false, false);
    case 'X':
      return (d) => {
        const off = -d.getTimezoneOffset();
        if (off === 0) return 'Z';
        return formatOffset(off, count >= 3, count === 1);
      };
    case 'z':
      return (d) => {
        const off = -d.getTimezoneOffset();
        return off === 0 ? 'UTC' : 'GMT' + formatOffset(off, true, false);
      };
  }
  /* c8 ignore next */
  throw new Error(`unsupported date pattern letter "${letter}"`);
}

interface Parsed {
  year: number;
  month: number;
  day: number;
  hour: number;
  hour12: number;
  pm: number; // -1 unknown, 0 am, 1 pm
  minute: number;
  second: number;
  ms: number;
  micros: number;
  offset: number | undefined; // minutes east of UTC
}

/** Returns the position after the match, or -1. */
type Step = (text: string, pos: number, p: Parsed) => number;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Reads digits from pos: exactly `fixed` of them when fixed > 0, else 1..max. Returns [value, end] or undefined. */
function readDigits(text: string, pos: number, fixed: number, max: number): [number, number] | undefined {
  let i = pos;
  let v = 0;
  const limit = fixed > 0 ? pos + fixed : pos + max;
  while (i < limit && i < text.length) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) break;
    v = v * 10 + (c - 48);
    i++;
  }
  if (i === pos) return undefined;
  if (fixed > 0 && i - pos !== fixed) return undefined;
  return [v, i];
}

function matchName(text: string, pos: number, names: readonly string[]): [number, number] | undefined {
  // Longest match first is not needed: full and short names are separate lists.
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (text.length - pos >= name.length && text.slice(pos, pos + name.length).toLowerCase() === name.toLowerCase()) return [k, pos + name.length];
  }
  return undefined;
}

/** Zones as text carries them: Z, UTC, GMT, GMT+8, +08, +0800, +08:00. */
function parseZone(text: string, pos: number, p: Parsed): number {
  let i = pos;
  const c = text[i];
  if (c === 'Z' || c === 'z') {
    p.offset = 0;
    return i + 1;
  }
  let prefixed = false;
  if (text.startsWith('UTC', i) || text.startsWith('GMT', i)) {
    i += 3;
    prefixed = true;
  }
  const s = text[i];
  if (s !== '+' && s !== '-') {
    if (prefixed) {
      p.offset = 0;
      return i;
    }
    return -1;
  }
  i++;
  // hours: 1-2 digits after a GMT prefix, else 2
  let hh = readDigits(text, i, prefixed ? 0 : 2, 2);
  if (!hh) return -1;
  let mm = 0;
  i = hh[1];
  if (text[i] === ':') {
    const m = readDigits(text, i + 1, 2, 2);
    if (!m) return -1;
    mm = m[0];
    i = m[1];
  } else if (!prefixed) {
    const m = readDigits(text, i, 2, 2);
    if (m) {
      mm = m[0];
      i = m[1];
    }
  }
  if (hh[0] > 23 || mm > 59) return -1;
  const total = hh[0] * 60 + mm;
  p.offset = s === '-' ? -total : total;
  return i;
}

function twoDigitYear(yy: number): number {
  // SimpleDateFormat: the century that puts the year within 80 years before and 20 after now.
  const start = new Date().getFullYear() - 80;
  let year = Math.floor(start / 100) * 100 + yy;
  if (year < start) year += 100;
  return year;
}

function fieldParser(letter: string, count: number, abutting: boolean): Step {
  // A numeric field directly followed by another numeric field reads exactly its width
  // (yyyyMMdd); otherwise it reads as many digits as there are (2024-1-5 matches yyyy-MM-dd).
  const fixed = abutting ? count : 0;
  const num = (max: number, set: (p: Parsed, v: number, len: number) => boolean): Step => (text, pos, p) => {
    const r = readDigits(text, pos, fixed, max);
    if (!r) return -1;
    return set(p, r[0], r[1] - pos) ? r[1] : -1;
  };
  switch (letter) {
    case 'y':
      return num(9, (p, v, len) => {
        p.year = count <= 2 && len === 2 ? twoDigitYear(v) : v;
        return true;
      });
    case 'M':
      if (count >= 3) {
        return (text, pos, p) => {
          const r = matchName(text, pos, MONTHS) ?? matchName(text, pos, MONTHS_SHORT);
          if (!r) return -1;
          p.month = r[0] + 1;
          return r[1];
        };
      }
      return num(2, (p, v) => ((p.month = v), true));
    case 'd':
      return num(2, (p, v) => ((p.day = v), true));
    case 'H':
      return num(2, (p, v) => ((p.hour = v), v <= 23));
    case 'k':
      return num(2, (p, v) => ((p.hour = v === 24 ? 0 : v), v >= 1 && v <= 24));
    case 'K':
      return num(2, (p, v) => ((p.hour12 = v), v <= 11));
    case 'h':
      return num(2, (p, v) => ((p.hour12 = v === 12 ? 0 : v), v >= 1 && v <= 12));
    case 'm':
      return num(2, (p, v) => ((p.minute = v), true));
    case 's':
      return num(2, (p, v) => ((p.second = v), true));
    case 'S':
      return num(9, (p, v, len) => {
        // a fraction: milliseconds and microseconds, what is finer is dropped
        const us = len >= 6 ? Math.floor(v / 10 ** (len - 6)) : v * 10 ** (6 - len);
        p.ms = Math.floor(us / 1000);
        p.micros = us % 1000;
        return true;
      });
    case 'u':
      return num(1, (_p, v) => v >= 1 && v <= 7);
    case 'E':
      return (text, pos) => {
        const r = matchName(text, pos, DAYS) ?? matchName(text, pos, DAYS_SHORT);
        return r ? r[1] : -1;
      };
    case 'a':
      return (text, pos, p) => {
        const t = text.slice(pos, pos + 2).toUpperCase();
        if (t === 'AM') p.pm = 0;
        else if (t === 'PM') p.pm = 1;
        else return -1;
        return pos + 2;
      };
    case 'Z':
    case 'X':
    case 'z':
      return parseZone;
  }
  /* c8 ignore next */
  throw new Error(`unsupported date pattern letter "${letter}"`);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Builds the Date for validated fields: local time, or at `offset` minutes east of UTC. */
function makeDate(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number, offset: number | undefined): Date | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute > 59 || second > 59 || ms > 999) return undefined;
  if (offset === undefined) {
    const d = new Date(year, month - 1, day, hour, minute, second, ms);
    if (year >= 0 && year < 100) d.setFullYear(year, month - 1, day); // Date() maps 0-99 to 1900-1999
    return d;
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return new Date(d.getTime() - offset * 60_000);
}

/**
 * Compiles a SimpleDateFormat-style pattern. Throws an Error naming the problem for a pattern
 * it cannot use (an unknown letter, an unterminated quote); callers turn it into a config error.
 */
export function compileDateFormat(pattern: string): DateFormat {
  const tokens = tokenize(pattern);
  if (tokens.length === 0) throw new Error('date pattern is empty');
  const formatters: Formatter[] = tokens.map((t) => (t.kind === 'lit' ? () => t.text : fieldFormatter(t.letter, t.count)));
  const steps: Step[] = tokens.map((t, i) => {
    if (t.kind === 'lit') {
      const lit = t.text;
      return (text, pos) => (text.startsWith(lit, pos) ? pos + lit.length : -1);
    }
    const next = tokens[i + 1];
    const abutting = NUMERIC.includes(t.letter) && next !== undefined && next.kind === 'field' && NUMERIC.includes(next.letter) && !(t.letter === 'M' && t.count >= 3);
    return fieldParser(t.letter, t.count, abutting);
  });
  const hasZone = tokens.some((t) => t.kind === 'field' && (t.letter === 'Z' || t.letter === 'X' || t.letter === 'z'));

  const format = (v: Date | DateTime): string => {
    const d = dateFields(v);
    const micros = v instanceof Date ? 0 : v.micros;
    let s = '';
    for (let i = 0; i < formatters.length; i++) s += formatters[i]!(d, micros);
    return s;
  };

  const parseParts = (text: string): Parsed | undefined => {
    const p: Parsed = { year: 1970, month: 1, day: 1, hour: 0, hour12: -1, pm: -1, minute: 0, second: 0, ms: 0, micros: 0, offset: undefined };
    let pos = 0;
    for (let i = 0; i < steps.length; i++) {
      pos = steps[i]!(text, pos, p);
      if (pos < 0) return undefined;
    }
    if (pos !== text.length) return undefined;
    if (p.hour12 >= 0) p.hour = p.hour12 + (p.pm === 1 ? 12 : 0);
    else if (p.pm === 1 && p.hour < 12) p.hour += 12;
    return p;
  };
  const toDate = (p: Parsed): Date | undefined => makeDate(p.year, p.month, p.day, p.hour, p.minute, p.second, p.ms, p.offset);

  const parse = (text: string): Date | undefined => {
    const p = parseParts(text);
    return p && toDate(p);
  };
  const parseDateTime = (text: string): DateTime | undefined => {
    const p = parseParts(text);
    if (!p) return undefined;
    // Text without a zone is a wall-clock reading: kept as such, no time zone can shift it.
    const naive = p.offset === undefined;
    const d = toDate(naive ? { ...p, offset: 0 } : p);
    return d && new DateTime(d.getTime(), p.micros, naive ? 'timestamp' : 'timestamptz');
  };

  return { pattern, hasZone, format, parse, parseDateTime };
}

/** The problem with a pattern as a message, or undefined when it compiles (for schema checks). */
export function dateFormatProblem(pattern: string): string | undefined {
  try {
    compileDateFormat(pattern);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const LOOSE_DATE = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?(?: ?(Z|z|[+-]\d{2}(?::?\d{2})?))?)?$/;
const LOOSE_COMPACT = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/;
const LOOSE_TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;

/** A fraction's digits as microseconds (finer digits dropped). */
function fractionMicros(frac: string | undefined): number {
  if (!frac) return 0;
  return frac.length >= 6 ? Number(frac.slice(0, 6)) : Number(frac) * 10 ** (6 - frac.length);
}

function zoneOffset(zone: string | undefined): number | undefined {
  if (zone === undefined) return undefined;
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hh = Number(digits.slice(0, 2));
  const mm = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hh > 23 || mm > 59) return Number.NaN;
  return sign * (hh * 60 + mm);
}

/**
 * A date in one of the usual shapes, without a pattern: `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss`
 * with an optional `.S` to `.SSSSSSSSS` fraction (milliseconds kept), ISO 8601 with `T` and
 * `Z` or an offset, `yyyy/MM/dd ...`, `yyyyMMdd`, `yyyyMMddHHmmss`, and `HH:mm:ss` (on
 * 1970-01-01). Local time unless the text has a zone. Surrounding spaces are ignored.
 */
export function parseDateLoose(text: string): Date | undefined {
  return looseParts(text)?.[0];
}

/**
 * As parseDateLoose(), keeping microseconds from a fraction of more than 3 digits. Text
 * without a zone is a wall-clock reading (kind 'timestamp'; a bare time: 'time'), kept as such.
 */
export function parseDateTimeLoose(text: string): DateTime | undefined {
  const r = looseParts(text, true);
  return r && new DateTime(r[0].getTime(), r[1], r[2]);
}

/** [date, extra µs, kind]; with `wallClock`, text without a zone is read as UTC fields. */
function looseParts(text: string, wallClock = false): [Date, number, 'timestamp' | 'timestamptz' | 'time'] | undefined {
  const t = text.trim();
  const noZone = wallClock ? 0 : undefined;
  const kind = wallClock ? 'timestamp' : 'timestamptz';
  let m = LOOSE_DATE.exec(t);
  let d: Date | undefined;
  if (m) {
    const offset = zoneOffset(m[9]);
    if (Number.isNaN(offset)) return undefined;
    const us = fractionMicros(m[8]);
    d = makeDate(Number(m[1]), Number(m[3]), Number(m[4]), m[5] ? Number(m[5]) : 0, m[6] ? Number(m[6]) : 0, m[7] ? Number(m[7]) : 0, Math.floor(us / 1000), offset ?? noZone);
    return d && [d, us % 1000, offset === undefined ? kind : 'timestamptz'];
  }
  m = LOOSE_COMPACT.exec(t);
  if (m) {
    d = makeDate(Number(m[1]), Number(m[2]), Number(m[3]), m[4] ? Number(m[4]) : 0, m[5] ? Number(m[5]) : 0, m[6] ? Number(m[6]) : 0, 0, noZone);
    return d && [d, 0, kind];
  }
  m = LOOSE_TIME.exec(t);
  if (m) {
    const us = fractionMicros(m[4]);
    d = makeDate(1970, 1, 1, Number(m[1]), Number(m[2]), m[3] ? Number(m[3]) : 0, Math.floor(us / 1000), noZone);
    return d && [d, us % 1000, wallClock ? 'time' : 'timestamptz'];
  }
  return undefined;
}

/** DataX's default date text (channel/value.ts formatDateTimeDefault): yyyy-MM-dd HH:mm:ss[.SSS[uuu]], by the value's kind. */
export const formatDateDefault: (d: Date | DateTime) => string = formatDateTimeDefault;
