import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DateTime, Decimal, type Row } from '../../channel/value.js';
import { JobConfigError, PluginError } from '../../lib/errors.js';
import { validate } from '../../lib/job/schema.js';
import type { DirtyRecord, JobContext, RecordReceiver, RecordSender, TaskContext, TaskParameter } from '../../lib/plugin/spi.js';
import { RETRY_DEFAULTS } from '../../lib/util/retry.js';
import reader, { splitFiles } from '../../lib/plugins/txtfilereader/index.js';
import writer from '../../lib/plugins/txtfilewriter/index.js';
import { fixture, tempDir } from '../helpers.js';

const READER_PATH = 'job.content[0].reader.parameter';
const WRITER_PATH = 'job.content[0].writer.parameter';
const log = { info() {}, warn() {} };

function jobCtx<P>(parameter: P, baseDir: string, path: string): JobContext<P> {
  return { parameter, path, baseDir, runId: 'spec', log, signal: new AbortController().signal };
}

function taskCtx(parameter: TaskParameter, baseDir: string, opts: { taskId?: number; attempt?: number; signal?: AbortSignal; dirty?: (r: DirtyRecord) => void } = {}): TaskContext<any> {
  return {
    parameter,
    dirty: opts.dirty ?? ((r) => {
      throw new Error(`unexpected dirty record: ${r.message}`);
    }),
    retry: RETRY_DEFAULTS,
    stopping: new AbortController().signal,
    taskId: opts.taskId ?? 0,
    taskGroupId: 0,
    attempt: opts.attempt ?? 1,
    baseDir,
    runId: 'spec',
    log,
    signal: opts.signal ?? new AbortController().signal,
  };
}

/** A sender that collects rows; every `slowEvery`-th send returns a promise, as a full channel does. */
function collectingSender(slowEvery = 0): RecordSender & { rows: Row[] } {
  const rows: Row[] = [];
  return {
    rows,
    send(row: Row) {
      rows.push(row);
      if (slowEvery > 0 && rows.length % slowEvery === 0) return new Promise<void>((r) => setImmediate(r));
      return undefined;
    },
    async flush() {},
  };
}

/** A receiver that yields the rows in batches, then throws `failAfter` batches in when given. */
function receiverOf(rows: Row[], batchSize = 3, failAfter?: number): RecordReceiver {
  let i = 0;
  let batches = 0;
  const read = async (): Promise<Row[] | null> => {
    if (failAfter !== undefined && batches === failAfter) throw new Error('channel broke');
    if (i >= rows.length) return null;
    const b = rows.slice(i, i + batchSize);
    i += batchSize;
    batches++;
    return b;
  };
  return {
    read,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const b = await read();
        if (b === null) return;
        yield b;
      }
    },
  };
}

/** Reads every task; dirty records go to `dirty` when given, and fail the read otherwise. */
async function readAll(parameter: Record<string, unknown>, baseDir: string, advice = 1, slowEvery = 0, dirty?: DirtyRecord[]): Promise<Row[]> {
  const job = await reader.createJob(jobCtx(parameter as any, baseDir, READER_PATH));
  const tasks = await job.split(advice);
  const sender = collectingSender(slowEvery);
  for (const [i, p] of tasks.entries()) {
    const task = await reader.createTask(taskCtx(p, baseDir, { taskId: i, ...(dirty ? { dirty: (r: DirtyRecord) => dirty.push(r) } : {}) }));
    await task.startRead(sender);
    await task.destroy?.();
  }
  return sender.rows;
}

async function writeAll(parameter: Record<string, unknown>, baseDir: string, rowsPerTask: Row[][]): Promise<TaskParameter[]> {
  const job = await writer.createJob(jobCtx(parameter as any, baseDir, WRITER_PATH));
  await job.prepare?.();
  const params = await job.split(rowsPerTask.length);
  for (const [i, p] of params.entries()) {
    const task = await writer.createTask(taskCtx(p, baseDir, { taskId: i }));
    await task.startWrite(receiverOf(rowsPerTask[i]!));
    await task.destroy?.();
  }
  await job.post?.();
  return params;
}

async function rejects(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date => new Date(y, mo - 1, d, h, mi, s, ms);
/** The reader's date values: wall-clock DateTimes (text without a zone), fields kept as if UTC. */
const dt = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0, micros = 0): DateTime => new DateTime(Date.UTC(y, mo - 1, d, h, mi, s, ms), micros, 'timestamp');
const HEADER = ['id', 'name', 'note', 'amount', 'created', 'flag'];
const csvDir = fixture('csv');
const roundtripBytes = readFileSync(fixture('csv', 'roundtrip.csv'));

