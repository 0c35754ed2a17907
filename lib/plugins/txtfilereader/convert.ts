/** Field text → record value, per column type, for txtfilereader. */
import { Decimal, type ColumnType, type Value } from '../../../channel/value.js';
import { compileDateFormat, parseDateTimeLoose, type DateFormat } from '../../util/date-format.js';

/** Converts a field's text; undefined when the text is not a value of the type. */
export type Converter = (text: string) => Value | undefined;

const LONG = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DOUBLE_WORDS = /^[+-]?(?:NaN|Infinity)$/;
const utf8 = new TextEncoder();

function toLong(t: string): Value | undefined {
  if (!LONG.test(t)) return undefined;
  if (t.length <= 15) {
    const n = Number(t);
    return n === 0 ? 0 : n; // no -0
  }
  const b = BigInt(t);
  if (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(b);
  if (b > 9223372036854775807n || b < -9223372036854775808n) return undefined; // not a 64-bit long
  return b;
}

function toDouble(t: string): Value | undefined {
  if (NUMBER.test(t) || DOUBLE_WORDS.test(t)) return Number(t);
  return undefined;
}

function toDecimal(t: string): Value | undefined {
  return NUMBER.test(t) ? new Decimal(t) : undefined;
}

function toBool(t: string): Value | undefined {
  if (t.length > 5) return undefined;
  const l = t.toLowerCase();
  if (l === 'true' || l === '1') return true;
  if (l === 'false' || l === '0') return false;
  return undefined;
}

/**
 * The converter for a column. Numbers, bools and dates ignore surrounding spaces, and their
 * empty text is null (a CSV export's usual spelling of a missing number); strings and bytes
 * are taken as they are.
 */
export function converterFor(type: ColumnType, format: string | undefined): Converter {
  switch (type) {
    case 'string':
      return (t) => t;
    case 'bytes':
      return (t) => utf8.encode(t);
    case 'long':
      return trimmed(toLong);
    case 'double':
      return trimmed(toDouble);
    case 'decimal':
      return trimmed(toDecimal);
    case 'bool':
      return trimmed(toBool);
    case 'date': {
      if (format !== undefined) {
        const f: DateFormat = compileDateFormat(format);
        return trimmed((t) => f.parseDateTime(t));
      }
      return trimmed(parseDateTimeLoose);
    }
  }
}

function trimmed(conv: (t: string) => Value | undefined): Converter {
  return (t) => {
    // a quick check before trim(): most fields have no surrounding spaces
    const c0 = t.charCodeAt(0);
    const c1 = t.charCodeAt(t.length - 1);
    if (c0 <= 32 || c1 <= 32) t = t.trim();
    if (t.length === 0) return null;
    return conv(t);
  };
}

/** What a value that does not convert is not, for messages: `a long`, `a date in format "yyyyMMdd"`. */
export function expectation(type: ColumnType, format: string | undefined): string {
  if (type === 'date' && format !== undefined) return `a date in format "${format}"`;
  return `a ${type}`;
}
