/**
 * The record codec: rows of typed values to bytes and back.
 *
 *   frame   = u32 payloadBytes | payload                         (the ring's length prefix)
 *   payload = u32 recordCount | u32 textBytes | records | text
 *   record  = u16 valueCount | value*
 *   value   = u8 tag | data   (int32: 4 bytes; double, int64: 8; date: f64 ms + u16 µs|kind<<10; short string, decimal,
 *                              big integer: u32 length in UTF-16 units, the characters in `text`;
 *                              long string, bytes: u32 byte length, the bytes in place)
 *
 * Every short string of a frame goes into one `text` block at its end: the encoder joins them (a
 * rope, O(1) per string) and writes the block in one call; the decoder decodes the block in
 * one call and cuts each string out with substring(). Per-string UTF-8 calls were 40% of the
 * codec's time (bench/RESULTS.md). The cost: a string that outlives its batch keeps the
 * batch's text block alive (V8 sliced strings), so writers should not hoard values.
 *
 * Numbers keep their JS identity: an int32 travels in 4 bytes, any other number (NaN, -0 and
 * Infinity included) as a float64; a bigint as int64, or as text past 64 bits. Little-endian.
 */
import { DateTime, Decimal, type DateKind, type Row, type Value } from './value.js';
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
  /** A string longer than SHORT_STRING_MAX: u32 UTF-8 bytes, then the bytes, in place. */
  LONG_STRING: 11,
} as const;

/**
 * Strings up to this many characters go to the frame's text block; longer ones are written in
 * place. The block must stay well under V8's 128 KB large-object threshold: a larger string is
 * allocated in its own pages and decodes 50x slower (measured: 8 GB/s at 120 KB, 160 MB/s at 140 KB).
 */
export const SHORT_STRING_MAX = 256;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_COLUMNS = 0xffff;
const DATE_KINDS: readonly DateKind[] = ['timestamptz', 'timestamp', 'date', 'time'];
const DATE_KIND_CODE: Record<DateKind, number> = { timestamptz: 0, timestamp: 1, date: 2, time: 3 };

/** payloadBytes, recordCount, textBytes */
export const FRAME_PREAMBLE = 12;

/** Builds one frame at a time in a growable, non-shared buffer that is then copied into the ring. */
export class FrameEncoder {
  private buf: Buffer;
  private view: DataView;
  /** Bytes of the frame so far, preamble included, text block excluded. */
  length = FRAME_PREAMBLE;
  records = 0;
  /** The frame's strings, joined. */
  private text = '';
  private rowStart = FRAME_PREAMBLE;
  private rowText = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** UTF-16 units of text so far: the frame's size is about length + textUnits for ASCII text. */
  get textUnits(): number {
    return this.text.length;
  }

  reset(): void {
    this.length = FRAME_PREAMBLE;
    this.records = 0;
    this.text = '';
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Appends one record. */
  add(row: Row): void {
    const n = row.length;
    if (n > MAX_COLUMNS) throw new FerryError('FERRY_RECORD_TOO_LARGE', `a record has ${n} columns; at most ${MAX_COLUMNS} are supported`);
    this.rowStart = this.length;
    this.rowText = this.text.length;
    // 11 bytes a value covers every tag written in place below; BYTES and long strings ensure their own.
    this.ensure(2 + n * 11);
    let view = this.view;
    let p = this.length;
    view.setUint16(p, n, true);
    p += 2;
    for (let i = 0; i < n; i++) {
      const v = row[i];
      if (typeof v === 'number') {
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
          view.setUint8(p, Tag.INT32);
          view.setInt32(p + 1, v, true);
          p += 5;
        } else {
          view.setUint8(p, Tag.DOUBLE);
          view.setFloat64(p + 1, v, true);
          p += 9;
        }
      } else if (typeof v === 'string') {
        if (v.length <= SHORT_STRING_MAX) {
          view.setUint8(p, Tag.STRING);
          view.setUint32(p + 1, v.length, true);
          p += 5;
          this.text += v;
        } else {
          this.length = p;
          this.longString(v);
          view = this.view;
          p = this.length;
        }
      } else if (v === null || v === undefined) {
        view.setUint8(p++, Tag.NULL);
      } else if (typeof v === 'boolean') {
        view.setUint8(p++, v ? Tag.TRUE : Tag.FALSE);
      } else if (v instanceof DateTime) {
        view.setUint8(p, Tag.DATE);
        view.setFloat64(p + 1, v.epochMs, true);
        // µs (0..999) in the low 10 bits, the kind above them.
        view.setUint16(p + 9, v.micros | (DATE_KIND_CODE[v.kind] << 10), true);
        p += 11;
      } else if (v instanceof Decimal) {
        view.setUint8(p, Tag.DECIMAL);
        view.setUint32(p + 1, v.text.length, true);
        p += 5;
        this.text += v.text;
      } else {
        this.length = p;
        this.other(v);
        view = this.view;
        p = this.length;
      }
    }
    this.length = p;
    this.records++;
  }

