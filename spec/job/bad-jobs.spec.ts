// Every file in spec/fixtures/bad-jobs has one problem; expected.json holds the error it must give.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { JobConfigError } from '../../lib/errors.js';
import { loadJob } from '../../lib/job/load.js';
import { fixture } from '../helpers.js';

const dir = fixture('bad-jobs');
const expected = JSON.parse(readFileSync(fixture('bad-jobs', 'expected.json'), 'utf8')) as Record<string, { code: string; message: string }>;
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'expected.json').sort();

test('every bad job has its expected line, and every expected line its file', () => {
  assert.equal(Object.keys(expected).sort(), files);
  assert.ok(files.length >= 12, `${files.length} bad jobs`);
});

for (const file of files) {
  test(`bad job ${file}`, async () => {
    const want = expected[file];
    assert.ok(want, `no entry for ${file} in expected.json`);
    const path = fixture('bad-jobs', file);
    try {
      await loadJob(path);
      assert.unreachable(`${file} loaded`);
    } catch (err) {
      if (!(err instanceof JobConfigError)) throw err;
      assert.is(err.message, want.message.replaceAll('{file}', path));
      assert.is(err.code, want.code);
      assert.is(err.issues.length, 1, 'exactly one problem');
      assert.not.ok(err.message.includes('\n'));
      assert.is(err.exitCode, 2);
    }
  });
}

test('a job file that does not exist', async () => {
  try {
    await loadJob(fixture('bad-jobs', 'no-such-job.json'));
    assert.unreachable('loaded');
  } catch (err) {
    assert.instance(err, JobConfigError);
    assert.is((err as JobConfigError).code, 'FERRY_JOB_NOT_FOUND');
    assert.is((err as JobConfigError).message, `job file not found: ${fixture('bad-jobs', 'no-such-job.json')}`);
    assert.is((err as JobConfigError).exitCode, 2);
  }
});

test.run();
