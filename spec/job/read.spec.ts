import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobConfigError, type JobIssue } from '../../lib/errors.js';
import { BareVariable, parseJobText, readJobText } from '../../lib/job/read.js';
import { fixture } from '../helpers.js';

/** The JobConfigError a function throws (fails the test when it throws nothing or something else). */
function configErrorOf(fn: () => unknown): JobConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof JobConfigError) return err;
    throw err;
  }
  throw new Error('expected a JobConfigError');
}

test('comments and trailing commas are tolerated', () => {
  const text = `// header comment
{
  /* block
     comment */ "job": {
    "content": [1, 2, /* inline */ 3,], // after a value
    "setting": { "speed": { "channel": 2, }, },
  },
}
`;
  assert.equal(parseJobText(text, 'a.json'), { job: { content: [1, 2, 3], setting: { speed: { channel: 2 } } } });
});

test('// and /* inside strings survive', () => {
  const text = '{"job": {"url": "jdbc:mysql://h:3306/db", "glob": "/* not a comment */", "q": "a \\"// b\\" c"}}';
  assert.equal(parseJobText(text, 'a.json'), { job: { url: 'jdbc:mysql://h:3306/db', glob: '/* not a comment */', q: 'a "// b" c' } });
});

test('escapes, numbers and literals read as JSON.parse reads them', () => {
  const text = '{"job": {"s": "tab\\tline\\nq\\"\\u00e9\\\\/", "n": [0, -1, 2.5, 1e3, -0.5E-2], "b": [true, false, null]}}';
  assert.equal(parseJobText(text, 'a.json'), JSON.parse(text));
});

test('a byte-order mark and CRLF line ends are fine', () => {
  assert.equal(parseJobText('\uFEFF{\r\n"job": {}\r\n}', 'a.json'), { job: {} });
});

test('a parse error gives the file, line, column and reason', () => {
  const err = configErrorOf(() => parseJobText('{\n  "job": {\n    "content": [}\n  }\n}', 'jobs/a.json'));
  assert.is(err.code, 'FERRY_JOB_PARSE');
  assert.is(err.message, 'jobs/a.json: not valid JSON at line 3, column 17: expected a value, got "}"');
  assert.is(err.exitCode, 2);
});

test('parse errors: each reason', () => {
  const cases: [string, string][] = [
    ['', 'line 1, column 1: expected a value, got the end of the file'],
    ['{"job": {}', 'line 1, column 11: expected "," or "}" after the value of "job", got the end of the file'],
    ['{"job": {}} x', 'line 1, column 13: expected the end of the file after the top value, got "x"'],
    ['{job: {}}', 'line 1, column 2: expected a key in double quotes, got "job"'],
    ['{"job" {}}', 'line 1, column 8: expected ":" after the key "job", got "{"'],
    ['{"job": [1 2]}', 'line 1, column 12: expected "," or "]" after an array item, got "2"'],
    ['{"job": "abc\n"}', 'line 1, column 13: unterminated string (a closing " is missing before the end of the line)'],
    ['{"job": "abc', 'line 1, column 9: unterminated string (a closing " is missing)'],
    ['{"job": undefined}', 'line 1, column 9: expected a value, got "undefined"'],
    ['{"job": [1,,2]}', 'line 1, column 12: expected a value, got ","'],
    ['{"job": "\\x"}', 'line 1, column 10: invalid escape \\x in a string; write a backslash as \\\\'],
    ['{"job": "\\u12"}', 'line 1, column 10: expected 4 hex digits after \\u'],
    ['{"job": 1} /* open', 'line 1, column 12: unterminated /* comment'],
    ['\r\n\r\n  [', 'line 3, column 4: expected a value, got the end of the file'],
  ];
  for (const [text, where] of cases) {
    const err = configErrorOf(() => parseJobText(text, 'x.json'));
    assert.is(err.message, `x.json: not valid JSON at ${where}`, JSON.stringify(text));
  }
});

test('the top must be an object with "job"', () => {
  let err = configErrorOf(() => parseJobText('[{"job": {}}]', 'x.json'));
  assert.is(err.code, 'FERRY_JOB_INVALID');
  assert.is(err.message, 'x.json: expected an object with a "job" key at the top, got an array');
  err = configErrorOf(() => parseJobText('{"content": []}', 'x.json'));
  assert.is(err.message, 'job: expected an object {"content": [...], "setting": {...}}, got nothing; wrap the file in {"job": {...}}');
  err = configErrorOf(() => parseJobText('{"jobs": {}}', 'x.json'));
  assert.is(err.message, 'job: expected an object {"content": [...], "setting": {...}}, got nothing');
});

test('duplicate keys: the later value wins, with a warning at its path', () => {
  const warnings: JobIssue[] = [];
  const job = parseJobText('{"job": {"setting": {"speed": {"channel": 1, "channel": 4}}, "a.b": {"x": 1, "x": 2}}}', 'x.json', warnings);
  assert.equal(job, { job: { setting: { speed: { channel: 4 } }, 'a.b': { x: 2 } } });
  assert.equal(warnings, [
    { path: 'job.setting.speed.channel', message: 'duplicate key; the later value is used' },
    { path: 'job["a.b"].x', message: 'duplicate key; the later value is used' },
  ]);
});

test('a "__proto__" key stays a plain key', () => {
  const job = parseJobText('{"job": {"__proto__": {"polluted": true}}}', 'x.json');
  const inner = job.job as Record<string, unknown>;
  assert.is(Object.getPrototypeOf(inner), Object.prototype);
  assert.equal(Object.keys(inner), ['__proto__']);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('a bare ${name} where a value belongs is read as a BareVariable', () => {
  const job = parseJobText('{"job": {"speed": {"channel": ${ch}}, "list": [ ${ a.b } ]}}', 'x.json');
  const inner = job.job as { speed: { channel: unknown }; list: unknown[] };
  assert.instance(inner.speed.channel, BareVariable);
  assert.is((inner.speed.channel as BareVariable).name, 'ch');
  assert.is((inner.list[0] as BareVariable).name, 'a.b');
  const err = configErrorOf(() => parseJobText('{"job": $[yyyyMMdd]}', 'x.json'));
  assert.is(err.message, 'x.json: not valid JSON at line 1, column 9: expected a value, got "$"');
});

test('readJobText: a missing file is FERRY_JOB_NOT_FOUND', async () => {
  try {
    await readJobText('no/such/job.json');
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, JobConfigError);
    assert.is((err as JobConfigError).code, 'FERRY_JOB_NOT_FOUND');
    assert.is((err as JobConfigError).message, 'job file not found: no/such/job.json');
    assert.is((err as JobConfigError).exitCode, 2);
  }
  const dir = fixture('jobs');
  try {
    await readJobText(dir);
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as JobConfigError).message, `job file is a directory, expected a JSON file: ${dir}`);
  }
  assert.ok((await readJobText(fixture('jobs', 'datax-stream.json'))).includes('"job"'));
});

test.run();
