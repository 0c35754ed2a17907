/**
 * A single-producer/single-consumer ring of length-prefixed frames on a SharedArrayBuffer.
 * The two ends may live in one thread (a task's reader and writer loops) or in two; both
 * wait with Atomics.waitAsync, which works in either case and never blocks an event loop.
 *
 * Ending: the producer calls end() (the consumer drains what is left, then read() gives null)
 * or fail(err) (the consumer's next read() throws). The consumer calls fail(err) to stop the
 * producer (its next write() throws). Either way the other side wakes up: neither can hang.
 */
import { BATCH_WAIT_MS, BATCH_WAKE_FRACTION, CONTROL_BYTES, ConsumerState, ConsumerWaiting, DATA_OFFSET, ERROR_BYTES, ERROR_OFFSET, F64, FRAME_HEADER_BYTES, I32, MAX_CAPACITY, MIN_CAPACITY, ProducerState, STATS_OFFSET, STATS_SLOTS } from './slots.js';
import { FerryError } from '../lib/errors.js';

export function createRingBuffer(capacity: number): SharedArrayBuffer {
  if (!Number.isInteger(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
    throw new FerryError('FERRY_USAGE', `channel capacity must be an integer from ${MIN_CAPACITY} to ${MAX_CAPACITY} bytes, got ${capacity}`);
  }
  const sab = new SharedArrayBuffer(DATA_OFFSET + capacity);
  new Int32Array(sab, 0, CONTROL_BYTES / 4)[I32.CAPACITY] = capacity;
  return sab;
}

/** Thrown on one side when the other side ended the channel with a failure. */
export class ChannelClosedError extends FerryError {
  constructor(message: string) {
    super('FERRY_CHANNEL_CLOSED', message);
    this.name = 'ChannelClosedError';
  }
}

const noop = (): void => {};

/** Copies src[start, end) to dst at `at`. */
function copyBytes(src: Uint8Array, start: number, end: number, dst: Buffer, at: number): void {
  // Buffer#fill with a buffer value is one memcpy in C++, measured 2x TypedArray#set into shared memory.
  dst.fill(start === 0 && end === src.byteLength ? src : src.subarray(start, end), at, at + end - start);
}

abstract class RingEnd {
  protected readonly i32: Int32Array;
  readonly stats: Float64Array;
  protected readonly data: Buffer;
  readonly capacity: number;
  private readonly errorArea: Buffer;

  constructor(readonly sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab, 0, CONTROL_BYTES / 4);
    this.stats = new Float64Array(sab, STATS_OFFSET, STATS_SLOTS);
    this.capacity = this.i32[I32.CAPACITY] as number;
    this.data = Buffer.from(sab, DATA_OFFSET, this.capacity);
    this.errorArea = Buffer.from(sab, ERROR_OFFSET, ERROR_BYTES);
  }

  /** Bytes written and not yet read. Positions run over [0, 2*capacity). */
  protected used(write: number, read: number): number {
    const d = write - read;
    return d >= 0 ? d : d + 2 * this.capacity;
  }

  protected advance(pos: number, n: number): number {
    const next = pos + n;
    return next >= 2 * this.capacity ? next - 2 * this.capacity : next;
  }

  protected setError(message: string): void {
    const n = this.errorArea.write(message.slice(0, ERROR_BYTES / 3 - 1), 0, 'utf8');
    Atomics.store(this.i32, I32.ERROR_LENGTH, n);
  }

  protected errorText(): string {
    return this.errorArea.toString('utf8', 0, Atomics.load(this.i32, I32.ERROR_LENGTH));
  }

  /**
   * Waits until the other side bumps `signalSlot` past `seen`. The caller has already set its
   * WAITING flag before reading `seen` and re-checking its condition: with SeqCst atomics the
   * other side then either sees the flag (and notifies) or made its change before `seen` was read.
   */
  protected async waitSignal(signalSlot: number, seen: number, timeoutMs?: number): Promise<void> {
    const w = Atomics.waitAsync(this.i32, signalSlot, seen, timeoutMs);
    if (!w.async) return;
    // A pending waitAsync does not keep a thread alive: hold a timer so the event loop waits too.
    const keepAlive = setTimeout(noop, 0x7fffffff);
    try {
      await w.value;
    } finally {
      clearTimeout(keepAlive);
    }
  }
}

export class RingProducer extends RingEnd {
  private readonly batchWake = Math.max(1, Math.floor(this.capacity / BATCH_WAKE_FRACTION));

  /** Largest frame this ring takes: a batch bigger than that must be split by the sender. */
  get maxFrameBytes(): number {
    return this.capacity;
  }

