/**
 * PostgreSQL's binary COPY format, for the pass-through between two PostgreSQL tables whose
 * columns have the same built-in types: the servers send and receive each value in its binary
 * form, which costs them less than formatting and parsing text (numeric, timestamps, floats) —
 * on a machine whose cores the servers share with ferry, that is most of the job.
 *
 * A stream is a 19-byte header, tuples (int16 field count, then per field an int32 length, -1
 * for NULL, and the bytes), and an int16 -1 trailer. ferry never decodes a value on the way: it
 * cuts the stream at tuple boundaries, reads the key of a piece's last tuple (to go on after it
 * or checkpoint it), and decodes a tuple into text only when the target refused it (the dirty
 * file).
 */
import { DateTime } from '../../../channel/value.js';
import type { Value } from '../../../channel/value.js';
import type { RecordCodec } from '../pass-through.js';
import { DateFormatter, pad2 } from './types.js';

/** PGCOPY\n\377\r\n\0, flags 0, no header extension. */
export const BINARY_HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
export const BINARY_TRAILER = Buffer.from([0xff, 0xff]);
const SIGNATURE_BYTES = 11;

/** The types whose binary form is the same on both ends and that the dirty file can show as text. */
const BINARY_TYPES = /^(smallint|integer|bigint|double precision|numeric|text|character varying|character|boolean|bytea|date|timestamp|timestamp with time zone|timestamp without time zone)$/;

/** Whether a column of this type (as format_type prints it) can go through binary COPY. */
export function binaryPassThroughType(dbType: string): boolean {
  if (dbType.endsWith('[]')) return false;
  return BINARY_TYPES.test(dbType.replace(/\(\d+(,\d+)?\)/, ''));
}

/** The offset just past the tuple at `at`, or -1 when `buf` ends inside it (or at the trailer): the sender's cut points. */
export function tupleEnd(buf: Buffer, at: number): number {
  if (at + 2 > buf.length) return -1;
  const fields = buf.readInt16BE(at);
  if (fields < 0) return -1;
  let p = at + 2;
  for (let f = 0; f < fields; f++) {
    if (p + 4 > buf.length) return -1;
    const len = buf.readInt32BE(p);
    p += 4 + (len > 0 ? len : 0);
    if (p > buf.length) return -1;
  }
  return p;
}

/** Field `index` of the tuple at the start of `tuple`: its bytes, or null for NULL. */
export function tupleField(tuple: Buffer, index: number): Buffer | null {
  let p = 2;
  for (let f = 0; f < index; f++) {
    const len = tuple.readInt32BE(p);
    p += 4 + (len > 0 ? len : 0);
  }
  const len = tuple.readInt32BE(p);
  return len < 0 ? null : tuple.subarray(p + 4, p + 4 + len);
}

/** A key field's text: an integer's digits (by its width), else the UTF-8 string. */
export function binaryKeyText(field: Buffer | null, kind: 'int' | 'text'): string | undefined {
  if (field === null) return undefined;
  if (kind === 'text') return field.toString('utf8');
  if (field.length === 8) return field.readBigInt64BE(0).toString();
  if (field.length === 4) return String(field.readInt32BE(0));
  return String(field.readInt16BE(0));
}

/**
 * Cuts a binary COPY TO stream, chunk by chunk, into pieces of whole tuples: the header is
 * checked and dropped, the trailer ends it.
 */
export class BinaryTupleCutter {
  private carry: Buffer | undefined;
  private header = false;
  /** The trailer was read: the stream holds no more tuples. */
  ended = false;

  /** Whole tuples that `chunk` completes: the bytes, their count and the offset of the last. */
  push(chunk: Buffer): { text: Buffer; lines: number; last: number } | undefined {
    let buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    if (!this.header) {
      if (buf.length < BINARY_HEADER.length) {
        this.carry = buf;
        return undefined;
      }
      if (!buf.subarray(0, SIGNATURE_BYTES).equals(BINARY_HEADER.subarray(0, SIGNATURE_BYTES))) throw new Error('the binary COPY data does not start with the PGCOPY signature');
      const skip = BINARY_HEADER.length + buf.readUInt32BE(SIGNATURE_BYTES + 4);
      if (buf.length < skip) {
        this.carry = buf;
        return undefined;
      }
      this.header = true;
      buf = buf.subarray(skip);
    }
    let at = 0;
    let last = -1;
    let lines = 0;
    for (;;) {
      const end = tupleEnd(buf, at);
      if (end < 0) break;
      last = at;
      at = end;
      lines++;
    }
    if (at + 2 <= buf.length && buf.readInt16BE(at) === -1) this.ended = true;
    else if (at < buf.length) this.carry = buf.subarray(at);
    return lines === 0 ? undefined : { text: at === buf.length ? buf : buf.subarray(0, at), lines, last };
  }
}

