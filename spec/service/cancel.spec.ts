import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { cancelRun, getRun, submitRun } from '../../lib/index.js';
import { tempDir } from '../helpers.js';
import { databases } from '../rdbms/databases.js';
import { readerOf, writerOf } from '../rdbms/jobs.js';
import { startServer, until } from './server.js';

const { dbs, close } = await databases();
const pg = dbs.find((d) => d.name === 'postgresql');
test.after(close);

test('cancel a running PG→PG run: CANCELLED within 2 s and its connections closed', async () => {
  if (!pg) return;
  const src = pg.table('svc_cancel_src');
  const dst = pg.table('svc_cancel_dst');
  // Every connection of the run carries this name, so pg_stat_activity can count them.
  const app = `ferry_cancel_${randomBytes(4).toString('hex')}`;
  const jdbcUrl = `${pg.jdbcUrl}?ApplicationName=${app}`;
  await pg.session.execute(`CREATE TABLE ${src} (id bigint PRIMARY KEY, name text)`);
  await pg.session.execute(`INSERT INTO ${src} SELECT g, 'name ' || g FROM generate_series(1, 100000) g`);
  await pg.session.execute(`CREATE TABLE ${dst} (id bigint PRIMARY KEY, name text)`);
  const { dir, cleanup } = tempDir();
  const server = await startServer({ data: join(dir, 'data'), slots: 4 });
  try {
    const job = {
      job: {
        content: [{
          reader: readerOf(pg, { column: ['id', 'name'], splitPk: 'id', connection: [{ jdbcUrl: [jdbcUrl], table: [src] }] }),
          writer: writerOf(pg, dst, { column: ['id', 'name'], connection: [{ jdbcUrl, table: [dst] }] }),
        }],
        // 100,000 rows at 5,000 a second: it is still running when it is cancelled.
        setting: { speed: { channel: 2, record: 5000 } },
      },
    };
    const run = await submitRun({ job }, server.client);
    const connections = async (): Promise<number> => Number((await pg.session.query('SELECT count(*) FROM pg_stat_activity WHERE application_name = $1', [app]))[0]![0]);
    await until('rows being written', async () => ((await getRun(run.id, server.client)).progress?.recordsWritten ?? 0) > 0 || undefined);
    assert.ok((await connections()) > 0, 'the run holds connections while it runs');

    const asked = Date.now();
    const cancelled = await cancelRun(run.id, server.client);
    const tookMs = Date.now() - asked;
    assert.is(cancelled.state, 'CANCELLED');
    assert.ok(tookMs < 2000, `CANCELLED after ${tookMs} ms`);
    assert.match(cancelled.reason ?? '', /^the job was stopped; \d+ records were written/);
    assert.is(cancelled.exitCode, 1);
    await until('its connections to close', async () => ((await connections()) === 0 ? true : undefined), 2000 - Math.min(tookMs, 1900));
    const written = Number((await pg.session.query(`SELECT count(*) FROM ${dst}`))[0]![0]);
    assert.ok(written < 100000, `it stopped early (${written} rows written)`);
  } finally {
    await server.stop();
    cleanup();
    await pg.session.execute(`DROP TABLE IF EXISTS ${src}, ${dst}`);
  }
});

test.run();