test('round trip with ["*"]: read the fixture, write it, same bytes', async () => {
  const rows = await readAll({ path: 'roundtrip.csv', column: ['*'], skipHeader: true }, csvDir);
  assert.is(rows.length, 7);
  assert.equal(rows[0], ['1', '张三', 'he said "hi"', '12.50', '2024-01-05 10:00:00', 'true']);
  assert.equal(rows[1], ['2', 'emoji 😀🎉', 'multi\nline, with comma', '-0.001', '2024-02-29 23:59:59.123', 'false']);
  assert.equal(rows[2], ['3', '\\N', null, null, null, null]); // quoted "\N" is the string, unquoted is null
  assert.equal(rows[3], ['4', '', '', '0', '1999-12-31 00:00:00', 'true']);
  assert.equal(rows[4]![1], ' spaced ');
  assert.equal(rows[4]![2], 'cr\r\ninside');
  assert.equal(rows[5]!.slice(1, 3), ['"quoted start', 'trailing quote"']);

  const { dir, cleanup } = tempDir();
  try {
    await writeAll({ path: 'out', fileName: 'roundtrip.csv', header: HEADER }, dir, [rows]);
    const written = readFileSync(join(dir, 'out', 'roundtrip.csv'));
    assert.is(written.toString('utf8'), roundtripBytes.toString('utf8'));
    assert.ok(written.equals(roundtripBytes));
  } finally {
    cleanup();
  }
});

test('round trip with typed columns: long, string, decimal, date, bool keep their text', async () => {
  const column = [
    { index: 0, type: 'long' },
    { index: 1, type: 'string' },
    { index: 2, type: 'string' },
    { index: 3, type: 'decimal' },
    { index: 4, type: 'date' },
    { index: 5, type: 'bool' },
  ];
  const rows = await readAll({ path: 'roundtrip.csv', column, skipHeader: true }, csvDir);
  assert.equal(rows[0], [1, '张三', 'he said "hi"', new Decimal('12.50'), dt(2024, 1, 5, 10), true]);
  assert.equal(rows[1]![4], dt(2024, 2, 29, 23, 59, 59, 123));
  assert.equal(rows[4]![4], dt(2000, 1, 1, 0, 0, 0, 0, 1));
  assert.equal(rows[2], [3, '\\N', null, null, null, null]);
  assert.is(rows[4]![0], 9223372036854775807n);
  assert.is(rows[5]![0], -9007199254740993n);
  assert.equal(rows[5]![3], new Decimal('3.14159265358979323846'));

  const { dir, cleanup } = tempDir();
  try {
    await writeAll({ path: dir, fileName: 'typed.csv', header: HEADER }, '/', [rows]);
    assert.ok(readFileSync(join(dir, 'typed.csv')).equals(roundtripBytes));
  } finally {
    cleanup();
  }
});

test('gzip both ways: the writer compresses, the reader decompresses (named or detected)', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const rows = await readAll({ path: 'roundtrip.csv', skipHeader: true }, csvDir);
    await writeAll({ path: '.', fileName: 'data.csv', compress: 'gzip', header: HEADER }, dir, [rows]);
    assert.equal(readdirSync(dir), ['data.csv.gz']);
    const gz = readFileSync(join(dir, 'data.csv.gz'));
    assert.equal([gz[0], gz[1]], [0x1f, 0x8b]);
    assert.ok(gunzipSync(gz).equals(roundtripBytes));

    assert.equal(await readAll({ path: 'data.csv.gz', skipHeader: true }, dir), rows);
    assert.equal(await readAll({ path: 'data.csv.gz', skipHeader: true, compress: 'gzip' }, dir), rows);
    // no .gz in the name and no compress key: found by the magic bytes
    writeFileSync(join(dir, 'plain-name.csv'), gzipSync(roundtripBytes));
    assert.equal(await readAll({ path: 'plain-name.csv', skipHeader: true }, dir), rows);
    // compress "none" reads the bytes as they are
    const raw = await readAll({ path: 'plain-name.csv', compress: 'none', fileFormat: 'text', fieldDelimiter: '\u0001' }, dir);
    assert.ok(raw.length > 0);
    assert.ok(String(raw[0]![0]).startsWith('\u001f'));
    // a broken gzip file
    writeFileSync(join(dir, 'broken.gz'), gz.subarray(0, 20));
    const err = await rejects(() => readAll({ path: 'broken.gz' }, dir));
    assert.instance(err, PluginError);
    assert.match(err.message, /^broken\.gz: not a valid gzip file \(/);
  } finally {
    cleanup();
  }
});