const PG_EPOCH_MICROS = 946_684_800_000_000n;
const MICROS_PER_DAY = 86_400_000_000n;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

/** A binary value's text as PostgreSQL prints it (bytea as bytes), for a refused tuple's dirty record. */
function decoderFor(dbType: string, dates: DateFormatter): (b: Buffer) => Value {
  const t = dbType.replace(/\(\d+(,\d+)?\)/, '');
  switch (t) {
    case 'smallint': return (b) => String(b.readInt16BE(0));
    case 'integer': return (b) => String(b.readInt32BE(0));
    case 'bigint': return (b) => b.readBigInt64BE(0).toString();
    case 'double precision': return (b) => floatText(b.readDoubleBE(0));
    case 'numeric': return numericText;
    case 'boolean': return (b) => (b[0] ? 't' : 'f');
    case 'bytea': return (b) => new Uint8Array(b);
    case 'date': return (b) => {
      const days = b.readInt32BE(0);
      if (days === 0x7fffffff) return 'infinity';
      if (days === -0x80000000) return '-infinity';
      return dates.dateTime(new DateTime((days + 10_957) * 86_400_000, 0, 'date'));
    };
    case 'timestamp':
    case 'timestamp without time zone':
    case 'timestamp with time zone': {
      const kind = t === 'timestamp with time zone' ? 'timestamptz' : 'timestamp';
      return (b) => {
        const v = b.readBigInt64BE(0);
        if (v === INT64_MAX) return 'infinity';
        if (v === INT64_MIN) return '-infinity';
        // In BigInt up to the day: the far years PostgreSQL allows are past a double's exact microseconds.
        const micros = v + PG_EPOCH_MICROS;
        let days = micros / MICROS_PER_DAY;
        if (micros < 0n && days * MICROS_PER_DAY !== micros) days -= 1n;
        const ofDay = Number(micros - days * MICROS_PER_DAY);
        const day = dates.day(Number(days));
        const bc = dates.bc;
        const secs = Math.floor(ofDay / 1e6);
        const frac = ofDay - secs * 1e6;
        const clock = `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}${frac ? `.${String(frac).padStart(6, '0').replace(/0+$/, '')}` : ''}`;
        return `${day} ${clock}${kind === 'timestamptz' ? '+00' : ''}${bc ? ' BC' : ''}`;
      };
    }
    default: return (b) => b.toString('utf8'); // text, character varying, character
  }
}

/** A double as PostgreSQL prints it: the shortest exact digits, exponent form below 1e-4 and from 1e15 on. */
function floatText(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e >= -4 && e < 15) return String(x);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** numeric's binary form (base-10000 digits with weight, sign and display scale) as text. */
export function numericText(b: Buffer): string {
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readUInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  const digit = (i: number): number => (i >= 0 && i < ndigits ? b.readInt16BE(8 + 2 * i) : 0);
  let int = '';
  if (weight < 0) int = '0';
  else for (let i = 0; i <= weight; i++) int += i === 0 ? String(digit(i)) : String(digit(i)).padStart(4, '0');
  let frac = '';
  for (let i = weight + 1; frac.length < dscale; i++) frac += String(digit(i)).padStart(4, '0');
  const text = dscale > 0 ? `${int}.${frac.slice(0, dscale)}` : int;
  return sign === 0x4000 ? `-${text}` : text;
}

/** The records of a binary pass-through into columns of `types`: tuples. */
export function binaryTuples(types: string[]): RecordCodec {
  const dates = new DateFormatter();
  const decoders = types.map((t) => decoderFor(t, dates));
  const lastTuple = (buf: Buffer): Buffer => {
    let at = 0;
    for (let end = tupleEnd(buf, 0); end < buf.length; end = tupleEnd(buf, at)) at = end;
    return buf.subarray(at);
  };
  return {
    end: tupleEnd,
    lastKey(buf, index) {
      const field = tupleField(lastTuple(buf), index);
      return field === null ? '' : String(decoders[index]!(field));
    },
    fields(tuple) {
      return decoders.map((decode, i) => {
        const field = tupleField(tuple, i);
        return field === null ? null : decode(field);
      });
    },
  };
}
