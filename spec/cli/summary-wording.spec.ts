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

test('log lines and summary share the UTC clock, whatever TZ says', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), job(1));
    const r = await runCli(['run', join(dir, 'job.json')], { env: { ...process.env, TZ: 'Asia/Shanghai' } });
    assert.is(r.code, 0, r.stderr);
    const logAt = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}):\d{2}\.\d{3}Z INFO  /m.exec(r.stderr)?.[1];
    const startAt = /Start time\s+: (\d{4}-\d{2}-\d{2} \d{2}:\d{2}):\d{2} UTC\n/.exec(r.stderr)?.[1];
    assert.ok(logAt && startAt, r.stderr);
    // a run of 10 records: first log line and start time fall in the same minute (or the next)
    const diffMin = (Date.parse(`${logAt!.replace(' ', 'T')}:00Z`) - Date.parse(`${startAt!.replace(' ', 'T')}:00Z`)) / 60_000;
    assert.ok(diffMin >= 0 && diffMin <= 1, `log ${logAt}, start ${startAt}`);
  } finally {
    cleanup();
  }
});

test.run();
