/**
 * Transformers through the whole runtime: published DataX example jobs, a chain of dx_filter,
 * expr and a module transformer on a CSV, a throwing transformer making a dirty record, and
 * load-time mistakes as one line with exit code 2.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseJobText } from '../../lib/job/read.js';
import { runJob } from '../../lib/index.js';
import { fixture, lastJson, repoRoot, runCli, tempDir } from '../helpers.js';

// Both jobs are as published, byte for byte. datax-transformer.json is DataX's own
// (alibaba/DataX transformer/doc/transformer.md, "Job定义"); it has a dx_groovy entry, and its
// dx_substr has columnIndex 5 on a 5-column record (every record dirty in DataX too).
// datax-transformer-replace.json is the test.json of a DataX user's transformer notes (which
// link that doc): streamreader → streamwriter with one dx_replace, nothing to point elsewhere.
const dataxDocJob = fixture('jobs', 'datax-transformer.json');
const dataxReplaceJob = fixture('jobs', 'datax-transformer-replace.json');

test('a DataX example job with a transformer list runs unchanged: dx_replace(0, "1", "3", "***") prints D***X ten times', async () => {
  const r = await runCli(['run', relative(repoRoot, dataxReplaceJob), '--json', '--quiet']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.slice(0, -1), Array(10).fill('D***X'));
  const s = lastJson<{ recordsRead: number; recordsWritten: number; filtered: number; dirty: { transform: number } }>(r.stdout);
  assert.equal([s.recordsRead, s.recordsWritten, s.filtered, s.dirty.transform], [10, 10, 0, 0]);
});

test("DataX's own transformer.md job, unchanged: its dx_groovy entry is refused in one line that points to expr and module", async () => {
  const r = await runCli(['run', relative(repoRoot, dataxDocJob)]);
  assert.is(r.code, 2);
  assert.equal(r.stderr.trim().split('\n'), ['error: job.content[0].transformer[2].name: dx_groovy cannot run here (ferry runs no Groovy): rewrite the code as an "expr" transformer ({"name": "expr", "parameter": {"expr": "c[1] = upper(c[1])"}}) or a module transformer ({"name": "module", "parameter": {"path": "./t.mjs"}})']);
});

test("DataX's example columns through dx_substr, dx_replace and dx_digest give DataX's values", async () => {
  const { dir, cleanup } = tempDir();
  try {
    // The doc job's reader, with the transformers it can run here (dx_substr on a column that
    // exists) and dx_digest, written to a CSV to read the values back.
    const job = parseJobText(readFileSync(dataxDocJob, 'utf8'), dataxDocJob, []) as { job: { content: Array<Record<string, any>> } };
    const c = job.job.content[0]!;
    c.reader.parameter.sliceRecordCount = 2;
    c.writer = { name: 'txtfilewriter', parameter: { path: dir, fileName: 'out.csv', writeMode: 'truncate', fieldDelimiter: ',' } };
    c.transformer = [
      { name: 'dx_substr', parameter: { columnIndex: 0, paras: ['1', '3'] } },
      { name: 'dx_replace', parameter: { columnIndex: 4, paras: ['3', '4', '****'] } },
      { name: 'dx_digest', parameter: { columnIndex: 3, paras: ['md5', 'toLowerCase'] } },
    ];
    await runJob(job);
    const lines = readFileSync(join(dir, 'out.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(lines, Array(2).fill('ata,19890604,1989-06-04 00:00:00,b326b5062b2f0e69046810717534cb09,tes****'));
  } finally {
    cleanup();
  }
});

test('a chain of dx_filter, expr and a module: filtered counted, a throw is a dirty record of phase transform with its reason', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'in.csv'), '1,ann\n2,bob\n3,bad\n4,dan\n');
    writeFileSync(join(dir, 't.mjs'), "export default (row) => { if (row[1] === 'bad') throw new Error('no bad names'); row[1] = row[1].toUpperCase(); };\n");
    const job = {
      job: {
        content: [{
          reader: { name: 'txtfilereader', parameter: { path: [join(dir, 'in.csv')], column: ['*'], fieldDelimiter: ',' } },
          writer: { name: 'txtfilewriter', parameter: { path: dir, fileName: 'out.csv', writeMode: 'truncate', fieldDelimiter: ',' } },
          transformer: [
            { name: 'dx_filter', parameter: { columnIndex: 0, paras: ['=', '2'] } },
            { name: 'expr', parameter: { expr: 'c[2] = c[0] * 10' } },
            { name: 'module', parameter: { path: join(dir, 't.mjs') } },
          ],
        }],
        setting: { errorLimit: { record: 1 }, dirty: { path: join(dir, 'dirty') } },
      },
    };
    const s = await runJob(job);
    assert.equal(readFileSync(join(dir, 'out.csv'), 'utf8'), '1,ANN,10\n4,DAN,40\n');
    assert.equal([s.recordsRead, s.recordsWritten, s.filtered, s.dirty.transform], [3, 2, 1, 1]);
    const dirty = JSON.parse(readFileSync(s.dirty.file!, 'utf8').trim()) as Record<string, unknown>;
    assert.is(dirty.phase, 'transform');
    assert.is(dirty.message, 'no bad names');
    assert.equal(dirty.values, ['3', 'bad'], 'the record as the reader read it');

    // errorLimit counts it: with record 0 the job fails with exit code 3.
    job.job.setting.errorLimit.record = 0;
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    const r = await runCli(['run', join(dir, 'job.json'), '--quiet']);
    assert.is(r.code, 3, r.stderr);
  } finally {
    cleanup();
  }
});

test('load-time mistakes: one line, exit 2, the JSON path (and for expr the position)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const job = (transformer: unknown) => JSON.stringify({
      job: { content: [{ reader: { name: 'streamreader', parameter: { column: [{ type: 'string', value: 'x' }], sliceRecordCount: 1 } }, writer: { name: 'streamwriter', parameter: { print: false } }, transformer }] },
    });
    const cases: Array<[unknown, string]> = [
      [[{ name: 'expr', parameter: { expr: 'c[0] = upper(c[0]' } }], 'error: job.content[0].transformer[0].parameter.expr: expected ")", found the end at position 18 in "c[0] = upper(c[0]"'],
      [[{ name: 'dx_pad', parameter: { columnIndex: 0, paras: ['m', '3', '0'] } }], 'error: job.content[0].transformer[0].parameter.paras[0]: dx_pad first para(m) support l or r'],
      [{ transformSql: 'select * from sourceTable' }, 'error: job.content[0].transformer.transformSql: ChunJun\'s SQL transformer is not supported: write the same change as an "expr" transformer or a module transformer in a "transformer" list'],
    ];
    for (const [t, line] of cases) {
      writeFileSync(join(dir, 'job.json'), job(t));
      const r = await runCli(['run', join(dir, 'job.json')]);
      assert.is(r.code, 2);
      assert.equal(r.stderr.trim().split('\n'), [line]);
    }
  } finally {
    cleanup();
  }
});

test.run();
