import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../lib/index.js';
import { fixture, tempDir } from '../helpers.js';

// Through the whole runtime: worker threads, the ring and the codec between the two plugins.
function csvJob(input: string, outDir: string, column: unknown[], channel = 1): Record<string, unknown> {
  return {
    job: {
      content: [
        {
          reader: { name: 'txtfilereader', parameter: { path: [input], column, skipHeader: false, fieldDelimiter: ',' } },
          writer: { name: 'txtfilewriter', parameter: { path: outDir, fileName: 'out.csv', writeMode: 'truncate', fieldDelimiter: ',' } },
        },
      ],
      setting: { speed: { channel } },
    },
  };
}

test('csv → csv: quotes, delimiters, newlines, unicode, empty vs null come out byte for byte', async () => {
  const input = fixture('csv', 'roundtrip.csv');
  const { dir, cleanup } = tempDir();
  try {
    const s = await runJob(csvJob(input, dir, ['*']));
    const lines = readFileSync(input, 'utf8');
    assert.is(s.recordsWritten, 8, 'the header and 7 rows');
    assert.is(readFileSync(join(dir, 'out.csv'), 'utf8'), lines);
  } finally {
    cleanup();
  }
});

test('csv → csv with typed columns: long past 2^53, decimal, dates with microseconds, bool', async () => {
  const input = fixture('csv', 'roundtrip.csv');
  const { dir, cleanup } = tempDir();
  try {
    const column = [
      { index: 0, type: 'long' },
      { index: 1, type: 'string' },
      { index: 2, type: 'string' },
      { index: 3, type: 'decimal' },
      { index: 4, type: 'date' },
      { index: 5, type: 'bool' },
    ];
    const job = csvJob(input, dir, column) as { job: { content: Array<{ reader: { parameter: Record<string, unknown> } }> } };
    job.job.content[0]!.reader.parameter.skipHeader = true;
    await runJob(job);
    const want = readFileSync(input, 'utf8').split('\n').slice(1).join('\n');
    assert.is(readFileSync(join(dir, 'out.csv'), 'utf8'), want);
  } finally {
    cleanup();
  }
});

test('three files over 2 channels: every row arrives once', async () => {
  const text = readFileSync(fixture('csv', 'roundtrip.csv'), 'utf8');
  const src = tempDir();
  const { dir, cleanup } = tempDir();
  try {
    for (const name of ['a.csv', 'b.csv', 'c.csv']) writeFileSync(join(src.dir, name), text);
    const s = await runJob(csvJob(join(src.dir, '*.csv'), dir, ['*'], 2));
    assert.is(s.recordsWritten, 24);
    const files = readdirSync(dir).sort();
    assert.equal(files, ['out__0000.csv', 'out__0001.csv']);
    const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    assert.is(all, text.repeat(3));
    src.cleanup();
  } finally {
    cleanup();
  }
});

test.run();
