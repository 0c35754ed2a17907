import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, lastJson, tempDir } from '../helpers.js';
import { runJob } from '../../lib/index.js';
import type { JobSummary } from '../../lib/index.js';

// DataX's own quick-start job (job/stream2stream.json in its docs), unchanged.
const DATAX_STREAM2STREAM = {
  job: {
    content: [
      {
        reader: {
          name: 'streamreader',
          parameter: {
            sliceRecordCount: 10,
            column: [
              { type: 'long', value: '10' },
              { type: 'string', value: 'hello，你好，世界-DataX' },
            ],
          },
        },
        writer: { name: 'streamwriter', parameter: { encoding: 'UTF-8', print: true } },
      },
    ],
    setting: { speed: { channel: 5 } },
  },
};

// DataX's job/job.json sample: five types, a byte cap, errorLimit.
const DATAX_JOB_JSON = {
  job: {
    setting: { speed: { byte: 10485760 }, errorLimit: { record: 0, percentage: 0.02 } },
    content: [
      {
        reader: {
          name: 'streamreader',
          parameter: {
            column: [
              { value: 'DataX', type: 'string' },
              { value: 19890604, type: 'long' },
              { value: '1989-06-04 00:00:00', type: 'date' },
              { value: true, type: 'bool' },
              { value: 'test', type: 'bytes' },
            ],
            sliceRecordCount: 100000,
          },
        },
        writer: { name: 'streamwriter', parameter: { print: false, encoding: 'UTF-8' } },
      },
    ],
  },
};

function writeJob(dir: string, name: string, job: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(job, null, 2));
  return path;
}

test('DataX stream2stream sample: channel 5 × sliceRecordCount 10 prints exactly 50 rows', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runCli(['run', writeJob(dir, 'stream2stream.json', DATAX_STREAM2STREAM)]);
    assert.is(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    assert.is(lines.length, 50);
    for (const l of lines) assert.is(l, '10\thello，你好，世界-DataX');
    assert.match(r.stderr, /Records written\s+: 50\n/);
  } finally {
    cleanup();
  }
});

test('DataX job.json sample runs unchanged: 100,000 rows of five types', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runCli(['run', writeJob(dir, 'job.json', DATAX_JOB_JSON), '--json']);
    assert.is(r.code, 0, r.stderr);
    const s = lastJson<JobSummary>(r.stdout);
    assert.is(s.recordsRead, 100_000);
    assert.is(s.recordsWritten, 100_000);
    assert.is(s.state, 'succeeded');
  } finally {
    cleanup();
  }
});

test('printed values: date, bool, bytes, null and a random/incr column, with a field delimiter', async () => {
  const lines: string[] = [];
  const job = {
    job: {
      content: [
        {
          reader: {
            name: 'streamreader',
            parameter: {
              sliceRecordCount: 3,
              column: [
                { type: 'long', incr: '100,5' },
                { type: 'date', value: '2024/02/29 13:14:15', dateFormat: 'yyyy/MM/dd HH:mm:ss' },
                { type: 'bool', value: 'TRUE' },
                { type: 'bytes', value: 'bÿtes' },
                { type: 'string' },
                { type: 'long', random: '7,7' },
              ],
            },
          },
          writer: { name: 'streamwriter', parameter: { print: true, fieldDelimiter: '|' } },
        },
      ],
    },
  };
  const { dir, cleanup } = tempDir();
  try {
    const r = await runCli(['run', writeJob(dir, 'values.json', job), '--quiet']);
    assert.is(r.code, 0, r.stderr);
    lines.push(...r.stdout.trim().split('\n'));
  } finally {
    cleanup();
  }
  assert.equal(lines, ['100|2024-02-29 13:14:15|true|bÿtes|null|7', '105|2024-02-29 13:14:15|true|bÿtes|null|7', '110|2024-02-29 13:14:15|true|bÿtes|null|7']);
});

test('10,000,000 rows × 6 columns over 2 channels complete with peak RSS under 200 MB', async () => {
  const job = {
    job: {
      content: [
        {
          reader: {
            name: 'streamreader',
            parameter: {
              sliceRecordCount: 5_000_000,
              column: [
                { type: 'long', incr: '1,1' },
                { type: 'double', random: '0,1000' },
                { type: 'string', value: 'a twenty char string' },
                { type: 'date', incr: '2024-01-01 00:00:00,1,s' },
                { type: 'bool', value: true },
                { type: 'decimal', value: '12345.67' },
              ],
            },
          },
          writer: { name: 'streamwriter', parameter: { print: false } },
        },
      ],
      setting: { speed: { channel: 2 } },
    },
  };
  const { dir, cleanup } = tempDir();
  try {
    // In a child process, so the RSS is the job's own and not the test runner's.
    const r = await runCli(['run', writeJob(dir, 'big.json', job), '--json', '--quiet'], { timeoutMs: 120_000 });
    assert.is(r.code, 0, r.stderr);
    const s = lastJson<JobSummary>(r.stdout);
    assert.is(s.recordsWritten, 10_000_000);
    assert.ok(s.peakRssBytes < 200 * 1024 * 1024, `peak RSS ${(s.peakRssBytes / 1048576).toFixed(1)} MB`);
  } finally {
    cleanup();
  }
});

test('API: runJob takes an object, reports progress and resolves to the summary', async () => {
  const seen: number[] = [];
  const s = await runJob(
    { job: { content: [{ reader: { name: 'streamreader', parameter: { sliceRecordCount: 200_000, column: [{ type: 'long', incr: '0' }] } }, writer: { name: 'streamwriter', parameter: { print: false } } }], setting: { speed: { channel: 2 } } } },
    { onProgress: (p) => seen.push(p.recordsWritten), progressIntervalMs: 20 },
  );
  assert.is(s.recordsWritten, 400_000);
  assert.is(s.channels, 2);
  assert.ok(seen.length >= 1);
  assert.is(seen[seen.length - 1], 400_000, 'the last progress call has the final count');
});

test('an AbortSignal stops the job: it rejects with FERRY_ABORTED and says what was written', async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  try {
    await runJob(
      { job: { content: [{ reader: { name: 'streamreader', parameter: { sliceRecordCount: 1_000_000, column: [{ type: 'long', value: 1 }] } }, writer: { name: 'streamwriter', parameter: { print: false } } }], setting: { speed: { channel: 2, record: 10_000 } } } },
      { signal: controller.signal },
    );
    assert.unreachable('should be stopped');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'FERRY_ABORTED');
    assert.match((err as Error).message, /^the job was stopped; \d+ records were written/);
  }
});

test.run();
