/**
 * The PostgreSQL dialect against a real server (FERRY_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/test). Without a server every test prints SKIP, and the
 * run fails when REQUIRE_DB=1. Each test makes its own tables and drops them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { DateTime, Decimal } from '../../../channel/value.js';
import type { Row, Value } from '../../../channel/value.js';
import { FerryError, isTransient } from '../../../lib/errors.js';
import { parseConnectionUrl } from '../../../lib/rdbms/connection.js';
import type { DbSession } from '../../../lib/rdbms/dialect.js';
import { postgresqlDialect, PgValueError, splitIdent } from '../../../lib/rdbms/postgresql/dialect.js';
import type { PgSession } from '../../../lib/rdbms/postgresql/dialect.js';
import { CopyTextDecoder, escapeCopyText, unescapeCopyText } from '../../../lib/rdbms/postgresql/copy-text.js';
import { DateFormatter, converterFor, OID, toTimestamptz } from '../../../lib/rdbms/postgresql/types.js';
import { daysFromCivil } from '../../../lib/util/civil.js';

const PG_URL = process.env.FERRY_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const cfg = parseConnectionUrl(PG_URL, 'postgresql', 'FERRY_PG_URL');
const q = postgresqlDialect.quoteIdent;

let db: PgSession | undefined;
let skipped = false;

function name(prefix: string): string {
  return `ferry_${prefix}_${randomBytes(4).toString('hex')}`;
}

async function session(extra: Record<string, string> = {}): Promise<PgSession> {
  return (await postgresqlDialect.connect({ ...cfg, params: { ...cfg.params, ...extra } })) as PgSession;
}

async function collect(it: AsyncIterable<Row[]>): Promise<{ rows: Row[]; batches: number[] }> {
  const rows: Row[] = [];
  const batches: number[] = [];
  for await (const b of it) {
    batches.push(b.length);
    rows.push(...b);
  }
  return { rows, batches };
}

async function rejects(p: Promise<unknown>): Promise<FerryError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, FerryError);
    return err as FerryError;
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

/** Runs `fn` with a connected session, or prints SKIP when there is no server. */
function dbTest(title: string, fn: (s: PgSession) => Promise<void>): void {
  test(title, async () => {
    if (!db) {
      console.log(`  SKIP (no PostgreSQL): ${title}`);
      return;
    }
    await fn(db);
  });
}

test.before(async () => {
  try {
    db = await session();
  } catch (err) {
    const line = `SKIP postgresql dialect specs: cannot connect to ${cfg.label}: ${(err as Error).message}`;
    if (process.env.REQUIRE_DB === '1') throw new Error(`REQUIRE_DB=1 and ${line}`);
    skipped = true;
    console.error(`\n!!!!!!!! ${line} !!!!!!!!\n`);
  }
});

test.after(async () => {
  await db?.close();
  if (skipped) console.error('\n!!!!!!!! the postgresql dialect specs were SKIPPED: no server !!!!!!!!\n');
});

// ---------------------------------------------------------------------------------------
// Without a server

test('quoteIdent: parts quoted, quotes doubled, user quoting kept', () => {
  assert.is(q('t'), '"t"');
  assert.is(q('public.t'), '"public"."t"');
  assert.is(q('MyTable'), '"MyTable"');
  assert.is(q('we"ird;drop'), '"we""ird;drop"');
  assert.is(q('"a.b".c'), '"a.b"."c"');
  assert.is(q('s."Quoted ""x"""'), '"s"."Quoted ""x"""');
  assert.equal(splitIdent('"a.b"."c.d"'), ['"a.b"', '"c.d"']);
});

