/**
 * The MySQL pass-through (format 'mysql-load-text'): binary-protocol rows written straight into
 * the text LOAD DATA reads (FIELDS TERMINATED BY '\t' ESCAPED BY '\\' LINES TERMINATED BY '\n'),
 * byte by byte from the packet, with no value, string or object per field. Integers and dates
 * are written as digits, DECIMAL as the server's own digits, FLOAT and DOUBLE as the shortest
 * text that reads back as the same number, text escaped (\\ \t \n \r; a NUL goes as it is:
 * "\0" then a digit would read as an octal escape in COPY text), bytes as hex (the
 * writer loads those columns through UNHEX), NULL as \N. The escapes are those of PostgreSQL's
 * COPY text too, so copy-text.ts reads a line's fields back (a restore key, a dirty record).
 *
 * The reader offers it only for the column types below (passThroughType). A MySQL writer takes
 * it only when each target column has the source column's type, so the server reads back what it
 * sent, into the same type; PostgreSQL's COPY where each column's text reads as the same value
 * (../postgresql/from-mysql.ts).
 */
import { BINARY_CHARSET, T } from './field-types.js';
import type { BinaryField, RawPacket } from './binary-rows.js';

/** A column type the pass-through carries without loss (COLUMN_TYPE, lower case). */
const CARRIED = /^(?:tinyint|smallint|mediumint|int|integer|bigint|float|double|real|decimal|numeric|date|datetime|timestamp|time|year|char|varchar|tinytext|text|mediumtext|longtext|enum|set|json|binary|varbinary|tinyblob|blob|mediumblob|longblob)\b/;

/** Why a column of this type cannot be in a pass-through, or undefined when it can. */
export function passThroughType(dbType: string): string | undefined {
  return CARRIED.test(dbType) ? undefined : `a ${dbType} column is read as a value`;
}

export interface LoadTextOut {
  buf: Buffer;
  pos: number;
}

/** A packet as the encoder reads it: mysql2's Packet with its end. */
export interface EndedPacket extends RawPacket {
  end: number;
}

type Write = (p: EndedPacket, o: LoadTextOut) => void;

const TAB = 9;
const NL = 10;
const BACKSLASH = 92;

/** A safe integer's digits at o.pos. */
function writeInt(o: LoadTextOut, n: number): void {
  const b = o.buf;
  let pos = o.pos;
  if (n < 0) {
    b[pos++] = 45; // -
    n = -n;
  }
  if (n < 10) {
    b[pos++] = 48 + n;
    o.pos = pos;
    return;
  }
  let len = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
  if (n <= 0x7fffffff) {
    // int32 arithmetic: most values, and several times cheaper than Math.floor on doubles
    for (let i = pos + len - 1; i >= pos; i--) {
      const q = (n / 10) | 0;
      b[i] = 48 + n - q * 10;
      n = q;
    }
  } else {
    for (let i = pos + len - 1; i >= pos; i--) {
      const q = Math.floor(n / 10);
      b[i] = 48 + (n - q * 10);
      n = q;
    }
  }
  o.pos = pos + len;
}

/** n (0 ≤ n < 10^width ≤ 10^9) as exactly `width` digits. */
function writeFixed(o: LoadTextOut, n: number, width: number): void {
  const b = o.buf;
  for (let i = o.pos + width - 1; i >= o.pos; i--) {
    const q = (n / 10) | 0;
    b[i] = 48 + n - q * 10;
    n = q;
  }
  o.pos += width;
}

/** ASCII text (a number's digits) byte by byte: Buffer.write costs more than the copy for a few bytes. */
function writeAscii(o: LoadTextOut, s: string): void {
  const b = o.buf;
  let pos = o.pos;
  for (let i = 0; i < s.length; i++) b[pos++] = s.charCodeAt(i);
  o.pos = pos;
}

function lengthCoded(p: EndedPacket): [start: number, end: number] {
  const len = p.readLengthCodedNumber() ?? 0;
  const start = p.offset;
  p.offset = start + len;
  return [start, start + len];
}

