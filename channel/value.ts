/**
 * The values a record carries, as DataX's Column types: long, double, decimal, string, bool,
 * date, bytes and null. A record (a Row) is an array of them, one per column.
 *
 * long is a JS number while it is a safe integer and a bigint beyond that, so a 64-bit key
 * never passes through a double. decimal keeps its text, so no precision is lost.
 */
export class Decimal {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

/**
 * What a DateTime means:
 * - timestamptz: an instant (epochMs is real UTC time); printed in local time, or with a zone.
 * - timestamp: a wall-clock reading without a zone (SQL TIMESTAMP, MySQL DATETIME), stored as
 *   if it were UTC so no time zone or DST rule can shift it; printed from its UTC fields.
 * - date: a calendar day, stored as 00:00 "UTC" of that day.
 * - time: a time of day, stored as that time on 1970-01-01 "UTC".
 */
export type DateKind = 'timestamptz' | 'timestamp' | 'date' | 'time';

/**
 * A date value in flight, with microsecond precision. Readers may send a JS Date (an instant);
 * writers always receive a DateTime. Two reasons not to carry Date: it holds milliseconds only,
 * where PostgreSQL and MySQL keep microseconds, and building one costs ~70 ns against ~8 ns
 * for this class (bench/RESULTS.md), which was half of the channel's decode time.
 */
export class DateTime {
  /** epochMs: milliseconds since 1970-01-01T00:00:00Z (see DateKind); micros: 0..999 more. */
  constructor(readonly epochMs: number, readonly micros: number = 0, readonly kind: DateKind = 'timestamptz') {}

  static fromDate(d: Date): DateTime {
    return new DateTime(d.getTime(), 0);
  }

  /** The instant, as a JS Date (for a wall-clock kind: the reading taken as UTC). */
  toDate(): Date {
    return new Date(this.epochMs);
  }

  valueOf(): number {
    return this.epochMs;
  }

  /** ISO 8601 from the UTC fields, with microseconds when there are any; Z only for instants. */
  toISOString(): string {
    const iso = new Date(this.epochMs).toISOString();
    const base = this.micros === 0 ? iso.slice(0, -1) : `${iso.slice(0, -1)}${String(this.micros).padStart(3, '0')}`;
    switch (this.kind) {
      case 'timestamptz': return `${base}Z`;
      case 'timestamp': return base;
      case 'date': return base.slice(0, 10);
      case 'time': return base.slice(11);
    }
  }

  toJSON(): string {
    return this.toISOString();
  }
}

export type Value = null | boolean | number | bigint | string | Decimal | DateTime | Date | Uint8Array;
export type Row = Value[];

/** Column types as job files spell them (DataX's names; aliases are mapped in columnType()). */
export type ColumnType = 'long' | 'double' | 'decimal' | 'string' | 'bool' | 'date' | 'bytes';

const TYPE_ALIASES: Record<string, ColumnType> = {
  long: 'long', int: 'long', integer: 'long', bigint: 'long', smallint: 'long', tinyint: 'long', short: 'long',
  double: 'double', float: 'double', real: 'double',
  decimal: 'decimal', numeric: 'decimal', number: 'decimal',
  string: 'string', varchar: 'string', char: 'string', text: 'string',
  bool: 'bool', boolean: 'bool',
  date: 'date', datetime: 'date', timestamp: 'date', time: 'date',
  bytes: 'bytes', binary: 'bytes', blob: 'bytes',
};

/** Maps a job file's type name (any case, DataX or FlinkX spelling) to a ColumnType, or undefined. */
export function columnType(name: string): ColumnType | undefined {
  // FlinkX writes sized types (`VARCHAR(255)`, `DECIMAL(10,2)`): the size says nothing about the value
  return TYPE_ALIASES[name.toLowerCase().replace(/\s*\(.*\)\s*$/, '')];
}

export const COLUMN_TYPE_NAMES = Object.keys(TYPE_ALIASES);

/** A value's text as DataX's Column.asString() gives it (dates without a format: yyyy-MM-dd HH:mm:ss). */
export function valueToString(value: Value): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Decimal) return value.text;
  if (value instanceof DateTime || value instanceof Date) return formatDateTimeDefault(value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
}

/** A value as the text of a key (a restore column's value in a checkpoint): integers exactly, else its text. */
export function valueToKeyText(value: Value | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  return valueToString(value) ?? '';
}

/** A JSON value standing for a record's value, for the dirty file. */
export type JsonValue = null | boolean | number | string | { base64: string };

/**
 * A value as JSON without loss: bigint and decimals as strings (a JSON number would round
 * them), NaN and infinities as strings, dates as text, bytes as {"base64": ...}.
 */
export function valueToJson(value: Value | undefined): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return { base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  return valueToString(value);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * The fields a date is printed from: local ones for an instant, UTC ones for the wall-clock
 * kinds (timestamp, date, time), which are stored as if they were UTC. Duck-types the Date
 * getters the formatters use.
 */
export function dateFields(v: Date | DateTime): Date {
  if (v instanceof Date) return v;
  const d = v.toDate();
  return v.kind === 'timestamptz' ? d : (new UtcFields(d) as unknown as Date);
}

class UtcFields {
  constructor(private readonly d: Date) {}
  getFullYear(): number { return this.d.getUTCFullYear(); }
  getMonth(): number { return this.d.getUTCMonth(); }
  getDate(): number { return this.d.getUTCDate(); }
  getDay(): number { return this.d.getUTCDay(); }
  getHours(): number { return this.d.getUTCHours(); }
  getMinutes(): number { return this.d.getUTCMinutes(); }
  getSeconds(): number { return this.d.getUTCSeconds(); }
  getMilliseconds(): number { return this.d.getUTCMilliseconds(); }
  getTime(): number { return this.d.getTime(); }
  getTimezoneOffset(): number { return 0; }
}

/** yyyy-MM-dd HH:mm:ss in local time, with .SSS only when the milliseconds are not zero. */
export function formatLocalDateTime(d: Date): string {
  const base = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const ms = d.getMilliseconds();
  return ms === 0 ? base : `${base}.${pad(ms, 3)}`;
}

/**
 * A date as DataX prints one without a format (yyyy-MM-dd HH:mm:ss), with .SSS when there are
 * milliseconds and .SSSuuu when there are microseconds; a date kind prints yyyy-MM-dd, a time
 * kind HH:mm:ss[.fraction].
 */
export function formatDateTimeDefault(v: Date | DateTime): string {
  const d = dateFields(v);
  const micros = v instanceof DateTime ? v.micros : 0;
  let text = formatLocalDateTime(d);
  if (micros !== 0) text = `${text.slice(0, 19)}.${pad(d.getMilliseconds(), 3)}${pad(micros, 3)}`;
  if (v instanceof DateTime && v.kind === 'date') return text.slice(0, 10);
  if (v instanceof DateTime && v.kind === 'time') return text.slice(11);
  return text;
}
