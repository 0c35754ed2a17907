import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { createRingBuffer, RingConsumer, RingProducer } from '../../channel/ring.js';
import { ChannelReceiver, ChannelSender } from '../../channel/channel.js';
import { DateTime, Decimal, type Row } from '../../channel/value.js';
import { F64 } from '../../channel/slots.js';

/** A raw frame: u32 payload length, then `payloadBytes` bytes counting up from `seed`. */
function rawFrame(payloadBytes: number, seed: number): Buffer {
  const f = Buffer.alloc(4 + payloadBytes);
  f.writeUInt32LE(payloadBytes, 0);
  for (let i = 0; i < payloadBytes; i++) f[4 + i] = (seed + i) & 0xff;
  return f;
}

function readRaw(consumer: RingConsumer): Buffer | null | 'ended' {
  const v = consumer.tryPeek();
  if (v === null || v === 'ended') return v;
  const copy = Buffer.from(v.buf.subarray(v.start, v.end));
  consumer.release();
  return copy;
}

/** Rejects if `p` has not settled within ms: a hang fails the test instead of the suite. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

test('a frame crossing the end arrives intact at every start offset of a small ring', () => {
  const cap = 64;
  for (let offset = 0; offset < cap; offset++) {
    for (const payload of [1, 7, 23, cap - 4]) {
      const sab = createRingBuffer(cap);
      const p = new RingProducer(sab);
      const c = new RingConsumer(sab);
      // Move both positions to `offset` with filler frames of 4..cap bytes.
      let moved = 0;
      while (moved < offset + cap) {
        const left = offset + cap - moved;
        const size = left <= cap ? left : left - 4 >= 4 ? Math.min(cap, left - 4) : 4;
        if (size < 4) break;
        assert.ok(p.tryWrite(rawFrame(size - 4, moved)));
        assert.ok(readRaw(c) instanceof Buffer);
        moved += size;
      }
      const frame = rawFrame(payload, offset * 7);
      assert.ok(p.tryWrite(frame), `write at offset ${offset}`);
      const got = readRaw(c);
      assert.ok(got instanceof Buffer);
      assert.equal((got as Buffer).equals(frame.subarray(4)), true, `payload ${payload} at offset ${offset}`);
    }
  }
});

test('a frame that exactly fills the ring is accepted, and the next waits for space', () => {
  const sab = createRingBuffer(32);
  const p = new RingProducer(sab);
  const c = new RingConsumer(sab);
  for (let round = 0; round < 3; round++) {
    assert.ok(p.tryWrite(rawFrame(28, round)));
    assert.not.ok(p.tryWrite(rawFrame(0, 0)), 'ring is full');
    const got = readRaw(c);
    assert.equal((got as Buffer).equals(rawFrame(28, round).subarray(4)), true);
    assert.equal(readRaw(c), null, 'ring is empty again');
  }
});

test('a batch bigger than the ring is split into frames; a record bigger than the ring is a clear error', async () => {
  const sab = createRingBuffer(256);
  const sender = new ChannelSender(new RingProducer(sab), { batchRecords: 1000 });
  const receiver = new ChannelReceiver(new RingConsumer(sab));
  const rows: Row[] = Array.from({ length: 500 }, (_, i) => [i, `row-${i}`]);
  const got: Row[] = [];
  const consume = (async () => {
    for await (const batch of receiver) got.push(...batch);
  })();
  for (const r of rows) {
    const w = sender.send(r);
    if (w) await w;
  }
  await sender.end();
  await within(consume, 2000);
  assert.equal(got, rows);

  const sab2 = createRingBuffer(64);
  const big = new ChannelSender(new RingProducer(sab2), { batchRecords: 10 });
  try {
    await big.send(['x'.repeat(200)]);
    await big.flush();
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.match((err as Error).message, /does not fit the channel \(64 bytes\); raise core\.transport\.channel\.byteCapacity/);
  }
});

test('every value type survives the codec, bigint past 64 bits and -0 included', async () => {
  const sab = createRingBuffer(4096);
  const sender = new ChannelSender(new RingProducer(sab), { batchRecords: 4 });
  const receiver = new ChannelReceiver(new RingConsumer(sab));
  const rows: Row[] = [
    [null, true, false, 0, -0, 1, -1, 2147483647, -2147483648, 2147483648, 1.5, NaN, Infinity, -Infinity],
    [2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n + 5n, -(10n ** 30n), Number.MAX_SAFE_INTEGER],
    ['', 'ascii', 'ünïcödé 漢字 😀', 'tab\tnl\nquote"back\\slash\0nul', new Decimal('12345678901234567890.123456789')],
    [new Date(0), new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)), new Uint8Array([0, 1, 255]), new Uint8Array(0), new DateTime(Date.UTC(1969, 11, 31, 23, 59, 59, 123), 456), new DateTime(Date.UTC(2024, 1, 29, 1, 2, 3, 4), 999, 'timestamp'), new DateTime(Date.UTC(2024, 1, 29), 0, 'date'), new DateTime(Date.UTC(1970, 0, 1, 23, 59, 59, 999), 999, 'time')],
  ];
  for (const r of rows) await sender.send(r);
  await sender.end();
  const got: Row[] = [];
  for await (const batch of receiver) got.push(...batch);
  assert.equal(got.length, rows.length);
  assert.ok(Object.is(got[0]![4], -0), '-0 stays -0');
  assert.ok(Number.isNaN(got[0]![11]));
  assert.equal(got[1], rows[1]);
  assert.equal(got[2]!.slice(0, 4), rows[2]!.slice(0, 4));
  assert.ok(got[2]![4] instanceof Decimal);
  assert.equal(String(got[2]![4]), '12345678901234567890.123456789');
  assert.ok(got[3]![1] instanceof DateTime, 'a Date arrives as a DateTime');
  assert.equal((got[3]![1] as DateTime).toISOString(), '2024-02-29T23:59:59.999Z');
  assert.equal((got[3]![4] as DateTime).toISOString(), '1969-12-31T23:59:59.123456Z', 'microseconds kept, before 1970 too');
  assert.equal(got[3]!.slice(5).map((d) => [(d as DateTime).kind, (d as DateTime).toISOString()]), [
    ['timestamp', '2024-02-29T01:02:03.004999'],
    ['date', '2024-02-29'],
    ['time', '23:59:59.999999'],
  ]);
  assert.equal(Array.from(got[3]![2] as Uint8Array), [0, 1, 255]);
  assert.equal((got[3]![3] as Uint8Array).byteLength, 0);
  assert.equal(receiver['consumer'].stats[F64.RECORDS_RECEIVED], 4);
});

test('the writer failing while the reader waits for space: both sides end with the error', async () => {
  const sab = createRingBuffer(64);
  const p = new RingProducer(sab);
  const c = new RingConsumer(sab);
  assert.ok(p.tryWrite(rawFrame(56, 0)));
  const blocked = p.write(rawFrame(20, 1)); // no room: waits
  setTimeout(() => c.fail('disk full'), 20);
  try {
    await within(blocked, 2000);
    assert.unreachable('write should reject');
  } catch (err) {
    assert.is((err as Error).message, 'the writer stopped: disk full');
  }
});

test('the reader failing while the writer waits for data: both sides end with the error', async () => {
  const sab = createRingBuffer(64);
  const p = new RingProducer(sab);
  const c = new RingConsumer(sab);
  const waiting = c.peek();
  setTimeout(() => p.fail('connection reset'), 20);
  try {
    await within(waiting, 2000);
    assert.unreachable('read should reject');
  } catch (err) {
    assert.is((err as Error).message, 'the reader failed: connection reset');
  }
});

test('pass-through text under a record cap: frames of at most 1/20 s of lines, every line once; a stop ends a pause at once', async () => {
  const sab = createRingBuffer(1 << 20);
  const sender = new ChannelSender(new RingProducer(sab), { batchRecords: 10_000, caps: { recordsPerSecond: 2000 } });
  const receiver = new ChannelReceiver(new RingConsumer(sab));
  const text = Buffer.from(Array.from({ length: 450 }, (_, i) => `${i}\tname ${i}\n`).join(''));
  const sent = (async () => {
    await sender.sendText(text, 450);
    await sender.end();
  })();
  const frames: number[] = [];
  const got: Buffer[] = [];
  for (let f = await receiver.readFrame(); f; f = await receiver.readFrame()) {
    assert.ok(f.text, 'a text frame');
    frames.push(f.lines);
    got.push(f.text);
  }
  await sent;
  // 2000 records/s: 100 lines a frame, so no pause is longer than 50 ms.
  assert.equal(frames, [100, 100, 100, 100, 50]);
  assert.ok(Buffer.concat(got).equals(text), 'the lines arrive whole, in order, once');

  const slow = new ChannelSender(new RingProducer(createRingBuffer(1 << 16)), { batchRecords: 10_000, caps: { recordsPerSecond: 10 } });
  const line = Buffer.from('1\tx\n');
  await slow.sendText(line, 1); // books 100 ms: the next send pauses
  const paused = slow.sendText(line, 1);
  const stoppedAt = Date.now();
  setTimeout(() => slow.fail('the job was stopped'), 5);
  try {
    await within(paused ?? Promise.resolve(), 2000);
    assert.unreachable('a stopped send should reject');
  } catch (err) {
    assert.is((err as Error).message, 'write after the channel was ended');
  }
  assert.ok(Date.now() - stoppedAt < 80, `the pause ended ${Date.now() - stoppedAt} ms after the stop`);
});

test('across two threads: a worker sends 100,000 rows, ends, and every row arrives in order', async () => {
  const sab = createRingBuffer(4096);
  const receiver = new ChannelReceiver(new RingConsumer(sab));
  const channelUrl = new URL('../../channel/channel.js', import.meta.url).href;
  const ringUrl = new URL('../../channel/ring.js', import.meta.url).href;
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     (async () => {
       const { ChannelSender } = await import(workerData.channelUrl);
       const { RingProducer } = await import(workerData.ringUrl);
       const s = new ChannelSender(new RingProducer(workerData.sab), { batchRecords: 100 });
       for (let i = 0; i < workerData.n; i++) { const w = s.send([i, 'v' + i]); if (w) await w; }
       if (workerData.fail) s.fail('worker gave up'); else await s.end();
     })();`,
    { eval: true, workerData: { sab, n: 100000, channelUrl, ringUrl, fail: false } },
  );
  let expected = 0;
  let ok = true;
  await within(
    (async () => {
      for await (const batch of receiver) for (const row of batch) if (row[0] !== expected++ || row[1] !== `v${row[0]}`) ok = false;
    })(),
    10000,
  );
  await worker.terminate();
  assert.ok(ok, 'rows in order');
  assert.is(expected, 100000);
});

test.run();
