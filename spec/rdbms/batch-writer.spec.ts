/**
 * The BatchWriter against a fake table that refuses negative ids, and a fake connection that
 * can drop: every good row is committed exactly once, every refused row is one dirty record,
 * whether the database names the row (COPY's line) or not, and a dropped connection means a
 * reconnect and the same batch again — on the streaming (add/commit) path and the plain one.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FerryError, RecordError } from '../../lib/errors.js';
import { BatchWriter, type Connected } from '../../lib/rdbms/batch-writer.js';
import type { DbSession, TableWriter } from '../../lib/rdbms/dialect.js';
import type { DirtyRecord } from '../../lib/plugin/spi.js';
import type { Row } from '../../channel/value.js';
import { FrameEncoder } from '../../channel/codec.js';

interface Fake {
  committed: number[];
  tries: number;
  connects: number;
  dirty: DirtyRecord[];
  warnings: string[];
  /** Drop the connection on these tries (1-based count of writeBatch/commit calls). */
  dropOn: Set<number>;
}

function fakeTable(fake: Fake, options: { namesRow: boolean; streaming: boolean }): () => Promise<Connected> {
  return async () => {
    fake.connects++;
    let open: Row[] = [];
    const transaction = async (rows: Row[]): Promise<void> => {
      fake.tries++;
      if (fake.dropOn.has(fake.tries)) throw new FerryError('FERRY_PLUGIN_ERROR', 'connection reset', { retryable: true });
      const bad = rows.findIndex((r) => (r[0] as number) < 0);
      if (bad >= 0) throw new RecordError(`id ${String(rows[bad]![0])} is negative`, { dbCode: '23514', column: 'id', rowIndex: options.namesRow ? bad : undefined });
      for (const r of rows) fake.committed.push(r[0] as number);
    };
    const writer: TableWriter = {
      writeBatch: transaction,
      close: async () => {},
      ...(options.streaming
        ? {
            add: async (rows: Row[]) => {
              open.push(...rows);
            },
            commit: async () => {
              const rows = open;
              open = [];
              await transaction(rows);
            },
          }
        : {}),
    };
    return { session: { close: async () => {} } as unknown as DbSession, writer };
  };
}

/** A frame's payload as ChannelReceiver.readFrame copies it (after the length word). */
function encoded(rows: Row[]): Uint8Array {
  const enc = new FrameEncoder();
  for (const r of rows) enc.add(r);
  return Uint8Array.prototype.slice.call(enc.finish(), 4);
}

async function write(frames: Row[][], batchSize: number, options: { namesRow: boolean; streaming: boolean; bytes?: boolean }, dropOn: number[] = []): Promise<Fake> {
  const fake: Fake = { committed: [], tries: 0, connects: 0, dirty: [], warnings: [], dropOn: new Set(dropOn) };
  const ctx = {
    taskId: 0,
    dirty: (r: DirtyRecord) => fake.dirty.push(r),
    signal: new AbortController().signal,
    log: { info: () => {}, warn: (m: string) => fake.warnings.push(m) },
    retry: { maxRetries: 3, initialIntervalMs: 1, maxIntervalMs: 2 },
  };
  const w = new BatchWriter(fakeTable(fake, options), batchSize, ctx, 't');
  await w.open();
  for (const f of frames) await w.push(f, options.bytes ? encoded(f) : undefined);
  await w.finish();
  await w.close();
  return fake;
}

/** ids 0..n-1 in frames of 7, with the ids in `bad` negated. */
function frames(n: number, bad: number[]): Row[][] {
  const out: Row[][] = [];
  for (let i = 0; i < n; i += 7) out.push(Array.from({ length: Math.min(7, n - i) }, (_, k) => [bad.includes(i + k) ? -(i + k) : i + k]));
  return out;
}

const BAD = [1, 13, 14, 50, 99];
const good = (n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => !BAD.includes(i));

for (const streaming of [true, false]) {
  for (const namesRow of [true, false]) {
    test(`${streaming ? 'streaming' : 'plain'} writer, database ${namesRow ? 'names' : 'does not name'} the row: good rows once, bad rows dirty`, async () => {
      const fake = await write(frames(100, BAD), 16, { namesRow, streaming });
      assert.equal([...fake.committed].sort((a, b) => a - b), good(100));
      assert.equal(fake.dirty.map((d) => -(d.values![0] as number)), BAD);
      assert.equal(fake.dirty[1], { phase: 'write', values: [-13], column: 'id', code: '23514', message: 'id -13 is negative' });
    });
  }

  test(`${streaming ? 'streaming' : 'plain'} writer: a dropped connection reconnects and writes the batch again, once`, async () => {
    const fake = await write(frames(100, BAD), 16, { namesRow: true, streaming }, [2, 3, 9]);
    assert.equal([...fake.committed].sort((a, b) => a - b), good(100));
    assert.is(fake.dirty.length, BAD.length);
    assert.is(fake.connects, 4, 'one connection, then one per drop');
    assert.is(fake.warnings.filter((w) => /connection reset; reconnecting in \d+ ms/.test(w)).length, 3);
  });
}