  /** Takes the last added record out again and returns it as a one-record encoder state. */
  popLast(): { bytes: Buffer; text: string } {
    const bytes = Buffer.from(this.buf.subarray(this.rowStart, this.length));
    const text = this.text.slice(this.rowText);
    this.length = this.rowStart;
    this.text = this.text.slice(0, this.rowText);
    this.records--;
    return { bytes, text };
  }

  /** Puts back a record taken with popLast(). */
  pushRaw(rec: { bytes: Buffer; text: string }): void {
    this.rowStart = this.length;
    this.rowText = this.text.length;
    this.ensure(rec.bytes.byteLength);
    this.buf.set(rec.bytes, this.length);
    this.length += rec.bytes.byteLength;
    this.text += rec.text;
    this.records++;
  }

  /** The rarer value types: Date, bigint, bytes; anything else throws. */
  private other(v: Value): void {
    const view = this.view;
    const p = this.length;
    if (v instanceof Date) {
      view.setUint8(p, Tag.DATE);
      view.setFloat64(p + 1, v.getTime(), true);
      view.setUint16(p + 9, 0, true);
      this.length = p + 11;
    } else if (typeof v === 'bigint') {
      if (v >= INT64_MIN && v <= INT64_MAX) {
        view.setUint8(p, Tag.INT64);
        view.setBigInt64(p + 1, v, true);
        this.length = p + 9;
      } else {
        this.string(Tag.BIGINT_TEXT, v.toString());
      }
    } else if (v instanceof Uint8Array) {
      const n = v.byteLength;
      this.ensure(5 + n + 11);
      this.view.setUint8(p, Tag.BYTES);
      this.view.setUint32(p + 1, n, true);
      this.buf.set(v, p + 5);
      this.length = p + 5 + n;
    } else {
      const what = typeof v === 'object' && v !== null ? ((v as object).constructor?.name ?? 'object') : typeof v;
      throw new FerryError('FERRY_PLUGIN_ERROR', `a record holds a value of unsupported type ${what}; use null, boolean, number, bigint, string, Decimal, DateTime, Date or Uint8Array`);
    }
  }

  private string(tag: number, s: string): void {
    const p = this.length;
    this.view.setUint8(p, tag);
    this.view.setUint32(p + 1, s.length, true);
    this.length = p + 5;
    this.text += s;
  }

  private longString(s: string): void {
    this.ensure(5 + s.length * 3 + 11);
    const p = this.length;
    this.view.setUint8(p, Tag.LONG_STRING);
    const n = this.buf.write(s, p + 5, 'utf8');
    this.view.setUint32(p + 1, n, true);
    this.length = p + 5 + n;
  }

  /** Completes the frame (text block and header) and returns it as a view on the internal buffer. */
  finish(): Buffer {
    const text = this.text;
    this.ensure(text.length * 3);
    const textBytes = text.length === 0 ? 0 : this.buf.write(text, this.length, 'utf8');
    const end = this.length + textBytes;
    this.view.setUint32(0, end - 4, true);
    this.view.setUint32(4, this.records, true);
    this.view.setUint32(8, textBytes, true);
    return this.buf.subarray(0, end);
  }
}

/**
 * Decodes one frame payload (from its record count on) that lies in `buf` between `start` and
 * `end`; `view` is a DataView over the same memory as `buf`.
 */
