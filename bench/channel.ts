/**
 * How fast records cross the channel, in one run, side by side:
 *   ring, one thread     the task runtime's case: reader and writer loops share a thread
 *   ring, two threads    producer in a worker, consumer here
 *   postMessage          the baseline: batches of row arrays by structured clone, with as many
 *                        bytes in flight as the ring holds (acknowledged batches), as a runtime needs
 *   raw byte ring        no codec at all: frames copied in and out (the limit)
 * for rows of 6 typed columns and for 1 KB string rows. MB/s counts encoded bytes in every case.
 *
 *   npm run bench:channel [-- --rows 2000000] [-- --reps 3] [-- --json]
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus } from 'node:os';
import { createRingBuffer, RingConsumer, RingProducer } from '../channel/ring.js';
import { ChannelReceiver, ChannelSender } from '../channel/channel.js';
import { FrameEncoder, decodeFrame } from '../channel/codec.js';
import { rowPool, type Shape } from './rows.js';
import type { ProducerJob } from './channel-worker.js';

const RING_BYTES = 4 * 1024 * 1024;
const BATCH = 256;
const WORKER = new URL('./channel-worker.js', import.meta.url);

interface Result {
  shape: Shape;
  case: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  mbPerSecond: number;
}

/** Encoded bytes per row of a shape, to turn rows/s into MB/s the same way for every case. */
function bytesPerRow(shape: Shape): number {
  const pool = rowPool(shape);
  const enc = new FrameEncoder();
  for (const r of pool) enc.add(r);
  return (enc.finish().byteLength - 4) / pool.length;
}

async function sameThread(shape: Shape, rows: number): Promise<number> {
  const sab = createRingBuffer(RING_BYTES);
  const sender = new ChannelSender(new RingProducer(sab), { batchRecords: BATCH });
  const receiver = new ChannelReceiver(new RingConsumer(sab));
  const pool = rowPool(shape);
  const t = performance.now();
  let got = 0;
  const consume = (async () => {
    for await (const b of receiver) got += b.length;
  })();
  for (let i = 0; i < rows; i++) {
    const w = sender.send(pool[i & (pool.length - 1)]!);
    if (w) await w;
  }
  await sender.end();
  await consume;
  if (got !== rows) throw new Error(`lost rows: ${got} of ${rows}`);
  return performance.now() - t;
}

function startWorker(job: ProducerJob): Promise<Worker> {
  const w = new Worker(WORKER, { workerData: job });
  return new Promise((resolve, reject) => {
    w.once('online', () => resolve(w));
    w.once('error', reject);
  });
}

async function twoThreads(shape: Shape, rows: number, mode: 'ring' | 'raw'): Promise<number> {
  const sab = createRingBuffer(RING_BYTES);
  const job: ProducerJob = { mode, shape, rows, batchRecords: BATCH, sab };
  if (mode === 'raw') {
    const enc = new FrameEncoder();
    const pool = rowPool(shape);
    for (let i = 0; i < BATCH; i++) enc.add(pool[i & (pool.length - 1)]!);
    job.rawFrame = Uint8Array.from(enc.finish());
  }
  const worker = await startWorker(job);
  const consumer = new RingConsumer(sab);
  const receiver = new ChannelReceiver(consumer);
  const t = performance.now();
  worker.postMessage('go');
  let got = 0;
  if (mode === 'ring') {
    for await (const b of receiver) got += b.length;
  } else {
    // The limit: take each frame and give its space back, decoding nothing.
    for (let f = await consumer.peek(); f; f = await consumer.peek()) {
      got += f.buf.readUInt32LE(f.start);
      consumer.release();
    }
  }
  const ms = performance.now() - t;
  await worker.terminate();
  if (got < rows) throw new Error(`lost rows: ${got} of ${rows}`);
  return ms;
}

