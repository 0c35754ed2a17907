import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobConfigError } from '../../lib/errors.js';
import { addMonths, cyctimeOf, defaultBizdate, evaluateDateExpression, formatDate, parseBizdate } from '../../lib/job/dates.js';
import { parseParams } from '../../lib/job/params.js';
import { resolveVariables, variableContext, type VariableContext } from '../../lib/job/variables.js';
import { loadJob } from '../../lib/job/load.js';
import { fixture } from '../helpers.js';

// Local times throughout, so the specs hold in any time zone.
const NOW = new Date(2024, 5, 15, 10, 20, 30); // 2024-06-15 10:20:30, only its time of day matters below
const ctx = (params: Record<string, string> = {}, bizdate = '20240131', now = NOW): VariableContext => variableContext({ params, bizdate, now });

/** Resolves one string; fails the test on errors. */
function sub(text: string, c: VariableContext = ctx()): string {
  const r = resolveVariables(text, c, 'x');
  assert.equal(r.errors, [], text);
  return r.value;
}

function usageError(fn: () => unknown): JobConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof JobConfigError && err.code === 'FERRY_USAGE') return err;
    throw err;
  }
  throw new Error('expected a FERRY_USAGE error');
}

test('${bizdate} and ${cyctime}: cyctime is bizdate + 1 day at the time of day of now', () => {
  assert.is(sub('${bizdate}'), '20240131');
  assert.is(sub('${cyctime}'), '20240201102030');
  assert.is(sub('p_${bizdate}_${ bizdate }'), 'p_20240131_20240131');
});

test('$[...] date expressions relative to cyctime', () => {
  const cases: [string, string][] = [
    ['$[yyyyMMdd]', '20240201'],
    ['$[yyyy-MM-dd]', '2024-02-01'],
    ['$[yyyyMMdd-1]', '20240131'],
    ['$[yyyyMMdd+7]', '20240208'],
    ['$[yyyy-MM-dd-1]', '2024-01-31'],
    ['$[yyyyMMdd - 2]', '20240130'],
    ['$[yyyyMMddHH-1/24]', '2024020109'],
    ['$[yyyyMMddHH+3/24]', '2024020113'],
    ['$[HHmmss]', '102030'],
    ['$[HH:mm-30/24/60]', '09:50'],
    ['$[yyyy-MM-dd HH:mm:ss]', '2024-02-01 10:20:30'],
    ['$[add_months(yyyyMMdd,-1)]', '20240101'],
    ['$[add_months(yyyy-MM-dd, 12)]', '2025-02-01'],
    ['$[yyMMdd]', '240201'],
    // DataWorks' lower-case spelling: mm is the month, mi the minutes, hh24 the 24-hour clock.
    ['$[yyyymmdd]', '20240201'],
    ['$[yyyymmdd-1]', '20240131'],
    ['$[hh24miss]', '102030'],
    ['$[yyyy-mm-dd hh24:mi:ss]', '2024-02-01 10:20:30'],
    ['$[hh24miss-1/24]', '092030'],
    ['/data/dt=$[yyyyMMdd-1]/h=$[HH]', '/data/dt=20240131/h=10'],
  ];
  for (const [expr, want] of cases) assert.is(sub(expr), want, expr);
});

test('date arithmetic: months clamp to the last day, hours cross midnight', () => {
  assert.is(sub('$[add_months(yyyyMMdd,-1)]', ctx({}, '20240330')), '20240229'); // cyctime 2024-03-31
  assert.is(sub('$[add_months(yyyyMMdd,1)]', ctx({}, '20240130')), '20240229');
  const early = new Date(2024, 0, 1, 0, 30, 0);
  assert.is(sub('$[yyyyMMddHH-1/24]', ctx({}, '20240131', early)), '2024013123');
  assert.is(sub('$[yyyyMMdd-1]', ctx({}, '20231231')), '20231231'); // cyctime 2024-01-01
  assert.is(sub('${cyctime}', ctx({}, '20231231')), '20240101102030');
  assert.equal(addMonths(new Date(2023, 0, 31), 1), new Date(2023, 1, 28));
  assert.is(formatDate(new Date(2024, 1, 1, 13, 5, 9, 7), 'yyyy-MM-dd hh:mm:ss.SSS'), '2024-02-01 01:05:09.007');
});

