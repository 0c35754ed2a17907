/**
 * A CSV source with 5 malformed lines (too few fields, values that do not parse), through the
 * CLI: errorLimit.record 5 succeeds with 5 dirty lines naming the file and the line; 4 exits
 * with code 3 and one line that names the count, the limit and the dirty file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runCli, tempDir } from '../helpers.js';
import { runJob } from '../../lib/index.js';

const GOOD = 1000;
/** Line numbers (1-based, after the header on line 1) of the malformed lines, and what is wrong. */
const BAD: Array<[number, string, string]> = [
  [3, '7', 'the line has only 1 field'],
  [120, 'x,name x,1.5', '"x" is not a long'],
  [121, '121,name 121,not-a-number', '"not-a-number" is not a double'],
  [500, '500', 'the line has only 1 field'],
  [1003, '1003,name 1003,2024-01-01', '"2024-01-01" is not a double'],
];

function writeSource(dir: string): void {
  const lines = ['id,name,score'];
  let id = 0;
  const bad = new Map(BAD.map(([line, text]) => [line, text]));
  while (lines.length < GOOD + BAD.length + 1) {
    const text = bad.get(lines.length + 1);
    if (text !== undefined) lines.push(text);
    else lines.push(`${++id},name ${id},${id / 4}`);
  }
  writeFileSync(join(dir, 'in.csv'), lines.join('\n') + '\n');
}

function job(dir: string, record: number): string {
  const file = join(dir, `job-${record}.json`);
  writeFileSync(file, JSON.stringify({
    job: {
      setting: { speed: { channel: 1 }, errorLimit: { record }, dirty: { path: join(dir, `dirty-${record}`) } },
      content: [{
        reader: { name: 'txtfilereader', parameter: { path: [join(dir, 'in.csv')], skipHeader: true, column: [{ index: 0, type: 'long' }, { index: 1, type: 'string' }, { index: 2, type: 'double' }] } },
        writer: { name: 'txtfilewriter', parameter: { path: join(dir, `out-${record}`), fileName: 'out', writeMode: 'truncate' } },
      }],
    },
  }));
  return file;
}

test('5 malformed lines, errorLimit.record 5: exit 0, every good line written, 5 dirty lines naming the file and line', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeSource(dir);
    const r = await runCli(['run', job(dir, 5), '--json'], { cwd: dir });
    assert.is(r.code, 0, r.stderr);
    const summary = lastJson<{ recordsWritten: number; readFailures: number; dirty: { read: number; file: string }; runId: string }>(r.stdout);
    assert.is(summary.recordsWritten, GOOD);
    assert.is(summary.readFailures, 5);
    const out = readdirSync(join(dir, 'out-5')).map((f) => readFileSync(join(dir, 'out-5', f), 'utf8')).join('');
    assert.is(out.trimEnd().split('\n').length, GOOD);
    assert.is(summary.dirty.file, join(dir, 'dirty-5', `ferry-dirty-${summary.runId}.jsonl`));
    const lines = readFileSync(summary.dirty.file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(
      lines.map((l) => [l.phase, l.plugin, l.file, l.line, l.message]),
      // The file as the messages name it: relative to the working directory the job ran in.
      BAD.map(([line, , why]) => ['read', 'txtfilereader', 'in.csv', line, `in.csv line ${line}, column ${why.startsWith('the line') ? 1 : why.includes('long') ? 0 : 2}: ${why}`]),
    );
    assert.equal(lines[0]!.values, ['7']);
  } finally {
    cleanup();
  }
});

test('the same with errorLimit.record 4: exit code 3, one line naming the count, the limit and the dirty file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeSource(dir);
    const r = await runCli(['run', job(dir, 4)], { cwd: dir });
    assert.is(r.code, 3, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.includes('errorLimit.record'));
    assert.ok(line, r.stderr);
    assert.match(line, new RegExp(`5 dirty records, more than job\\.setting\\.errorLimit\\.record 4 allows; the dirty records are in ${join(dir, 'dirty-4').replaceAll('/', '\\/')}\\/ferry-dirty-[0-9a-f-]+\\.jsonl`));
    assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    cleanup();
  }
});

test('without dirty.path: dirty records are counted and the first 10 shown in the log', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const lines = Array.from({ length: 50 }, (_, i) => (i % 4 === 1 ? `bad${i},x` : `${i},name ${i}`));
    writeFileSync(join(dir, 'in.csv'), lines.join('\n') + '\n');
    const warnings: string[] = [];
    const summary = await runJob({
      job: {
        setting: { errorLimit: { record: 20 } },
        content: [{
          reader: { name: 'txtfilereader', parameter: { path: [join(dir, 'in.csv')], column: [{ index: 0, type: 'long' }, { index: 1, type: 'string' }] } },
          writer: { name: 'streamwriter', parameter: { print: false } },
        }],
      },
    }, { log: { info: () => {}, warn: (m) => warnings.push(m) }, baseDir: dir });
    assert.is(summary.readFailures, 13);
    assert.is(summary.recordsWritten, 37);
    assert.equal(summary.dirty, { read: 13, write: 0, transform: 0 });
    const shown = warnings.filter((w) => w.startsWith('dirty record (read, task 0, txtfilereader) in.csv:'));
    assert.is(shown.length, 10);
    assert.is(shown[0], 'dirty record (read, task 0, txtfilereader) in.csv:2: in.csv line 2, column 0: "bad1" is not a long [FERRY_BAD_VALUE] ["bad1","x"]');
    assert.ok(warnings.includes('further dirty records are only counted: set job.setting.dirty.path to keep every one'));
  } finally {
    cleanup();
  }
});

test.run();
