import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { CsvError, CsvParser, csvField, csvLine, parseCsv, type CsvOptions, type CsvRecord } from '../../lib/util/csv.js';
import { fixture } from '../helpers.js';

/** Records as [line, fields, quoted] triples, easy to compare. */
function simple(records: CsvRecord[]): Array<[number, string[], boolean[]]> {
  return records.map((r) => [r.line, r.fields, r.quoted]);
}

/** Parses text fed in the given pieces. */
function parseChunks(pieces: string[], options?: CsvOptions): CsvRecord[] {
  const p = new CsvParser(options);
  const out: CsvRecord[] = [];
  for (const piece of pieces) out.push(...p.push(piece));
  out.push(...p.end());
  return out;
}

/** Every split into two pieces, and every split into three pieces. */
function assertAllSplits(text: string, options?: CsvOptions): void {
  const whole = JSON.stringify(simple(parseCsv(text, options)));
  for (let i = 0; i <= text.length; i++) {
    for (let j = i; j <= text.length; j++) {
      const got = JSON.stringify(simple(parseChunks([text.slice(0, i), text.slice(i, j), text.slice(j)], options)));
      if (got !== whole) assert.fixture(got, whole, `split at ${i}, ${j}`);
    }
  }
}

test('quotes, doubled quotes, delimiters and newlines inside quoted fields', () => {
  const text = 'a,"b,""c""\nd",e\n"x",,"\\N"\n';
  assert.equal(simple(parseCsv(text)), [
    [1, ['a', 'b,"c"\nd', 'e'], [false, true, false]],
    [3, ['x', '', '\\N'], [true, false, true]],
  ]);
});

test('CR LF and LF line ends, BOM skipped, last line without a newline', () => {
  const text = '\uFEFFid,name\r\n1,"a\r\nb"\r\n2,c\n3,d';
  assert.equal(simple(parseCsv(text)), [
    [1, ['id', 'name'], [false, false]],
    [2, ['1', 'a\r\nb'], [false, true]],
    [4, ['2', 'c'], [false, false]],
    [5, ['3', 'd'], [false, false]],
  ]);
});

test('line numbers count newlines inside quoted fields and skipped empty lines', () => {
  const text = '"1\n2\n3",x\n\n\r\nnext,y\n"",z\n';
  assert.equal(simple(parseCsv(text)), [
    [1, ['1\n2\n3', 'x'], [true, false]],
    [6, ['next', 'y'], [false, false]],
    [7, ['', 'z'], [true, false]],
  ]);
});

test('empty lines are kept when skipEmptyLines is false; a quoted empty field is never an empty line', () => {
  assert.equal(simple(parseCsv('a\n\nb\n', { skipEmptyLines: false })), [
    [1, ['a'], [false]],
    [2, [''], [false]],
    [3, ['b'], [false]],
  ]);
  assert.equal(simple(parseCsv('a\n""\nb\n')), [
    [1, ['a'], [false]],
    [2, [''], [true]],
    [3, ['b'], [false]],
  ]);
});

test('a trailing delimiter gives an empty last field, at a line end and at the end of input', () => {
  assert.equal(simple(parseCsv('a,\nb,')), [
    [1, ['a', ''], [false, false]],
    [2, ['b', ''], [false, false]],
  ]);
  assert.equal(simple(parseCsv(',,')), [[1, ['', '', ''], [false, false, false]]]);
});

test('a quote inside an unquoted field is data; text after a closing quote joins the field', () => {
  assert.equal(simple(parseCsv('ab"c,d""\n"ab"cd,e\n')), [
    [1, ['ab"c', 'd""'], [false, false]],
    [2, ['abcd', 'e'], [true, false]],
  ]);
});

test('leading and trailing spaces are kept', () => {
  assert.equal(parseCsv(' a , b \n')[0]!.fields, [' a ', ' b ']);
});

test('an unterminated quoted field is an error naming the line it starts on', () => {
  try {
    parseCsv('a,b\nc,"d\ne\n');
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, CsvError);
    assert.is((err as CsvError).line, 2);
    assert.is((err as CsvError).message, 'unterminated quoted field starting on line 2');
  }
});

test('multi-character and control-character delimiters', () => {
  assert.equal(parseCsv('a||b||"c||d"\n||\n', { delimiter: '||' }).map((r) => r.fields), [['a', 'b', 'c||d'], ['', '']]);
  assert.equal(parseCsv('a\u0001b\u0001\n', { delimiter: '\u0001' }).map((r) => r.fields), [['a', 'b', '']]);
  assert.equal(parseCsv('a\tb\t"c\td"\n', { delimiter: '\t' }).map((r) => r.fields), [['a', 'b', 'c\td']]);
  // a delimiter whose characters also occur alone
  assert.equal(parseCsv('a|b||c|||d\n', { delimiter: '||' }).map((r) => r.fields), [['a|b', 'c', '|d']]);
});