/** Text bytes, escaped for LOAD DATA. */
const text: Write = (p, o) => {
  const [start, end] = lengthCoded(p);
  const src = p.buffer;
  const b = o.buf;
  let pos = o.pos;
  for (let i = start; i < end; i++) {
    const c = src[i]!;
    if (c > 13 ? c !== BACKSLASH : c !== TAB && c !== NL && c !== 13) {
      b[pos++] = c;
      continue;
    }
    b[pos++] = BACKSLASH;
    b[pos++] = c === TAB ? 116 : c === NL ? 110 : c === 13 ? 114 : BACKSLASH;
  }
  o.pos = pos;
};

/** DECIMAL: the server's digits, which need no escape (a loop: Buffer.copy costs more for a few bytes). */
const digits: Write = (p, o) => {
  const [start, end] = lengthCoded(p);
  const src = p.buffer;
  const b = o.buf;
  let pos = o.pos;
  for (let i = start; i < end; i++) b[pos++] = src[i]!;
  o.pos = pos;
};

const hex: Write = (p, o) => {
  const [start, end] = lengthCoded(p);
  o.pos += o.buf.write(p.buffer.toString('hex', start, end), o.pos, 'latin1');
};

/** DATE, DATETIME, TIMESTAMP: a length byte, then the fields present (none for a zero date). */
function temporal(withTime: boolean): Write {
  return (p, o) => {
    const src = p.buffer;
    const at = p.offset;
    const len = src[at]!;
    p.offset = at + 1 + len;
    const y = len >= 4 ? src[at + 1]! | (src[at + 2]! << 8) : 0;
    writeFixed(o, y, 4);
    o.buf[o.pos++] = 45;
    writeFixed(o, len >= 4 ? src[at + 3]! : 0, 2);
    o.buf[o.pos++] = 45;
    writeFixed(o, len >= 4 ? src[at + 4]! : 0, 2);
    if (!withTime) return;
    o.buf[o.pos++] = 32;
    writeFixed(o, len >= 7 ? src[at + 5]! : 0, 2);
    clockRest(o, len >= 7 ? src[at + 6]! : 0, len >= 7 ? src[at + 7]! : 0, len >= 11 ? src.readUInt32LE(at + 8) : 0);
  };
}

/** ":MM:SS", and ".ffffff" unless the microseconds are 0, after the hours. */
function clockRest(o: LoadTextOut, minutes: number, seconds: number, us: number): void {
  o.buf[o.pos++] = 58;
  writeFixed(o, minutes, 2);
  o.buf[o.pos++] = 58;
  writeFixed(o, seconds, 2);
  if (us > 0) {
    o.buf[o.pos++] = 46;
    writeFixed(o, us, 6);
  }
}

/** TIME: a duration of up to 838 hours, maybe negative. */
const time: Write = (p, o) => {
  const src = p.buffer;
  const at = p.offset;
  const len = src[at]!;
  p.offset = at + 1 + len;
  if (len >= 8 && src[at + 1] === 1) o.buf[o.pos++] = 45;
  const hours = len >= 8 ? src.readUInt32LE(at + 2) * 24 + src[at + 6]! : 0;
  if (hours < 100) writeFixed(o, hours, 2);
  else writeInt(o, hours);
  clockRest(o, len >= 8 ? src[at + 7]! : 0, len >= 8 ? src[at + 8]! : 0, len >= 12 ? src.readUInt32LE(at + 9) : 0);
};

function fixedInt(size: 1 | 2 | 4, unsigned: boolean): Write {
  return (p, o) => {
    const src = p.buffer;
    const at = p.offset;
    p.offset = at + size;
    writeInt(o, size === 1 ? (unsigned ? src[at]! : src.readInt8(at)) : size === 2 ? (unsigned ? src.readUInt16LE(at) : src.readInt16LE(at)) : unsigned ? src.readUInt32LE(at) : src.readInt32LE(at));
  };
}

