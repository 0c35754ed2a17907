/**
 * The two ends a task's plugins see: a RecordSender for the reader loop and a RecordReceiver
 * for the writer loop. Records are encoded into batch frames as they are sent, so the reader
 * never holds more than one batch of row objects; frames go through the ring under the rate limit.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FRAME_PREAMBLE, FrameEncoder, decodeFrame, encodeTextFrame, textFrameLines } from './codec.js';
import { RingConsumer, RingProducer } from './ring.js';
import { RateLimiter, type RateCaps } from './rate-limiter.js';
import { F64 } from './slots.js';
import { FerryError } from '../lib/errors.js';
import type { Row } from './value.js';
import type { ReceivedFrame, RecordEnd, RecordReceiver, RecordSender } from '../lib/plugin/spi.js';

export interface SenderOptions {
  /** Records per frame (DataX's exchanger bufferSize). */
  batchRecords: number;
  /** Flush a frame once it holds this many bytes, even if not full of records. */
  batchBytes?: number;
  caps?: RateCaps;
}

export class ChannelSender implements RecordSender {
  private readonly encoder: FrameEncoder;
  private readonly limiter: RateLimiter;
  private readonly batchRecords: number;
  private readonly batchBytes: number;
  /** Cut short a rate-limit pause when the task is stopped: a stop must not wait out the schedule. */
  private readonly failed = new AbortController();

  constructor(private readonly producer: RingProducer, options: SenderOptions) {
    this.limiter = new RateLimiter(options.caps ?? {});
    this.batchRecords = this.limiter.maxBatchRecords(options.batchRecords);
    // A frame never takes more than a quarter of the ring, so the reader can run ahead of the writer.
    // 64 KB keeps a frame's text block under V8's large-object threshold (see codec.ts).
    this.batchBytes = Math.min(options.batchBytes ?? 64 * 1024, Math.floor(producer.capacity / 4));
    this.encoder = new FrameEncoder(Math.min(this.batchBytes * 2, 1 << 20));
  }

  send(row: Row): Promise<void> | undefined {
    const enc = this.encoder;
    enc.add(row);
    // Bytes so far, counting text as one byte a character (exact for ASCII).
    const size = enc.length + enc.textUnits;
    if (enc.records < this.batchRecords && size < this.batchBytes) return undefined;
    // Worst case, UTF-8 takes 3 bytes a character: if that might not fit the ring, send the
    // frame without this record first.
    if (enc.records > 1 && enc.length + 3 * enc.textUnits > this.producer.maxFrameBytes) return this.flushSplit();
    return this.flushNow();
  }

  private async flushSplit(): Promise<void> {
    const last = this.encoder.popLast();
    await this.flush();
    this.encoder.pushRaw(last);
    if (this.encoder.length + this.encoder.textUnits >= this.batchBytes) await this.flush();
  }

  /**
   * Pass-through: whole lines as one frame (after any records still buffered). A text bigger
   * than a frame may be is cut at a newline.
   */
  sendText(text: Buffer, lines: number, recordEnd: RecordEnd = lineEnd): Promise<void> | undefined {
    if (this.encoder.records > 0 || text.length > this.batchBytes * 4 || (this.limiter.limited && lines > this.batchRecords)) return this.sendTextSlowly(text, lines, recordEnd);
    return this.writeFrame(this.textFrame(text, lines), lines, undefined);
  }

  /**
   * One reused buffer for text frames: a frame is copied into the ring before the next is made
   * (the caller awaits a write that had to wait). A new Buffer a frame was external memory that
   * only a full GC returns: ~90 MB of RSS a thread.
   */
  private textScratch = Buffer.allocUnsafe(0);

  private textFrame(text: Buffer, lines: number): Buffer {
    if (this.textScratch.length < FRAME_PREAMBLE + text.length) this.textScratch = Buffer.allocUnsafe(Math.max(FRAME_PREAMBLE + text.length, 64 * 1024 + FRAME_PREAMBLE));
    return encodeTextFrame(text, lines, this.textScratch);
  }

  private async sendTextSlowly(text: Buffer, lines: number, recordEnd: RecordEnd): Promise<void> {
    await this.flush();
    const most = this.batchBytes * 4;
    // Under a record cap a frame holds at most batchRecords lines (1/20 s of the rate), so the
    // pause it books stays short and the rate smooth; a whole COPY chunk would book seconds.
    const mostLines = this.limiter.limited ? this.batchRecords : Infinity;
    let from = 0;
    let left = lines;
    while (left > mostLines || text.length - from > most) {
      // Cut only where a record ends (a binary tuple may hold any byte, a newline too).
      let cut = -1;
      let n = 0;
      for (let end = recordEnd(text, from); end > 0 && end <= from + most && n < mostLines; end = recordEnd(text, end)) {
        cut = end;
        n++;
      }
      if (n === 0) {
        // One record longer than a frame: it goes alone, and the ring's own limit applies.
        cut = recordEnd(text, from);
        n = 1;
      }
      if (cut < 0) break;
      const w = this.writeFrame(this.textFrame(text.subarray(from, cut), n), n, undefined);
      if (w) await w;
      from = cut;
      left -= n;
    }
    if (from < text.length) {
      const w = this.writeFrame(this.textFrame(text.subarray(from), left), left, undefined);
      if (w) await w;
    }
  }

