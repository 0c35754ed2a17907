import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fixture, repoRoot, runCli, tempDir } from '../helpers.js';

const expected = JSON.parse(readFileSync(fixture('bad-jobs', 'expected.json'), 'utf8')) as Record<string, { code: string; message: string }>;
const badJobs = readdirSync(fixture('bad-jobs')).filter((f) => f.endsWith('.json') && f !== 'expected.json');

test('there are at least 12 bad job files, each with its expected line', () => {
  assert.ok(badJobs.length >= 12, `${badJobs.length} bad job files`);
  for (const f of badJobs) assert.ok(expected[f], `${f} has an expected message`);
});

for (const file of badJobs) {
  test(`ferry run ${file}: one line naming the problem, exit 2, no stack trace`, async () => {
    const path = relative(repoRoot, fixture('bad-jobs', file));
    const r = await runCli(['run', path]);
    assert.is(r.code, 2, r.stderr);
    const want = `error: ${expected[file]!.message.replaceAll('{file}', path)}`;
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    assert.equal(lines, [want]);
    assert.is(r.stdout, '');
  });
}

test('--verbose adds the stack trace', async () => {
  const r = await runCli(['run', relative(repoRoot, fixture('bad-jobs', 'channel-zero.json')), '--verbose']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /\n\s+at /);
});

test('ferry validate prints the resolved job with the password masked', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify({
      job: {
        content: [{
          reader: { name: 'streamreader', parameter: { sliceRecordCount: 1, column: [{ type: 'string', value: '${who}-$[yyyyMMdd]' }], password: 's3cret-pw' } },
          writer: { name: 'streamwriter', parameter: { print: false } },
        }],
      },
    }));
    const r = await runCli(['validate', path, '-p', 'who=ops', '--bizdate', '20240131']);
    assert.is(r.code, 0, r.stderr);
    const job = JSON.parse(r.stdout) as { job: { content: Array<{ reader: { parameter: { column: Array<{ value: string }>; password: string } } }> } };
    const reader = job.job.content[0]!.reader.parameter;
    assert.is(reader.column[0]!.value, 'ops-20240201');
    assert.is(reader.password, '******');
    assert.not.match(r.stdout + r.stderr, /s3cret/);
    assert.match(r.stderr, /job\.content\[0\]\.reader\.parameter\.password: unknown key, ignored/);
  } finally {
    cleanup();
  }
});

test('--strict on validate and run: a misspelt key is exit 2 with its path and the did-you-mean; without it a warning and exit 0', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'job.json');
    writeFileSync(path, JSON.stringify({
      job: {
        content: [{ reader: { name: 'streamreader', parameter: { sliceRecordCount: 1, column: [{ type: 'long', value: '1' }] } }, writer: { name: 'streamwriter', parameter: { print: false } } }],
        setting: { sped: { channel: 1 } },
      },
    }));
    const line = 'job.setting.sped: unknown key; did you mean "speed"?';
    const loose = await runCli(['validate', path]);
    assert.is(loose.code, 0, loose.stderr);
    assert.ok(loose.stderr.includes(line), loose.stderr);
    for (const cmd of ['validate', 'run']) {
      const r = await runCli([cmd, path, '--strict']);
      assert.is(r.code, 2, r.stderr);
      assert.equal(r.stderr.split('\n').filter((l) => l.trim() !== ''), [`error: ${line}`]);
    }
  } finally {
    cleanup();
  }
});

test('variables: -p name=value, DataX\'s -p "-Dname=value -Dx=y", --bizdate and $[...]', async () => {
  const job = fixture('..', '..', 'examples', 'variables.json');
  const plain = await runCli(['run', job, '-p', 'rows=1', '-p', 'label=a b', '--bizdate', '20240131', '--quiet']);
  assert.is(plain.code, 0, plain.stderr);
  assert.is(plain.stdout, 'a b,20240131,2024-02-01,20240101\n');
  const datax = await runCli(['run', job, '-p', '-Drows=2 -Dlabel=datax', '--bizdate', '20240229', '--quiet']);
  assert.is(datax.code, 0, datax.stderr);
  assert.is(datax.stdout, 'datax,20240229,2024-03-01,20240201\n'.repeat(2));
});

test('ferry plugins lists the built-in readers and writers', async () => {
  const r = await runCli(['plugins']);
  assert.is(r.code, 0, r.stderr);
  const names = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
  assert.equal(names, ['mysqlreader', 'mysqlwriter', 'postgresqlreader', 'postgresqlwriter', 'streamreader', 'streamwriter', 'txtfilereader', 'txtfilewriter']);
});

// bare `ferry` prints the help and exits 0 (conventions.spec)
test('usage errors exit 2 with one line', async () => {
  for (const args of [['frobnicate'], ['run'], ['run', 'job.json', '--channel', 'x']]) {
    const r = await runCli(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    assert.is(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('a missing job file: one line, exit 2', async () => {
  const r = await runCli(['run', 'no/such/job.json']);
  assert.is(r.code, 2);
  assert.equal(r.stderr.trim().split('\n'), ['error: job file not found: no/such/job.json']);
});

test.run();
