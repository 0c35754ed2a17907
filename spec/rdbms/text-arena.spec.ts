/**
 * Pass-through text kept for uncommitted batches: memory follows the batch, not the task (a
 * task of a 50 GB table is one split of it), and no byte of an uncommitted batch is reused.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TextArena } from '../../lib/rdbms/text-arena.js';
import { BatchWriter, type Connected } from '../../lib/rdbms/batch-writer.js';
import type { DbSession, TableWriter } from '../../lib/rdbms/dialect.js';

const frame = (batch: number, i: number, bytes: number): Buffer => Buffer.alloc(bytes, `${batch}:${i};`);

test('100 batches of 1.2 MB each, the next batch read while one commits: at most 3 MB held, every kept frame intact until its batch commits', () => {
  const arena = new TextArena();
  let open: { batch: number; kept: Buffer[] }[] = [];
  let peak = 0;
  for (let batch = 0; batch < 100; batch++) {
    const kept: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      kept.push(arena.keep(frame(batch, i, 60_000), batch));
      peak = Math.max(peak, arena.heldBytes);
      if (i === 0 && open.length > 0) {
        // The previous batch's commit ends after this batch's first frame was kept.
        const done = open.shift()!;
        done.kept.forEach((k, j) => assert.ok(k.equals(frame(done.batch, j, 60_000)), `batch ${done.batch} frame ${j} as kept`));
        arena.committed(done.batch);
      }
    }
    open.push({ batch, kept });
  }
  assert.ok(peak <= 3 * 1024 * 1024, `held ${peak} bytes at most`);
  arena.close();
  assert.is(arena.heldBytes, 0);
});

test('a BatchWriter over 20,000 lines in frames that straddle its 1,000-line batches: every batch commits exactly its own lines', async () => {
  const commits: string[] = [];
  let sent: Buffer[] = [];
  const connect = async (): Promise<Connected> => {
    const writer: TableWriter = {
      writeBatch: async () => {},
      close: async () => {},
      // By reference, as COPY's socket keeps them until the commit.
      addText: async (text: Buffer) => {
        sent.push(text);
      },
      add: async () => {},
      commit: async () => {
        await new Promise((r) => setImmediate(r));
        commits.push(Buffer.concat(sent).toString());
        sent = [];
      },
    };
    return { session: { close: async () => {} } as unknown as DbSession, writer };
  };
  const ctx = {
    taskId: 0,
    dirty: () => {},
    signal: new AbortController().signal,
    log: { info: () => {}, warn: () => {} },
    retry: { maxRetries: 3, initialIntervalMs: 1, maxIntervalMs: 2 },
  };
  const w = new BatchWriter(connect, 1000, ctx, 't');
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