  /** Copies a whole frame (header included) into the ring if it fits now; false if it must wait. */
  tryWrite(frame: Uint8Array): boolean {
    const i32 = this.i32;
    if (Atomics.load(i32, I32.CONSUMER_STATE) !== ConsumerState.OPEN) throw new ChannelClosedError(`the writer stopped: ${this.errorText()}`);
    if (Atomics.load(i32, I32.PRODUCER_STATE) !== ProducerState.OPEN) throw new FerryError('FERRY_INTERNAL', 'write after the channel was ended');
    const n = frame.byteLength;
    if (n > this.capacity) throw new FerryError('FERRY_RECORD_TOO_LARGE', `a ${n}-byte frame does not fit a ${this.capacity}-byte channel`);
    const write = i32[I32.WRITE_POS] as number; // only this side stores it
    const read = Atomics.load(i32, I32.READ_POS);
    if (this.capacity - this.used(write, read) < n) return false;
    const off = write % this.capacity;
    const first = Math.min(n, this.capacity - off);
    copyBytes(frame, 0, first, this.data, off);
    if (first < n) copyBytes(frame, first, n, this.data, 0);
    // Release: the frame bytes above happen-before this store; the consumer's load of WRITE_POS sees them.
    Atomics.store(i32, I32.WRITE_POS, this.advance(write, n));
    Atomics.add(i32, I32.PRODUCER_SIGNAL, 1);
    // Read the consumer's flag after the bump (SeqCst): if it raised the flag later, its re-check sees this frame.
    const waiting = Atomics.load(i32, I32.CONSUMER_WAITING);
    if (waiting === ConsumerWaiting.ANY || (waiting === ConsumerWaiting.BATCH && this.used(write, read) + n >= this.batchWake)) {
      Atomics.notify(i32, I32.PRODUCER_SIGNAL);
    }
    return true;
  }

  /** Writes a frame, waiting for space; rejects if the consumer failed meanwhile. */
  async write(frame: Uint8Array): Promise<number> {
    if (this.tryWrite(frame)) return 0;
    const started = performance.now();
    const i32 = this.i32;
    // Ask to be woken once an eighth of the ring is free, not for every frame the consumer frees.
    const want = Math.max(frame.byteLength, this.batchWake);
    for (;;) {
      Atomics.store(i32, I32.PRODUCER_WAITING, want);
      const seen = Atomics.load(i32, I32.CONSUMER_SIGNAL);
      // Re-check after raising the flag: a read that happened meanwhile would be missed otherwise.
      if (this.tryWrite(frame)) break;
      await this.waitSignal(I32.CONSUMER_SIGNAL, seen);
    }
    Atomics.store(i32, I32.PRODUCER_WAITING, 0);
    const waited = performance.now() - started;
    this.stats[F64.READER_WAIT_MS] = (this.stats[F64.READER_WAIT_MS] as number) + waited;
    return waited;
  }

  /** No more frames: the consumer drains the ring, then read() returns null. */
  end(): void {
    if (Atomics.compareExchange(this.i32, I32.PRODUCER_STATE, ProducerState.OPEN, ProducerState.ENDED) === ProducerState.OPEN) this.wake();
  }

  /** The reader failed: the consumer's next read() throws with this message. */
  fail(message: string): void {
    if (Atomics.load(this.i32, I32.PRODUCER_STATE) !== ProducerState.OPEN) return;
    this.setError(message);
    Atomics.store(this.i32, I32.PRODUCER_STATE, ProducerState.FAILED);
    this.wake();
  }

  /** After a state change: always wake the consumer, however it waits. */
  private wake(): void {
    Atomics.add(this.i32, I32.PRODUCER_SIGNAL, 1);
    Atomics.notify(this.i32, I32.PRODUCER_SIGNAL);
  }
}

/** A frame as the consumer sees it: its payload in `buf` between `start` and `end`. */
export interface FrameView {
  buf: Buffer;
  /** A DataView over the same memory as buf (DataView reads are several times faster than Buffer's). */
  view: DataView;
  start: number;
  end: number;
}

export class RingConsumer extends RingEnd {
  private scratch = Buffer.alloc(0);
  private scratchView = new DataView(new ArrayBuffer(0));
  private readonly dataView = new DataView(this.sab, DATA_OFFSET, this.capacity);
  private pendingBytes = 0;
  private header = Buffer.alloc(FRAME_HEADER_BYTES);