test('a value that does not parse is a dirty record: file, line (where the record starts), column and value; the other lines are read', async () => {
  const column = [
    { index: 0, type: 'long' },
    { index: 1, type: 'string' },
  ];
  const dirty: DirtyRecord[] = [];
  const rows = await readAll({ path: 'bad-long.csv', column, skipHeader: true }, csvDir, 1, 0, dirty);
  assert.equal(rows, [[1, 'a'], [2, 'multi\nline']], 'every record but the header and the bad one');
  assert.equal(dirty.map((d) => [d.phase, d.file, d.line, d.column, d.code, d.message]), [
    ['read', 'bad-long.csv', 5, '0', 'FERRY_BAD_VALUE', 'bad-long.csv line 5, column 0: "abc" is not a long'],
  ]);
  assert.is(dirty[0]!.values?.[0], 'abc');

  const dirty2: DirtyRecord[] = [];
  await readAll({ path: 'short-line.csv', column: [{ index: 0, type: 'long' }, { index: 2, type: 'string' }] }, csvDir, 1, 0, dirty2);
  assert.equal(dirty2.map((d) => [d.line, d.code, d.message]), [[3, 'FERRY_FIELD_COUNT', 'short-line.csv line 3, column 2: the line has only 2 fields']]);
});

test('type conversions: long, double, decimal, bool, date formats, bytes, constants, empty numbers', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(
      join(dir, 't.txt'),
      [
        '1\t1.5\t0.10\tTRUE\t2024-03-07\t07/03/2024 09:05\tabc\t20240307',
        '-0\t-1e3\t-5\t0\t2024-03-07T09:05:03.123456Z\t31/12/1999 23:59\t中\t19991231',
        '9007199254740993\tNaN\t1\tfalse\t2024-03-07 09:05:03\t01/01/2000 00:00\t\t20000101',
        '\t\t\t\t\t\t\t',
        ' 42 \t Infinity \t 7 \t 1 \t 2024-03-07 \t01/01/2000 00:00\tx\t20000101',
      ].join('\n') + '\n',
    );
    const column = [
      { index: 0, type: 'bigint' },
      { index: 1, type: 'double' },
      { index: 2, type: 'numeric' },
      { index: 3, type: 'boolean' },
      { index: 4, type: 'date' },
      { index: 5, type: 'date', format: 'dd/MM/yyyy HH:mm' },
      { index: 6, type: 'bytes' },
      { index: 7, type: 'datetime' },
      { type: 'string', value: 'const' },
      { type: 'long', value: 7 },
      { name: 'n', type: 'date', value: '20240101' },
    ];
    const rows = await readAll({ path: 't.txt', column, fieldDelimiter: '\\t' }, dir);
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    assert.equal(rows[0], [1, 1.5, new Decimal('0.10'), true, dt(2024, 3, 7), dt(2024, 3, 7, 9, 5), enc('abc'), dt(2024, 3, 7), 'const', 7, dt(2024, 1, 1)]);
    assert.equal(rows[1]!.slice(0, 8), [0, -1000, new Decimal('-5'), false, new DateTime(Date.UTC(2024, 2, 7, 9, 5, 3, 123), 456), dt(1999, 12, 31, 23, 59), enc('中'), dt(1999, 12, 31)]);
    assert.is(Object.is(rows[1]![0], -0), false);
    assert.is(rows[2]![0], 9007199254740993n);
    assert.ok(Number.isNaN(rows[2]![1]));
    assert.equal(rows[2]![6], new Uint8Array(0));
    // empty text: null for numbers, bools and dates; empty for strings and bytes
    assert.equal(rows[3]!.slice(0, 8), [null, null, null, null, null, null, new Uint8Array(0), null]);
    // spaces around numbers, bools and dates are ignored
    assert.equal(rows[4]!.slice(0, 5), [42, Infinity, new Decimal('7'), true, dt(2024, 3, 7)]);
    // the job-level dateFormat serves date columns without their own format
    const withFormat = await readAll({ path: 't.txt', column: [{ index: 7, type: 'date' }, { index: 5, type: 'date', format: 'dd/MM/yyyy HH:mm' }], fieldDelimiter: '\t', dateFormat: 'yyyyMMdd' }, dir);
    assert.equal(withFormat[1], [dt(1999, 12, 31), dt(1999, 12, 31, 23, 59)]);

    const bad = async (type: string, value: string, extra: Record<string, unknown> = {}): Promise<string> => {
      writeFileSync(join(dir, 'v.csv'), `${value}\n`);
      const dirty: DirtyRecord[] = [];
      assert.equal(await readAll({ path: 'v.csv', column: [{ index: 0, type, ...extra }] }, dir, 1, 0, dirty), []);
      return dirty.map((d) => d.message).join('; ');
    };
    assert.is(await bad('long', '1.5'), 'v.csv line 1, column 0: "1.5" is not a long');
    assert.is(await bad('long', '9223372036854775808'), 'v.csv line 1, column 0: "9223372036854775808" is not a long');
    assert.is(await bad('double', '0x10'), 'v.csv line 1, column 0: "0x10" is not a double');
    assert.is(await bad('decimal', 'NaN'), 'v.csv line 1, column 0: "NaN" is not a decimal');
    assert.is(await bad('bool', 'yes'), 'v.csv line 1, column 0: "yes" is not a bool');
    assert.is(await bad('date', '2024-02-30'), 'v.csv line 1, column 0: "2024-02-30" is not a date');
    assert.is(await bad('date', '2024-02-03', { format: 'yyyyMMdd' }), 'v.csv line 1, column 0: "2024-02-03" is not a date in format "yyyyMMdd"');
  } finally {
    cleanup();
  }
});