  /** Sends whatever is buffered. */
  flush(): Promise<void> {
    return this.flushNow() ?? Promise.resolve();
  }

  /** Sends the buffered frame; undefined when it went into the ring at once. */
  private flushNow(): Promise<void> | undefined {
    const enc = this.encoder;
    if (enc.records === 0) return undefined;
    const frame = enc.finish();
    return this.writeFrame(frame, enc.records, enc);
  }

  /** Counts and sends a finished frame; `enc` is reset once the frame is in the ring. */
  private writeFrame(frame: Buffer, records: number, enc: FrameEncoder | undefined): Promise<void> | undefined {
    if (frame.byteLength > this.producer.maxFrameBytes) {
      return Promise.reject(new FerryError('FERRY_RECORD_TOO_LARGE', `a record of ${frame.byteLength - FRAME_PREAMBLE} bytes does not fit the channel (${this.producer.capacity} bytes); raise core.transport.channel.byteCapacity`));
    }
    const bytes = frame.byteLength;
    const stats = this.producer.stats;
    stats[F64.RECORDS_SENT] = (stats[F64.RECORDS_SENT] as number) + records;
    stats[F64.BYTES_SENT] = (stats[F64.BYTES_SENT] as number) + bytes;
    const pause = this.limiter.limited ? this.limiter.take(records, bytes) : 0;
    if (pause === 0 && this.producer.tryWrite(frame)) {
      enc?.reset();
      return undefined;
    }
    return this.slowWrite(frame, pause, enc);
  }

  private async slowWrite(frame: Buffer, pause: number, enc: FrameEncoder | undefined): Promise<void> {
    if (pause > 0) {
      const started = performance.now();
      // A stopped task's pause ends at once; the write below then throws the channel's error.
      await sleep(pause, undefined, { signal: this.failed.signal }).catch(() => undefined);
      this.producer.stats[F64.READER_WAIT_MS] = (this.producer.stats[F64.READER_WAIT_MS] as number) + performance.now() - started;
    }
    await this.producer.write(frame);
    enc?.reset();
  }

  /** Flushes and marks the end of the stream. */
  async end(): Promise<void> {
    await this.flush();
    this.producer.end();
  }

  fail(message: string): void {
    this.failed.abort();
    this.producer.fail(message);
  }
}

/** The end of a line of text: just past its newline. */
export function lineEnd(text: Buffer, at: number): number {
  const nl = text.indexOf(10, at);
  return nl < 0 ? -1 : nl + 1;
}

export class ChannelReceiver implements RecordReceiver {
  constructor(private readonly consumer: RingConsumer) {}

  async read(): Promise<Row[] | null> {
    const frame = await this.readFrame(false);
    if (frame?.text) throw new FerryError('FERRY_INTERNAL', 'a pass-through frame of text lines reached a writer that reads records');
    return frame?.rows ?? null;
  }

  /**
   * The next batch and, when `copy`, a copy of its encoded bytes: a writer that may have to
   * write a batch again keeps these (a few Buffers) rather than the rows (many objects the GC
   * has to carry), and decodes them again with decodeFrameBytes only if it must.
   */
  async readFrame(copy = true, keepText: (view: Buffer) => Buffer = (view) => Buffer.from(view)): Promise<ReceivedFrame | null> {
    const frame = await this.consumer.peek();
    if (frame === null) return null;
    const lines = textFrameLines(frame.view, frame.start);
    if (lines >= 0) {
      // A copy (keepText: where the writer wants it): the ring's bytes are reused once released.
      const text = keepText(frame.buf.subarray(frame.start + 8, frame.end));
      const bytes = this.consumer.release();
      const stats = this.consumer.stats;
      stats[F64.RECORDS_RECEIVED] = (stats[F64.RECORDS_RECEIVED] as number) + lines;
      stats[F64.BYTES_RECEIVED] = (stats[F64.BYTES_RECEIVED] as number) + bytes;
      return { rows: [], text, lines };
    }
    const rows = decodeFrame(frame.buf, frame.view, frame.start, frame.end);
    const kept = copy ? Uint8Array.prototype.slice.call(frame.buf, frame.start, frame.end) : undefined;
    const bytes = this.consumer.release();
    const stats = this.consumer.stats;
    stats[F64.RECORDS_RECEIVED] = (stats[F64.RECORDS_RECEIVED] as number) + rows.length;
    stats[F64.BYTES_RECEIVED] = (stats[F64.BYTES_RECEIVED] as number) + bytes;
    return kept ? { rows, bytes: kept } : { rows };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Row[]> {
    for (;;) {
      const rows = await this.read();
      if (rows === null) return;
      yield rows;
    }
  }

  fail(message: string): void {
    this.consumer.fail(message);
  }
}

