import { RETRY_DEFAULTS } from '../../lib/util/retry.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobConfigError } from '../../lib/errors.js';
import { loadJob, validateJob } from '../../lib/job/load.js';
import { jobSettings, SETTING_DEFAULTS } from '../../lib/job/settings.js';
import { PluginRegistry } from '../../lib/plugin/registry.js';
import { fixture } from '../helpers.js';

const stream = (setting?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  job: {
    content: [
      {
        reader: { name: 'streamreader', parameter: { column: [{ type: 'long', value: '1' }], sliceRecordCount: 2 } },
        writer: { name: 'streamwriter', parameter: { print: false } },
      },
    ],
    ...(setting ? { setting } : {}),
  },
  ...extra,
});

async function errorOf(input: string | object, options = {}): Promise<JobConfigError> {
  try {
    await loadJob(input, options);
  } catch (err) {
    if (err instanceof JobConfigError) return err;
    throw err;
  }
  throw new Error('expected a JobConfigError');
}

test('a DataX job with comments and trailing commas loads', async () => {
  const path = fixture('jobs', 'datax-stream.json');
  const spec = await loadJob(path);
  assert.is(spec.source, path);
  assert.is(spec.baseDir, process.cwd(), 'relative paths are relative to the working directory, as DataX');
  assert.equal(spec.warnings, []);
  assert.is(spec.content.length, 1);
  const { reader, writer, index } = spec.content[0]!;
  assert.is(index, 0);
  assert.is(reader.name, 'streamreader');
  assert.is(reader.plugin.kind, 'reader');
  assert.is(reader.path, 'job.content[0].reader.parameter');
  assert.ok(reader.moduleUrl.endsWith('/plugins/streamreader/index.js'));
  assert.equal((reader.parameter.column as { value: string }[]).map((c) => c.value), ['10', 'jdbc:mysql://h:3306/db', '/* not a comment */']);
  assert.is(writer.name, 'streamwriter');
  assert.equal(writer.parameter, { print: false, encoding: 'UTF-8' });
  assert.is(writer.path, 'job.content[0].writer.parameter');
  assert.equal(spec.settings, {
    channel: 2,
    jobSpeed: { byte: undefined, record: undefined },
    channelSpeed: { byte: undefined, record: undefined },
    errorLimit: { record: 0, percentage: 0.02 },
    dirtyPath: undefined,
    retry: RETRY_DEFAULTS,
    ...SETTING_DEFAULTS,
  });
  assert.equal(Object.keys(spec.resolved), ['job']);
});

test('a FlinkX job: bytes 0 is no cap, readerChannel is the channel count, warnings name what is ignored', async () => {
  const spec = await loadJob(fixture('jobs', 'flinkx-stream.json'));
  assert.is(spec.settings.channel, 3);
  assert.equal(spec.settings.jobSpeed, { byte: undefined, record: undefined });
  assert.equal(spec.settings.errorLimit, { record: 101 });
  assert.is(spec.settings.dirtyPath, 'dirty_11_copy2');
  assert.equal(spec.warnings, [
    { path: 'job.setting.dirty.hadoopConfig', message: 'ignored: ferry writes dirty records to a local file (dirty.path)' },
    { path: 'job.setting.speed.readerChannel', message: 'ferry runs readers and writers in pairs: used as the channel count when job.setting.speed.channel is absent' },
  ]);
});

test('a DataX job with a core block: channel from the caps, runtime settings from core', async () => {
  const spec = await loadJob(fixture('jobs', 'datax-core.json'));
  assert.equal(spec.warnings, []); // core's other keys (class, statistics, job.id) are DataX's business
  assert.equal(spec.settings, {
    // byte: floor(10485760 / 1048576) = 10, record: floor(3500 / 1000) = 3; the smaller wins
    channel: 3,
    jobSpeed: { byte: 10485760, record: 3500 },
    channelSpeed: { byte: 1048576, record: 1000 },
    errorLimit: {},
    dirtyPath: undefined,
    workerHeapMb: 512,
    taskGroupChannels: 3,
    maxRetryTimes: 2,
    retryIntervalMs: 500,
    reportIntervalMs: 2000,
    channelBytes: 1048576,
    batchRecords: 64,
    retry: RETRY_DEFAULTS,
  });
  const overridden = await loadJob(fixture('jobs', 'datax-core.json'), { channel: 7 });
  assert.is(overridden.settings.channel, 7);
});

