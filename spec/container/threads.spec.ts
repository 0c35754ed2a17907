/**
 * Worker threads are bounded by the machine whatever the channel count: a thread is a whole
 * V8 isolate, and 2000 of them on 2 cores hung a job (issue 10). Channel counts no machine runs
 * are refused before anything starts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fixture, lastJson, runCli, tempDir } from '../helpers.js';
import { jobSettings } from '../../lib/job/settings.js';
import type { JobSummary } from '../../lib/container/summary.js';

const SLICE = 10;

/** A stream→stream job of `channel` tasks of SLICE records each. */
function writeJob(dir: string, channel: number, core?: Record<string, unknown>): string {
  const path = join(dir, `job-${channel}.json`);
  writeFileSync(path, JSON.stringify({
    ...(core ? { core } : {}),
    job: {
      content: [{
        reader: { name: 'streamreader', parameter: { sliceRecordCount: SLICE, column: [{ type: 'long', value: '7' }, { type: 'string', value: 'x' }] } },
        writer: { name: 'streamwriter', parameter: { print: false } },
      }],
      setting: { speed: { channel } },
    },
  }));
  return path;
}

const refusal = (n: number): string => `error: job.setting.speed.channel: ${n} channels is more than ferry runs (at most 1024); set it to 1024 or fewer`;

test('channel 1000: 200 groups on the cores\' threads, every record, RSS bounded, one WARN line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const started = Date.now();
    const r = await runCli(['run', writeJob(dir, 1000), '--json'], { timeoutMs: 60_000 });
    assert.is(r.code, 0, r.stderr);
    const s = lastJson<JobSummary>(r.stdout);
    assert.is(s.recordsWritten, 1000 * SLICE);
    assert.is(s.tasks.succeeded, 1000);
    assert.is(s.taskGroups, 200);
    assert.is(s.threads, Math.min(200, availableParallelism()));
    // 200 isolates alone take well over a GB; two threads with 1000 tiny channels stay far below.
    assert.ok(s.peakRssBytes < 400 * 1024 * 1024, `peak RSS ${Math.round(s.peakRssBytes / 1048576)} MB`);
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    const warns = r.stderr.split('\n').filter((l) => l.includes('WARN'));
    assert.equal(warns.map((l) => l.replace(/^.*WARN  /, '')), [`1000 channels share ${s.threads} worker threads`]);
    assert.match(r.stderr, new RegExp(`Tasks\\s+: 1000/1000 succeeded on 1000 channels in 200 task groups on ${s.threads} worker threads?`));
  } finally {
    cleanup();
  }
});

test('a channel count past 1024, in the job file or from --channel, is one line and exit 2 before anything runs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const n of [10_000, 1_000_000, 1_000_000_000]) {
      const started = Date.now();
      const r = await runCli(['run', writeJob(dir, n)], { timeoutMs: 20_000 });
      assert.is(r.code, 2, `${n}: ${r.stderr}`);
      assert.is(r.stderr, refusal(n) + '\n');
      assert.is(r.stdout, '');
      assert.ok(Date.now() - started < 10_000, `${n} took ${Date.now() - started} ms`);
    }
    const r = await runCli(['run', writeJob(dir, 2), '--channel', '10000']);
    assert.is(r.code, 2, r.stderr);
    assert.is(r.stderr, refusal(10_000) + '\n');
  } finally {
    cleanup();
  }
});

test('1024 channels is the last count taken', () => {
  const job = (channel: number): Record<string, unknown> => ({ job: { setting: { speed: { channel } } } });
  assert.is(jobSettings(job(1024)).channel, 1024);
  assert.throws(() => jobSettings(job(1025)), (e: Error) => e.message === 'job.setting.speed.channel: 1025 channels is more than ferry runs (at most 1024); set it to 1024 or fewer');
});

test('core.container.maxThreads bounds the threads; groups that fit the threads warn nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runCli(['run', writeJob(dir, 10, { container: { maxThreads: 1 } }), '--json']);
    assert.is(r.code, 0, r.stderr);
    const s = lastJson<JobSummary>(r.stdout);
    assert.is(s.threads, 1);
    assert.is(s.taskGroups, 2);
    assert.is(s.recordsWritten, 10 * SLICE);
    assert.match(r.stderr, /WARN  10 channels share 1 worker threads/);

    const two = await runCli(['run', writeJob(dir, 2), '--json']);
    assert.is(two.code, 0, two.stderr);
    const t = lastJson<JobSummary>(two.stdout);
    assert.is(t.threads, Math.min(2, availableParallelism()));
    assert.is(t.recordsWritten, 2 * SLICE);
    assert.not.match(two.stderr, /WARN/);
  } finally {
    cleanup();
  }
});

test('core.container.maxThreads below 1 is a job-file mistake', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runCli(['run', writeJob(dir, 2, { container: { maxThreads: 0 } })]);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: core\.container\.maxThreads: /);
    assert.is(r.stderr.trim().split('\n').length, 1);
  } finally {
    cleanup();
  }
});

test('a worker thread out of heap: the job fails with one line naming core.container.workerHeapMb', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'hoard.json');
    writeFileSync(path, JSON.stringify({
      core: { container: { workerHeapMb: 64 } },
      job: { content: [{ reader: { name: 'hoardingreader', parameter: { mb: 512 } }, writer: { name: 'streamwriter', parameter: { print: false } } }] },
    }));
    const r = await runCli(['run', path, '--plugin', fixture('plugins', 'hoardingreader.js')], { timeoutMs: 60_000 });
    assert.is(r.code, 1, r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(errors, ["error: task group 0 ran out of memory: its worker thread's heap is 64 MB; raise core.container.workerHeapMb, or lower the writer's batchSize"]);
  } finally {
    cleanup();
  }
});

test.run();
