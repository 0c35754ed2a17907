/**
 * Pass-through text kept for uncommitted batches: memory follows the batch, not the task (a
 * task of a 50 GB table is one split of it), and no byte of an uncommitted batch is reused
 * (a BatchWriter over such blocks: spec/rdbms/batch-writer.spec.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TextArena } from '../../lib/rdbms/text-arena.js';

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

test.run();
