import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { cancelRun, getRun, JobConfigError, listRuns, submitRun } from '../../lib/index.js';
import { tempDir } from '../helpers.js';
import { startServer, streamJob, until } from './server.js';

test('3 runs of 2 slots on a 4-slot server: two run, the third waits with its reason and starts when one ends; a wait timeout fails a queued run', async () => {
  const { dir, cleanup } = tempDir();
  const server = await startServer({ data: join(dir, 'data'), slots: 4 });
  try {
    // About 2 s each: long enough to see the third wait.
    const job = streamJob({ records: 4000, channel: 2, recordsPerSecond: 2000 });
    const [a, b, c] = [await submitRun({ job }, server.client), await submitRun({ job }, server.client), await submitRun({ job }, server.client)];
    assert.equal([a.state, b.state, c.state], ['RUNNING', 'RUNNING', 'QUEUED']);
    assert.is(c.reason, 'needs 2 slots, 0 free; first in line');

    const late = await submitRun({ job, waitTimeoutMs: 300 }, server.client);
    assert.is(late.state, 'QUEUED');
    assert.is((await getRun(late.id, server.client)).reason, 'needs 2 slots, 0 free; 1 run ahead');
    const timedOut = await until('the wait timeout', async () => {
      const r = await getRun(late.id, server.client);
      return r.state === 'QUEUED' ? undefined : r;
    });
    assert.is(timedOut.state, 'FAILED');
    assert.is(timedOut.reason, 'waited longer than waitTimeoutMs 300 for slots: needs 2 slots, 0 free; 1 run ahead');
    assert.is(timedOut.startedAt, null, 'it never ran');

    const third = await until('the third run to start', async () => {
      const r = await getRun(c.id, server.client);
      return r.state === 'QUEUED' ? undefined : r;
    });
    const first = await getRun(a.id, server.client);
    const second = await getRun(b.id, server.client);
    const ends = [first.endedAt, second.endedAt].flatMap((t) => (t === null ? [] : [Date.parse(t)]));
    assert.ok(ends.length > 0 && Date.parse(third.startedAt!) >= Math.min(...ends), 'it started after one of the first two ended');
    assert.equal(third.transitions.map((t) => t.to), ['QUEUED', 'RUNNING']);

    await until('all three to end', async () => ((await listRuns({ state: 'SUCCEEDED' }, server.client)).length === 3 ? true : undefined));
    assert.equal((await listRuns({}, server.client)).map((r) => [r.id, r.state]), [[late.id, 'FAILED'], [c.id, 'SUCCEEDED'], [b.id, 'SUCCEEDED'], [a.id, 'SUCCEEDED']]);

    // A queued run that is cancelled never starts.
    await submitRun({ job }, server.client);
    await submitRun({ job }, server.client);
    const queued = await submitRun({ job }, server.client);
    const cancelled = await cancelRun(queued.id, server.client);
    assert.equal([cancelled.state, cancelled.reason, cancelled.startedAt], ['CANCELLED', 'cancelled before it started', null]);
  } finally {
    await server.stop();
    cleanup();
  }
});

test('a job that needs more slots than the server has is refused at submit, nothing stored', async () => {
  const { dir, cleanup } = tempDir();
  const server = await startServer({ data: join(dir, 'data'), slots: 4 });
  try {
    const err = await submitRun({ job: streamJob({ records: 10, channel: 8 }) }, server.client).catch((e: unknown) => e);
    assert.instance(err, JobConfigError);
    assert.equal((err as JobConfigError).issues, [{ path: 'job.setting.speed.channel', message: 'the job needs 8 slots and this server has 4: lower the channel count, or start the server with --slots 8 or more' }]);
    assert.equal(await listRuns({}, server.client), []);
  } finally {
    await server.stop();
    cleanup();
  }
});

test.run();
