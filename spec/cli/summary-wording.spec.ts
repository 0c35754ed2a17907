import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runCli, tempDir } from '../helpers.js';

const job = (channel: number): string => JSON.stringify({
  job: {
    setting: { speed: { channel } },
    content: [{
      reader: { name: 'streamreader', parameter: { sliceRecordCount: 10, column: [{ type: 'long', value: '1' }] } },
      writer: { name: 'streamwriter', parameter: { print: false } },
    }],
  },
});

test('one task: "1 task", "1 channel", wait times say they are summed over 1 task', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), job(1));
    const r = await runCli(['run', join(dir, 'job.json')]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, / INFO  1 task in 1 task group, 1 channel, 1 worker thread\n/);
    assert.match(r.stderr, /Wait times\s+: readers waited [\d.]+s for writers, writers waited [\d.]+s for readers \(summed over 1 task\)\n/);
    assert.match(r.stderr, /Tasks\s+: 1\/1 succeeded on 1 channel in 1 task group on 1 worker thread\n/);
    assert.not.match(r.stderr, /\b1 (tasks|channels|task groups|worker threads)\b/);
  } finally {
    cleanup();
  }
});

test('three tasks: plural, and the wait times name the three tasks', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), job(3));
    const r = await runCli(['run', join(dir, 'job.json')]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /\(summed over 3 tasks\)\n/);
    assert.match(r.stderr, /Tasks\s+: 3\/3 succeeded on 3 channels in /);
  } finally {
    cleanup();
  }
});

test('the human summary shows the run id the --json summary carries', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), job(1));
    const r = await runCli(['run', join(dir, 'job.json'), '--json']);
    assert.is(r.code, 0, r.stderr);
    const { runId } = lastJson<{ runId: string }>(r.stdout);
    assert.ok(runId.length > 0);
    assert.ok(r.stderr.split('\n').some((l) => /^  Run id\s+: /.test(l) && l.endsWith(`: ${runId}`)), r.stderr);
  } finally {
    cleanup();
  }
});

test.run();