test('settings: channel rules', () => {
  const ch = (setting: Record<string, unknown>, core?: Record<string, unknown>, override?: number) =>
    jobSettings({ job: { setting }, ...(core ? { core } : {}) }, { channel: override }).channel;
  const perChannel = { transport: { channel: { speed: { byte: 1000, record: 100 } } } };
  assert.is(ch({}), 1);
  assert.is(ch({ speed: { channel: 4 } }), 4);
  assert.is(ch({ speed: { channel: 4 } }, undefined, 2), 2);
  assert.is(ch({ speed: { channel: 4, byte: 100000 } }, perChannel), 4); // an explicit channel wins over caps
  assert.is(ch({ speed: { byte: 5500 } }, perChannel), 5);
  assert.is(ch({ speed: { record: 250 } }, perChannel), 2);
  assert.is(ch({ speed: { byte: 5500, record: 250 } }, perChannel), 2);
  assert.is(ch({ speed: { byte: 10 } }, perChannel), 1); // at least 1
  assert.is(ch({ speed: { byte: 5500 } }), 1); // a job cap without a per-channel cap is not an error
  assert.is(ch({ speed: { bytes: 5500 } }, perChannel), 5); // FlinkX's spelling
  assert.is(ch({ speed: { byte: -1 } }, perChannel), 1);
  assert.is(ch({ speed: { readerChannel: 2, writerChannel: 4 } }), 4);
  assert.is(ch({ speed: { readerChannel: -1 } }), 1);
  const s = jobSettings({ job: {}, core: { transport: { channel: { speed: { byte: -1, record: 0 } } } } });
  assert.equal(s.channelSpeed, { byte: undefined, record: undefined });
});

test('a job given as an object is copied; source, and baseDir from the options', async () => {
  const job = stream({ speed: { channel: 2 } });
  const spec = await loadJob(job, { baseDir: '/tmp/jobs' });
  assert.is(spec.source, '<object>');
  assert.is(spec.baseDir, '/tmp/jobs');
  assert.is.not(spec.resolved, job);
  assert.equal(spec.resolved, job);
  (job.job.content[0]!.reader.parameter as { sliceRecordCount: number }).sliceRecordCount = 99;
  assert.is(spec.content[0]!.reader.parameter.sliceRecordCount, 2);
  assert.is((await loadJob(stream())).baseDir, process.cwd());
});

test('a job object that is not JSON data', async () => {
  const err = await errorOf({ job: { content: [], when: new Date(0), f: () => 1, n: Number.NaN } });
  assert.equal(err.issues, [
    { path: 'job.when', message: 'expected JSON data (a string, number, boolean, null, array or object), got a Date' },
    { path: 'job.f', message: 'expected JSON data (a string, number, boolean, null, array or object), got a function' },
    { path: 'job.n', message: 'expected a finite number, got NaN' },
  ]);
  const cyclic: Record<string, unknown> = { content: [] };
  cyclic.self = cyclic;
  assert.is((await errorOf({ job: cyclic })).message, 'job.self: expected JSON data, got a circular reference');
  assert.is((await errorOf([stream()])).message, '<object>: expected an object with a "job" key at the top, got an array');
});

test('unknown keys are warnings with their path', async () => {
  const job = stream({ speed: { channel: 1, turbo: true }, retries: 3 }, { env: 'prod' });
  (job.job.content[0]!.reader.parameter as Record<string, unknown>).colum = [];
  (job.job as Record<string, unknown>).contnet = [];
  const spec = await loadJob(job);
  assert.equal(spec.warnings, [
    { path: 'job.setting.speed.turbo', message: 'unknown key, ignored' },
    { path: 'job.setting.retries', message: 'unknown key, ignored' },
    { path: 'job.contnet', message: 'unknown key; did you mean "content"?' },
    { path: 'env', message: 'unknown key, ignored' },
    { path: 'job.content[0].reader.parameter.colum', message: 'unknown key; did you mean "column"?' },
  ]);
});

