import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { listRuns, putJob } from '../../lib/index.js';
import type { RunView } from '../../lib/index.js';
import { tempDir } from '../helpers.js';
import { startServer, streamJob, until } from './server.js';

/** The day before the firing's UTC date: the bizdate rule, computed apart from the server's code. */
const dayBefore = (cyctime: string): string => new Date(Date.UTC(+cyctime.slice(0, 4), +cyctime.slice(4, 6) - 1, +cyctime.slice(6, 8) - 1)).toISOString().slice(0, 10).replaceAll('-', '');

test('*/2 * * * * * fires runs whose bizdate is the firing day − 1; kill -9 across a firing: exactly one make-up run', async () => {
  const { dir, cleanup } = tempDir();
  const data = join(dir, 'data');
  let server = await startServer({ data, slots: 4 });
  try {
    await putJob('tick', { job: streamJob({ records: 5, channel: 1 }), schedule: { cron: '*/2 * * * * *', tz: 'UTC' } }, server.client);
    const scheduled = async (): Promise<RunView[]> => (await listRuns({ limit: 100 }, server.client)).filter((r) => r.kind === 'schedule');
    const fired = await until('two firings', async () => ((await scheduled()).length >= 2 ? scheduled() : undefined), 10_000);
    for (const r of fired) {
      const cyctime = r.params.cyctime!;
      assert.match(cyctime, /^\d{8}\d{2}\d{2}\d[02468]$/, 'fired on an even second');
      assert.is(r.bizdate, dayBefore(cyctime));
      assert.match(r.trigger ?? '', /fired by its schedule \*\/2 \* \* \* \* \* \(UTC\) at /);
      assert.equal([r.jobName, r.jobVersion], ['tick', 1]);
    }
    await until('the runs end', async () => ((await scheduled()).every((r) => r.state === 'SUCCEEDED') ? true : undefined), 10_000);

    await server.kill9();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, 4_500)); // two firings fall in here
    server = await startServer({ data, slots: 4 });
    const upAt = Date.now();
    const madeUp = await until('the make-up run', async () => (await scheduled()).find((r) => /made up on restart/.test(r.trigger ?? '')), 5_000);
    assert.match(madeUp.trigger!, /made up on restart for [23] firings missed while the server was down/);
    const at = (r: RunView): number => Date.parse(r.params.cyctime!.replace(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/, '$1-$2-$3T$4:$5:$6Z'));
    // The make-up run stands for a firing while down; no firing up to it got a run of its own.
    // (Compared with the make-up's own firing time, not with when startServer returned: on a
    // loaded machine the scheduler is up a while before that, and fires on time meanwhile.)
    assert.ok(at(madeUp) > downAt && at(madeUp) <= upAt, `the make-up run's firing ${madeUp.params.cyctime} is while the server was down`);
    const alsoDown = (await scheduled()).filter((r) => r.id !== madeUp.id && at(r) > downAt && at(r) <= at(madeUp));
    assert.is(alsoDown.length, 0, `one run for the firings while down, also: ${alsoDown.map((r) => r.trigger).join(' | ')}`);
    assert.is((await scheduled()).filter((r) => /made up/.test(r.trigger ?? '')).length, 1);
  } finally {
    await server.stop();
    cleanup();
  }
});

test.run();