function int64(unsigned: boolean): Write {
  return (p, o) => {
    const src = p.buffer;
    const at = p.offset;
    p.offset = at + 8;
    const lo = src.readUInt32LE(at);
    const hi = unsigned ? src.readUInt32LE(at + 4) : src.readInt32LE(at + 4);
    const n = hi * 0x1_0000_0000 + lo;
    if (n >= -Number.MAX_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER) writeInt(o, n);
    else writeAscii(o, (unsigned ? src.readBigUInt64LE(at) : src.readBigInt64LE(at)).toString());
  };
}

/** FLOAT as the shortest text of its exact value as a double: the server reads it back to the same float. */
const float: Write = (p, o) => {
  const at = p.offset;
  p.offset = at + 4;
  writeAscii(o, String(p.buffer.readFloatLE(at)));
};

const double: Write = (p, o) => {
  const at = p.offset;
  p.offset = at + 8;
  const d = p.buffer.readDoubleLE(at);
  // A whole number's digits without a string; String(-0) is "0" too.
  if (Number.isSafeInteger(d)) writeInt(o, d === 0 ? 0 : d);
  else writeAscii(o, String(d));
};

function writerFor(f: BinaryField): Write {
  const unsigned = ((typeof f.flags === 'number' ? f.flags : 0) & 32) !== 0;
  switch (f.columnType) {
    case T.TINY:
      return fixedInt(1, unsigned);
    case T.SHORT:
      return fixedInt(2, unsigned);
    case T.YEAR:
      return fixedInt(2, true);
    case T.LONG:
    case T.INT24:
      return fixedInt(4, unsigned);
    case T.LONGLONG:
      return int64(unsigned);
    case T.FLOAT:
      return float;
    case T.DOUBLE:
      return double;
    case T.DECIMAL:
    case T.NEWDECIMAL:
      return digits;
    case T.DATE:
    case T.NEWDATE:
      return temporal(false);
    case T.DATETIME:
    case T.DATETIME2:
    case T.TIMESTAMP:
    case T.TIMESTAMP2:
      return temporal(true);
    case T.TIME:
    case T.TIME2:
      return time;
    case T.JSON:
      return text;
    case T.BIT:
    case T.GEOMETRY:
    case T.VECTOR:
    case T.NULL:
      throw new Error(`column ${f.name}: type ${f.columnType} has no pass-through text`);
    default:
      return f.characterSet === BINARY_CHARSET ? hex : text;
  }
}

/**
 * A row parser class in the shape mysql2 instantiates (see binaryRowParser): next(packet) writes
 * the row as one LOAD DATA line into `out` (grown by `room` first) and returns nothing.
 */
export function loadTextRowParser(fields: BinaryField[], out: LoadTextOut, room: (bytes: number) => void): new () => { next(packet: EndedPacket): undefined } {
  const writers = fields.map(writerFor);
  const n = writers.length;
  const bitmapBytes = Math.floor((n + 7 + 2) / 8);
  // Per field at most: 2 bytes of text per byte in the packet (an escape, or hex), or ~25 for a number.
  const perField = 32;
  return class LoadTextRow {
    next(packet: EndedPacket): undefined {
      room(2 * (packet.end - packet.offset) + perField * n + 1);
      const b = packet.buffer;
      const bitmap = packet.offset + 1; // past the 0x00 header
      packet.offset = bitmap + bitmapBytes;
      for (let i = 0; i < n; i++) {
        if (i > 0) out.buf[out.pos++] = TAB;
        const bit = i + 2;
        if (b[bitmap + (bit >> 3)]! & (1 << (bit & 7))) {
          out.buf[out.pos++] = BACKSLASH;
          out.buf[out.pos++] = 78; // N
        } else writers[i]!(packet, out);
      }
      out.buf[out.pos++] = NL;
      return undefined;
    }
  };
}