test('nullFormat: unquoted marker is null, quoted marker is the string; custom markers', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'n.csv'), 'NULL,"NULL",\\N,\n');
    assert.equal(await readAll({ path: 'n.csv', nullFormat: 'NULL' }, dir), [[null, 'NULL', '\\N', '']]);
    assert.equal(await readAll({ path: 'n.csv' }, dir), [['NULL', 'NULL', null, '']]);
    assert.equal(await readAll({ path: 'n.csv', nullFormat: '' }, dir), [['NULL', 'NULL', '\\N', null]]);
  } finally {
    cleanup();
  }
});

test('fileFormat text: quotes are data; delimiters spelled as escapes work', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'a.txt'), '"a\u0001b"\u0001c\r\nd\u0001\n');
    assert.equal(await readAll({ path: 'a.txt', fileFormat: 'text', fieldDelimiter: '\u0001' }, dir), [['"a', 'b"', 'c'], ['d', '']]);
    assert.equal(await readAll({ path: 'a.txt', fileFormat: 'text', fieldDelimiter: '\\u0001' }, dir), [['"a', 'b"', 'c'], ['d', '']]);
    assert.equal(await readAll({ path: 'a.txt', fileFormat: 'text', fieldDelimiter: '\\001' }, dir), [['"a', 'b"', 'c'], ['d', '']]);
    assert.equal(await readAll({ path: 'a.txt', fieldDelimiter: '\u0001' }, dir), [['a\u0001b', 'c'], ['d', '']]);
  } finally {
    cleanup();
  }
});

test('encoding: gbk is decoded; unknown encodings are config errors', async () => {
  const { dir, cleanup } = tempDir();
  try {
    // 中文,1 / 数据,2 in GBK
    writeFileSync(join(dir, 'g.csv'), Buffer.from([0xd6, 0xd0, 0xce, 0xc4, 0x2c, 0x31, 0x0a, 0xca, 0xfd, 0xbe, 0xdd, 0x2c, 0x32, 0x0a]));
    assert.equal(await readAll({ path: 'g.csv', encoding: 'GBK' }, dir), [['中文', '1'], ['数据', '2']]);
    const err = await rejects(async () => reader.createJob(jobCtx({ path: 'g.csv', encoding: 'klingon' }, dir, READER_PATH)));
    assert.instance(err, JobConfigError);
    assert.is(err.message, `${READER_PATH}.encoding: unknown encoding "klingon"`);
  } finally {
    cleanup();
  }
});

test('a large file streams in many chunks, multibyte characters across chunk boundaries, with backpressure', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const lines: string[] = [];
    for (let i = 0; i < 50_000; i++) lines.push(`${i},名字${i}😀,"note, ${i}\nsecond line"`);
    writeFileSync(join(dir, 'big.csv'), lines.join('\n') + '\n');
    const rows = await readAll({ path: 'big.csv', column: [{ index: 0, type: 'long' }, { index: 1, type: 'string' }, { index: 2, type: 'string' }] }, dir, 1, 1000);
    assert.is(rows.length, 50_000);
    assert.equal(rows[12345], [12345, '名字12345😀', 'note, 12345\nsecond line']);
    assert.equal(rows[49_999], [49_999, '名字49999😀', 'note, 49999\nsecond line']);
    // line numbers keep counting across chunks: break row 40000 (line 80001)
    lines[40_000] = 'x,y,z';
    writeFileSync(join(dir, 'big.csv'), lines.join('\n') + '\n');
    const dirty: DirtyRecord[] = [];
    const read = await readAll({ path: 'big.csv', column: [{ index: 0, type: 'long' }] }, dir, 1, 0, dirty);
    assert.is(read.length, 49_999);
    assert.equal(dirty.map((d) => d.message), ['big.csv line 80001, column 0: "x" is not a long']);
  } finally {
    cleanup();
  }
});