async function postMessageBaseline(shape: Shape, rows: number): Promise<number> {
  // As much in flight as the ring holds: RING_BYTES of encoded rows.
  const window = Math.max(2, Math.floor(RING_BYTES / (BATCH * bytesPerRow(shape))));
  const worker = await startWorker({ mode: 'postMessage', shape, rows, batchRecords: BATCH, window });
  const t = performance.now();
  let got = 0;
  let batches = 0;
  await new Promise<void>((resolve) => {
    worker.on('message', (batch: unknown[] | null) => {
      if (batch === null) return resolve();
      got += batch.length;
      worker.postMessage(++batches);
    });
    worker.postMessage('go');
  });
  const ms = performance.now() - t;
  await worker.terminate();
  if (got !== rows) throw new Error(`lost rows: ${got} of ${rows}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function main(options: { json?: boolean; rows?: number; reps?: number } = {}): Promise<Result[]> {
  const results: Result[] = [];
  const shapes: Array<{ shape: Shape; rows: number }> = [
    { shape: 'six-columns', rows: options.rows ?? 2_000_000 },
    { shape: 'kilobyte-string', rows: Math.max(1000, Math.floor((options.rows ?? 2_000_000) / 10)) },
  ];
  // Sanity: the codec round-trips the pool before anything is timed.
  for (const { shape } of shapes) {
    const enc = new FrameEncoder();
    for (const r of rowPool(shape)) enc.add(r);
    const f = enc.finish();
    if (decodeFrame(f, new DataView(f.buffer, f.byteOffset, f.byteLength), 4, f.byteLength).length !== rowPool(shape).length) throw new Error('codec round trip failed');
  }
  const cases: Array<[string, (s: Shape, n: number) => Promise<number>]> = [
    ['ring, one thread', sameThread],
    ['ring, two threads', (s, n) => twoThreads(s, n, 'ring')],
    ['postMessage batches', postMessageBaseline],
    ['raw byte ring (limit)', (s, n) => twoThreads(s, n, 'raw')],
  ];
  const log = (line: string): void => {
    if (!options.json) console.log(line);
  };
  const reps = options.reps ?? 3;
  const ratios: Record<string, Record<string, number>> = {};
  log(`channel bench: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ring ${RING_BYTES >> 20} MiB, batches of ${BATCH}, median of ${reps} interleaved runs`);
  for (const { shape, rows } of shapes) {
    const bpr = bytesPerRow(shape);
    log(`\n${shape}: ${rows.toLocaleString('en-US')} rows, ${bpr.toFixed(1)} encoded bytes/row`);
    for (const [, fn] of cases) await fn(shape, Math.min(rows, 50_000)); // warm up the JIT and worker start-up
    // Interleaved repetitions: a noisy neighbour slows every case a little instead of one a lot.
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    for (let r = 0; r < reps; r++) for (const [name, fn] of cases) times.get(name)!.push(await fn(shape, rows));
    for (const [name] of cases) {
      const ms = median(times.get(name)!);
      const r: Result = { shape, case: name, rows, seconds: ms / 1000, rowsPerSecond: (rows * 1000) / ms, mbPerSecond: (rows * bpr * 1000) / ms / 1e6 };
      results.push(r);
      log(`  ${name.padEnd(22)} ${Math.round(r.rowsPerSecond).toLocaleString('en-US').padStart(12)} rows/s ${r.mbPerSecond.toFixed(1).padStart(8)} MB/s`);
    }
    const get = (c: string): number => results.find((r) => r.shape === shape && r.case === c)!.rowsPerSecond;
    const r = {
      twoThreadsOverPostMessage: get('ring, two threads') / get('postMessage batches'),
      oneThreadOverPostMessage: get('ring, one thread') / get('postMessage batches'),
      twoThreadsOverRawRing: get('ring, two threads') / get('raw byte ring (limit)'),
    };
    ratios[shape] = r;
    log(`  ratios: ring two threads / postMessage = ${r.twoThreadsOverPostMessage.toFixed(2)}x, ` +
      `ring one thread / postMessage = ${r.oneThreadOverPostMessage.toFixed(2)}x, ` +
      `ring two threads / raw ring = ${r.twoThreadsOverRawRing.toFixed(2)}x`);
  }
  if (options.json) console.log(JSON.stringify({ bench: 'channel', node: process.version, cores: availableParallelism(), reps, results, ratios }));
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const rowsAt = args.indexOf('--rows');
  const repsAt = args.indexOf('--reps');
  await main({ json: args.includes('--json'), ...(rowsAt >= 0 ? { rows: Number(args[rowsAt + 1]) } : {}), ...(repsAt >= 0 ? { reps: Number(args[repsAt + 1]) } : {}) });
}
