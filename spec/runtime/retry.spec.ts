import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runJob, JobFailedError, type JobSummary } from '../../lib/index.js';
import { fixture, runCli, tempDir } from '../helpers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const flaky = fixture('plugins', 'flakyreader.js');

function job(reader: Record<string, unknown>, channel = 2): Record<string, unknown> {
  return {
    core: { container: { task: { failover: { maxRetryTimes: 2, retryIntervalInMsec: 50 } } } },
    job: {
      content: [{ reader: { name: 'flakyreader', parameter: reader }, writer: { name: 'streamwriter', parameter: { print: false } } }],
      setting: { speed: { channel } },
    },
  };
}

test('a task that throws once is retried and the job succeeds with the exact count', async () => {
  const summary = await runJob(job({ records: 5000, failAttempts: 1, failAfter: 1234 }), { plugins: [flaky] });
  assert.is(summary.state, 'succeeded');
  assert.is(summary.recordsRead, 10_000, 'the failed attempts\' 1234 rows per task are not counted');
  assert.is(summary.recordsWritten, 10_000);
  assert.is(summary.tasks.retries, 2, 'each of the 2 tasks ran twice');
});

test('a task that always throws fails the job with the plugin\'s message', async () => {
  try {
    await runJob(job({ records: 100, failAttempts: 99, failAfter: 10, message: 'source went away' }), { plugins: [flaky] });
    assert.unreachable('should fail');
  } catch (err) {
    assert.instance(err, JobFailedError);
    assert.match((err as Error).message, /^task \d \(flakyreader\) failed: source went away$/);
    const s = (err as JobFailedError).summary as JobSummary;
    assert.is(s.state, 'failed');
    assert.is(s.tasks.failed >= 1, true);
    assert.is(s.error?.message, 'source went away');
  }
});

test('an error marked retryable: false is not retried', async () => {
  try {
    await runJob(job({ records: 100, failAttempts: 1, failAfter: 0, message: 'bad column', retryable: false }, 1), { plugins: [flaky] });
    assert.unreachable('should fail');
  } catch (err) {
    const s = (err as JobFailedError).summary as JobSummary;
    assert.is(s.tasks.retries, 0);
    assert.match((err as Error).message, /bad column$/);
  }
});

test('CLI: a job whose task always throws exits 1 with the plugin\'s message on one line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify(job({ records: 100, failAttempts: 99, failAfter: 5, message: 'disk on fire' }, 1)));
    const r = await runCli(['run', path, '--plugin', flaky, '--quiet']);
    assert.is(r.code, 1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.equal(errors, ['error: task 0 (flakyreader) failed: disk on fire']);
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace without --verbose');
  } finally {
    cleanup();
  }
});

test.run();