test('paths: files, directories, * and ?, lists; hidden files left out; nothing matching is a config error', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, 'a', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a', '1.csv'), 'one\n');
    writeFileSync(join(dir, 'a', '2.csv'), 'two\n');
    writeFileSync(join(dir, 'a', '10.csv'), 'ten\n');
    writeFileSync(join(dir, 'a', 'x.txt'), 'x\n');
    writeFileSync(join(dir, 'a', '.hidden.csv'), 'hidden\n');
    writeFileSync(join(dir, 'a', 'sub', '3.csv'), 'three\n');
    const names = async (path: unknown): Promise<string[]> => (await readAll({ path }, dir)).map((r) => String(r[0]));
    assert.equal(await names('a'), ['one', 'ten', 'two', 'x']);
    assert.equal(await names('a/*.csv'), ['one', 'ten', 'two']);
    assert.equal(await names('a/?.csv'), ['one', 'two']);
    assert.equal(await names('*/sub/*'), ['three']);
    assert.equal(await names(['a/2.csv', 'a/sub', 'a/2.csv']), ['two', 'three']);
    assert.equal(await names(join(dir, 'a', '1.csv')), ['one']);
    assert.equal(await names('a/.h*'), ['hidden']);

    const job = await reader.createJob(jobCtx({ path: 'a/*.parquet' }, dir, READER_PATH));
    const err = await rejects(async () => job.split(1));
    assert.instance(err, JobConfigError);
    assert.is(err.message, `${READER_PATH}.path: no file matches "a/*.parquet"`);
    assert.equal((err as JobConfigError).issues, [{ path: `${READER_PATH}.path`, message: 'no file matches "a/*.parquet"' }]);
    const err2 = await rejects(async () => job.preCheck!());
    assert.instance(err2, JobConfigError);
    const job2 = await reader.createJob(jobCtx({ path: ['nope', 'gone/*'] }, dir, READER_PATH));
    assert.is((await rejects(async () => job2.split(1))).message, `${READER_PATH}.path: no file matches "nope", "gone/*"`);
  } finally {
    cleanup();
  }
});

test('split: files round robin over min(adviceNumber, files) tasks; columnCount', async () => {
  assert.equal(splitFiles(['a', 'b', 'c', 'd', 'e'], 2), [['a', 'c', 'e'], ['b', 'd']]);
  assert.equal(splitFiles(['a', 'b'], 8), [['a'], ['b']]);
  assert.equal(splitFiles(['a'], 0), [['a']]);
  const { dir, cleanup } = tempDir();
  try {
    for (const n of [1, 2, 3, 4, 5]) writeFileSync(join(dir, `${n}.csv`), `${n}\n`);
    const job = await reader.createJob(jobCtx({ path: '*.csv', column: [{ index: 0, type: 'long' }, { type: 'string', value: 'x' }] }, dir, READER_PATH));
    const tasks = await job.split(2);
    assert.is(tasks.length, 2);
    assert.equal(tasks.map((t) => (t as { files: string[] }).files.map((f) => f.slice(dir.length + 1))), [['1.csv', '3.csv', '5.csv'], ['2.csv', '4.csv']]);
    assert.is((await job.split(10)).length, 5);
    assert.is(job.columnCount!(), 2);
    const star = await reader.createJob(jobCtx({ path: '*.csv' }, dir, READER_PATH));
    assert.is(star.columnCount!(), undefined);
    assert.equal(await readAll({ path: '*.csv', column: [{ index: 0, type: 'long' }] }, dir, 3), [[1], [4], [2], [5], [3]]);
  } finally {
    cleanup();
  }
});

test('reader schema and config checks: unknown keys warn (header is not skipHeader), bad columns fail', async () => {
  const r = validate({ path: 'x', header: true, skipHeader: true, csvReaderConfig: { safetySwitch: false } }, reader.parameter, READER_PATH);
  assert.equal(r.errors, []);
  assert.equal(r.warnings, [{ path: `${READER_PATH}.header`, message: 'unknown key, ignored' }]);
  const bad = validate({ path: 'x', column: [{ index: 0, type: 'uuid' }, { type: 'long' }, 'id'], compress: 'zip', dateFormat: 'yyyy-Q' }, reader.parameter, READER_PATH);
  assert.equal(bad.errors.map((e) => e.path), [`${READER_PATH}.column[0].type`, `${READER_PATH}.column[1]`, `${READER_PATH}.column[2]`, `${READER_PATH}.compress`, `${READER_PATH}.dateFormat`]);
  assert.match(bad.errors[0]!.message, /unknown column type "uuid"/);
  assert.is(bad.errors[1]!.message, 'needs "index" (the field position, from 0) or "value" (a constant)');

  const configErr = async (parameter: Record<string, unknown>): Promise<string> =>
    (await rejects(async () => reader.createJob(jobCtx(parameter as any, '/', READER_PATH)))).message;
  assert.is(await configErr({ path: 'x', column: ['*', { index: 0, type: 'long' }] }), `${READER_PATH}.column: "*" must be the only column`);
  assert.is(await configErr({ path: 'x', column: [{ type: 'long', value: 'abc' }] }), `${READER_PATH}.column[0].value: "abc" is not a long`);
  assert.is(await configErr({ path: 'x', fieldDelimiter: '"' }), `${READER_PATH}.fieldDelimiter: must not contain a quote (") with fileFormat "csv"`);
  assert.is(await configErr({ path: 'x', column: [{ index: 0, type: 'date', format: 'yyyy-mm-dd HH:MM:ss Q' }] }), `${READER_PATH}.column[0].format: unsupported letter "Q" in date pattern "yyyy-mm-dd HH:MM:ss Q" (quote literal text: 'T')`);
});