test('COPY text decoder: escapes, \\N, rows cut anywhere, multi-byte characters across chunks', () => {
  const text = 'a\\tb\\\\c\\nd\t\\N\t\u00e9\u{1F600}\\r\n\\\\N\t\t\\101\\x41\\x4a\n';
  const bytes = Buffer.from(text, 'utf8');
  const expected = [['a\tb\\cd'.replace('cd', 'c\nd'), null, '\u00e9\u{1F600}\r'], ['\\N', '', 'AAJ']];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const out: Row[] = [];
    const d = new CopyTextDecoder([converterFor(OID.text), converterFor(OID.text), converterFor(OID.text)]);
    d.push(bytes.subarray(0, cut), out);
    d.push(bytes.subarray(cut), out);
    d.end();
    assert.equal(out, expected, `cut at ${cut}`);
  }
  // one byte at a time
  const out: Row[] = [];
  const d = new CopyTextDecoder([converterFor(OID.text), converterFor(OID.text), converterFor(OID.text)]);
  for (let i = 0; i < bytes.length; i++) d.push(bytes.subarray(i, i + 1), out);
  assert.equal(out, expected);
  assert.is(unescapeCopyText('x\\bx\\fx\\vx\\7x\\777', 0, 18), 'x\bx\fx\vx\x07x\xff');
  assert.is(escapeCopyText('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
  assert.throws(() => escapeCopyText('a\0b'), /NUL/);
});

test('dates: day arithmetic and formatting agree with Date for years 1..9999 and beyond', () => {
  const f = new DateFormatter();
  for (const [y, m, d] of [[1970, 1, 1], [2000, 2, 29], [1900, 3, 1], [1, 1, 1], [99, 12, 31], [9999, 12, 31], [1969, 12, 31], [2024, 2, 29]] as const) {
    const days = daysFromCivil(y, m, d);
    const viaDate = new Date(0);
    viaDate.setUTCFullYear(y, m - 1, d);
    assert.is(days * 86_400_000, viaDate.getTime() - (viaDate.getTime() % 86_400_000 + 86_400_000) % 86_400_000);
    assert.is(f.day(days), `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
  }
  assert.is(f.dateTime(new DateTime(daysFromCivil(12345, 1, 1) * 86_400_000, 0, 'date')), '12345-01-01');
  assert.is(f.dateTime(new DateTime(daysFromCivil(0, 12, 31) * 86_400_000, 0, 'date')), '0001-12-31 BC');
  assert.is(f.dateTime(new DateTime(Date.UTC(2024, 0, 2, 3, 4, 5, 6), 7, 'timestamptz')), '2024-01-02 03:04:05.006007+00');
  assert.is(f.dateTime(new DateTime(Date.UTC(1969, 11, 31, 23, 59, 59, 999), 999, 'timestamp')), '1969-12-31 23:59:59.999999');
  assert.is(f.dateTime(new DateTime(45_296_000, 0, 'time')), '12:34:56');
  assert.is(f.dateTime(new DateTime(86_400_000, 0, 'time')), '24:00:00');
  assert.equal(toTimestamptz('2024-01-02 03:04:05.5+05:30'), new DateTime(Date.UTC(2024, 0, 1, 21, 34, 5, 500), 0, 'timestamptz'));
  assert.equal(toTimestamptz('1800-01-01 00:00:00+00:09:21'), new DateTime(Date.UTC(1800, 0, 1) - 561_000, 0, 'timestamptz'));
  assert.is(converterFor(OID.timestamp)('0044-03-15 12:00:00 BC'), '0044-03-15 12:00:00 BC');
  assert.is(converterFor(OID.date)('-infinity'), '-infinity');
  assert.is(converterFor(OID.int8)('9007199254740991'), 9007199254740991);
  assert.is(converterFor(OID.int8)('9007199254740992'), 9007199254740992n);
  assert.is(converterFor(OID.int8)('-9223372036854775808'), -9223372036854775808n);
});

// ---------------------------------------------------------------------------------------
// Against the server

const TYPES = `
  id integer PRIMARY KEY,
  i2 smallint, i4 integer, i8 bigint, num numeric, num12 numeric(12,2), f8 double precision, f4 real,
  b boolean, t text, vc varchar(40), ch char(3), by bytea, ts timestamp, tz timestamptz, d date, tm time,
  j json, jb jsonb, u uuid, e %ENUM%, arr integer[], iv interval, ttz timetz, ip inet`;
const TYPE_COLUMNS = ['id', 'i2', 'i4', 'i8', 'num', 'num12', 'f8', 'f4', 'b', 't', 'vc', 'ch', 'by', 'ts', 'tz', 'd', 'tm', 'j', 'jb', 'u', 'e', 'arr', 'iv', 'ttz', 'ip'];

const ts = (iso: string, micros = 0, kind: 'timestamp' | 'timestamptz' = 'timestamp'): DateTime => new DateTime(Date.parse(`${iso}Z`), micros, kind);
const day = (y: number, m: number, d: number): DateTime => new DateTime(daysFromCivil(y, m, d) * 86_400_000, 0, 'date');

/** [written, read back] per row; a single value when they are the same. */
const ROWS: [Value | [Value, Value], ...(Value | [Value, Value])[]][] = [
  [1, -32768, -2147483648, 9223372036854775807n, new Decimal('123456789012345678901234567890'), new Decimal('1234567890.12'),
    NaN, [3.4028234663852886e38, 3.4028235e38], true, 'héllo 世界 😀 "quoted" \'single\' back\\slash', 'tab\there', ['ab', 'ab '],
    new Uint8Array([0x00, 0xff, 0x5c, 0x0a, 0x09, 0x0d]), ts('2024-01-02T03:04:05.123', 456), ts('2024-06-30T23:59:59.999', 999, 'timestamptz'),
    day(2024, 2, 29), new DateTime(45_296_789, 123, 'time'), '{"a": [1, 2],  "b": "x\\ny"}', ['{"b":1, "a":[true,null]}', '{"a": [true, null], "b": 1}'],
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'happy', '{1,2,NULL}', '1 day 02:03:04', '12:00:00+05', '192.168.0.1/24'],
  [2, 32767, 2147483647, -9223372036854775807n, new Decimal('-0.000000000000000000000000000001'), new Decimal('-0.01'),
    Infinity, -1.5, false, 'line1\nline2\r\nend\\N', '', null,
    new Uint8Array([]), ts('0001-01-01T00:00:00'), ts('1969-12-31T23:59:59.999', 1, 'timestamptz'),
    day(1, 1, 1), ['24:00:00', new DateTime(86_400_000, 0, 'time')], '[]', '[]', null, 'sad', '{}', null, null, '::1'],
  [3, 0, 0, -9223372036854775808n, new Decimal('NaN'), new Decimal('0.00'),
    -Infinity, 0.1, null, '\\N', null, '   ', new Uint8Array([0x5c, 0x78, 0x41]), ts('9999-12-31T23:59:59.999', 999), ts('1970-01-01T00:00:00', 0, 'timestamptz'),
    'infinity', new DateTime(0, 0, 'time'), null, null, null, null, '{{1,2},{3,4}}', '-1 mons', null, null],
  [4, null, null, 9007199254740991, new Decimal('Infinity'), null,
    -0, null, true, 'x', 'y', ['z', 'z  '], null, null, [new Date(Date.UTC(2020, 4, 6, 7, 8, 9, 10)), new DateTime(Date.UTC(2020, 4, 6, 7, 8, 9, 10), 0, 'timestamptz')],
    '0044-03-15 BC', null, null, null, null, null, null, null, null, null],
  [5, [1, 1], [2, 2], [9007199254740992n, 9007199254740992n], [1.25, new Decimal('1.25')], [7, new Decimal('7.00')],
    [12, 12], [true, 1], [1, true], [true, 'true'], [12.5, '12.5'], [new Decimal('9.9'), '9.9'], ['text as bytes \\x', new Uint8Array(Buffer.from('text as bytes \\x'))],
    [new Date(Date.UTC(2001, 1, 3, 4, 5, 6, 7)), ts('2001-02-03T04:05:06.007')], [ts('2001-02-03T04:05:06'), ts('2001-02-03T04:05:06', 0, 'timestamptz')],
    [ts('2001-02-03T04:05:06', 0, 'timestamptz'), day(2001, 2, 3)], null, null, null, null, null, null, null, null, null],
];
const written = (r: (typeof ROWS)[number]): Row => r.map((v) => (Array.isArray(v) ? v[0] : v)) as Row;
const readBack = (r: (typeof ROWS)[number]): Row => r.map((v) => (Array.isArray(v) ? v[1] : v)) as Row;

async function withTypesTable(s: PgSession, fn: (table: string) => Promise<void>): Promise<void> {
  const table = name('types');
  const en = `${table}_mood`;
  await s.execute(`CREATE TYPE ${en} AS ENUM ('sad', 'happy')`);
  await s.execute(`CREATE TABLE ${table} (${TYPES.replace('%ENUM%', en)})`);
  try {
    await fn(table);
  } finally {
    await s.execute(`DROP TABLE IF EXISTS ${table}; DROP TYPE IF EXISTS ${en}`);
  }
}

dbTest('every type: written with COPY, read back equal by COPY and by cursor', async (s) => {
  await withTypesTable(s, async (table) => {
    const w = await s.writer({ table, columns: TYPE_COLUMNS, mode: 'insert', batchSize: 100, batchBytes: 1 << 20 });
    await w.writeBatch(ROWS.map(written));
    await w.close();
    const sql = `SELECT ${TYPE_COLUMNS.join(', ')} FROM ${table} ORDER BY id`;
    const viaCopy = await collect(s.streamCopy(sql, {}));
    const viaCursor = await collect(s.streamCursor(sql, { fetchSize: 2 }));
    const expected = ROWS.map(readBack);
    for (let r = 0; r < expected.length; r++) {
      for (let c = 0; c < TYPE_COLUMNS.length; c++) {
        const want = expected[r]![c];
        const got = viaCopy.rows[r]![c];
        if (typeof want === 'number' && Number.isNaN(want)) assert.ok(Number.isNaN(got), `row ${r + 1} ${TYPE_COLUMNS[c]}`);
        else if (want instanceof Uint8Array) assert.equal(Buffer.from(got as Uint8Array), Buffer.from(want), `row ${r + 1} ${TYPE_COLUMNS[c]}`);
        else assert.equal(got, want, `row ${r + 1} ${TYPE_COLUMNS[c]}: ${String(got)} vs ${String(want)}`);
        if (Object.is(want, -0)) assert.ok(Object.is(got, -0), 'negative zero kept');
      }
    }
    assert.equal(viaCursor.rows, viaCopy.rows, 'cursor and COPY read the same values');
    assert.equal(viaCursor.batches, [2, 2, 1]);
    // The server holds what was meant, not just what reads back the same.
    const [check] = await s.query(
      `SELECT t = $1, i8::text, num::text, by = '\\x00ff5c0a090d'::bytea, ts = '2024-01-02 03:04:05.123456', tz = '2024-06-30 23:59:59.999999+00',
              d = '2024-02-29', tm = '12:34:56.789123', b, vc, f4::text FROM ${table} WHERE id = 1`,
      [written(ROWS[0]!)[9]],
    );
    assert.equal(check, [true, '9223372036854775807', '123456789012345678901234567890', true, true, true, true, true, true, 'tab\there', '3.4028235e+38']);
    const [check4] = await s.query(`SELECT tz = '2020-05-06 07:08:09.010+00', d::text, f8::text FROM ${table} WHERE id = 4`);
    assert.equal(check4, [true, '0044-03-15 BC', '-0']);
    const [empty] = await s.query(`SELECT vc = '' AND vc IS NOT NULL, ch IS NULL, t = E'\\\\N' FROM ${table} WHERE id = ${2} OR id = 3 ORDER BY id LIMIT 1`);
    assert.equal(empty, [true, true, false]);
    const [nullVsText] = await s.query(`SELECT t = E'\\\\N', vc IS NULL FROM ${table} WHERE id = 3`);
    assert.equal(nullVsText, [true, true], 'the text \\N is not NULL');
  });
});

dbTest('every type: written with upsert parameters, read back the same as through COPY', async (s) => {
  await withTypesTable(s, async (table) => {
    const sql = `SELECT ${TYPE_COLUMNS.join(', ')} FROM ${table} ORDER BY id`;
    const ins = await s.writer({ table, columns: TYPE_COLUMNS, mode: 'insert', batchSize: 100, batchBytes: 1 << 20 });
    await ins.writeBatch(ROWS.map(written));
    const viaCopy = (await collect(s.stream(sql, {}))).rows;
    await s.execute(`TRUNCATE ${table}`);
    const up = await s.writer({ table, columns: TYPE_COLUMNS, mode: 'update', batchSize: 100, batchBytes: 1 << 20 });
    // first as new rows, then over themselves (every column updated)
    await up.writeBatch(ROWS.map(written));
    assert.equal((await collect(s.stream(sql, {}))).rows, viaCopy);
    await s.execute(`UPDATE ${table} SET t = 'changed', by = NULL, tz = NULL`);
    await up.writeBatch(ROWS.map(written));
    assert.equal((await collect(s.stream(sql, {}))).rows, viaCopy);
  });
});

dbTest('session settings: application_name, UTC, ISO dates, full float digits, currentSchema', async (s) => {
  assert.equal(await s.query("SELECT current_setting('application_name'), current_setting('TimeZone'), current_setting('DateStyle'), current_setting('extra_float_digits')"), [['ferry', 'UTC', 'ISO, MDY', '3']]);
  const other = await session({ currentSchema: 'pg_catalog, "$user", public' });
  try {
    assert.equal(await other.query("SELECT current_setting('search_path')"), [['pg_catalog, "$user", public']]);
  } finally {
    await other.close();
  }
});

dbTest('upsert: updates existing keys, inserts new ones, last duplicate wins, one transaction', async (s) => {
  const table = name('upsert');
  await s.execute(`CREATE TABLE ${table} (id bigint PRIMARY KEY, name text, n integer)`);
  try {
    const ins = await s.writer({ table, columns: ['id', 'name', 'n'], mode: 'insert', batchSize: 100, batchBytes: 1 << 20 });
    await ins.writeBatch([[1, 'one', 1], [2, 'two', 2]]);
    for (const mode of ['update', 'replace'] as const) {
      const w = await s.writer({ table, columns: ['id', 'name', 'n'], mode, batchSize: 100, batchBytes: 1 << 20 });
      await w.writeBatch([[2, `deux-${mode}`, 22], [3, 'three', 3], [3, `trois-${mode}`, 33]]);
      await w.close();
      const rows = await collect(s.stream(`SELECT id, name, n FROM ${table} ORDER BY id`, {}));
      assert.equal(rows.rows, [[1, 'one', 1], [2, `deux-${mode}`, 22], [3, `trois-${mode}`, 33]]);
    }
    // A failing row rolls the whole batch back.
    const w = await s.writer({ table, columns: ['id', 'name', 'n'], mode: 'update', batchSize: 100, batchBytes: 1 << 20 });
    const err = await rejects(w.writeBatch([[1, 'changed', 1], [4, 'bad', 'not a number']]));
    assert.match(err.message, /invalid input syntax for type integer/);
    const [[name1]] = (await s.query(`SELECT name FROM ${table} WHERE id = 1`)) as [[string]];
    assert.is(name1, 'one');
    // the same writer (and its prepared statement for 2 rows) works after the failure
    await w.writeBatch([[1, 'changed', 1], [4, 'four', 4]]);
    assert.equal(await s.query(`SELECT id::int, name FROM ${table} WHERE id IN (1, 4) ORDER BY id`), [[1, 'changed'], [4, 'four']]);
    // Many rows: several statements, one per at most 1000 rows, all in one batch.
    const many: Row[] = [];
    for (let i = 0; i < 25_000; i++) many.push([i, `n${i}`, i % 7]);
    await w.writeBatch(many);
    const [[count, sum]] = (await s.query(`SELECT count(*)::int, sum(n)::int FROM ${table}`)) as [[number, number]];
    assert.is(count, 25_000);
    assert.is(sum, many.reduce((a, r) => a + (r[2] as number), 0));
  } finally {
    await s.execute(`DROP TABLE IF EXISTS ${table}`);
  }
});

dbTest('upsert: conflictColumns on a composite unique key; keys only -> DO NOTHING; no key -> clear error', async (s) => {
  const table = name('upsert2');
  const bare = name('nokey');
  await s.execute(`CREATE TABLE ${table} (a int NOT NULL, b text NOT NULL, v text, UNIQUE (a, b)); CREATE TABLE ${bare} (a int, v text)`);
  try {
    const w = await s.writer({ table, columns: ['a', 'b', 'v'], mode: 'update', conflictColumns: ['a', 'b'], batchSize: 10, batchBytes: 1 << 20 });
    await w.writeBatch([[1, 'x', 'first'], [1, 'y', 'other']]);
    await w.writeBatch([[1, 'x', 'second']]);
    assert.equal(await s.query(`SELECT a, b, v FROM ${table} ORDER BY b`), [[1, 'x', 'second'], [1, 'y', 'other']]);
    // the unique key is found without conflictColumns
    assert.equal(await s.keyColumns(table), ['a', 'b']);
    const keysOnly = await s.writer({ table, columns: ['a', 'b'], mode: 'update', batchSize: 10, batchBytes: 1 << 20 });
    await keysOnly.writeBatch([[1, 'x'], [2, 'z']]);
    assert.equal(await s.query(`SELECT a, b, v FROM ${table} ORDER BY a, b`), [[1, 'x', 'second'], [1, 'y', 'other'], [2, 'z', null]]);
    const err = await rejects(s.writer({ table: bare, columns: ['a', 'v'], mode: 'update', batchSize: 10, batchBytes: 1 << 20 }));
    assert.match(err.message, /no primary key or unique index: set conflictColumns/);
  } finally {
    await s.execute(`DROP TABLE IF EXISTS ${table}, ${bare}`);
  }
});

dbTest('a NUL character in text: an error naming the column and row; nothing of the batch written; session fine', async (s) => {
  const table = name('nul');
  await s.execute(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
  try {
    for (const mode of ['insert', 'update'] as const) {
      const w = await s.writer({ table, columns: ['id', 'name'], mode, batchSize: 10, batchBytes: 1 << 20 });
      const rows: Row[] = [];
      for (let i = 0; i < 5000; i++) rows.push([i, `row ${i} ${'x'.repeat(100)}`]); // more than one COPY chunk before the bad row
      rows.push([9999, 'bad\0value']);
      const err = await rejects(w.writeBatch(rows));
      assert.instance(err, PgValueError);
      assert.is((err as PgValueError).column, 'name');
      assert.is((err as PgValueError).row, 5001);
      assert.match(err.message, /column "name", row 5001 of the batch: a NUL character/);
      assert.equal(await s.query(`SELECT count(*)::int FROM ${table}`), [[0]], `${mode}: the batch was rolled back`);
    }
    assert.equal(await s.query('SELECT 1'), [[1]]);
  } finally {
    await s.execute(`DROP TABLE IF EXISTS ${table}`);
  }
});

dbTest('a server-side COPY error: clear message with the line, session still usable', async (s) => {
  const table = name('copyerr');
  await s.execute(`CREATE TABLE ${table} (id int, d date)`);
  try {
    const w = await s.writer({ table, columns: ['id', 'd'], mode: 'insert', batchSize: 10, batchBytes: 1 << 20 });
    const err = await rejects(w.writeBatch([[1, '2024-01-01'], [2, 'not a date']]));
    assert.match(err.message, /invalid input syntax for type date: "not a date".*line 2/);
    assert.is(err.retryable, false);
    await w.writeBatch([[3, '2024-01-03']]);
    assert.equal(await s.query(`SELECT id FROM ${table}`), [[3]]);
  } finally {
    await s.execute(`DROP TABLE IF EXISTS ${table}`);
  }
});

dbTest('a table named we"ird;drop ... works and drops nothing', async (s) => {
  const canary = name('canary');
  const weird = `${name('we')}"ird;drop table ${canary};--`;
  await s.execute(`CREATE TABLE ${canary} (x int)`);
  await s.execute(`CREATE TABLE ${q(weird)} (${q('co"l')} int PRIMARY KEY, ${q('Two Words')} text)`);
  try {
    assert.equal((await s.columns(weird)).map((c) => c.name), ['co"l', 'Two Words']);
    assert.equal(await s.keyColumns(weird), ['co"l']);
    const w = await s.writer({ table: weird, columns: ['co"l', 'Two Words'], mode: 'insert', batchSize: 10, batchBytes: 1 << 20 });
    await w.writeBatch([[1, 'a'], [2, 'b']]);
    const u = await s.writer({ table: weird, columns: ['co"l', 'Two Words'], mode: 'update', batchSize: 10, batchBytes: 1 << 20 });
    await u.writeBatch([[2, 'B'], [3, 'c']]);
    const got = await collect(s.stream(`SELECT * FROM ${q(weird)} ORDER BY 1`, {}));
    assert.equal(got.rows, [[1, 'a'], [2, 'B'], [3, 'c']]);
    assert.equal(await s.query(`SELECT count(*)::int FROM ${canary}`), [[0]]);
  } finally {
    await s.execute(`DROP TABLE IF EXISTS ${q(weird)}; DROP TABLE IF EXISTS ${canary}`);
  }
});

dbTest('columns and keys: format_type names, nullability, order; schema-qualified and currentSchema', async (s) => {
  const schema = name('schema');
  const table = name('meta');
  await s.execute(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.${table} (
    a integer NOT NULL, b bigint, c numeric(12,2), d character varying(40), e timestamp without time zone, f timestamptz,
    g text[], "MixedCase" boolean NOT NULL, PRIMARY KEY (d, a))`);
  try {
    const cols = await s.columns(`${schema}.${table}`);
    assert.equal(cols, [
      { name: 'a', dbType: 'integer', nullable: false },
      { name: 'b', dbType: 'bigint', nullable: true },
      { name: 'c', dbType: 'numeric(12,2)', nullable: true },
      { name: 'd', dbType: 'character varying(40)', nullable: false },
      { name: 'e', dbType: 'timestamp without time zone', nullable: true },
      { name: 'f', dbType: 'timestamp with time zone', nullable: true },
      { name: 'g', dbType: 'text[]', nullable: true },
      { name: 'MixedCase', dbType: 'boolean', nullable: false },
    ]);
    assert.equal(await s.keyColumns(`${schema}.${table}`), ['d', 'a'], 'primary key in key order');
    const err = await rejects(s.columns(table));
    assert.is(err.message, `table "${table}" does not exist in ${cfg.label}`);
    const other = await session({ currentSchema: schema });
    try {
      assert.is((await other.columns(table)).length, 8);
      // the writer resolves column names case-insensitively when unambiguous
      const w = await other.writer({ table, columns: ['A', 'D', 'mixedcase'], mode: 'insert', batchSize: 1, batchBytes: 1 << 20 });
      await w.writeBatch([[1, 'k', true]]);
      assert.equal(await other.query(`SELECT a, d, "MixedCase" FROM ${table}`), [[1, 'k', true]]);
    } finally {
      await other.close();
    }
    const upper = await rejects(s.columns(`${schema}.${table.toUpperCase()}`));
    assert.match(upper.message, /does not exist in .*case matters/);
  } finally {
    await s.execute(`DROP SCHEMA ${schema} CASCADE`);
  }
});

dbTest('keys: primary key first, else the first unique index; none -> []', async (s) => {
  const t1 = name('k1');
  const t2 = name('k2');
  await s.execute(`CREATE TABLE ${t1} (a int, b int, c int, UNIQUE (c)); CREATE UNIQUE INDEX ON ${t1} (b) WHERE b > 0;
                   CREATE TABLE ${t2} (a int, b int, c int, UNIQUE (b) INCLUDE (c)); ALTER TABLE ${t2} ADD PRIMARY KEY (c, a)`);
  try {
    assert.equal(await s.keyColumns(t1), ['c']);
    assert.equal(await s.keyColumns(t2), ['c', 'a']);
    await s.execute(`ALTER TABLE ${t2} DROP CONSTRAINT ${t2}_pkey`);
    assert.equal(await s.keyColumns(t2), ['b'], 'INCLUDE columns are not key columns');
    await s.execute(`ALTER TABLE ${t1} DROP CONSTRAINT ${t1}_c_key`);
    assert.equal(await s.keyColumns(t1), [], 'a partial unique index is no key');
  } finally {
    await s.execute(`DROP TABLE IF EXISTS ${t1}, ${t2}`);
  }
});

dbTest('missing table: one clear message, for columns, keys and writer', async (s) => {
  const missing = name('missing');
  // one after the other: a session runs one statement at a time
  for (const call of [() => s.columns(missing), () => s.keyColumns(missing), () => s.writer({ table: missing, columns: ['a'], mode: 'insert', batchSize: 1, batchBytes: 1 })]) {
    const err = await rejects(call());
    assert.is(err.message, `table "${missing}" does not exist in ${cfg.label}`);
    assert.is(err.retryable, false);
  }
});

dbTest('connect errors: host:port/db and the reason in one line, never the password; retryable by cause', async () => {
  const role = name('role');
  const password = `pw-${randomBytes(6).toString('hex')}`;
  await db!.execute(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  try {
    const unknownDb = await rejects(postgresqlDialect.connect({ ...cfg, database: 'ferry_no_such_db', user: role, password, label: `${cfg.host}:${cfg.port}/ferry_no_such_db` }));
    assert.is(unknownDb.message, `cannot connect to PostgreSQL at ${cfg.host}:${cfg.port}/ferry_no_such_db as ${role}: database "ferry_no_such_db" does not exist`);
    assert.not.match(unknownDb.message + String(unknownDb.stack), password);
    assert.is(unknownDb.retryable, false);
    // The server trusts 127.0.0.1: a wrong password may still get in; when it does not, it is not retryable.
    try {
      const s = await postgresqlDialect.connect({ ...cfg, user: role, password: 'wrong' });
      await s.close();
    } catch (err) {
      assert.match((err as Error).message, /password authentication failed/);
      assert.is((err as FerryError).retryable, false);
    }
    const refused = await rejects(postgresqlDialect.connect({ ...cfg, host: '127.0.0.1', port: 1, password, label: '127.0.0.1:1/test' }));
    assert.match(refused.message, /^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/test as \S+: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    assert.is(refused.retryable, true);
    assert.not.match(refused.message, password);
  } finally {
    await db!.execute(`DROP ROLE IF EXISTS ${role}`);
  }
});

dbTest('stream: a small fetchSize over many rows gives batches of at most fetchSize, in order, both ways', async (s) => {
  const sql = 'SELECT g, repeat(\'x\', g % 50) FROM generate_series(1, 100000) g ORDER BY g;';
  for (const run of [s.streamCopy.bind(s), s.streamCursor.bind(s)]) {
    let n = 0;
    let max = 0;
    let next = 1;
    for await (const batch of run(sql, { fetchSize: 100 })) {
      max = Math.max(max, batch.length);
      for (const row of batch) assert.is(row[0], next++);
      n += batch.length;
    }
    assert.is(n, 100000);
    assert.is(max, 100);
  }
  // the default is COPY
  assert.is(s.streamMode, 'copy');
  const cursorSession = await session({ ferryStream: 'cursor' });
  try {
    assert.is(cursorSession.streamMode, 'cursor');
    assert.is((await collect(cursorSession.stream('SELECT 1 a, 2 a', {}))).rows.length, 1);
  } finally {
    await cursorSession.close();
  }
  // duplicate column names and no columns at all
  assert.equal((await collect(s.stream('SELECT 1 AS a, 2 AS a', {}))).rows, [[1, 2]]);
  assert.equal((await collect(s.stream('SELECT FROM generate_series(1, 3)', {}))).rows, [[], [], []]);
  assert.equal((await collect(s.stream('SELECT 1 WHERE false', {}))).rows, []);
});

dbTest('stream: leaving early or aborting stops the query quickly; the session stays usable', async (s) => {
  const big = 'SELECT g, md5(g::text) FROM (SELECT generate_series(1, 50000000) AS g) s';
  for (const run of [s.streamCopy.bind(s), s.streamCursor.bind(s)]) {
    const t0 = Date.now();
    let n = 0;
    for await (const batch of run(big, { fetchSize: 1000 })) {
      n += batch.length;
      if (n >= 3000) break;
    }
    assert.ok(Date.now() - t0 < 10_000, `left after ${Date.now() - t0} ms`);
    assert.equal(await s.query('SELECT 42'), [[42]]);
    const ac = new AbortController();
    let m = 0;
    const t1 = Date.now();
    for await (const batch of run(big, { fetchSize: 1000, signal: ac.signal })) {
      m += batch.length;
      if (m >= 2000) ac.abort();
    }
    assert.ok(Date.now() - t1 < 10_000);
    assert.ok(m < 100_000, `stopped after ${m} rows`);
    assert.equal(await s.query('SELECT 43'), [[43]]);
  }
  const t2 = Date.now();
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 300);
  // aborted while the server is still computing: the cancel request ends it
  for await (const _ of s.stream('SELECT pg_sleep(30)', { signal: ac.signal })) assert.unreachable('no rows');
  assert.ok(Date.now() - t2 < 10_000);
  assert.equal(await s.query('SELECT 44'), [[44]]);
});

dbTest('stream and query errors are FerryErrors naming the server and the reason', async (s) => {
  const err = await rejects(collect(s.stream('SELECT * FROM ferry_no_such_table_x', {})));
  assert.match(err.message, new RegExp(`^PostgreSQL ${cfg.label}: query failed: relation "ferry_no_such_table_x" does not exist`));
  const err2 = await rejects(collect(s.stream('SELECT 1/0', {})));
  assert.match(err2.message, /division by zero/);
  const err3 = await rejects(collect(s.streamCursor('SELECT 1/(g-3) FROM generate_series(1,5) g', { fetchSize: 1 })));
  assert.match(err3.message, /division by zero/);
  assert.equal(await s.query('SELECT $1::int + 1', [41]), [[42]]);
  await rejects(s.execute('NOT SQL'));
  assert.equal(await s.query('SELECT 1'), [[1]]);
});

dbTest('close: idempotent and quiet on a dead connection; a lost connection is retryable', async (s) => {
  const victim = await session();
  const [[pid]] = (await victim.query('SELECT pg_backend_pid()')) as [[number]];
  await s.query('SELECT pg_terminate_backend($1)', [pid]);
  await new Promise((r) => setTimeout(r, 200));
  const err = await rejects(victim.query('SELECT 1'));
  assert.is(err.retryable, true);
  await victim.close();
  await victim.close();
  const fresh: DbSession = await session();
  await fresh.close();
  await fresh.close();
});

dbTest('COPY writer: the connection lost while a write waits for the socket: the next write fails with the server\'s reason instead of waiting for good', async (s) => {
  const table = name('lost_write');
  await s.execute(`CREATE TABLE ${q(table)} (id bigint, s text)`);
  const victim = await session();
  try {
    const [[pid]] = (await victim.query('SELECT pg_backend_pid()')) as [[number]];
    const writer = await victim.writer({ table, columns: ['id', 's'], mode: 'insert', batchSize: 1e9, batchBytes: 1 << 30 });
    let n = 0;
    // Pieces under the stream's 16 KB mark: a write returns true while the one before it still waits for the socket.
    const piece = (): Buffer => Buffer.from(Array.from({ length: 100 }, () => `${n++}\t${'x'.repeat(90)}\n`).join(''));
    const socket = (victim.client as unknown as { connection: { stream: { writableNeedDrain: boolean } } }).connection.stream;
    while (!socket.writableNeedDrain) await writer.addText!(piece(), 100);
    await s.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((r) => setTimeout(r, 300)); // the server's error arrives while the task waits elsewhere (for its reader)
    const outcome = await Promise.race([
      (async () => {
        for (let i = 0; i < 1000; i++) await writer.addText!(piece(), 100);
        await writer.commit!();
        return 'the writes after the kill succeeded';
      })().catch((e: Error) => e),
      new Promise<string>((r) => setTimeout(() => r('still waiting after 10 s'), 10_000)),
    ]);
    assert.instance(outcome, Error, String(outcome));
    assert.match((outcome as Error).message, /COPY into "ferry_lost_write_\w+" failed: terminating connection due to administrator command/);
    assert.ok(isTransient(outcome), 'a lost connection is retried');
  } finally {
    await victim.close();
    await s.execute(`DROP TABLE ${q(table)}`);
  }
});

dbTest('COPY reader: the connection lost while the consumer holds a piece, and the consumer leaves: the read ends instead of waiting for good', async (s) => {
  const victim = await session();
  try {
    const [[pid]] = (await victim.query('SELECT pg_backend_pid()')) as [[number]];
    const it = victim.streamText('SELECT g, repeat(\'x\', 90) FROM generate_series(1, 2000000) g', {})[Symbol.asyncIterator]();
    const first = await it.next();
    assert.ok(!first.done && first.value.lines > 0, 'the COPY started');
    await s.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((r) => setTimeout(r, 300)); // the error arrives while the consumer is elsewhere
    const outcome = await Promise.race([
      Promise.resolve(it.return!(undefined)).then(() => 'left', (e: Error) => `left with ${e.message}`),
      new Promise<string>((r) => setTimeout(() => r('still waiting after 10 s'), 10_000)),
    ]);
    assert.is(outcome, 'left');
  } finally {
    await victim.close();
  }
});

test.run();