const mysqlJob = () => ({
  job: {
    content: [
      {
        reader: { name: 'mysqlreader', parameter: { username: 'root', password: 'pw', splitPK: 'id', column: ['id'], connection: [{ table: ['t'], jdbcUrl: ['jdbc:mysql://127.0.0.1:3306/test'] }] } },
        writer: { name: 'postgresqlwriter', parameter: { username: 'root', password: 'pw', writeMod: 'insert', colum: ['id'], column: ['id'], connection: [{ table: ['t'], jdbcUrl: 'jdbc:postgresql://127.0.0.1:5432/test' }] } },
      },
    ],
    setting: { sped: { channel: 1 } },
    core: { container: {} },
  },
});

test('a misspelt key gets a did-you-mean from the schema; core inside job is told where it belongs', async () => {
  const spec = await loadJob(mysqlJob());
  assert.equal(spec.warnings.map((w) => `${w.path}: ${w.message}`).sort(), [
    'job.content[0].reader.parameter.splitPK: unknown key; did you mean "splitPk"?',
    'job.content[0].writer.parameter.colum: unknown key; did you mean "column"?',
    'job.content[0].writer.parameter.writeMod: unknown key; did you mean "writeMode"?',
    'job.core: unknown key here: it belongs at the top level, beside "job"',
    'job.setting.sped: unknown key; did you mean "speed"?',
  ]);
});

test('strict: unknown keys are errors (FERRY_JOB_INVALID, every one listed), other warnings stay warnings', async () => {
  const err = await loadJob(mysqlJob(), { strict: true }).then(() => undefined, (e: unknown) => e);
  assert.instance(err, JobConfigError);
  const e = err as JobConfigError;
  assert.is(e.code, 'FERRY_JOB_INVALID');
  assert.equal(e.issues.map((i) => i.path).sort(), [
    'job.content[0].reader.parameter.splitPK',
    'job.content[0].writer.parameter.colum',
    'job.content[0].writer.parameter.writeMod',
    'job.core',
    'job.setting.sped',
  ]);
  const ok = await loadJob(stream({ speed: { channel: 1, readerChannel: 2 } }), { strict: true });
  assert.is(ok.warnings.length, 1);
});

test('setting.restore with isRestore: the restore settings, no warning; without isRestore: none', async () => {
  const spec = await loadJob(stream({ restore: { isRestore: true, restoreColumnName: 'id', restoreColumnIndex: 0, maxRowNumForCheckpoint: 10 } }));
  assert.equal(spec.warnings, []);
  assert.equal(spec.settings.restore, { column: 'id', index: 0, every: 10 });
  assert.is((await loadJob(stream({ restore: { isRestore: false, restoreColumnName: 'id' } }))).settings.restore, undefined);
});

test('every problem is collected into one error; its code is the first problem\'s', async () => {
  const job = {
    job: {
      content: [
        { reader: { name: 'streamreader', parameter: { column: 'id', sliceRecordCount: 1 } }, writer: { name: 'nowriter', parameter: {} } },
        { reader: { parameter: {} }, writer: { name: 'streamwriter', parameter: { print: 'no' } }, transformer: [{ name: 'dx_replace' }] },
      ],
      setting: { speed: { channel: 0 }, errorLimit: { percentage: 5 } },
    },
  };
  const err = await errorOf(job);
  assert.is(err.code, 'FERRY_JOB_INVALID');
  assert.equal(err.issues, [
    { path: 'job.content[1].reader.name', message: 'expected a reader name such as "streamreader", got nothing' },
    { path: 'job.setting.speed.channel', message: 'expected an integer of at least 1, got 0' },
    { path: 'job.setting.errorLimit.percentage', message: 'expected a fraction from 0 to 1 (0.02 = 2%), got 5' },
    { path: 'job.content[0].reader.parameter.column', message: 'expected an array, got "id"' },
    { path: 'job.content[0].writer.name', message: 'unknown writer "nowriter"; known writers: mysqlwriter, postgresqlwriter, streamwriter, txtfilewriter' },
    { path: 'job.content[1].writer.parameter.print', message: 'expected true or false, got "no"' },
    { path: 'job.content[1].transformer[0].parameter.columnIndex', message: 'dx_replace needs "columnIndex", the position of a column counted from 0 (got undefined)' },
  ]);
  assert.is(err.message.split('\n').length, 7);
  // An unknown plugin first: its own code.
  const unknown = await errorOf({ job: { content: [{ reader: { name: 'x' }, writer: { name: 'streamwriter' } }], setting: { speed: { channel: 0 } } } });
  assert.is(unknown.code, 'FERRY_JOB_INVALID');
  const first = await errorOf({ job: { content: [{ reader: { name: 'x' }, writer: { name: 'streamwriter' } }] } });
  assert.is(first.code, 'FERRY_PLUGIN_UNKNOWN');
});

