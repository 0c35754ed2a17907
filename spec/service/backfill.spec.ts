import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { backfill, cancelBackfill, getBackfill, getRun, listRuns, putJob } from '../../lib/index.js';
import type { RunDetail } from '../../lib/index.js';
import { databases } from '../rdbms/databases.js';
import { readerOf, writerOf } from '../rdbms/jobs.js';
import { tempDir } from '../helpers.js';
import { startServer, streamJob, until } from './server.js';

const { dbs, close } = await databases();
test.after(close);
const mysql = dbs.find((d) => d.name === 'mysql');
const pg = dbs.find((d) => d.name === 'postgresql');
const DAYS = ['20240101', '20240102', '20240103', '20240104', '20240105'];

if (mysql && pg) {
  test('5-day backfill, parallel 2, MySQL→PostgreSQL where dt = ${bizdate}: five runs, each its own day once, never more than two at once', async () => {
    const src = mysql.table('bf_src');
    const dst = pg.table('bf_dst');
    const { dir, cleanup } = tempDir();
    const server = await startServer({ data: join(dir, 'data'), slots: 4 });
    try {
      await mysql.session.execute(`CREATE TABLE \`${src}\` (id bigint PRIMARY KEY, dt char(8), v varchar(20))`);
      await pg.session.execute(`CREATE TABLE "${dst}" (id bigint, dt char(8), v varchar(20))`);
      // Three rows a day from 20231231 to 20240106: the days outside the backfill must stay out.
      const days = ['20231231', ...DAYS, '20240106'];
      const values = days.flatMap((d, i) => [1, 2, 3].map((k) => `(${i * 10 + k}, '${d}', 'day ${d} #${k}')`));
      await mysql.session.execute(`INSERT INTO \`${src}\` VALUES ${values.join(', ')}`);
      const job = {
        job: {
          content: [{
            reader: readerOf(mysql, { connection: [{ jdbcUrl: [mysql.jdbcUrl], table: [src] }], column: ['id', 'dt', 'v'], where: "dt = '${bizdate}'" }),
            writer: writerOf(pg, dst, { column: ['id', 'dt', 'v'] }),
          }],
          setting: { speed: { channel: 1 } },
        },
      };
      await putJob('daily', { job }, server.client);
      const started = await backfill('daily', { from: DAYS[0]!, to: DAYS[4]!, parallel: 2 }, server.client);
      assert.equal(started.days.map((d) => d.bizdate), DAYS);
      assert.ok(started.counts.waiting >= 3, 'only two days got runs at once');
      const done = await until('the backfill ends', async () => {
        const b = await getBackfill(started.id, server.client);
        return b.state === 'DONE' ? b : undefined;
      }, 30_000);
      assert.equal(done.counts, { waiting: 0, queued: 0, running: 0, succeeded: 5, failed: 0, cancelled: 0 });

      const runs: RunDetail[] = await Promise.all(done.days.map((d) => getRun(d.runId!, server.client)));
      assert.equal(runs.map((r) => [r.bizdate, r.kind, r.backfillId, r.summary!.recordsRead]), DAYS.map((d) => [d, 'backfill', started.id, 3]));
      const starts = [...runs].sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!)).map((r) => r.bizdate);
      assert.equal(starts, DAYS, 'oldest day first');
      // The most runs open at any instant, from the stored start and end times.
      const events = runs.flatMap((r) => [[Date.parse(r.startedAt!), 1], [Date.parse(r.endedAt!), -1]] as Array<[number, number]>).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let open = 0, most = 0;
      for (const [, d] of events) most = Math.max(most, (open += d));
      assert.ok(most <= 2, `at most two at once, saw ${most}`);

      const rows = (await pg.session.query(`SELECT dt, COUNT(*), COUNT(DISTINCT id) FROM "${dst}" GROUP BY dt ORDER BY dt`)) as unknown[][];
      assert.equal(rows.map((r) => [String(r[0]), Number(r[1]), Number(r[2])]), DAYS.map((d) => [d, 3, 3]));
    } finally {
      await server.stop();
      await mysql.session.execute(`DROP TABLE IF EXISTS \`${src}\``);
      await pg.session.execute(`DROP TABLE IF EXISTS "${dst}"`);
      cleanup();
    }
  });
}

test('cancel a backfill: the running day ends CANCELLED, the waiting days never start', async () => {
  const { dir, cleanup } = tempDir();
  const server = await startServer({ data: join(dir, 'data'), slots: 4 });
  try {
    await putJob('slow', { job: streamJob({ records: 200_000, channel: 1, recordsPerSecond: 2000 }) }, server.client);
    const b = await backfill('slow', { from: '20240101', to: '20240104', parallel: 1 }, server.client);
    const first = b.days[0]!.runId!;
    await until('day 1 RUNNING', async () => ((await getRun(first, server.client)).state === 'RUNNING' ? true : undefined));
    const cancelled = await cancelBackfill(b.id, server.client);
    assert.is(cancelled.state, 'CANCELLED');
    assert.equal(cancelled.days.map((d) => d.state), ['CANCELLED', 'WAITING', 'WAITING', 'WAITING']);
    await new Promise((r) => setTimeout(r, 700));
    const runs = (await listRuns({ limit: 100 }, server.client)).filter((r) => r.backfillId === b.id);
    assert.equal(runs.map((r) => [r.bizdate, r.state]), [['20240101', 'CANCELLED']], 'no other day got a run');
  } finally {
    await server.stop();
    cleanup();
  }
});

test.run();
