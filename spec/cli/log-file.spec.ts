/** Where is my run: --log-file keeps the log, errors and summary (with the run id) in a file; FlinkX's setting.log is warned about. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runCli, tempDir } from '../helpers.js';

function job(setting: Record<string, unknown> = { speed: { channel: 1 } }, rows = 3): string {
  return JSON.stringify({
    job: {
      setting,
      content: [{
        reader: { name: 'streamreader', parameter: { sliceRecordCount: rows, column: [{ type: 'long', value: '5' }] } },
        writer: { name: 'streamwriter', parameter: { print: false } },
      }],
    },
  });
}

test('--log-file gets the log lines and the summary with the run id, even with --quiet (stderr stays empty)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), job());
    const log = join(dir, 'run.log');
    const r = await runCli(['run', join(dir, 'job.json'), '--quiet', '--json', '--log-file', log]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stderr, '');
    const { runId } = lastJson<{ runId: string }>(r.stdout);
    const text = readFileSync(log, 'utf8');
    assert.match(text, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z INFO  1 task in 1 task group, 1 channel, 1 worker thread$/m);
    assert.ok(text.split('\n').some((l) => /^  Run id\s+: /.test(l) && l.endsWith(`: ${runId}`)), text);
    assert.match(text, /^  Records written\s+: 3$/m);
    assert.not.match(text, /\r|\x1b/);
  } finally {
    cleanup();
  }
});

test('--log-file appends, and holds the error line of a job that is wrong (exit 2)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const log = join(dir, 'run.log');
    writeFileSync(log, 'earlier\n');
    writeFileSync(join(dir, 'job.json'), JSON.stringify({ job: { content: [{ reader: { name: 'streamreader', parameter: {} }, writer: { name: 'streamwriter', parameter: {} } }] } }));
    const r = await runCli(['run', join(dir, 'job.json'), '--log-file', log]);
    assert.is(r.code, 2, r.stderr);
    const text = readFileSync(log, 'utf8');
    assert.ok(text.startsWith('earlier\n'), text);
    const firstError = r.stderr.split('\n').find((l) => l.startsWith('error: '));
    assert.ok(firstError, r.stderr);
    assert.ok(text.split('\n').includes(firstError!), text);
  } finally {
    cleanup();
  }
});

test('--log-file in a directory that does not exist: exit 2 naming --log-file, nothing runs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), job());
    const log = join(dir, 'no', 'run.log');
    const r = await runCli(['run', join(dir, 'job.json'), '--log-file', log]);
    assert.is(r.code, 2);
    assert.is(r.stderr, `error: --log-file: cannot open ${log}: ENOENT: no such file or directory, open '${log}'\n`);
  } finally {
    cleanup();
  }
});

test('FlinkX setting.log with isLogger true is warned about (ferry writes no FlinkX log file); false says nothing', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const isLogger of [true, false]) {
      writeFileSync(join(dir, 'job.json'), job({ speed: { channel: 1 }, log: { isLogger, level: 'debug', path: '/tmp/flinkx/log' } }));
      const r = await runCli(['run', join(dir, 'job.json')]);
      assert.is(r.code, 0, r.stderr);
      const warns = r.stderr.split('\n').filter((l) => / WARN  /.test(l)).map((l) => l.replace(/^.* WARN  /, ''));
      assert.equal(warns, isLogger ? ['job.setting.log.isLogger: FlinkX\'s log file is not written: ferry logs to stderr; pass --log-file <path> to keep the log in a file'] : []);
    }
  } finally {
    cleanup();
  }
});

test.run();
