/**
 * A token bucket per channel for records/s and bytes/s (DataX's speed.record / speed.byte,
 * divided over channels). take() spends tokens at once and returns how long the caller must
 * pause to pay back any debt, so a batch is never split and the long-run rate is exact.
 */
export interface RateCaps {
  recordsPerSecond?: number | undefined;
  bytesPerSecond?: number | undefined;
}

class Bucket {
  private tokens: number;
  private last: number;
  constructor(readonly rate: number, private readonly burst: number, now: number) {
    this.tokens = burst;
    this.last = now;
  }
  /** Spends n tokens; returns ms until the balance is back to zero (0 if it never went negative). */
  take(n: number, now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }
}

export class RateLimiter {
  private readonly records: Bucket | undefined;
  private readonly bytes: Bucket | undefined;

  constructor(caps: RateCaps, private readonly clock: () => number = () => performance.now()) {
    const now = clock();
    // A burst of 50 ms worth of tokens: smooth enough for progress, small enough to measure within a few %.
    this.records = caps.recordsPerSecond ? new Bucket(caps.recordsPerSecond, caps.recordsPerSecond / 20, now) : undefined;
    this.bytes = caps.bytesPerSecond ? new Bucket(caps.bytesPerSecond, caps.bytesPerSecond / 20, now) : undefined;
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