  /**
   * The next frame's payload if one is there, else null. The view stays valid until release();
   * a frame that wraps around the end is copied into a scratch buffer first.
   */
  tryPeek(): FrameView | null | 'ended' {
    const i32 = this.i32;
    // Load the state before WRITE_POS: the producer ends only after its last write, so if we
    // see ENDED here, the WRITE_POS loaded next covers every frame it wrote.
    const state = Atomics.load(i32, I32.PRODUCER_STATE);
    const write = Atomics.load(i32, I32.WRITE_POS);
    const read = i32[I32.READ_POS] as number; // only this side stores it
    if (this.used(write, read) === 0) {
      if (state === ProducerState.ENDED) return 'ended';
      if (state === ProducerState.FAILED) throw new ChannelClosedError(`the reader failed: ${this.errorText()}`);
      return null;
    }
    const cap = this.capacity;
    const off = read % cap;
    let len: number;
    if (cap - off >= FRAME_HEADER_BYTES) {
      len = this.data.readUInt32LE(off);
    } else {
      this.copyOut(off, FRAME_HEADER_BYTES, this.header);
      len = this.header.readUInt32LE(0);
    }
    this.pendingBytes = FRAME_HEADER_BYTES + len;
    const payloadOff = (off + FRAME_HEADER_BYTES) % cap;
    if (payloadOff + len <= cap) return { buf: this.data, view: this.dataView, start: payloadOff, end: payloadOff + len };
    if (this.scratch.length < len) {
      this.scratch = Buffer.allocUnsafe(Math.max(len, this.scratch.length * 2));
      this.scratchView = new DataView(this.scratch.buffer, this.scratch.byteOffset, this.scratch.byteLength);
    }
    this.copyOut(payloadOff, len, this.scratch);
    return { buf: this.scratch, view: this.scratchView, start: 0, end: len };
  }

  private copyOut(off: number, n: number, dst: Buffer): void {
    const first = Math.min(n, this.capacity - off);
    this.data.copy(dst, 0, off, off + first);
    if (first < n) this.data.copy(dst, first, 0, n - first);
  }

  /** Frees the frame returned by the last tryPeek(); its bytes may be overwritten from now on. */
  release(): number {
    const n = this.pendingBytes;
    const read = this.i32[I32.READ_POS] as number;
    Atomics.store(this.i32, I32.READ_POS, this.advance(read, n));
    this.pendingBytes = 0;
    Atomics.add(this.i32, I32.CONSUMER_SIGNAL, 1);
    // Read the producer's wish after the bump (SeqCst): if it raised it later, its re-check sees the space.
    const want = Atomics.load(this.i32, I32.PRODUCER_WAITING);
    if (want > 0 && this.capacity - this.used(Atomics.load(this.i32, I32.WRITE_POS), this.advance(read, n)) >= want) {
      Atomics.notify(this.i32, I32.CONSUMER_SIGNAL);
    }
    return n;
  }

  /** Waits for the next frame; null once the producer ended and the ring is drained. */
  async peek(): Promise<FrameView | null> {
    let got = this.tryPeek();
    if (got === 'ended') return null;
    if (got) return got;
    const started = performance.now();
    const i32 = this.i32;
    // First wait for a good share of the ring (or BATCH_WAIT_MS), then for any frame at all.
    let mode: number = ConsumerWaiting.BATCH;
    for (;;) {
      Atomics.store(i32, I32.CONSUMER_WAITING, mode);
      const seen = Atomics.load(i32, I32.PRODUCER_SIGNAL);
      // Re-check after raising the flag: a frame written meanwhile would be missed otherwise.
      got = this.tryPeek();
      if (got !== null) break;
      if (mode === ConsumerWaiting.BATCH) {
        await this.waitSignal(I32.PRODUCER_SIGNAL, seen, BATCH_WAIT_MS);
        got = this.tryPeek();
        if (got !== null) break;
        mode = ConsumerWaiting.ANY;
      } else {
        await this.waitSignal(I32.PRODUCER_SIGNAL, seen);
      }
    }
    Atomics.store(i32, I32.CONSUMER_WAITING, ConsumerWaiting.NO);
    this.stats[F64.WRITER_WAIT_MS] = (this.stats[F64.WRITER_WAIT_MS] as number) + (performance.now() - started);
    return got === 'ended' ? null : got;
  }

  /** The writer failed: the producer's next write throws with this message. */
  fail(message: string): void {
    if (Atomics.load(this.i32, I32.CONSUMER_STATE) !== ConsumerState.OPEN) return;
    this.setError(message);
    Atomics.store(this.i32, I32.CONSUMER_STATE, ConsumerState.FAILED);
    Atomics.add(this.i32, I32.CONSUMER_SIGNAL, 1);
    Atomics.notify(this.i32, I32.CONSUMER_SIGNAL);
  }
}