test('writer: value texts for every type, nullFormat, dateFormat, quoting', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const row: Row = [1, 2n ** 70n, 1.5, new Decimal('1.10'), true, false, null, local(2024, 3, 7, 9, 5, 3, 42), dt(2024, 3, 7), dt(2024, 3, 7, 9, 5, 3, 0, 7), new TextEncoder().encode('by,tes'), '\\N', '', 'say "x"'];
    await writeAll({ path: '.', fileName: 'v.csv' }, dir, [[row, [''], [null], ['a b']]]);
    assert.is(
      readFileSync(join(dir, 'v.csv'), 'utf8'),
      '1,1180591620717411303424,1.5,1.10,true,false,\\N,2024-03-07 09:05:03.042,2024-03-07 00:00:00,2024-03-07 09:05:03.000007,"by,tes","\\N",,"say ""x"""\n""\n\\N\na b\n',
    );
    await writeAll({ path: '.', fileName: 'w.csv', nullFormat: 'NULL', dateFormat: "yyyyMMdd'T'HHmm.SSSSSS", fieldDelimiter: '|' }, dir, [[[null, 'NULL', local(2024, 3, 7, 9, 5), dt(2024, 3, 7, 9, 5, 0, 1, 2), 'a|b', 'a,b']]]);
    assert.is(readFileSync(join(dir, 'w.csv'), 'utf8'), 'NULL|"NULL"|20240307T0905.000000|20240307T0905.001002|"a|b"|a,b\n');
    // fileFormat text writes fields as they are, and refuses what it could not read back
    await writeAll({ path: '.', fileName: 't.txt', fileFormat: 'text', fieldDelimiter: '\t' }, dir, [[['a "q"', null, '']]]);
    assert.is(readFileSync(join(dir, 't.txt'), 'utf8'), 'a "q"\t\\N\t\n');
    const err = await rejects(() => writeAll({ path: '.', fileName: 't2.txt', fileFormat: 'text', fieldDelimiter: '\t' }, dir, [[['ok', 'a\tb']]]));
    assert.instance(err, PluginError);
    assert.is(err.message, 'column 1: "a\\tb" contains the field delimiter or a line break, which fileFormat "text" cannot write; use fileFormat "csv"');
  } finally {
    cleanup();
  }
});

test('writer: one file per task, named __0000.., header only when the file starts empty', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const params = await writeAll({ path: 'out', fileName: 'part', header: ['a', 'b'] }, dir, [[[1, 'x']], [[2, 'y']], []]);
    assert.equal(readdirSync(join(dir, 'out')).sort(), ['part__0000', 'part__0001', 'part__0002']);
    assert.is((params[1] as { file: string }).file, join(dir, 'out', 'part__0001'));
    assert.is(readFileSync(join(dir, 'out', 'part__0001'), 'utf8'), 'a,b\n2,y\n');
    assert.is(readFileSync(join(dir, 'out', 'part__0002'), 'utf8'), 'a,b\n');
    await writeAll({ path: 'out', fileName: 'part', compress: 'gzip' }, dir, [[[1]], [[2]]]);
    assert.equal(readdirSync(join(dir, 'out')).sort(), ['part__0000.gz', 'part__0001.gz']);
    assert.is(gunzipSync(readFileSync(join(dir, 'out', 'part__0001.gz'))).toString(), '2\n');
  } finally {
    cleanup();
  }
});

