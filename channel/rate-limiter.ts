/**
 * Rate limiting per channel for records/s and bytes/s (DataX's speed.record / speed.byte,
 * divided over channels), as a virtual schedule: each batch moves the time the next one may
 * go by its size / rate, and take() says how long to pause until then. A batch is never split.
 *
 * Time lost to a late timer or a busy thread is made up (the schedule runs ahead of the
 * clock) for up to CATCH_UP_MS, so the long-run rate stays exact on a loaded machine; older
 * debt is forgiven, so an idle source cannot save up a burst. The schedule starts at the first
 * batch, so starting the threads does not count either.
 */
export interface RateCaps {
  recordsPerSecond?: number | undefined;
  bytesPerSecond?: number | undefined;
}

const CATCH_UP_MS = 1000;

class Schedule {
  private next: number | undefined;
  constructor(readonly rate: number) {}

  /** Books n units; returns ms until the booked time (0 if it has passed). */
  take(n: number, now: number): number {
    let next = this.next ?? now;
    if (next < now - CATCH_UP_MS) next = now - CATCH_UP_MS;
    next += (n * 1000) / this.rate;
    this.next = next;
    // The batch goes now and the *next* one waits: the pause pays for this batch.
    return Math.max(0, next - now);
  }
}

export class RateLimiter {
  private readonly records: Schedule | undefined;
  private readonly bytes: Schedule | undefined;

  constructor(caps: RateCaps, private readonly clock: () => number = () => performance.now()) {
    this.records = caps.recordsPerSecond ? new Schedule(caps.recordsPerSecond) : undefined;
    this.bytes = caps.bytesPerSecond ? new Schedule(caps.bytesPerSecond) : undefined;
  }

  get limited(): boolean {
    return this.records !== undefined || this.bytes !== undefined;
  }

  /** Largest batch (in records) that keeps pauses short: 1/20 s of the record rate, at least 1. */
  maxBatchRecords(fallback: number): number {
    return this.records ? Math.max(1, Math.min(fallback, Math.floor(this.records.rate / 20))) : fallback;
  }

  /** Accounts a batch; returns the ms to pause before sending more. */
  take(records: number, bytes: number): number {
    const now = this.clock();
    const a = this.records ? this.records.take(records, now) : 0;
    const b = this.bytes ? this.bytes.take(bytes, now) : 0;
    return Math.max(a, b);
  }
}
