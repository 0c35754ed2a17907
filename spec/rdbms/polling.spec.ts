/**
 * Polling (FlinkX `polling` + `pollingInterval`) through the CLI on both databases: rows
 * inserted while the job runs reach the target within two intervals, and Ctrl-C (SIGINT) ends
 * the job cleanly — exit code 0, every row once, and the state file records where it ended.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databases, type TestDatabase } from './databases.js';
import { readerOf, writerOf } from './jobs.js';
import { lastJson, runCli, tempDir } from '../helpers.js';

const { dbs, close } = await databases();

const INTERVAL_MS = 1000;

async function insertRows(db: TestDatabase, table: string, from: number, to: number): Promise<void> {
  const values = Array.from({ length: to - from + 1 }, (_, i) => `(${from + i}, 'row ${from + i}')`).join(', ');
  await db.session.execute(`INSERT INTO ${db.dialect.quoteIdent(table)} (id, name) VALUES ${values}`);
}

async function count(db: TestDatabase, table: string): Promise<[number, number]> {
  const [[n, d]] = (await db.session.query(`SELECT COUNT(*), COUNT(DISTINCT id) FROM ${db.dialect.quoteIdent(table)}`)) as [[unknown, unknown]];
  return [Number(n), Number(d)];
}

/** Waits until the target holds `n` rows; returns how long that took. */
async function until(db: TestDatabase, table: string, n: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while ((await count(db, table))[0] < n) {
    if (Date.now() - started > timeoutMs) throw new Error(`the target did not reach ${n} rows in ${timeoutMs} ms (it has ${(await count(db, table))[0]})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

for (const db of dbs) {
  const q = (t: string): string => db.dialect.quoteIdent(t);

  test(`${db.name}: polling: new rows arrive within two intervals; SIGINT ends the job with exit code 0 and nothing lost`, async () => {
    const src = db.table('poll_src');
    const dst = db.table('poll_dst');
    await db.session.execute(`CREATE TABLE ${q(src)} (id bigint PRIMARY KEY, name varchar(40))`);
    await db.session.execute(`CREATE TABLE ${q(dst)} (id bigint, name varchar(40))`);
    const { dir, cleanup } = tempDir();
    try {
      await insertRows(db, src, 1, 100);
      const jobFile = join(dir, 'poll.json');
      writeFileSync(jobFile, JSON.stringify({
        job: {
          setting: { speed: { channel: 1 } },
          content: [{
            reader: readerOf(db, { column: ['id', 'name'], increColumn: 'id', polling: true, pollingInterval: INTERVAL_MS, connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }] }),
            writer: writerOf(db, dst, { column: ['id', 'name'] }),
          }],
        },
      }));
      let pid = 0;
      const run = runCli(['run', jobFile, '--json', '--state-file', join(dir, 'state.json')], { cwd: dir, timeoutMs: 60_000, onSpawn: (p) => (pid = p) });
      await until(db, dst, 100, 20_000);
      await insertRows(db, src, 101, 150);
      const took = await until(db, dst, 150, 10_000);
      assert.ok(took < 2 * INTERVAL_MS, `the new rows took ${took} ms, more than two intervals (${2 * INTERVAL_MS} ms)`);
      await insertRows(db, src, 151, 160);
      await until(db, dst, 160, 10_000);
      process.kill(pid, 'SIGINT');
      const r = await run;
      assert.is(r.code, 0, r.stderr);
      const summary = lastJson<{ state: string; recordsWritten: number; endLocation: Record<string, string> }>(r.stdout);
      assert.is(summary.state, 'succeeded');
      assert.is(summary.recordsWritten, 160);
      assert.equal(summary.endLocation, { [src]: '160' });
      assert.equal(await count(db, dst), [160, 160]);
      const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { content: unknown[] };
      assert.equal(state.content, [{ endLocation: { [src]: '160' } }]);
    } finally {
      cleanup();
      await db.session.execute(`DROP TABLE IF EXISTS ${q(src)}, ${q(dst)}`);
    }
  });
}

test.after(close);
test.run();