test('default bizdate is yesterday relative to now', () => {
  const c = variableContext({ now: new Date(2024, 2, 1, 8, 0, 5) });
  assert.is(sub('${bizdate} ${cyctime}', c), '20240229 20240301080005');
  assert.equal(defaultBizdate(new Date(2024, 0, 1, 23, 59)), new Date(2023, 11, 31));
  assert.equal(cyctimeOf(new Date(2024, 1, 28), new Date(2020, 0, 1, 1, 2, 3)), new Date(2024, 1, 29, 1, 2, 3));
});

test('a bad --bizdate is a usage error', () => {
  assert.is(usageError(() => parseBizdate('20240230')).message, '--bizdate: expected a date as yyyyMMdd such as 20240131, got "20240230" (no such day)');
  assert.is(usageError(() => variableContext({ bizdate: '2024-01-31' })).message, '--bizdate: expected a date as yyyyMMdd such as 20240131, got "2024-01-31"');
  assert.is(usageError(() => variableContext({ bizdate: '20241301' })).exitCode, 2);
});

test('a bizdate param drives the date expressions too; a conflicting --bizdate is a usage error', () => {
  const c = variableContext({ params: { bizdate: '20240131' }, now: NOW });
  assert.is(sub('${bizdate} $[yyyyMMdd]', c), '20240131 20240201');
  // Not a yyyyMMdd date: a plain text param, the dates stay relative to yesterday.
  const plain = variableContext({ params: { bizdate: '2024-01-31' }, now: NOW });
  assert.is(sub('${bizdate} $[yyyyMMdd-1]', plain), '2024-01-31 20240614');
  assert.is(usageError(() => variableContext({ params: { bizdate: '20240101' }, bizdate: '20240102' })).message, '--bizdate: 20240102 disagrees with -p bizdate=20240101; give one of them');
});

test('${name} from params; a param may use ${bizdate}, $[...] and other params', () => {
  const c = ctx({ region: 'eu', table: 'orders_${bizdate}', since: '$[yyyy-MM-dd-7]', full: '${table}@${region}' });
  assert.is(sub('${region}', c), 'eu');
  assert.is(sub('select * from ${table}', c), 'select * from orders_20240131');
  assert.is(sub("where d >= '${since}'", c), "where d >= '2024-01-25'");
  assert.is(sub('${full}', c), 'orders_20240131@eu');
  // Inside a string a param stays text, even when it looks like a number.
  assert.equal(resolveVariables({ n: '${n}' }, ctx({ n: '5' })).value, { n: '5' });
  assert.is(sub('${q}', ctx({ q: "a$[0] $['k']" })), "a$[0] $['k']");
});

test('a param named like a system variable wins over it', () => {
  assert.is(sub('${cyctime}', ctx({ cyctime: 'now' })), 'now');
});

test('unresolved ${name}: an error at the JSON path of the string, the text kept', () => {
  const job = { job: { content: [{ reader: { parameter: { where: 'id > ${minId} and d = ${bizdate}', list: ['${a}', '${a}'] } } }] } };
  const r = resolveVariables(job, ctx());
  assert.equal(r.errors, [
    { path: 'job.content[0].reader.parameter.where', message: 'unresolved variable ${minId}; pass it with -p minId=value' },
    { path: 'job.content[0].reader.parameter.list[0]', message: 'unresolved variable ${a}; pass it with -p a=value' },
    { path: 'job.content[0].reader.parameter.list[1]', message: 'unresolved variable ${a}; pass it with -p a=value' },
  ]);
  assert.is((r.value.job.content[0]!.reader.parameter as { where: string }).where, 'id > ${minId} and d = 20240131');
});

test('an unresolved variable inside a param, and a param cycle', () => {
  let r = resolveVariables({ v: '${t}' }, ctx({ t: 'x_${missing}' }));
  assert.equal(r.errors, [{ path: 'v', message: 'unresolved variable ${missing}; pass it with -p missing=value' }]);
  r = resolveVariables({ v: '${a}' }, ctx({ a: '${b}', b: '${a}' }));
  assert.equal(r.errors, [{ path: 'v', message: 'variable ${a} refers to itself (-p a -> b -> a)' }]);
});

