import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot, runCli, tempDir } from '../helpers.js';

const ownVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const streamJob = (rows: number): string => JSON.stringify({
  job: {
    setting: { speed: { channel: 1 } },
    content: [{
      reader: { name: 'streamreader', parameter: { sliceRecordCount: rows, column: [{ type: 'long', value: '5' }] } },
      writer: { name: 'streamwriter', parameter: { print: true } },
    }],
  },
});

test('-v and --version print ferry\'s own version, also from a directory with another package.json', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'someone-else', version: '9.9.9' }));
    for (const flag of ['-v', '--version']) {
      const r = await runCli([flag], { cwd: dir });
      assert.is(r.code, 0);
      assert.is(r.stdout, `${ownVersion}\n`);
    }
  } finally {
    cleanup();
  }
});

test('-h and bare ferry print the help on stdout, exit 0', async () => {
  for (const args of [['-h'], []]) {
    const r = await runCli(args);
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('ferry <command> [options]'), r.stdout);
    assert.match(r.stdout, /ferry run <job>/);
  }
});

test('ferry job.json (the datax.py habit) names the command it meant, exit 2', async () => {
  const r = await runCli(['job.json']);
  assert.is(r.code, 2);
  assert.is(r.stderr, 'error: "job.json" is not a command; to run a job file: ferry run job.json\n');
});

test('--channel abc says "expected a number", exit 2, nothing ran', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), streamJob(3));
    const r = await runCli(['run', join(dir, 'job.json'), '--channel', 'abc']);
    assert.is(r.code, 2);
    assert.is(r.stderr, 'error: --channel: expected a number (a whole number of channels, e.g. --channel 4)\n');
    assert.is(r.stdout, '');
  } finally {
    cleanup();
  }
});

test('--json with a wrong job file: a JSON error object on stdout, exit 2', async () => {
  const r = await runCli(['run', 'no-such-job.json', '--json']);
  assert.is(r.code, 2);
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string; exitCode: number } };
  assert.equal({ code: out.error.code, message: out.error.message, exitCode: out.error.exitCode }, { code: 'FERRY_JOB_NOT_FOUND', message: 'job file not found: no-such-job.json', exitCode: 2 });
});

test('ferry run - reads the job from stdin; --quiet leaves stderr empty (no INFO, no WARN, no summary)', () => {
  const { dir, cleanup } = tempDir();
  try {
    // an unknown key is a WARN: --quiet hides it too
    const text = streamJob(3).replace('"print":true', '"print":true,"bogus":1');
    writeFileSync(join(dir, 'job.json'), text);
    const out = execFileSync('bash', ['-c', `'${process.execPath}' '${cliPath}' run - --quiet < job.json 2>err.txt`], { cwd: dir, encoding: 'utf8' });
    assert.is(out, '5\n5\n5\n');
    assert.is(readFileSync(join(dir, 'err.txt'), 'utf8'), '');
    const loud = execFileSync('bash', ['-c', `'${process.execPath}' '${cliPath}' run - < job.json 2>&1 >/dev/null`], { cwd: dir, encoding: 'utf8' });
    assert.match(loud, / WARN  job\.content\[0\]\.writer\.parameter\.bogus: unknown key, ignored\n/);
  } finally {
    cleanup();
  }
});

test.run();
