/**
 * The record codec: rows of typed values to bytes and back, one tag byte per value.
 *
 *   frame payload = u32 recordCount, then per record: u16 valueCount, then per value: u8 tag + data
 *
 * Numbers keep their JS identity: an int32 travels in 4 bytes, any other number (NaN, -0 and
 * Infinity included) as a float64; a bigint as int64, or as text past 64 bits, so nothing is
 * ever rounded. Little-endian throughout.
 */
import { Decimal, type Row, type Value } from './value.js';
import { FerryError } from '../lib/errors.js';

export const Tag = {
  NULL: 0,
  FALSE: 1,
  TRUE: 2,
  INT32: 3,
  DOUBLE: 4,
  INT64: 5,
  BIGINT_TEXT: 6,
  STRING: 7,
  DECIMAL: 8,
  DATE: 9,
  BYTES: 10,
} as const;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_COLUMNS = 0xffff;

/** Builds frame payloads in a growable, non-shared buffer that is then copied into the ring. */
export class FrameEncoder {
  buf: Buffer;
  /** Bytes used, the frame header included. */
  length = 0;
  records = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.reset();
  }

  /** Starts a new frame: 4 bytes of length (filled by finish) and 4 of record count. */
  reset(): void {
    this.length = 8;
    this.records = 0;
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** Appends one record; returns the bytes it took. */
  add(row: Row): number {
    const start = this.length;
    const n = row.length;
    if (n > MAX_COLUMNS) throw new FerryError('FERRY_RECORD_TOO_LARGE', `a record has ${n} columns; at most ${MAX_COLUMNS} are supported`);
    this.ensure(2 + n * 9);
    this.buf.writeUInt16LE(n, this.length);
    this.length += 2;
    for (let i = 0; i < n; i++) this.value(row[i] as Value);
    this.records++;
    return this.length - start;
  }

  private value(v: Value): void {
    // ensure() in add() reserved 9 bytes per value: enough for every fixed-size tag.
    const buf = this.buf;
    let p = this.length;
    if (v === null || v === undefined) {
      buf[p] = Tag.NULL;
      this.length = p + 1;
    } else if (typeof v === 'number') {
      if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
        buf[p] = Tag.INT32;
        buf.writeInt32LE(v, p + 1);
        this.length = p + 5;
      } else {
        buf[p] = Tag.DOUBLE;
        buf.writeDoubleLE(v, p + 1);
        this.length = p + 9;
      }
    } else if (typeof v === 'string') {
      this.text(Tag.STRING, v);
    } else if (typeof v === 'boolean') {
      buf[p] = v ? Tag.TRUE : Tag.FALSE;
      this.length = p + 1;
    } else if (v instanceof Date) {
      buf[p] = Tag.DATE;
      buf.writeDoubleLE(v.getTime(), p + 1);
      this.length = p + 9;
    } else if (v instanceof Decimal) {
      this.text(Tag.DECIMAL, v.text);
    } else if (typeof v === 'bigint') {
      if (v >= INT64_MIN && v <= INT64_MAX) {
        buf[p] = Tag.INT64;
        buf.writeBigInt64LE(v, p + 1);
        this.length = p + 9;
      } else {
        this.text(Tag.BIGINT_TEXT, v.toString());
      }
    } else if (v instanceof Uint8Array) {
      const n = v.byteLength;
      this.ensure(5 + n + 9);
      p = this.length;
      this.buf[p] = Tag.BYTES;
      this.buf.writeUInt32LE(n, p + 1);
      this.buf.set(v, p + 5);
      this.length = p + 5 + n;
    } else {
      throw new FerryError('FERRY_PLUGIN_ERROR', `a record holds a value of unsupported type ${typeof v === 'object' ? (v as object).constructor?.name ?? 'object' : typeof v}`);
    }
  }

  private text(tag: number, s: string): void {
    // Worst case 3 bytes per UTF-16 unit; +9 keeps the per-value reserve for what follows.
    this.ensure(5 + s.length * 3 + 9);
    const p = this.length;
    this.buf[p] = tag;
    const n = this.buf.write(s, p + 5, 'utf8');
    this.buf.writeUInt32LE(n, p + 1);
    this.length = p + 5 + n;
  }

  /** Writes the header and returns the whole frame (header + payload) as a view on the buffer. */
  finish(): Buffer {
    this.buf.writeUInt32LE(this.length - 4, 0);
    this.buf.writeUInt32LE(this.records, 4);
    return this.buf.subarray(0, this.length);
  }
}

/** Decodes one frame payload (starting at its record count) from `buf` at `offset`. */
export function decodeFrame(buf: Buffer, offset: number, end: number): Row[] {
  let p = offset;
  const count = buf.readUInt32LE(p);
  p += 4;
  const rows: Row[] = new Array(count);
  for (let r = 0; r < count; r++) {
    const n = buf.readUInt16LE(p);
    p += 2;
    const row: Row = new Array(n);
    for (let i = 0; i < n; i++) {
      const tag = buf[p++];
      switch (tag) {
        case Tag.NULL: row[i] = null; break;
        case Tag.FALSE: row[i] = false; break;
        case Tag.TRUE: row[i] = true; break;
        case Tag.INT32: row[i] = buf.readInt32LE(p); p += 4; break;
        case Tag.DOUBLE: row[i] = buf.readDoubleLE(p); p += 8; break;
        case Tag.INT64: row[i] = buf.readBigInt64LE(p); p += 8; break;
        case Tag.DATE: row[i] = new Date(buf.readDoubleLE(p)); p += 8; break;
        case Tag.STRING:
        case Tag.DECIMAL:
        case Tag.BIGINT_TEXT: {
          const len = buf.readUInt32LE(p);
          const s = buf.toString('utf8', p + 4, p + 4 + len);
          p += 4 + len;
          row[i] = tag === Tag.STRING ? s : tag === Tag.DECIMAL ? new Decimal(s) : BigInt(s);
          break;
        }
        case Tag.BYTES: {
          const len = buf.readUInt32LE(p);
          // A copy: the ring's bytes are reused as soon as this frame is released.
          row[i] = new Uint8Array(buf.subarray(p + 4, p + 4 + len));
          p += 4 + len;
          break;
        }
        default:
          throw new FerryError('FERRY_INTERNAL', `corrupt frame: unknown value tag ${tag} at byte ${p - 1}`);
      }
    }
    rows[r] = row;
  }
  if (p !== end) throw new FerryError('FERRY_INTERNAL', `corrupt frame: decoded ${p - offset} of ${end - offset} bytes`);
  return rows;
}
