/**
 * A row decoder for the binary protocol (prepared statements) that reads each column straight
 * into a ferry value: no intermediate text for dates (mysql2 builds 'YYYY-MM-DD ...' strings that
 * convert.ts would parse again), FLOAT as its exact 4-byte value, BIGINT as a bigint beyond 2^53.
 *
 * It plugs into mysql2's Execute command through `buildParserFromFields` (an instance method
 * mysql2 calls once per result set); dialect.ts checks the hook exists and otherwise keeps
 * mysql2's own parser with the converters of convert.ts.
 *
 * Binary row: 0x00, a NULL bitmap of (columns + 7 + 2) / 8 bytes (offset by 2 bits), then the
 * non-NULL values: fixed-size integers and floats, length-coded strings, and temporals as
 * a length byte followed by their fields.
 */
import { DateTime, Decimal, type Value } from '../../../channel/value.js';
import type { FieldInfo } from './convert.js';
import { BINARY_CHARSET, T } from './field-types.js';
import { daysFromCivil } from '../../util/civil.js';

/** The slice of mysql2's Packet the decoder reads from. */
export interface RawPacket {
  buffer: Buffer;
  offset: number;
  readLengthCodedNumber(): number | null;
  readLengthCodedString(encoding: string): string | null;
}

export interface BinaryField extends FieldInfo {
  encoding?: string | undefined;
}

type Read = (p: RawPacket) => Value;

const UNSIGNED_FLAG = 32;
const MS_PER_DAY = 86_400_000;
const TWO_32 = 0x1_0000_0000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

function trimmedMicros(us: number): string {
  return us === 0 ? '' : `.${String(us).padStart(6, '0').replace(/0+$/, '')}`;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function bytes(p: RawPacket): Uint8Array {
  const len = p.readLengthCodedNumber() ?? 0;
  const start = p.offset;
  p.offset += len;
  return new Uint8Array(p.buffer.subarray(start, start + len)); // a copy: the buffer is mysql2's
}

/** DATE / DATETIME / TIMESTAMP: a DateTime, or MySQL's text for a zero or impossible date. */
function temporal(kind: 'date' | 'timestamp' | 'timestamptz'): Read {
  return (p) => {
    const b = p.buffer;
    let o = p.offset;
    const len = b[o++]!;
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, us = 0;
    if (len >= 4) {
      y = b[o]! | (b[o + 1]! << 8);
      mo = b[o + 2]!;
      d = b[o + 3]!;
    }
    if (len >= 7) {
      h = b[o + 4]!;
      mi = b[o + 5]!;
      s = b[o + 6]!;
    }
    if (len >= 11) us = b.readUInt32LE(o + 7);
    p.offset = o + len;
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) {
      const date = `${pad4(y)}-${pad2(mo)}-${pad2(d)}`;
      return kind === 'date' ? date : `${date} ${pad2(h)}:${pad2(mi)}:${pad2(s)}${trimmedMicros(us)}`;
    }
    const ms = daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + Math.floor(us / 1000);
    return new DateTime(ms, us % 1000, kind);
  };
}

/** TIME: a DateTime(time) within a day, else MySQL's text ('-12:00:00', '838:59:59.5'). */
const time: Read = (p) => {
  const b = p.buffer;
  const o = p.offset;
  const len = b[o]!;
  let neg = false, days = 0, h = 0, mi = 0, s = 0, us = 0;
  if (len >= 8) {
    neg = b[o + 1] === 1;
    days = b.readUInt32LE(o + 2);
    h = b[o + 6]!;
    mi = b[o + 7]!;
    s = b[o + 8]!;
  }
  if (len >= 12) us = b.readUInt32LE(o + 9);
  p.offset = o + 1 + len;
  if (!neg && days === 0) return new DateTime(((h * 60 + mi) * 60 + s) * 1000 + Math.floor(us / 1000), us % 1000, 'time');
  return `${neg ? '-' : ''}${pad2(days * 24 + h)}:${pad2(mi)}:${pad2(s)}${trimmedMicros(us)}`;
};

