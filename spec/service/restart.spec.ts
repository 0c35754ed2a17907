import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { getRun, listRuns, runLog, submitRun } from '../../lib/index.js';
import { tempDir } from '../helpers.js';
import { databases } from '../rdbms/databases.js';
import { readerOf, writerOf } from '../rdbms/jobs.js';
import { startServer, streamJob, until } from './server.js';

const { dbs, close } = await databases();
const pg = dbs.find((d) => d.name === 'postgresql');
test.after(close);

const ROWS = 40000;

test('kill -9 mid-run and start again: history intact, the running run FAILED with the reason, a restore run resumed, queued runs still run', async () => {
  if (!pg) return;
  const src = pg.table('svc_restart_src');
  const dst = pg.table('svc_restart_dst');
  await pg.session.execute(`CREATE TABLE ${src} (id bigint PRIMARY KEY, name text)`);
  await pg.session.execute(`INSERT INTO ${src} SELECT g, 'name ' || g FROM generate_series(1, ${ROWS}) g`);
  await pg.session.execute(`CREATE TABLE ${dst} (id bigint PRIMARY KEY, name text)`);
  const { dir, cleanup } = tempDir();
  const data = join(dir, 'data');
  let server = await startServer({ data, slots: 4 });
  try {
    const plain = await submitRun({ job: streamJob({ records: 40000, channel: 2, recordsPerSecond: 2000 }) }, server.client);
    const restore = await submitRun({
      job: {
        job: {
          content: [{
            reader: readerOf(pg, { column: ['id', 'name'], splitPk: 'id', connection: [{ jdbcUrl: [pg.jdbcUrl], table: [src] }] }),
            writer: writerOf(pg, dst, { column: ['id', 'name'], batchSize: 1000 }),
          }],
          setting: { speed: { channel: 2, record: 8000 }, restore: { isRestore: true, restoreColumnName: 'id', maxRowNumForCheckpoint: 1000 } },
        },
      },
    }, server.client);
    const queued = await submitRun({ job: streamJob({ records: 100, channel: 2 }) }, server.client);
    assert.equal([plain.state, restore.state, queued.state], ['RUNNING', 'RUNNING', 'QUEUED']);
    const count = async (): Promise<number> => Number((await pg.session.query(`SELECT count(*) FROM ${dst}`))[0]![0]);
    await until('committed rows in the target', async () => ((await count()) >= 4000 ? true : undefined));
    const logBefore = await runLog(plain.id, server.client);
    await server.kill9();
    const atKill = await count();
    assert.ok(atKill < ROWS, `killed mid-run (${atKill} rows)`);

    server = await startServer({ data, slots: 4 });
    const failed = await getRun(plain.id, server.client);
    assert.is(failed.state, 'FAILED');
    assert.is(failed.reason, 'the server stopped while it ran');
    assert.equal(failed.transitions.map((t) => t.to), ['QUEUED', 'RUNNING', 'FAILED']);
    assert.ok(failed.transitions.every((t) => !Number.isNaN(Date.parse(t.at))), 'each transition has its time');
    const logAfter = await runLog(plain.id, server.client);
    assert.equal(logAfter.slice(0, logBefore.length), logBefore, 'the log written before the kill is all there');

    const ran = await until('the queued run to end', async () => {
      const r = await getRun(queued.id, server.client);
      return r.state === 'SUCCEEDED' || r.state === 'FAILED' ? r : undefined;
    });
    assert.is(ran.state, 'SUCCEEDED');
    assert.is(ran.summary?.recordsWritten, 100);

    const resumed = await until('the restore run to end', async () => {
      const r = await getRun(restore.id, server.client);
      return r.state === 'SUCCEEDED' || r.state === 'FAILED' ? r : undefined;
    }, 60_000);
    assert.is(resumed.state, 'SUCCEEDED', resumed.reason ?? '');
    assert.equal(resumed.transitions.map((t) => t.to), ['QUEUED', 'RUNNING', 'QUEUED', 'RUNNING', 'SUCCEEDED']);
    assert.is(resumed.transitions[2]!.reason, 'the server stopped while it ran; it resumes from its checkpoints');
    assert.is(resumed.summary?.restore?.resumed, true);
    // The primary key refuses a row written twice: every row once.
    assert.is(await count(), ROWS);
    assert.equal((await listRuns({}, server.client)).map((r) => r.id), [queued.id, restore.id, plain.id]);
  } finally {
    await server.stop();
    cleanup();
    await pg.session.execute(`DROP TABLE IF EXISTS ${src}, ${dst}`);
  }
});

test.run();
