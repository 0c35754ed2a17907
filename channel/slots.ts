/**
 * The layout of a channel's SharedArrayBuffer, named in one place (as piscina does).
 *
 *   [0, 64)           Int32 control slots (below)
 *   [64, 128)         Float64 stats slots, each written by one side only
 *   [128, 1152)       error text (UTF-8) left by the side that failed
 *   [1152, +capacity) the ring: length-prefixed frames, wrapping at the end
 *
 * Positions run over [0, 2 * capacity) so that a full ring (used = capacity) and an empty
 * one (used = 0) differ without keeping a byte free; the offset in the ring is pos % capacity.
 */
export const I32 = {
  /** Producer's position; stored (SeqCst) only after the frame bytes are in place. */
  WRITE_POS: 0,
  /** Consumer's position; stored only after the frame was decoded, which frees its bytes. */
  READ_POS: 1,
  /** ProducerState; set before PRODUCER_SIGNAL is bumped. */
  PRODUCER_STATE: 2,
  /** ConsumerState; set before CONSUMER_SIGNAL is bumped. */
  CONSUMER_STATE: 3,
  /** Bumped by the producer after every write and state change; the consumer waits on it. */
  PRODUCER_SIGNAL: 4,
  /** Bumped by the consumer after every read and state change; the producer waits on it. */
  CONSUMER_SIGNAL: 5,
  /** A ConsumerWaiting value: whether (and for how much data) the producer should call notify. */
  CONSUMER_WAITING: 6,
  /** Free bytes the waiting producer wants before it is woken; 0 while it is not waiting. */
  PRODUCER_WAITING: 7,
  /** Bytes of error text in the error area. */
  ERROR_LENGTH: 8,
  /** Ring capacity in bytes, fixed at creation. */
  CAPACITY: 9,
} as const;

export const ProducerState = { OPEN: 0, ENDED: 1, FAILED: 2 } as const;

/**
 * How the consumer waits. BATCH: wake it once 1/BATCH_WAKE_FRACTION of the ring is full (or on
 * end/failure); it also wakes by itself after BATCH_WAIT_MS and takes whatever is there. ANY:
 * wake it on the next frame. Waking the consumer for every frame cost the producer a futex
 * call per frame (10% of its profile) and the consumer a wake-up per frame.
 */
export const ConsumerWaiting = { NO: 0, ANY: 1, BATCH: 2 } as const;
export const BATCH_WAKE_FRACTION = 8;
export const BATCH_WAIT_MS = 2;
export const ConsumerState = { OPEN: 0, FAILED: 2 } as const;

/** Float64 stats slots (index into a Float64Array at STATS_OFFSET). Single writer each: plain stores suffice. */
export const F64 = {
  RECORDS_SENT: 0,
  BYTES_SENT: 1,
  /** ms the producer (the reader loop) spent waiting for space or for the rate limiter */
  READER_WAIT_MS: 2,
  RECORDS_RECEIVED: 3,
  BYTES_RECEIVED: 4,
  /** ms the consumer (the writer loop) spent waiting for data */
  WRITER_WAIT_MS: 5,
} as const;

export const CONTROL_BYTES = 64;
export const STATS_OFFSET = 64;
export const STATS_SLOTS = 8;
export const ERROR_OFFSET = STATS_OFFSET + STATS_SLOTS * 8;
export const ERROR_BYTES = 1024;
export const DATA_OFFSET = ERROR_OFFSET + ERROR_BYTES;

/** Frame header: payload length (u32). The payload starts with its record count (u32). */
export const FRAME_HEADER_BYTES = 4;

export const MIN_CAPACITY = 16;
export const MAX_CAPACITY = 1 << 30;
