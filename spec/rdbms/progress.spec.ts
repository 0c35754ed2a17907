/**
 * Progress of a database job: percent from the catalog's estimate (marked ~), tasks counted as
 * they end (not all at once when the job returns), and after a stop the line does not claim
 * every task done.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { databases } from './databases.js';
import { readerOf } from './jobs.js';
import { runJob, type JobProgress } from '../../lib/index.js';
import { formatLiveLine } from '../../lib/container/progress.js';

const { dbs, close } = await databases();
const ROWS = 200;

for (const db of dbs) {
  const table = db.table('progress');
  const q = db.dialect.quoteIdent;
  const job = {
    job: {
      // 400 records/s over 200 rows: about half a second, long enough to see tasks end one by one.
      setting: { speed: { channel: 1, record: 400 } },
      content: [{
        reader: readerOf(db, { column: ['id', 'v'], splitPk: 'id', splitFactor: 4, connection: [{ jdbcUrl: [db.jdbcUrl], table: [table] }] }),
        writer: { name: 'streamwriter', parameter: { print: false } },
      }],
    },
  };

  test.before(async () => {
    await db.session.execute(`CREATE TABLE ${q(table)} (id integer PRIMARY KEY, v varchar(20))`);
    const values = Array.from({ length: ROWS }, (_, i) => `(${i + 1}, 'row ${i + 1}')`).join(', ');
    await db.session.execute(`INSERT INTO ${q(table)} (id, v) VALUES ${values}`);
    await db.session.execute(`ANALYZE ${db.name === 'mysql' ? 'TABLE ' : ''}${q(table)}`);
  });
  test.after(() => db.session.execute(`DROP TABLE IF EXISTS ${q(table)}`));

  test(`${db.name}: an estimated percent, tasks counted as they end, 100% at the end`, async () => {
    const seen: JobProgress[] = [];
    const summary = await runJob(job, { onProgress: (p) => seen.push(structuredClone(p)), progressIntervalMs: 25 });
    assert.is(summary.recordsWritten, ROWS);
    const last = seen.at(-1)!;
    assert.ok(last.tasks.total >= 4, `tasks: ${last.tasks.total}`);
    assert.is(last.tasks.finished, last.tasks.total);
    assert.is(last.percent, 100);
    assert.is(last.estimated, true);
    // PostgreSQL's reltuples after ANALYZE is exact for a small table; InnoDB's TABLE_ROWS is sampled.
    if (db.name === 'postgresql') assert.is(last.expectedRecords, ROWS);
    else assert.ok(last.expectedRecords! > ROWS / 2 && last.expectedRecords! < ROWS * 2, `TABLE_ROWS ${last.expectedRecords}`);
    const middle = seen.filter((p) => p.tasks.finished > 0 && p.tasks.finished < p.tasks.total);
    assert.ok(middle.length > 0, `no snapshot between 0 and ${last.tasks.total} tasks done: ${seen.map((p) => p.tasks.finished).join(',')}`);
    for (const [i, p] of seen.entries()) {
      assert.ok(p.tasks.running <= 1, `${p.tasks.running} running with 1 channel`);
      if (i > 0) assert.ok(p.tasks.finished >= seen[i - 1]!.tasks.finished, 'tasks done never goes back');
    }
    const running = middle.find((p) => p.percent! > 0 && p.percent! < 100);
    assert.ok(running, 'a percent while running');
    assert.match(formatLiveLine(running, 200), new RegExp(`\\| ~\\d+% \\|.* \\| tasks ${running.tasks.finished}/${running.tasks.total}$`));
  });

  test(`${db.name}: stopped after the first task: not every task done, the rest counted as stopped`, async () => {
    const seen: JobProgress[] = [];
    const stop = new AbortController();
    const onProgress = (p: JobProgress): void => {
      seen.push(structuredClone(p));
      if (p.tasks.finished >= 1) stop.abort();
    };
    const err = await runJob(job, { onProgress, progressIntervalMs: 25, signal: stop.signal }).then(() => undefined, (e: Error & { code?: string }) => e);
    assert.is(err?.code, 'FERRY_ABORTED');
    const last = seen.at(-1)!;
    assert.ok(last.tasks.finished >= 1 && last.tasks.finished < last.tasks.total, `${last.tasks.finished}/${last.tasks.total}`);
    assert.is(last.tasks.finished + last.tasks.stopped!, last.tasks.total);
    assert.ok(last.percent! < 100);
    assert.match(formatLiveLine(last, 200), `tasks ${last.tasks.finished}/${last.tasks.total} (${last.tasks.stopped} stopped)`);
  });
}

test.after(close);
test.run();