function int64(unsigned: boolean): Read {
  return (p) => {
    const b = p.buffer;
    const o = p.offset;
    p.offset = o + 8;
    const lo = b.readUInt32LE(o);
    const hi = unsigned ? b.readUInt32LE(o + 4) : b.readInt32LE(o + 4);
    const n = hi * TWO_32 + lo;
    if (Number.isSafeInteger(n)) return n;
    return unsigned ? b.readBigUInt64LE(o) : b.readBigInt64LE(o);
  };
}

const bitRead = (asBool: boolean): Read => (p) => {
  const v = bytes(p);
  if (asBool) return v[v.length - 1] === 1;
  let n = 0n;
  for (const x of v) n = (n << 8n) | BigInt(x);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
};

/** The reader for one column, by its definition. */
export function readerFor(f: BinaryField): Read {
  const unsigned = (typeof f.flags === 'number' ? f.flags : 0) & UNSIGNED_FLAG ? true : false;
  switch (f.columnType) {
    case T.TINY: {
      const asBool = f.columnLength === 1;
      return (p) => {
        const v = unsigned ? p.buffer[p.offset]! : p.buffer.readInt8(p.offset);
        p.offset += 1;
        return asBool && (v === 0 || v === 1) ? v === 1 : v;
      };
    }
    case T.SHORT:
    case T.YEAR:
      return (p) => {
        const o = p.offset;
        p.offset = o + 2;
        return unsigned || f.columnType === T.YEAR ? p.buffer.readUInt16LE(o) : p.buffer.readInt16LE(o);
      };
    case T.LONG:
    case T.INT24:
      return (p) => {
        const o = p.offset;
        p.offset = o + 4;
        return unsigned ? p.buffer.readUInt32LE(o) : p.buffer.readInt32LE(o);
      };
    case T.LONGLONG:
      return int64(unsigned);
    case T.FLOAT:
      return (p) => {
        const o = p.offset;
        p.offset = o + 4;
        return p.buffer.readFloatLE(o);
      };
    case T.DOUBLE:
      return (p) => {
        const o = p.offset;
        p.offset = o + 8;
        return p.buffer.readDoubleLE(o);
      };
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return (p) => new Decimal(p.readLengthCodedString('ascii') ?? '');
    case T.NULL:
      return () => null;
    case T.DATE:
    case T.NEWDATE:
      return temporal('date');
    case T.DATETIME:
    case T.DATETIME2:
      return temporal('timestamp');
    case T.TIMESTAMP:
    case T.TIMESTAMP2:
      return temporal('timestamptz');
    case T.TIME:
    case T.TIME2:
      return time;
    case T.BIT:
      return bitRead(f.columnLength === 1);
    case T.GEOMETRY:
    case T.VECTOR:
      return bytes;
    case T.JSON:
      return (p) => p.readLengthCodedString('utf8');
    default: {
      if (f.characterSet === BINARY_CHARSET) return bytes;
      const encoding = f.encoding ?? 'utf8';
      return (p) => p.readLengthCodedString(encoding);
    }
  }
}

/** A row parser class in the shape mysql2 instantiates: `new Parser()`, then `next(packet)` per row. */
export function binaryRowParser(fields: BinaryField[]): new () => { next(packet: RawPacket): Value[] } {
  const readers = fields.map(readerFor);
  const n = readers.length;
  const bitmapBytes = Math.floor((n + 7 + 2) / 8);
  return class BinaryRow {
    next(packet: RawPacket): Value[] {
      const row = new Array<Value>(n);
      const b = packet.buffer;
      const bitmap = packet.offset + 1; // past the 0x00 header
      packet.offset = bitmap + bitmapBytes;
      for (let i = 0; i < n; i++) {
        const bit = i + 2;
        row[i] = b[bitmap + (bit >> 3)]! & (1 << (bit & 7)) ? null : readers[i]!(packet);
      }
      return row;
    }
  };
}