test('an unresolved variable is reported once, not again as a type error', async () => {
  const err = await errorOf(stream({ speed: { channel: '${ch}' } }));
  assert.is(err.code, 'FERRY_JOB_VARIABLE');
  assert.equal(err.issues, [{ path: 'job.setting.speed.channel', message: 'unresolved variable ${ch}; pass it with -p ch=value' }]);
  // streamreader's column check quotes the value at the column's path: an echo too.
  const job = stream();
  job.job.content[0]!.reader.parameter.column = [{ type: 'long', value: '${id}' }];
  assert.equal((await errorOf(job)).issues, [{ path: 'job.content[0].reader.parameter.column[0].value', message: 'unresolved variable ${id}; pass it with -p id=value' }]);
});

test('an empty transformer list changes nothing and is accepted', async () => {
  const job = stream() as { job: { content: Record<string, unknown>[] } };
  job.job.content[0]!.transformer = [];
  assert.equal((await loadJob(job)).warnings, []);
});

test('usage errors: --channel and --bizdate', async () => {
  for (const channel of [0, 1.5, -2]) {
    const err = await errorOf(stream(), { channel });
    assert.is(err.code, 'FERRY_USAGE');
    assert.is(err.message, `--channel: expected an integer of at least 1, got ${channel}`);
  }
  const err = await errorOf(stream(), { bizdate: '20240132' });
  assert.is(err.code, 'FERRY_USAGE');
  assert.is(err.message, '--bizdate: expected a date as yyyyMMdd such as 20240131, got "20240132" (no such day)');
});

test('a user plugin from the registry; a missing parameter block is validated as {}', async () => {
  const registry = new PluginRegistry();
  assert.is(await registry.addModule(fixture('plugins', 'dbtestreader.js')), 'dbtestreader');
  const job = { job: { content: [{ reader: { name: 'dbtestreader' }, writer: { name: 'streamwriter' } }] } };
  const err = await errorOf(job, { registry });
  assert.is(err.message, 'job.content[0].reader.parameter.connection: expected an array, got nothing');
  const ok = await loadJob({ job: { content: [{ reader: { name: 'dbtestreader', parameter: { connection: [] } }, writer: { name: 'streamwriter' } }] } }, { registry });
  assert.equal(ok.content[0]!.writer.parameter, {});
  assert.is(ok.content[0]!.reader.moduleUrl, new URL(`file://${fixture('plugins', 'dbtestreader.js')}`).href);
});

test('validateJob: the same errors as loadJob; the settings and warnings on success', async () => {
  const report = await validateJob(fixture('jobs', 'flinkx-stream.json'));
  assert.is(report.settings.channel, 3);
  assert.is(report.warnings.length, 2);
  assert.is((report.job.job as { setting: { dirty: { path: string } } }).setting.dirty.path, 'dirty_11_copy2');
  try {
    await validateJob(fixture('bad-jobs', 'channel-zero.json'));
    assert.unreachable('validated');
  } catch (err) {
    assert.is((err as JobConfigError).message, 'job.setting.speed.channel: expected an integer of at least 1, got 0');
  }
});


test('settings: setting.retry with defaults for what it leaves out', () => {
  assert.equal(jobSettings({ job: { setting: { retry: { maxRetries: 2, initialIntervalMs: 10 } } } }).retry, { maxRetries: 2, initialIntervalMs: 10, maxIntervalMs: 30_000 });
  assert.equal(jobSettings({ job: { setting: {} } }).retry, RETRY_DEFAULTS);
});

test.run();