test('writeMode truncate removes files starting with fileName; append appends; nonConflict fails naming the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'data.csv'), 'old\n');
    writeFileSync(join(dir, 'out', 'data.csv__0007'), 'old\n');
    writeFileSync(join(dir, 'out', 'data__0003.csv'), 'old\n');
    writeFileSync(join(dir, 'out', 'other.csv'), 'keep\n');
    await writeAll({ path: 'out', fileName: 'data.csv', writeMode: 'truncate' }, dir, [[[1]]]);
    assert.equal(readdirSync(join(dir, 'out')).sort(), ['data.csv', 'other.csv']);
    assert.is(readFileSync(join(dir, 'out', 'data.csv'), 'utf8'), '1\n');

    await writeAll({ path: 'out', fileName: 'data.csv', writeMode: 'append', header: ['h'] }, dir, [[[2], [3]]]);
    assert.is(readFileSync(join(dir, 'out', 'data.csv'), 'utf8'), '1\n2\n3\n');
    await writeAll({ path: 'out', fileName: 'new.csv', writeMode: 'append', header: ['h'] }, dir, [[[1]]]);
    await writeAll({ path: 'out', fileName: 'new.csv', writeMode: 'append', header: ['h'] }, dir, [[[2]]]);
    assert.is(readFileSync(join(dir, 'out', 'new.csv'), 'utf8'), 'h\n1\n2\n');

    const err = await rejects(() => writeAll({ path: 'out', fileName: 'data', writeMode: 'nonConflict' }, dir, [[[1]]]));
    assert.instance(err, JobConfigError);
    assert.is(err.message, `${WRITER_PATH}.writeMode: writeMode is "nonConflict" and "${join(dir, 'out', 'data.csv')}" already exists`);
    assert.is(readFileSync(join(dir, 'out', 'data.csv'), 'utf8'), '1\n2\n3\n');
    await writeAll({ path: 'out', fileName: 'fresh', writeMode: 'nonConflict' }, dir, [[[1]]]);
    assert.is(readFileSync(join(dir, 'out', 'fresh'), 'utf8'), '1\n');
    // the directory is created when missing (default mode: truncate)
    await writeAll({ path: 'deep/er/dir', fileName: 'f' }, dir, [[[1]]]);
    assert.is(readFileSync(join(dir, 'deep', 'er', 'dir', 'f'), 'utf8'), '1\n');
  } finally {
    cleanup();
  }
});

test('a failed attempt is taken back: destroy() truncates to the old size or removes the new file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'app.csv'), 'old line\n');
    const job = await writer.createJob(jobCtx({ path: '.', fileName: 'app.csv', writeMode: 'append' }, dir, WRITER_PATH));
    await job.prepare!();
    const [param] = await job.split(1);
    const rows: Row[] = Array.from({ length: 30_000 }, (_, i) => [i, 'x'.repeat(20)]);
    const task = await writer.createTask(taskCtx(param!, dir));
    const err = await rejects(() => task.startWrite(receiverOf(rows, 1000, 20)));
    assert.is(err.message, 'channel broke');
    assert.ok(readFileSync(join(dir, 'app.csv')).length > 9); // it wrote before failing
    assert.ok(task.supportsFailover!());
    await task.destroy!();
    assert.is(readFileSync(join(dir, 'app.csv'), 'utf8'), 'old line\n');

    // a new file is removed
    const job2 = await writer.createJob(jobCtx({ path: '.', fileName: 'new.csv' }, dir, WRITER_PATH));
    await job2.prepare!();
    const [p2] = await job2.split(1);
    const t2 = await writer.createTask(taskCtx(p2!, dir));
    await rejects(() => t2.startWrite(receiverOf(rows, 1000, 5)));
    await t2.destroy!();
    assert.not.ok(existsSync(join(dir, 'new.csv')));

    // aborted mid-way: nothing is kept either
    const ac = new AbortController();
    const t3 = await writer.createTask(taskCtx(p2!, dir, { signal: ac.signal }));
    const rec = receiverOf(rows, 1000);
    const aborting: RecordReceiver = {
      ...rec,
      read: async () => {
        const b = await rec.read();
        if (b && (b[0]![0] as number) >= 5000) ac.abort();
        return b;
      },
    };
    await t3.startWrite(aborting);
    await t3.destroy!();
    assert.not.ok(existsSync(join(dir, 'new.csv')));
  } finally {
    cleanup();
  }
});