test('keys are untouched; what is not a variable stays as written', () => {
  const r = resolveVariables({ '${region}': '${region}', n: 5, b: true, z: null, other: ['${}', '$[0]', "$['name']", '$[*]', '$region', '${a b}'] }, ctx({ region: 'eu' }));
  assert.equal(r.errors, []);
  assert.equal(r.value, { '${region}': 'eu', n: 5, b: true, z: null, other: ['${}', '$[0]', "$['name']", '$[*]', '$region', '${a b}'] });
});

test('a date expression that does not parse is an error naming it', () => {
  const r = resolveVariables({ p: 'dt=$[YYYYMMdd]' }, ctx());
  assert.equal(r.errors, [{ path: 'p', message: 'expected a date expression such as $[yyyyMMdd-1], $[yyyyMMddHH-1/24] or $[add_months(yyyyMMdd,-1)], got $[YYYYMMdd] (unknown pattern letter "Y")' }]);
  assert.equal(evaluateDateExpression('add_months(yyyyMMdd)', new Date()), { error: 'expected a date expression such as $[yyyyMMdd-1], $[yyyyMMddHH-1/24] or $[add_months(yyyyMMdd,-1)], got $[add_months(yyyyMMdd)] (add_months takes a pattern and a number of months)' });
  assert.is(evaluateDateExpression('0', new Date()), undefined);
});

test('parseParams: name=value items and DataX -D strings', () => {
  assert.equal(parseParams(['region=eu', 'where=id > 5 and a=b', 'empty=']), { region: 'eu', where: 'id > 5 and a=b', empty: '' });
  assert.equal(parseParams(['-Dregion=eu -Dtable=orders', "-Dwhere='id > 5' -Dname=\"a b\" -Dmix=x\"y z\""]), {
    region: 'eu',
    table: 'orders',
    where: 'id > 5',
    name: 'a b',
    mix: 'xy z',
  });
  assert.equal(parseParams(['a=1', '-Da=2']), { a: '2' });
  assert.equal(parseParams([]), {});
});

test('parseParams: a malformed item is a usage error naming it', () => {
  const cases: [string, string][] = [
    ['region', '-p: expected name=value or "-Dname=value -Dother=x", got "region"'],
    ['=eu', '-p: expected name=value or "-Dname=value -Dother=x", got "=eu" (the name is missing)'],
    ['my region=eu', '-p: expected name=value or "-Dname=value -Dother=x", got "my region=eu" ("my region" is not a variable name)'],
    ['-Da=1 b=2', '-p: expected name=value or "-Dname=value -Dother=x", got "-Da=1 b=2" (at "b=2")'],
    ['-Da=1 -Db', '-p: expected name=value or "-Dname=value -Dother=x", got "-Da=1 -Db" (at "-Db")'],
    ["-Da='x", '-p: expected name=value or "-Dname=value -Dother=x", got "-Da=\'x" (the quote after -Da= is not closed)'],
  ];
  for (const [item, message] of cases) assert.is(usageError(() => parseParams([item])).message, message, item);
});

test('a job file: variables everywhere, a bare ${name} becomes a JSON value', async () => {
  const job = await loadJob(fixture('jobs', 'variables.json'), {
    params: parseParams(['-Dregion=eu -Dcount=3', 'channel=2', "where=d > '$[yyyy-MM-dd-1]'"]),
    bizdate: '20240131',
    now: NOW,
  });
  const reader = job.content[0]!.reader.parameter as { column: { value: string }[]; sliceRecordCount: unknown };
  assert.equal(reader.column.map((c) => c.value), ['eu', '20240131', 'dt=20240131 hour=2024020109', "d > '2024-01-31'"]);
  assert.is(reader.sliceRecordCount, 3);
  assert.is(job.settings.channel, 2);
});

test('a bare ${name} unresolved is one error; a text value stays a string', async () => {
  try {
    await loadJob(fixture('jobs', 'variables.json'), { params: { region: 'eu', where: 'x', count: '3' }, bizdate: '20240131', now: NOW });
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as JobConfigError).code, 'FERRY_JOB_VARIABLE');
    assert.is((err as JobConfigError).message, 'job.setting.speed.channel: unresolved variable ${channel}; pass it with -p channel=value');
  }
  try {
    await loadJob(fixture('jobs', 'variables.json'), { params: { region: 'eu', where: 'x', count: '3', channel: 'four' }, bizdate: '20240131', now: NOW });
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as JobConfigError).message, 'job.setting.speed.channel: expected an integer of at least 1, got "four"');
  }
});

test.run();