test('a streaming writer given encoded frames keeps those, not the rows: a batch written again or isolated is decoded from them, frames split across batches included', async () => {
  for (const namesRow of [true, false]) {
    const fake = await write(frames(100, BAD), 16, { namesRow, streaming: true, bytes: true }, [4]);
    assert.equal([...fake.committed].sort((a, b) => a - b), good(100));
    assert.equal(fake.dirty.map((d) => -(d.values![0] as number)), BAD);
    assert.is(fake.connects, 2);
  }
});

test('a connection that keeps dropping: gives up after maxRetries with the count of rows committed', async () => {
  const err = await write(frames(40, []), 16, { namesRow: true, streaming: false }, [2, 3, 4, 5]).then(() => undefined, (e: Error) => e);
  assert.instance(err, FerryError);
  assert.is(err!.message, 'connection reset (gave up after 3 retries; 16 rows of this task were committed to t)');
});

/** Context of a task that logs nothing and retries at once. */
const quietCtx = {
  taskId: 0,
  dirty: () => {},
  signal: new AbortController().signal,
  log: { info: () => {}, warn: () => {} },
  retry: { maxRetries: 3, initialIntervalMs: 1, maxIntervalMs: 2 },
};

/**
 * A pass-through table that keeps the text it is given by reference, as LOAD DATA's stream and
 * COPY's socket do, until the commit has sent it; `take` in `commit` is that text, then forgotten.
 */
function textTable(commit: (take: () => string) => Promise<void>): () => Promise<Connected> {
  let sent: Buffer[] = [];
  const take = (): string => {
    const text = Buffer.concat(sent).toString();
    sent = [];
    return text;
  };
  return async () => {
    const writer: TableWriter = {
      writeBatch: async () => {},
      close: async () => {},
      addText: async (text: Buffer) => {
        sent.push(text);
      },
      add: async () => {},
      commit: () => commit(take),
    };
    return { session: { close: async () => {} } as unknown as DbSession, writer };
  };
}

for (const drop of [false, true]) {
  test(`pass-through text: a frame read while a commit runs (the reader went quiet) does not overwrite the batch on its way${drop ? ', nor the one written again after a lost connection' : ''}`, async () => {
    const committed: string[] = [];
    let tries = 0;
    let inCommit: (() => void) | undefined;
    const connect = textTable(async (take) => {
      await new Promise<void>((resolve) => {
        inCommit = resolve;
      });
      const text = take();
      if (drop && ++tries === 1) throw new FerryError('FERRY_PLUGIN_ERROR', 'connection reset', { retryable: true });
      committed.push(text);
    });
    const w = new BatchWriter(connect, 100, quietCtx, 't');
    await w.open();
    await w.pushText(w.keepText(Buffer.from('1\ta\n2\tb\n')), 2);
    const commit = w.commitNow();
    // The read that was pending lands while the commit waits on the server.
    while (!inCommit) await new Promise((r) => setImmediate(r));
    const next = w.keepText(Buffer.from('XXXXXXXXXXXXXXX'));
    // With a drop, the batch is written again on a new connection: that commit waits too.
    for (let i = drop ? 2 : 1; i > 0; i--) {
      while (!inCommit) await new Promise((r) => setTimeout(r, 1));
      const release = inCommit;
      inCommit = undefined;
      release();
    }
    await commit;
    assert.equal(committed, ['1\ta\n2\tb\n'], 'the batch as it was read');
    assert.is(next.toString(), 'XXXXXXXXXXXXXXX');
  });
}

test('pass-through text: 20,000 lines in frames that straddle 1,000-line batches, kept in blocks reused once their batch committed: every batch commits exactly its own lines', async () => {
  const commits: string[] = [];
  const connect = textTable(async (take) => {
    await new Promise((r) => setImmediate(r));
    commits.push(take());
  });
  const w = new BatchWriter(connect, 1000, quietCtx, 't');
  await w.open();
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) lines.push(`${i}\t${'p'.repeat(100 + (i % 37))}\n`);
  for (let at = 0; at < lines.length; ) {
    const n = Math.min(333, lines.length - at);
    await w.pushText(w.keepText(Buffer.from(lines.slice(at, at + n).join(''))), n);
    at += n;
  }
  await w.finish();
  await w.close();
  assert.is(commits.length, 20);
  commits.forEach((c, b) => assert.is(c, lines.slice(b * 1000, (b + 1) * 1000).join(''), `batch ${b}`));
});

test.run();
