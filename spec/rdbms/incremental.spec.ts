/**
 * Incremental sync on both databases: increColumn + startLocation, the state file that
 * carries endLocation from one run to the next, and useMaxFunc (rows that arrive during a run
 * wait for the next one). Every source row lands in the target exactly once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../lib/index.js';
import { databases, type TestDatabase } from './databases.js';
import { readerOf, writerOf } from './jobs.js';
import { tempDir } from '../helpers.js';

const { dbs, close } = await databases();

async function insertRows(db: TestDatabase, table: string, from: number, to: number): Promise<void> {
  const t = db.dialect.quoteIdent(table);
  const series = db.name === 'postgresql' ? `generate_series(${from}, ${to}) AS g` : `seq_${from}_to_${to} AS s`;
  const g = db.name === 'postgresql' ? 'g' : 's.seq';
  const name = db.name === 'postgresql' ? `'row ' || ${g}` : `CONCAT('row ', ${g})`;
  // ts: one row a second from 2024-01-01, so later ids have later times.
  const ts = db.name === 'postgresql' ? `TIMESTAMP '2024-01-01 00:00:00' + ${g} * INTERVAL '1 second'` : `TIMESTAMP '2024-01-01 00:00:00' + INTERVAL ${g} SECOND`;
  await db.session.execute(`INSERT INTO ${t} (id, name, ts) SELECT ${g}, ${name}, ${ts} FROM ${series}`);
}

/** Row count and distinct ids of the target: equal when no row was written twice. */
async function counts(db: TestDatabase, table: string): Promise<[number, number]> {
  const [[n, d]] = (await db.session.query(`SELECT COUNT(*), COUNT(DISTINCT id) FROM ${db.dialect.quoteIdent(table)}`)) as [[unknown, unknown]];
  return [Number(n), Number(d)];
}

for (const db of dbs) {
  const q = (t: string): string => db.dialect.quoteIdent(t);
  const tsType = db.name === 'postgresql' ? 'timestamp(6)' : 'datetime(6)';

  const withTables = async (fn: (src: string, dst: string, dir: string) => Promise<void>): Promise<void> => {
    const src = db.table('incr_src');
    const dst = db.table('incr_dst');
    await db.session.execute(`CREATE TABLE ${q(src)} (id bigint PRIMARY KEY, name varchar(40), ts ${tsType})`);
    await db.session.execute(`CREATE TABLE ${q(dst)} (id bigint, name varchar(40), ts ${tsType})`);
    const { dir, cleanup } = tempDir();
    try {
      await fn(src, dst, dir);
    } finally {
      cleanup();
      await db.session.execute(`DROP TABLE IF EXISTS ${q(src)}, ${q(dst)}`);
    }
  };

  const job = (src: string, dst: string, reader: Record<string, unknown>, setting: Record<string, unknown> = {}): object => ({
    job: {
      setting: { speed: { channel: 2 }, ...setting },
      content: [{
        reader: readerOf(db, { column: ['id', 'name', 'ts'], connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }], ...reader }),
        writer: writerOf(db, dst, { column: ['id', 'name', 'ts'] }),
      }],
    },
  });

  test(`${db.name}: increColumn with a state file: run, 1000 new rows, run again: the second run reads exactly those, each row once`, async () => {
    await withTables(async (src, dst, dir) => {
      await insertRows(db, src, 1, 5000);
      for (const splitPk of [undefined, 'id']) {
        await db.session.execute(`DELETE FROM ${q(dst)}`);
        const file = join(dir, `state-${splitPk ?? 'none'}.json`);
        const j = job(src, dst, { increColumn: 'id', ...(splitPk ? { splitPk } : {}) });
        const first = await runJob(j, { stateFile: file });
        assert.is(first.recordsRead, 5000);
        assert.equal(first.endLocation, { [src]: '5000' });
        await insertRows(db, src, 5001, 6000);
        const second = await runJob(j, { stateFile: file });
        assert.is(second.recordsRead, 1000, 'the second run read the new rows only');
        assert.equal(second.endLocation, { [src]: '6000' });
        assert.equal(await counts(db, dst), [6000, 6000]);
        const third = await runJob(j, { stateFile: file });
        assert.is(third.recordsRead, 0);
        assert.equal(third.endLocation, { [src]: '6000' }, 'nothing new: the end stays');
        await db.session.execute(`DELETE FROM ${q(src)} WHERE id > 5000`);
      }
      const saved = JSON.parse(readFileSync(join(dir, 'state-id.json'), 'utf8')) as { ferry: string; content: unknown[] };
      assert.equal(saved.content, [{ endLocation: { [src]: '6000' } }]);
    });
  });

  test(`${db.name}: a timestamp increColumn from a startLocation`, async () => {
    await withTables(async (src, dst) => {
      await insertRows(db, src, 1, 100);
      // ids 1..100 have ts 00:00:01..00:01:40; after 00:01:00 are ids 61..100
      const s = await runJob(job(src, dst, { increColumn: 'ts', startLocation: '2024-01-01 00:01:00' }));
      assert.is(s.recordsRead, 40);
      const [[min]] = (await db.session.query(`SELECT MIN(id) FROM ${q(dst)}`)) as [[unknown]];
      assert.is(Number(min), 61);
      assert.match(String(s.endLocation?.[src]), /^2024-01-01 00:01:40/);
    });
  });

  test(`${db.name}: useMaxFunc: rows inserted while a run is in progress are not read by it, and are read by the next`, async () => {
    await withTables(async (src, dst, dir) => {
      await insertRows(db, src, 1, 3000);
      const file = join(dir, 'state.json');
      // A record cap makes the run take about 1.5 s; rows are inserted while it reads.
      const j = job(src, dst, { increColumn: 'id', useMaxFunc: true, splitPk: 'id' }, { speed: { channel: 2, record: 2000 } });
      let inserted = false;
      const first = await runJob(j, {
        stateFile: file,
        progressIntervalMs: 100,
        onProgress: (p) => {
          if (!inserted && p.recordsRead > 0) {
            inserted = true;
            void insertRows(db, src, 3001, 3500);
          }
        },
      });
      assert.ok(inserted);
      assert.is(first.recordsRead, 3000, 'the first run stopped at MAX(id) taken at its start');
      const second = await runJob(j, { stateFile: file });
      assert.is(second.recordsRead, 500);
      assert.equal(await counts(db, dst), [3500, 3500]);
    });
  });
}

test.after(close);
test.run();
