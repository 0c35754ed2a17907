import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getRun, listJobs, putJob, runJobNow } from '../../lib/index.js';
import { runCli, tempDir } from '../helpers.js';
import { startServer, streamJob, until } from './server.js';

test('jobs add twice keeps two versions; run-now runs the current one and the run records which; rm stops it', async () => {
  const { dir, cleanup } = tempDir();
  const server = await startServer({ data: join(dir, 'data'), slots: 4 });
  const cli = (args: string[]) => runCli([...args, '--server', server.url]);
  try {
    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify(streamJob({ records: 10, channel: 1 })));
    const v1 = await cli(['jobs', 'add', 'nightly', path]);
    assert.is(v1.code, 0, v1.stderr);
    assert.is(v1.stdout.trim(), 'job nightly version 1');
    const first = await runJobNow('nightly', { bizdate: '20240101' }, server.client);

    writeFileSync(path, JSON.stringify(streamJob({ records: 30, channel: 1 })));
    const v2 = await cli(['jobs', 'add', 'nightly', path]);
    assert.is(v2.stdout.trim(), 'job nightly version 2');
    const now = await cli(['run-now', 'nightly']);
    assert.is(now.code, 0, now.stderr);
    const secondId = Number(now.stdout.trim());

    const done = async (id: number) => until(`run ${id} ends`, async () => {
      const r = await getRun(id, server.client);
      return r.state === 'SUCCEEDED' ? r : undefined;
    });
    const a = await done(first.id);
    const b = await done(secondId);
    assert.equal([a.kind, a.jobName, a.jobVersion, a.bizdate, a.summary!.recordsWritten], ['manual', 'nightly', 1, '20240101', 10]);
    assert.equal([b.jobName, b.jobVersion, b.summary!.recordsWritten], ['nightly', 2, 30]);

    const ls = await cli(['jobs', 'ls']);
    assert.match(ls.stdout, /^nightly\s+2\s+-/m);
    const rm = await cli(['jobs', 'rm', 'nightly']);
    assert.is(rm.code, 0, rm.stderr);
    assert.equal(await listJobs(server.client), []);
    const gone = await cli(['run-now', 'nightly']);
    assert.is(gone.code, 2);
    assert.match(gone.stderr, /there is no job "nightly": ferry jobs ls lists them/);
    assert.is((await getRun(a.id, server.client)).jobVersion, 1, 'old runs still name their version');
  } finally {
    await server.stop();
    cleanup();
  }
});

test('a job that would not run, or a bad schedule, is refused with the field named and nothing is stored', async () => {
  const { dir, cleanup } = tempDir();
  const server = await startServer({ data: join(dir, 'data'), slots: 4 });
  try {
    const bad = await putJob('x', { job: streamJob({ records: 1, channel: 1 }), schedule: { cron: '61 * * * *' } }, server.client).catch((e: Error) => e);
    assert.match(String((bad as Error).message), /schedule\.cron/);
    const zone = await putJob('x', { job: streamJob({ records: 1, channel: 1 }), schedule: { cron: '0 2 * * *', tz: 'Mars/Olympus' } }, server.client).catch((e: Error) => e);
    assert.match(String((zone as Error).message), /"Mars\/Olympus" is not a time zone/);
    assert.equal(await listJobs(server.client), []);
  } finally {
    await server.stop();
    cleanup();
  }
});

test.run();