test('text mode: quotes are ordinary characters', () => {
  assert.equal(simple(parseCsv('"a,b",c\n"x\n', { quoting: false })), [
    [1, ['"a', 'b"', 'c'], [false, false, false]],
    [2, ['"x'], [false]],
  ]);
});

test('every chunk boundary gives the same records (comma, CRLF, quotes)', () => {
  assertAllSplits('\uFEFFa,"b,""c""\r\nd",e\r\n"x"y,,"\\N"\n\n"",1\r\nlast,"q"');
  assertAllSplits('1,"",""""\r\n"a""b",c\r');
});

test('every chunk boundary gives the same records (multi-character delimiter, text mode)', () => {
  assertAllSplits('a||"b||c"||\r\n||x||"y""z"\n"q"||r', { delimiter: '||' });
  assertAllSplits('a||"b||c\r\nd||e', { delimiter: '||', quoting: false });
});

test('every single chunk boundary of the round-trip fixture (CJK, emoji, CR LF in a field)', () => {
  const text = readFileSync(fixture('csv', 'roundtrip.csv'), 'utf8');
  const whole = JSON.stringify(simple(parseCsv(text)));
  assert.is(parseCsv(text).length, 8);
  for (let i = 0; i <= text.length; i++) {
    assert.is(JSON.stringify(simple(parseChunks([text.slice(0, i), text.slice(i)]))), whole, `split at ${i}`);
  }
  // and one character at a time
  assert.is(JSON.stringify(simple(parseChunks([...text.split('')]))), whole);
});

test('csvField quotes only when needed', () => {
  assert.is(csvField('plain', ','), 'plain');
  assert.is(csvField(' spaced ', ','), ' spaced ');
  assert.is(csvField('', ','), '');
  assert.is(csvField('a,b', ','), '"a,b"');
  assert.is(csvField('say "hi"', ','), '"say ""hi"""');
  assert.is(csvField('two\nlines', ','), '"two\nlines"');
  assert.is(csvField('cr\r', ','), '"cr\r"');
  assert.is(csvField('a,b', '\t'), 'a,b');
  assert.is(csvField('a\tb', '\t'), '"a\tb"');
  assert.is(csvField('\\N', ',', '\\N'), '"\\N"');
  assert.is(csvField('\\N', ','), '\\N');
  assert.is(csvField('', ',', ''), '""');
  assert.is(csvField('a|', '||'), '"a|"');
  assert.is(csvField('|a', '||'), '|a');
  assert.is(csvField('a|', '|#'), 'a|');
  assert.is(csvField('a#|', '#|#'), '"a#|"');
  assert.is(csvField('a#', '#|#'), 'a#');
  assert.is(csvLine(['a', 'b'], ','), 'a,b');
  assert.is(csvLine([''], ','), '""');
});

test('random rows written with csvField read back the same, in random chunks', () => {
  let seed = 42;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ['a', 'b', ' ', ',', '"', '\n', '\r', '\r\n', '|', '中', '😀', '\\N', ''];
  for (const delimiter of [',', '|', '\t', '||']) {
    const rows: string[][] = [];
    for (let r = 0; r < 300; r++) {
      const n = 1 + rand(5);
      const row: string[] = [];
      for (let c = 0; c < n; c++) {
        let v = '';
        const len = rand(6);
        for (let k = 0; k < len; k++) v += alphabet[rand(alphabet.length)];
        row.push(v);
      }
      rows.push(row);
    }
    const text = rows.map((row) => csvLine(row.map((v) => csvField(v, delimiter)), delimiter)).join('\n') + '\n';
    const pieces: string[] = [];
    for (let i = 0; i < text.length; ) {
      const n = 1 + rand(40);
      pieces.push(text.slice(i, i + n));
      i += n;
    }
    const got = parseChunks(pieces, { delimiter }).map((r) => r.fields);
    assert.equal(got, rows, `delimiter ${JSON.stringify(delimiter)}`);
  }
});

test('200k rows fed in 64 KB chunks: every row, in order, fields intact', () => {
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) lines.push(`${i},name ${i},"quoted, ${i}",2024-01-05 10:00:00,${i * 1.5}`);
  const text = lines.join('\n') + '\n';
  const p = new CsvParser();
  const records = [];
  for (let i = 0; i < text.length; i += 65536) records.push(...p.push(text.slice(i, i + 65536)));
  records.push(...p.end());
  assert.is(records.length, 200_000);
  assert.equal(records[123_456]!.fields, ['123456', 'name 123456', 'quoted, 123456', '2024-01-05 10:00:00', String(123456 * 1.5)]);
});

test.run();