export function decodeFrame(buf: Buffer, view: DataView, start: number, end: number): Row[] {
  let p = start;
  const count = view.getUint32(p, true);
  const textBytes = view.getUint32(p + 4, true);
  p += 8;
  const textStart = end - textBytes;
  const text = textBytes === 0 ? '' : buf.toString('utf8', textStart, end);
  let t = 0;
  const rows: Row[] = new Array(count);
  for (let r = 0; r < count; r++) {
    const n = view.getUint16(p, true);
    p += 2;
    const row: Row = new Array(n);
    for (let i = 0; i < n; i++) {
      const tag = view.getUint8(p++);
      switch (tag) {
        case Tag.NULL: row[i] = null; break;
        case Tag.FALSE: row[i] = false; break;
        case Tag.TRUE: row[i] = true; break;
        case Tag.INT32: row[i] = view.getInt32(p, true); p += 4; break;
        case Tag.DOUBLE: row[i] = view.getFloat64(p, true); p += 8; break;
        case Tag.INT64: row[i] = view.getBigInt64(p, true); p += 8; break;
        case Tag.DATE: {
          const bits = view.getUint16(p + 8, true);
          row[i] = new DateTime(view.getFloat64(p, true), bits & 0x3ff, DATE_KINDS[bits >> 10]!);
          p += 10;
          break;
        }
        case Tag.STRING: {
          const len = view.getUint32(p, true);
          p += 4;
          row[i] = text.substring(t, t + len);
          t += len;
          break;
        }
        case Tag.LONG_STRING: {
          const len = view.getUint32(p, true);
          row[i] = buf.toString('utf8', p + 4, p + 4 + len);
          p += 4 + len;
          break;
        }
        case Tag.DECIMAL:
        case Tag.BIGINT_TEXT: {
          const len = view.getUint32(p, true);
          p += 4;
          const s = text.substring(t, t + len);
          t += len;
          row[i] = tag === Tag.DECIMAL ? new Decimal(s) : BigInt(s);
          break;
        }
        case Tag.BYTES: {
          const len = view.getUint32(p, true);
          // A copy: the ring's bytes are reused as soon as this frame is released.
          row[i] = new Uint8Array(buf.subarray(p + 4, p + 4 + len));
          p += 4 + len;
          break;
        }
        default:
          throw new FerryError('FERRY_INTERNAL', `corrupt frame: unknown value tag ${tag} at byte ${p - 1 - start}`);
      }
    }
    rows[r] = row;
  }
  if (p !== textStart || t !== text.length) throw new FerryError('FERRY_INTERNAL', `corrupt frame: decoded ${p - start} of ${textStart - start} bytes`);
  return rows;
}

/** Decodes a frame payload kept as its own bytes (ChannelReceiver.readFrame's copy). */
export function decodeFrameBytes(bytes: Uint8Array): Row[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeFrame(buf, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.byteLength);
}

/**
 * A pass-through frame carries whole text lines instead of records (TaskContext.passThrough):
 * the same preamble, with this bit set in the record count, which then counts lines.
 *
 *   frame = u32 payloadBytes | u32 lines|TEXT_FRAME | u32 textBytes | text
 */
export const TEXT_FRAME = 0x80000000;

/** A pass-through frame of `lines` whole lines, in `into` when it is big enough (the frame is a view of it). */
export function encodeTextFrame(text: Uint8Array, lines: number, into?: Buffer): Buffer {
  const size = FRAME_PREAMBLE + text.byteLength;
  const frame = into && into.length >= size ? into.subarray(0, size) : Buffer.allocUnsafe(size);
  frame.writeUInt32LE(frame.length - 4, 0);
  frame.writeUInt32LE((lines | TEXT_FRAME) >>> 0, 4);
  frame.writeUInt32LE(text.byteLength, 8);
  frame.set(text, FRAME_PREAMBLE);
  return frame;
}

/** The line count of a pass-through frame payload at `start`, or -1 for a frame of records. */
export function textFrameLines(view: DataView, start: number): number {
  const count = view.getUint32(start, true);
  return count >= TEXT_FRAME ? count - TEXT_FRAME : -1;
}
