/** The producing side of the channel bench, in its own thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { RingProducer } from '../channel/ring.js';
import { ChannelSender } from '../channel/channel.js';
import { rowPool, type Shape } from './rows.js';

export interface ProducerJob {
  mode: 'ring' | 'postMessage' | 'raw';
  shape: Shape;
  rows: number;
  batchRecords: number;
  sab?: SharedArrayBuffer;
  /** For raw: the frame to copy in over and over (bytes of `batchRecords` encoded rows). */
  rawFrame?: Uint8Array;
  /** For postMessage: batches in flight before the producer waits for an acknowledgement. */
  window?: number;
}

const job = workerData as ProducerJob;
const pool = rowPool(job.shape);

async function ring(): Promise<void> {
  const sender = new ChannelSender(new RingProducer(job.sab!), { batchRecords: job.batchRecords });
  for (let i = 0; i < job.rows; i++) {
    const w = sender.send(pool[i & (pool.length - 1)]!);
    if (w) await w;
  }
  await sender.end();
}

async function raw(): Promise<void> {
  const producer = new RingProducer(job.sab!);
  const frame = job.rawFrame!;
  for (let sent = 0; sent < job.rows; sent += job.batchRecords) {
    if (!producer.tryWrite(frame)) await producer.write(frame);
  }
  producer.end();
}

/**
 * Batches by structured clone, with the memory bound the ring has: at most `window` batches in
 * flight, the consumer acknowledging each. Without it a slow consumer grows the queue without end.
 */
async function postMessages(): Promise<void> {
  const window = job.window ?? 64;
  let acked = 0;
  let wake: (() => void) | undefined;
  parentPort!.on('message', (n: number) => {
    acked = n;
    wake?.();
  });
  let batches = 0;
  for (let sent = 0; sent < job.rows; sent += job.batchRecords) {
    while (batches - acked >= window) await new Promise<void>((r) => (wake = r));
    const batch = [];
    for (let i = sent; i < Math.min(job.rows, sent + job.batchRecords); i++) batch.push(pool[i & (pool.length - 1)]!);
    parentPort!.postMessage(batch);
    batches++;
  }
  parentPort!.postMessage(null);
}

parentPort!.once('message', () => {
  void (job.mode === 'postMessage' ? postMessages() : job.mode === 'ring' ? ring() : raw());
});