test('a retry (attempt 2) starts from the file as it was before the first attempt', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'r.csv'), 'before\n');
    const job = await writer.createJob(jobCtx({ path: '.', fileName: 'r.csv', writeMode: 'append' }, dir, WRITER_PATH));
    await job.prepare!();
    const [param] = await job.split(1);
    const rows: Row[] = Array.from({ length: 50_000 }, (_, i) => [i]);
    // attempt 1 dies without its destroy() (a crashed worker)
    const t1 = await writer.createTask(taskCtx(param!, dir));
    await rejects(() => t1.startWrite(receiverOf(rows, 1000, 30)));
    assert.ok(readFileSync(join(dir, 'r.csv'), 'utf8').length > 'before\n'.length);
    const t2 = await writer.createTask(taskCtx(param!, dir, { attempt: 2 }));
    await t2.startWrite(receiverOf(rows, 1000));
    await t2.destroy!();
    assert.is(readFileSync(join(dir, 'r.csv'), 'utf8'), 'before\n' + rows.map((r) => `${r[0]}\n`).join(''));

    // truncate mode: the retry removes what attempt 1 left
    const jobT = await writer.createJob(jobCtx({ path: '.', fileName: 'tr.csv', compress: 'gzip' }, dir, WRITER_PATH));
    await jobT.prepare!();
    const [pt] = await jobT.split(1);
    const a1 = await writer.createTask(taskCtx(pt!, dir));
    await rejects(() => a1.startWrite(receiverOf(rows, 1000, 30)));
    assert.ok(existsSync(join(dir, 'tr.csv.gz')));
    const a2 = await writer.createTask(taskCtx(pt!, dir, { attempt: 2 }));
    await a2.startWrite(receiverOf(rows, 1000));
    await a2.destroy!();
    assert.is(gunzipSync(readFileSync(join(dir, 'tr.csv.gz'))).toString(), rows.map((r) => `${r[0]}\n`).join(''));
  } finally {
    cleanup();
  }
});

test('writer encodings: gbk through the reverse table, unwritable characters and encodings are errors', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await writeAll({ path: '.', fileName: 'g.csv', encoding: 'gbk' }, dir, [[['中文', 1], ['数据', 2]]]);
    assert.equal([...readFileSync(join(dir, 'g.csv'))], [0xd6, 0xd0, 0xce, 0xc4, 0x2c, 0x31, 0x0a, 0xca, 0xfd, 0xbe, 0xdd, 0x2c, 0x32, 0x0a]);
    assert.equal(await readAll({ path: 'g.csv', encoding: 'gbk' }, dir), [['中文', '1'], ['数据', '2']]);
    await writeAll({ path: '.', fileName: 'u16.csv', encoding: 'utf-16le' }, dir, [[['é', 1]]]);
    assert.equal(await readAll({ path: 'u16.csv', encoding: 'utf-16le' }, dir), [['é', '1']]);
    await writeAll({ path: '.', fileName: 'l1.csv', encoding: 'latin1' }, dir, [[['café']]]);
    assert.equal([...readFileSync(join(dir, 'l1.csv'))], [0x63, 0x61, 0x66, 0xe9, 0x0a]);

    const err = await rejects(() => writeAll({ path: '.', fileName: 'e.csv', encoding: 'gbk' }, dir, [[['ok 😀']]]));
    assert.instance(err, PluginError);
    assert.is(err.message, `${join(dir, 'e.csv')}: character "😀" (U+1F600) cannot be written in gbk`);
    assert.not.ok(existsSync(join(dir, 'e.csv')));

    const cfg = await rejects(async () => writer.createJob(jobCtx({ path: '.', fileName: 'x', encoding: 'iso-2022-jp' }, dir, WRITER_PATH)));
    assert.instance(cfg, JobConfigError);
    assert.match(cfg.message, /^job\.content\[0\]\.writer\.parameter\.encoding: encoding "iso-2022-jp" cannot be written; supported: utf-8, utf-16le/);
    assert.match((await rejects(async () => writer.createJob(jobCtx({ path: '.', fileName: 'x', encoding: 'nope' }, dir, WRITER_PATH)))).message, /unknown encoding "nope"; supported: utf-8/);
  } finally {
    cleanup();
  }
});

test('writer schema: DataX keys known, fileName required, column counted', async () => {
  const r = validate({ path: 'o', fileName: 'f', writeMode: 'append', fieldDelimiter: ',', encoding: 'UTF-8', nullFormat: '', dateFormat: 'yyyy', fileFormat: 'csv', header: ['a'], compress: 'none', column: ['a', { name: 'b', type: 'long' }] }, writer.parameter, WRITER_PATH);
  assert.equal(r, { errors: [], warnings: [] });
  const bad = validate({ path: 'o', writeMode: 'overwrite', compress: 'bzip2' }, writer.parameter, WRITER_PATH);
  assert.equal(bad.errors.map((e) => e.path), [`${WRITER_PATH}.fileName`, `${WRITER_PATH}.writeMode`, `${WRITER_PATH}.compress`]);
  const job = await writer.createJob(jobCtx({ path: 'o', fileName: 'f', column: ['a', { name: 'b' }] }, '/tmp', WRITER_PATH));
  assert.is(job.columnCount!(), 2);
  assert.equal(await job.split(0), []);
});

test.run();
