/**
 * The MySQL dialect against a real server (FERRY_MYSQL_URL, default mysql://root@127.0.0.1:3306/test).
 * Without a server the database tests print a loud SKIP line, or fail when REQUIRE_DB=1.
 * Every test creates its own uniquely named tables and drops them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { DateTime, Decimal, type Row, type Value } from '../../../channel/value.js';
import { FerryError, RecordError } from '../../../lib/errors.js';
import { parseConnectionUrl } from '../../../lib/rdbms/connection.js';
import type { ConnectionConfig, TableWriter, WriterOptions } from '../../../lib/rdbms/dialect.js';
import { mysqlDialect, type MysqlSession } from '../../../lib/rdbms/mysql/dialect.js';
import { formatDateTime, readDate, readDateTime, readTime, sqlLiteral, MysqlValueError } from '../../../lib/rdbms/mysql/convert.js';
import { civilFromDays, daysFromCivil } from '../../../lib/util/civil.js';
import { quoteIdent, splitIdent } from '../../../lib/rdbms/mysql/ident.js';
import { loadChoice, type WriteMethod } from '../../../lib/rdbms/mysql/writer.js';
import { passThroughType } from '../../../lib/rdbms/mysql/load-text.js';

const URL = process.env.FERRY_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const cfg: ConnectionConfig = parseConnectionUrl(URL, 'mysql', 'FERRY_MYSQL_URL');
let session: MysqlSession | undefined;

const uniq = (prefix: string): string => `ferry_my_${prefix}_${randomBytes(4).toString('hex')}`;

test.before(async () => {
  try {
    session = await mysqlDialect.connect(cfg);
  } catch (err) {
    const line = `SKIP mysql dialect specs: cannot connect to ${cfg.label}: ${(err as Error).message}`;
    if (process.env.REQUIRE_DB === '1') throw new Error(`REQUIRE_DB=1 and ${line}`);
    console.error(`\n!!!!!!!! ${line} !!!!!!!!\n`);
  }
});

test.after(async () => {
  await session?.close();
});

/** A test that needs the server: skipped (loudly, once, in before) without one. */
function db(name: string, fn: (s: MysqlSession) => Promise<void>): void {
  test(name, async () => {
    if (!session) return;
    await fn(session);
  });
}

/** Runs fn with fresh tables (created from the given DDL bodies) and drops them afterwards. */
async function withTables(s: MysqlSession, defs: Record<string, string>, fn: (names: Record<string, string>) => Promise<void>): Promise<void> {
  const names: Record<string, string> = {};
  for (const [key, body] of Object.entries(defs)) names[key] = uniq(key);
  try {
    for (const [key, body] of Object.entries(defs)) await s.execute(`CREATE TABLE ${quoteIdent(names[key]!)} (${body})`);
    await fn(names);
  } finally {
    for (const name of Object.values(names)) await s.execute(`DROP TABLE IF EXISTS ${quoteIdent(name)}`).catch(() => undefined);
  }
}

async function readAll(s: MysqlSession, sql: string, fetchSize?: number): Promise<Row[]> {
  const out: Row[] = [];
  for await (const batch of s.stream(sql, { fetchSize })) out.push(...batch);
  return out;
}

/** How stream() reads: its default, and the two paths it falls back on. */
type ReadMode = 'direct' | 'binary' | 'text';
const READ_MODES: Record<ReadMode, string> = {
  direct: 'binary protocol, decoded by binary-rows.ts',
  binary: "binary protocol, mysql2's parser + convert.ts",
  text: 'text protocol + convert.ts',
};

async function readingWith<T>(s: MysqlSession, mode: ReadMode, fn: () => Promise<T>): Promise<T> {
  s.protocol = mode === 'text' ? 'text' : 'binary';
  s.directDecode = mode === 'direct';
  try {
    return await fn();
  } finally {
    s.protocol = 'binary';
    s.directDecode = true;
  }
}

/** A value in a form assert.equal compares exactly (type and content). */
function norm(v: Value): unknown {
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
  if (v instanceof DateTime) return `${v.kind}:${v.epochMs}+${v.micros}us`;
  if (v instanceof Decimal) return `decimal:${v.text}`;
  if (v instanceof Date) return `date:${v.toISOString()}`;
  if (typeof v === 'bigint') return `bigint:${v}`;
  if (typeof v === 'number') return `number:${Object.is(v, -0) ? '-0' : v}`;
  if (typeof v === 'string') return `string:${v}`;
  return v;
}
const normRows = (rows: Row[]): unknown[][] => rows.map((r) => r.map(norm));

function writerOptions(table: string, columns: string[], extra: Partial<WriterOptions> = {}): WriterOptions {
  return { table, columns, mode: 'insert', batchSize: 2048, batchBytes: 32 << 20, ...extra };
}

/** One batch through LOAD DATA, streamed (add, then commit): what the batch writer does first; writeBatch inserts. */
async function loaded(w: TableWriter, rows: Row[]): Promise<void> {
  assert.ok(w.add && w.commit, 'a LOAD DATA writer streams');
  await w.add(rows);
  await w.commit();
}

async function rejects(p: Promise<unknown>): Promise<FerryError> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, FerryError, `expected a FerryError, got ${String(err)}`);
    return err as FerryError;
  }
  throw new assert.Assertion({ message: 'expected a rejection', generated: false, operator: 'rejects', expects: 'rejection', actual: 'resolved' });
}

// ---------------------------------------------------------------------------------------------
// Without a server

test('loadChoice: LOAD DATA for insert and replace where local_infile is on; INSERT otherwise, saying why', () => {
  assert.equal(loadChoice({ localInfile: true }, 'insert'), { load: true, why: 'the server allows local_infile' });
  assert.is(loadChoice({ localInfile: true }, 'replace').load, true);
  assert.equal(loadChoice({ localInfile: true }, 'update'), { load: false, why: 'writeMode update needs ON DUPLICATE KEY UPDATE, which LOAD DATA has not' });
  assert.equal(loadChoice({ localInfile: false }, 'insert'), { load: false, why: 'the server has local_infile OFF (SET GLOBAL local_infile = 1 allows LOAD DATA LOCAL, the faster path)' });
  assert.is(loadChoice({ localInfile: true }, 'insert', 'insert').load, false);
});

test('quoteIdent: backticks, doubled backticks, dots outside backticks', () => {
  assert.is(mysqlDialect.quoteIdent('t'), '`t`');
  assert.is(mysqlDialect.quoteIdent('db.t'), '`db`.`t`');
  assert.is(mysqlDialect.quoteIdent('we"ird;drop'), '`we"ird;drop`');
  assert.is(mysqlDialect.quoteIdent('back`tick'), '`back``tick`');
  assert.is(mysqlDialect.quoteIdent('`my.db`.`t``x`'), '`my.db`.`t``x`');
  assert.is(mysqlDialect.quoteIdent('`id`'), '`id`');
  assert.equal(splitIdent('`a.b`.c'), ['a.b', 'c']);
  assert.throws(() => splitIdent('`open'), /unclosed backtick/);
  assert.throws(() => splitIdent('a..b'), /empty part/);
});

test('calendar arithmetic round-trips over 5000 years', () => {
  for (let day = daysFromCivil(1, 1, 1); day <= daysFromCivil(9999, 12, 31); day += 97) {
    const [y, m, d] = civilFromDays(day);
    assert.is(daysFromCivil(y, m, d), day);
    assert.is(Date.UTC(2000, m - 1, d) - Date.UTC(2000, 0, 1) >= 0, true);
  }
  assert.equal(civilFromDays(0), [1970, 1, 1]);
  assert.equal(civilFromDays(-1), [1969, 12, 31]);
  assert.equal(civilFromDays(daysFromCivil(2024, 2, 29)), [2024, 2, 29]);
});

test('reading temporal text: kinds, microseconds, zero and impossible dates stay text', () => {
  assert.equal(readDate('2024-02-29'), new DateTime(Date.UTC(2024, 1, 29), 0, 'date'));
  assert.is(readDate('0000-00-00'), '0000-00-00');
  assert.is(readDate('2023-02-29'), '2023-02-29');
  assert.equal(readDateTime('2020-01-02 03:04:05.123456', 'timestamp'), new DateTime(Date.UTC(2020, 0, 2, 3, 4, 5, 123), 456, 'timestamp'));
  assert.equal(readDateTime('2020-01-02 03:04:05.5', 'timestamptz'), new DateTime(Date.UTC(2020, 0, 2, 3, 4, 5, 500), 0, 'timestamptz'));
  assert.equal(readDateTime('0999-12-31 23:59:59', 'timestamp'), new DateTime(Date.UTC(2000, 0, 1) + (daysFromCivil(999, 12, 31) - daysFromCivil(2000, 1, 1)) * 86400000 + 86399000, 0, 'timestamp'));
  assert.is(readDateTime('0000-00-00 00:00:00', 'timestamp'), '0000-00-00 00:00:00');
  assert.is(readDateTime('2020-00-15 00:00:00', 'timestamp'), '2020-00-15 00:00:00');
  assert.equal(readTime('23:59:59.999999'), new DateTime(86399999, 999, 'time'));
  assert.equal(readTime('00:00:00'), new DateTime(0, 0, 'time'));
  assert.is(readTime('-12:00:00'), '-12:00:00');
  assert.is(readTime('24:00:00'), '24:00:00');
  assert.is(readTime('838:59:59.000000'), '838:59:59');
  assert.is(readTime('-00:00:01.500000'), '-00:00:01.5');
  assert.is(readTime('100:00:00'), '100:00:00');
});

test('writing: literals for every value, escaped text and bytes, NaN refused with the column', () => {
  assert.is(formatDateTime(new DateTime(Date.UTC(1900, 0, 1, 0, 0, 0, 1), 2, 'timestamp')), '1900-01-01 00:00:00.001002');
  assert.is(formatDateTime(new DateTime(Date.UTC(2020, 5, 6, 7, 8, 9), 0, 'timestamptz')), '2020-06-06 07:08:09');
  assert.is(formatDateTime(new DateTime(Date.UTC(2020, 5, 6), 0, 'date')), '2020-06-06');
  assert.is(formatDateTime(new DateTime(3723004, 5, 'time')), '01:02:03.004005');
  assert.is(sqlLiteral(null, 'c'), 'NULL');
  assert.is(sqlLiteral(true, 'c'), '1');
  assert.is(sqlLiteral(-5n, 'c'), '-5');
  assert.is(sqlLiteral(1.5, 'c'), '1.5');
  assert.is(sqlLiteral(new Decimal('-12.50'), 'c'), '-12.50');
  assert.is(sqlLiteral(new Decimal('1); DROP TABLE t; --'), 'c'), "'1); DROP TABLE t; --'");
  assert.is(sqlLiteral(new Decimal('1.2345678901234567890123E+5'), 'c'), "'1.2345678901234567890123E+5'");
  assert.is(sqlLiteral("it's \\ \0", 'c'), "'it\\'s \\\\ \\0'");
  assert.is(sqlLiteral(new Uint8Array([0, 255, 39]), 'c'), "X'00ff27'");
  assert.is(sqlLiteral(new Date(Date.UTC(2020, 0, 1, 0, 0, 0, 7)), 'c'), "'2020-01-01 00:00:00.007000'");
  for (const bad of [NaN, Infinity, -Infinity]) {
    assert.throws(() => sqlLiteral(bad, 'price'), (err: unknown) => err instanceof MysqlValueError && err.column === 'price' && /column "price"/.test(err.message));
  }
});

// ---------------------------------------------------------------------------------------------
// Against the server

const TYPES = `
  id int PRIMARY KEY,
  bs bigint, bu bigint unsigned, i int, si smallint unsigned, d decimal(65,30), dbl double, fl float,
  txt text, vc varchar(100), bl blob, vb varbinary(16),
  dt datetime(6), ts timestamp(6) NULL DEFAULT NULL, dd date, tm time(6), yr year,
  tb tinyint(1), bt bit(1), b64 bit(64), js json, en enum('a','b','c'), st set('x','y','z'), geo geometry`;
const TYPE_COLUMNS = ['id', 'bs', 'bu', 'i', 'si', 'd', 'dbl', 'fl', 'txt', 'vc', 'bl', 'vb', 'dt', 'ts', 'dd', 'tm', 'yr', 'tb', 'bt', 'b64', 'js', 'en', 'st', 'geo'];

// POINT(1 2) in MySQL's internal format: SRID 0, then WKB.
const POINT_1_2 = Buffer.from('000000000101000000000000000000f03f0000000000000040', 'hex');
const NASTY = `héllo 😀 "q" 'a' \\ back\nnew\ttab\0nul\r\x1a end`;

/** Rows as written, and as they read back (a few types come back in the column's own form). */
function typeRows(): { written: Row[]; read: Row[] } {
  const dec = (t: string): Decimal => new Decimal(t);
  const written: Row[] = [
    [1, -9223372036854775808n, 18446744073709551615n, 2147483647, 65535, dec('12345678901234567890123456789012345.123456789012345678901234567891'),
      1.7976931348623157e308, 1.5, NASTY, '', new Uint8Array([0x00, 0xff, 0x27, 0x5c, 0x22, 0x0a, 0x00]), new Uint8Array([0xff]),
      new DateTime(Date.UTC(2020, 1, 29, 23, 59, 59, 123), 456, 'timestamp'), new DateTime(Date.UTC(2038, 0, 19, 3, 14, 7, 999), 999, 'timestamptz'),
      new DateTime(Date.UTC(2024, 1, 29), 0, 'date'), new DateTime(((12 * 60 + 34) * 60 + 56) * 1000 + 123, 456, 'time'), 2024,
      true, true, 18446744073709551615n, '{"a": [1, 2], "e": "😀"}', 'b', 'x,z', POINT_1_2],
    [2, 9223372036854775807n, 0, -2147483648, 0, dec('-0.000000000000000000000000000001'),
      5e-324, -0.25, '', 'x', new Uint8Array([]), new Uint8Array([0]),
      new DateTime(Date.UTC(1000, 0, 1), 0, 'timestamp'), new DateTime(Date.UTC(1970, 0, 1, 0, 0, 1), 0, 'timestamptz'),
      new DateTime(Date.UTC(9999, 11, 31), 0, 'date'), new DateTime(0, 0, 'time'), 1901,
      false, false, 0, '[]', 'a', '', null],
    [3, 9007199254740993n, 9007199254740991, 0, 1, dec('0'),
      0.30000000000000004, 3.25, 'plain', 'tab\there', null, null,
      new DateTime(Date.UTC(9999, 11, 31, 23, 59, 59, 999), 999, 'timestamp'), new DateTime(Date.UTC(2000, 0, 1), 1, 'timestamptz'),
      new DateTime(Date.UTC(1000, 0, 1), 0, 'date'), '-12:00:00', 2155,
      2, true, 5, 'null', 'c', 'x,y,z', null],
    [4, null, null, null, null, null, null, null, null, null, null, null, null, null, null, '838:59:59', null, null, null, null, null, null, null, null],
    [5, 42n, 42n, 7, 7, dec('1.5'), -0, 0, 'x', 'y', new Uint8Array([1]), new Uint8Array([2]),
      // a timestamptz into a DATETIME column: its UTC fields
      new DateTime(Date.UTC(2021, 6, 1, 12, 0, 0), 0, 'timestamptz'), new DateTime(Date.UTC(2021, 6, 1, 12, 0, 0), 0, 'timestamp'),
      new DateTime(Date.UTC(2021, 6, 1), 0, 'date'), new DateTime(Date.UTC(1970, 0, 1, 23, 59, 59, 999), 999, 'time'), 2000,
      false, false, 1n, '{}', 'a', 'y', null],
  ];
  const read: Row[] = written.map((r) => [...r]);
  const fix = (row: number, col: string, v: Value): void => {
    read[row - 1]![TYPE_COLUMNS.indexOf(col)] = v;
  };
  fix(2, 'd', dec('-0.000000000000000000000000000001'));
  fix(3, 'bs', 9007199254740993n);
  fix(3, 'd', dec('0.000000000000000000000000000000'));
  fix(3, 'tm', '-12:00:00');
  fix(4, 'tm', '838:59:59');
  fix(5, 'bs', 42);
  fix(5, 'bu', 42);
  fix(5, 'd', dec('1.500000000000000000000000000000'));
  fix(5, 'dbl', 0); // MySQL keeps no negative zero
  fix(5, 'dt', new DateTime(Date.UTC(2021, 6, 1, 12, 0, 0), 0, 'timestamp'));
  fix(5, 'ts', new DateTime(Date.UTC(2021, 6, 1, 12, 0, 0), 0, 'timestamptz'));
  fix(5, 'b64', 1);
  fix(2, 'b64', 0);
  fix(3, 'd', dec('0.000000000000000000000000000000'));
  fix(1, 'd', dec('12345678901234567890123456789012345.123456789012345678901234567891'));
  fix(2, 'bu', 0);
  return { written, read };
}

for (const [method, mode] of [['insert', 'direct'], ['load', 'direct'], ['insert', 'binary'], ['insert', 'text']] as [WriteMethod, ReadMode][]) {
  db(`every type round-trips: written by the writer (${method}), read back by stream() (${READ_MODES[mode]})`, async (s) => {
    await withTables(s, { types: TYPES }, async ({ types }) => {
      const { written, read } = typeRows();
      const writer = await s.writerWith(writerOptions(types!, TYPE_COLUMNS), method);
      if (method === 'load') await loaded(writer, written);
      else await writer.writeBatch(written);
      await writer.close();
      const back = await readingWith(s, mode, () => readAll(s, `SELECT ${TYPE_COLUMNS.join(', ')} FROM ${quoteIdent(types!)} ORDER BY id`));
      assert.equal(normRows(back), normRows(read));
      // empty string and NULL stay apart
      assert.is(back[1]![TYPE_COLUMNS.indexOf('txt')], '');
      assert.is(back[2]![TYPE_COLUMNS.indexOf('bl')], null);
      assert.is((back[1]![TYPE_COLUMNS.indexOf('bl')] as Uint8Array).length, 0);
    });
  });
}

db('pass-through (mysql-load-text): every carried type goes from streamText into LOAD DATA and reads back the same', async (s) => {
  // BIT and GEOMETRY are read as values (passThroughType), so not here
  const carried = TYPE_COLUMNS.filter((c) => !['bt', 'b64', 'geo'].includes(c));
  const ddl = TYPES.replace(/, bt bit\(1\), b64 bit\(64\)/, '').replace(/, geo geometry/, '');
  await withTables(s, { src: ddl, dst: ddl }, async ({ src, dst }) => {
    const { written } = typeRows();
    const at = carried.map((c) => TYPE_COLUMNS.indexOf(c));
    const rows = written.map((r) => at.map((i) => r[i]!));
    await s.writerWith(writerOptions(src!, carried), 'insert').then((w) => w.writeBatch(rows));
    for (const c of await s.columns(src!)) assert.is(passThroughType(c.dbType), undefined, c.dbType);
    const w = await s.writerWith(writerOptions(dst!, carried), 'load');
    let lines = 0;
    const texts: string[] = [];
    for await (const piece of s.streamText(`SELECT ${carried.join(', ')} FROM ${quoteIdent(src!)} ORDER BY id`, {})) {
      texts.push(piece.text.toString('utf8'));
      lines += piece.lines;
      await w.addText!(piece.text, piece.lines);
    }
    await w.commit!();
    assert.is(lines, rows.length);
    assert.is(texts.join('').split('\n').length, rows.length + 1, 'one line a row: newlines in values are escaped');
    const read = (t: string): Promise<Row[]> => readAll(s, `SELECT ${carried.join(', ')} FROM ${quoteIdent(t)} ORDER BY id`);
    assert.equal(normRows(await read(dst!)), normRows(await read(src!)));
    // the same lines through writeText (INSERT, the batch writer's retry): the same rows again
    await s.execute(`DELETE FROM ${quoteIdent(dst!)}`);
    await w.writeText!(Buffer.from(texts.join('')), lines);
    assert.equal(normRows(await read(dst!)), normRows(await read(src!)));
  });
  // integer, year, time and date edges, zero dates, and the NULL bitmap past 8 columns
  const edges = `id int PRIMARY KEY, t tinyint, tu tinyint unsigned, sm smallint, mi mediumint, miu mediumint unsigned, iu int unsigned,
    b bigint, bu bigint unsigned, yr year, tm time(6), tm0 time, d date, dt datetime, f float, x double, n decimal(30,10), c char(3), v varchar(5)`;
  await withTables(s, { src: edges, dst: edges }, async ({ src, dst }) => {
    const [[mode]] = (await s.query('SELECT @@SESSION.sql_mode')) as [[string]];
    await s.execute("SET SESSION sql_mode = REPLACE(REPLACE(@@sql_mode, 'NO_ZERO_DATE', ''), 'NO_ZERO_IN_DATE', '')");
    try {
      await s.execute(`INSERT INTO ${quoteIdent(src!)} VALUES
        (1, -128, 255, -32768, -8388608, 16777215, 4294967295, -9223372036854775808, 18446744073709551615, 2155, '-838:59:59.999999', '838:59:59', '0000-00-00', '0000-00-00 00:00:00', -3.4e38, -2.2250738585072014e-308, -12345678901234567890.0123456789, 'a\\b', '\\N'),
        (2, 127, 0, 32767, 8388607, 0, 0, 9223372036854775807, 9007199254740993, 1901, '-00:00:00.000001', '-00:00:01', '1000-01-01', '9999-12-31 23:59:59', 1e-45, 1e300, 0.0000000001, '', 'x\ty'),
        (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
      const w = await s.writerWith(writerOptions(dst!, ['*']), 'load');
      for await (const piece of s.streamText(`SELECT * FROM ${quoteIdent(src!)}`, {})) await w.addText!(piece.text, piece.lines);
      await w.commit!();
      const read = (t: string): Promise<Row[]> => readAll(s, `SELECT * FROM ${quoteIdent(t)} ORDER BY id`);
      assert.equal(normRows(await read(dst!)), normRows(await read(src!)));
    } finally {
      await s.execute(`SET SESSION sql_mode = ${mysqlDialect.quoteLiteral(mode)}`);
    }
  });
  assert.match(passThroughType('bit(1)')!, /bit\(1\) column is read as a value/);
  assert.ok(passThroughType('geometry'));
});

db('FLOAT keeps every bit (binary protocol); statements the server cannot prepare still stream', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, f float, d double' }, async ({ t }) => {
    const f32 = (x: number): number => Math.fround(x);
    const values = [f32(Math.PI), 16777216, f32(1.17549435e-38), f32(123456789), f32(0.1), f32(-3.4028234663852886e38)];
    await (await s.writer(writerOptions(t!, ['id', 'f', 'd']))).writeBatch(values.map((v, i) => [i, v, v]));
    for (const mode of ['direct', 'binary'] as ReadMode[]) {
      const back = await readingWith(s, mode, () => readAll(s, `SELECT f, d FROM ${quoteIdent(t!)} ORDER BY id`));
      assert.equal(back, values.map((v) => [v, v]), mode);
    }
    // MariaDB's text protocol prints FLOAT with 6 digits: why stream() prepares statements
    if (s.serverIsMariaDb) {
      const text = await readingWith(s, 'text', () => readAll(s, `SELECT f FROM ${quoteIdent(t!)} WHERE id = 1`));
      assert.equal(text, [[16777200]]);
    }
  });
  const status = async (name: string): Promise<number> => Number(((await s.query(`SHOW SESSION STATUS LIKE '${name}'`)) as string[][])[0]![1]);
  const closedBefore = await status('Com_stmt_close');
  assert.equal(await readAll(s, 'SELECT 1 AS a, 2.5e0 AS b'), [[1, 2.5]]);
  assert.is((await status('Com_stmt_close')) - closedBefore, 1, 'the prepared statement is closed after its stream');
  if (s.serverIsMariaDb) {
    assert.equal(await readAll(s, "EXECUTE IMMEDIATE 'SELECT 1.5e0 AS x, ''t'' AS y'"), [[1.5, 't']]);
  }
});

db('integer, bit, year and time edges read the same through every path', async (s) => {
  await withTables(s, {
    e: `id int PRIMARY KEY, t tinyint, tu tinyint unsigned, t1 tinyint(1), sm smallint, mi mediumint, miu mediumint unsigned,
        iu int unsigned, b bigint, bu bigint unsigned, yr year, bt bit(7), b8 bit(8), tm time(6), tm0 time`,
  }, async ({ e }) => {
    await s.execute(`INSERT INTO ${quoteIdent(e!)} VALUES
      (1, -128, 255, -1, -32768, -8388608, 16777215, 4294967295, -9007199254740992, 9007199254740992, 0, b'1111111', b'10000000', '-838:59:59.999999', '838:59:59'),
      (2, 127, 0, 127, 32767, 8388607, 0, 0, -9007199254740991, 9007199254740991, 1901, b'0', b'0', '-00:00:00.5', '-00:00:01'),
      (3, 0, 1, 1, 0, 0, 1, 1, 0, 18446744073709551615, 2155, b'1', b'1', '25:00:00.000001', '00:00:00')`);
    const expected = [
      [-128, 255, -1, -32768, -8388608, 16777215, 4294967295, -9007199254740992n, 9007199254740992n, 0, 127, 128, '-838:59:59.999999', '838:59:59'],
      [127, 0, 127, 32767, 8388607, 0, 0, -9007199254740991, 9007199254740991, 1901, 0, 0, '-00:00:00.5', '-00:00:01'],
      [0, 1, true, 0, 0, 1, 1, 0, 18446744073709551615n, 2155, 1, 1, '25:00:00.000001', new DateTime(0, 0, 'time')],
    ].map((r) => r.map((v) => norm(v as Value)));
    for (const mode of Object.keys(READ_MODES) as ReadMode[]) {
      const back = await readingWith(s, mode, () => readAll(s, `SELECT t, tu, t1, sm, mi, miu, iu, b, bu, yr, bt, b8, tm, tm0 FROM ${quoteIdent(e!)} ORDER BY id`));
      assert.equal(normRows(back), expected, mode);
    }
  });
});

db('values read back are copied out of the driver buffers (blobs survive later rows)', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, b longblob' }, async ({ t }) => {
    const w = await s.writer(writerOptions(t!, ['id', 'b']));
    const rows: Row[] = Array.from({ length: 300 }, (_, i) => [i, new Uint8Array(1000).fill(i % 256)]);
    await w.writeBatch(rows);
    const back = await readAll(s, `SELECT id, b FROM ${quoteIdent(t!)} ORDER BY id`, 50);
    assert.is(back.length, 300);
    back.forEach((r, i) => assert.ok((r[1] as Uint8Array).every((x) => x === i % 256), `row ${i}`));
  });
});

db('a decimal with an exponent keeps all its digits', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, d decimal(40,20)' }, async ({ t }) => {
    await (await s.writer(writerOptions(t!, ['id', 'd']))).writeBatch([[1, new Decimal('1.2345678901234567890123E+5')], [2, new Decimal('-5e-20')]]);
    assert.equal(normRows(await readAll(s, `SELECT d FROM ${quoteIdent(t!)} ORDER BY id`)), [
      ['decimal:123456.78901234567890123000'], ['decimal:-0.00000000000000000005'],
    ]);
  });
});

db('large values: a 3 MB blob and 2 MB of emoji text, through INSERT and LOAD DATA', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, b longblob, x longtext' }, async ({ t }) => {
    const blob = new Uint8Array(3 << 20).map((_, i) => (i * 31) % 256);
    const text = '😀é\t\\'.repeat(400_000);
    await (await s.writer(writerOptions(t!, ['id', 'b', 'x']))).writeBatch([[1, blob, text]]);
    await loaded(await s.writerWith(writerOptions(t!, ['id', 'b', 'x']), 'load'), [[2, blob, text]]);
    const back = await readAll(s, `SELECT id, b, x FROM ${quoteIdent(t!)} ORDER BY id`);
    assert.is(back.length, 2);
    for (const r of back) {
      assert.ok(Buffer.from(r[1] as Uint8Array).equals(Buffer.from(blob)), `blob of row ${String(r[0])}`);
      assert.ok(r[2] === text, `text of row ${String(r[0])}`);
    }
  });
});

db('zero and invalid dates read as the server text', async () => {
  const s = await mysqlDialect.connect(cfg);
  try {
    await s.execute("SET SESSION sql_mode = ''");
    await withTables(s, { z: 'id int PRIMARY KEY, d date, dt datetime, ts timestamp NULL DEFAULT NULL' }, async ({ z }) => {
      await s.execute(`INSERT INTO ${quoteIdent(z!)} VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'), (2, '2020-00-15', '2020-05-00 10:00:00', NULL)`);
      for (const mode of Object.keys(READ_MODES) as ReadMode[]) {
        const back = await readingWith(s, mode, () => readAll(s, `SELECT d, dt, ts FROM ${quoteIdent(z!)} ORDER BY id`));
        assert.equal(back, [
          ['0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'],
          ['2020-00-15', '2020-05-00 10:00:00', null],
        ], mode);
      }
    });
  } finally {
    await s.close();
  }
});

db('TIMESTAMP columns read and write as UTC whatever the server zone', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, ts timestamp(3) NULL DEFAULT NULL' }, async ({ t }) => {
    const instant = Date.UTC(2022, 2, 27, 1, 30, 0, 250); // a European DST night
    const w = await s.writer(writerOptions(t!, ['id', 'ts']));
    await w.writeBatch([[1, new DateTime(instant, 0, 'timestamptz')]]);
    const [[unix]] = (await s.query(`SELECT UNIX_TIMESTAMP(ts) * 1000 FROM ${quoteIdent(t!)}`)) as [[string]];
    assert.is(Number(unix), instant);
    const back = await readAll(s, `SELECT ts FROM ${quoteIdent(t!)}`);
    assert.equal(norm(back[0]![0]!), norm(new DateTime(instant, 0, 'timestamptz')));
  });
});

db('replace mode replaces whole rows', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, v varchar(10), n int' }, async ({ t }) => {
    const ins = await s.writer(writerOptions(t!, ['id', 'v', 'n']));
    await ins.writeBatch([[1, 'a', 1], [2, 'b', 2]]);
    const rep = await s.writer(writerOptions(t!, ['id', 'v', 'n'], { mode: 'replace' }));
    await rep.writeBatch([[2, 'B', null], [3, 'c', 3]]);
    assert.equal(await s.query(`SELECT id, v, n FROM ${quoteIdent(t!)} ORDER BY id`), [[1, 'a', 1], [2, 'B', null], [3, 'c', 3]]);
    const repLoad = await s.writerWith(writerOptions(t!, ['id', 'v'], { mode: 'replace' }), 'load');
    await loaded(repLoad, [[3, 'C'], [4, 'd']]);
    assert.equal(await s.query(`SELECT id, v, n FROM ${quoteIdent(t!)} ORDER BY id`), [[1, 'a', 1], [2, 'B', null], [3, 'C', null], [4, 'd', null]]);
  });
});

db('update mode: ON DUPLICATE KEY UPDATE sets only the written columns outside the key', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, v varchar(10), n int' }, async ({ t }) => {
    const ins = await s.writer(writerOptions(t!, ['id', 'v', 'n']));
    await ins.writeBatch([[1, 'a', 10], [2, 'b', 20]]);
    const upd = await s.writer(writerOptions(t!, ['id', 'v'], { mode: 'update' }));
    await upd.writeBatch([[1, 'z'], [4, 'd']]);
    assert.equal(await s.query(`SELECT id, v, n FROM ${quoteIdent(t!)} ORDER BY id`), [[1, 'z', 10], [2, 'b', 20], [4, 'd', null]]);
    // explicit conflict columns; a key-only column list is fine too
    const upd2 = await s.writer(writerOptions(t!, ['id', 'n'], { mode: 'update', conflictColumns: ['id'] }));
    await upd2.writeBatch([[2, 21]]);
    const keyOnly = await s.writer(writerOptions(t!, ['id'], { mode: 'update' }));
    await keyOnly.writeBatch([[2], [5]]);
    assert.equal(await s.query(`SELECT id, v, n FROM ${quoteIdent(t!)} ORDER BY id`), [[1, 'z', 10], [2, 'b', 21], [4, 'd', null], [5, null, null]]);
  });
});

db('a failed batch rolls back entirely (duplicate key in its second statement)', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, v varchar(10)' }, async ({ t }) => {
    const w = await s.writer(writerOptions(t!, ['id', 'v'], { batchSize: 2 }));
    const err = await rejects(w.writeBatch([[1, 'a'], [2, 'b'], [3, 'c'], [1, 'dup']]));
    assert.match(err.message, /Duplicate entry/);
    assert.match(err.message, new RegExp(`MySQL ${cfg.label.replace(/[.]/g, '\\.')}: cannot write 4 rows to ${t}`));
    assert.is(err.retryable, false);
    assert.equal(await s.query(`SELECT COUNT(*) FROM ${quoteIdent(t!)}`), [[0]]);
    // the session is still good
    await w.writeBatch([[1, 'a']]);
    assert.equal(await s.query(`SELECT COUNT(*) FROM ${quoteIdent(t!)}`), [[1]]);
    // LOAD DATA LOCAL would skip the duplicate with a warning: it fails like INSERT instead
    const load = await s.writerWith(writerOptions(t!, ['id', 'v']), 'load');
    const err2 = await rejects(loaded(load, [[5, 'e'], [1, 'dup']]));
    assert.match(err2.message, /loaded 1 of 2 rows.*Duplicate entry/, err2.message);
    assert.instance(err2, RecordError, 'a refused LOAD batch is isolated row by row, not the end of the task');
    assert.is((err2 as RecordError).dbCode, 'ER_DUP_ENTRY');
    assert.equal(await s.query(`SELECT COUNT(*) FROM ${quoteIdent(t!)}`), [[1]]);
  });
});

db('LOAD DATA: a refused row (duplicate key, bad value) refuses the whole batch with the server\'s reason and row; a note (rounding) does not; writeBatch inserts', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, n int NOT NULL, d decimal(6,2)' }, async ({ t }) => {
    const count = async (): Promise<number> => Number((await s.query(`SELECT COUNT(*) FROM ${quoteIdent(t!)}`))[0]![0]);
    const w = await s.writerWith(writerOptions(t!, ['id', 'n', 'd']), 'load');
    await loaded(w, [[1, 1, '1.50'], [2, 2, null]]);
    // LOCAL would store 0 for 'abc' and skip the duplicate, both with a warning: refused instead
    const bad = await rejects(loaded(w, [[3, 3, null], [4, 'abc', null], [5, 5, null]]));
    assert.instance(bad, RecordError);
    assert.is((bad as RecordError).rowIndex, 1, 'the row the warning names, counted from 0');
    assert.is((bad as RecordError).column, 'n');
    assert.match(bad.message, /LOAD DATA into .* loaded 3 of 3 rows with 1 warnings: Incorrect integer value: 'abc'/);
    const dup = await rejects(loaded(w, [[6, 6, null], [1, 7, null]]));
    assert.instance(dup, RecordError);
    assert.is((dup as RecordError).rowIndex, undefined, 'a duplicate key warning names no row: the batch writer halves it');
    const nul = await rejects(loaded(w, [[8, null, null]]));
    assert.is((nul as RecordError).dbCode, 'ER_WARN_NULL_TO_NOTNULL');
    assert.is(await count(), 2, 'refused batches are rolled back');
    // 1.005 rounds to 1.01 with a note, which INSERT takes as well
    await loaded(w, [[9, 9, new Decimal('1.005')]]);
    assert.equal(await s.query(`SELECT d FROM ${quoteIdent(t!)} WHERE id = 9`), [['1.01']]);
    // the batch writer's retries and isolation: INSERT, with its own reasons
    const ins = await rejects(w.writeBatch([[10, 10, null], [1, 1, null]]));
    assert.match(ins.message, /cannot write 2 rows to .*: Duplicate entry '1' for key 'PRIMARY' \(ER_DUP_ENTRY\)/);
    const insNull = await rejects(w.writeBatch([[11, null, null]]));
    assert.is((insNull as RecordError).dbCode, 'ER_BAD_NULL_ERROR');
    // a streamed batch given up on (the batch writer goes on with writeBatch) is rolled back
    await w.add!([[12, 12, null]]);
    await w.writeBatch([[13, 13, null]]);
    assert.equal(await s.query(`SELECT id FROM ${quoteIdent(t!)} ORDER BY id`), [[1], [2], [9], [13]]);
  });
});

db('NaN and Infinity: a FerryError naming the column, nothing written', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, price double' }, async ({ t }) => {
    const w = await s.writer(writerOptions(t!, ['id', 'price'], { batchSize: 1 }));
    const err = await rejects(w.writeBatch([[1, 1.5], [2, NaN]]));
    assert.instance(err, MysqlValueError);
    assert.match(err.message, /column "price": NaN cannot be written/);
    assert.equal(await s.query(`SELECT COUNT(*) FROM ${quoteIdent(t!)}`), [[0]]);
    const load = await s.writerWith(writerOptions(t!, ['id', 'price']), 'load');
    assert.match((await rejects(loaded(load, [[3, -Infinity]]))).message, /column "price": -Infinity/);
  });
});

db('statements are cut by batchSize and batchBytes; one record above max_allowed_packet is refused', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, v longtext' }, async ({ t }) => {
    const rows: Row[] = Array.from({ length: 500 }, (_, i) => [i, `value ${i} ${'x'.repeat(i)}`]);
    const inserts = async (): Promise<number> => Number(((await s.query("SHOW SESSION STATUS LIKE 'Com_insert'")) as string[][])[0]![1]);
    const w = await s.writer(writerOptions(t!, ['id', 'v'], { batchSize: 64, batchBytes: 2000 }));
    const before = await inserts();
    await w.writeBatch(rows);
    const statements = (await inserts()) - before;
    // 64 rows at most, and about 2000 bytes: short rows go 64 at a time, long ones alone or in pairs
    assert.ok(statements > 500 / 64 && statements < 500, `${statements} statements`);
    const chars = rows.reduce((n, r) => n + (r[1] as string).length, 0);
    assert.equal(await s.query(`SELECT COUNT(*), SUM(LENGTH(v)) FROM ${quoteIdent(t!)}`), [[500, String(chars)]]);
    const once = await s.writer(writerOptions(t!, ['id', 'v'], { batchSize: 64, batchBytes: 100 }));
    const before2 = await inserts();
    await once.writeBatch([[600, 'z'.repeat(5000)]]); // above batchBytes: goes alone
    assert.is((await inserts()) - before2, 1);
    const big = 'y'.repeat(s.maxAllowedPacket + 10);
    const err = await rejects(w.writeBatch([[1000, big]]));
    assert.is((err as RecordError).dbCode, 'FERRY_RECORD_TOO_LARGE', 'a record too large is a dirty record, not a failure of the job');
    assert.match(err.message, /max_allowed_packet/);
  });
});

db('writer with a column count mismatch or a missing table fails clearly', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, v int' }, async ({ t }) => {
    const w = await s.writer(writerOptions(t!, ['id', 'v']));
    assert.match((await rejects(w.writeBatch([[1]]))).message, /a record has 1 fields for 2 columns/);
  });
  const missing = uniq('missing');
  assert.is((await rejects(s.writer(writerOptions(missing, ['id'])))).message, `table "${missing}" does not exist in ${cfg.label}`);
});

db('weird table names: quotes, semicolons, backticks, database-qualified', async (s) => {
  const suffix = randomBytes(3).toString('hex');
  for (const name of [`we"ird;drop_${suffix}`, `back\`tick_${suffix}`, `${cfg.database}.dotted space ${suffix}`]) {
    const q = quoteIdent(name);
    try {
      await s.execute(`CREATE TABLE ${q} (\`id\` int PRIMARY KEY, \`we"ird col\` varchar(10), \`tick\`\`col\` int)`);
      const int = s.serverIsMariaDb ? 'int(11)' : 'int';
      assert.equal(await s.columns(name), [
        { name: 'id', dbType: int, nullable: false },
        { name: 'we"ird col', dbType: 'varchar(10)', nullable: true },
        { name: 'tick`col', dbType: int, nullable: true },
      ]);
      assert.equal(await s.keyColumns(name), ['id']);
      const cols = ['id', 'we"ird col', '`tick``col`'];
      await (await s.writer(writerOptions(name, cols))).writeBatch([[1, 'a', 1], [2, 'b', 2]]);
      await (await s.writer(writerOptions(name, cols, { mode: 'update' }))).writeBatch([[2, 'B', 3]]);
      await loaded(await s.writerWith(writerOptions(name, cols, { mode: 'insert' }), 'load'), [[3, 'c', 4]]);
      assert.equal(await readAll(s, `SELECT * FROM ${q} ORDER BY id`), [[1, 'a', 1], [2, 'B', 3], [3, 'c', 4]]);
    } finally {
      await s.execute(`DROP TABLE IF EXISTS ${q}`);
    }
  }
});

db('metadata: lower-case column types, nullability, primary then unique keys', async (s) => {
  await withTables(s, {
    meta: 'a bigint NOT NULL, b int, c bigint unsigned, d tinyint(1), e decimal(12,2), f varchar(40), g datetime(6), h JSON, PRIMARY KEY (b, a), UNIQUE KEY uq (f)',
    uniq: 'x int, y varchar(5) NOT NULL, z int, UNIQUE KEY u2 (z, y)',
    none: 'x int, KEY k (x)',
  }, async ({ meta, uniq: uq, none }) => {
    const cols = await s.columns(meta!);
    const widths = (t: string): string => (s.serverIsMariaDb ? t : t.replace(/(int)\(\d+\)/, '$1'));
    assert.equal(cols.map((c) => c.name), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    assert.equal(cols.map((c) => c.dbType), [widths('bigint(20)'), widths('int(11)'), widths('bigint(20)') + ' unsigned', 'tinyint(1)', 'decimal(12,2)', 'varchar(40)', 'datetime(6)', s.serverIsMariaDb ? 'longtext' : 'json']);
    assert.equal(cols.map((c) => c.nullable), [false, false, true, true, true, true, true, true]);
    assert.equal(await s.keyColumns(meta!), ['b', 'a']);
    assert.equal(await s.keyColumns(uq!), ['z', 'y']);
    assert.equal(await s.keyColumns(none!), []);
    assert.equal((await s.columns(`${cfg.database}.${meta}`)).length, 8);
  });
});

db('metadata of t and T on a case-sensitive server: each its own', async (s) => {
  const [[lower]] = (await s.query('SELECT @@lower_case_table_names')) as [[number]];
  if (Number(lower) !== 0) return;
  const base = uniq('case');
  const upper = base.toUpperCase();
  try {
    await s.execute(`CREATE TABLE ${quoteIdent(base)} (a int PRIMARY KEY)`);
    await s.execute(`CREATE TABLE ${quoteIdent(upper)} (b int, c int, UNIQUE KEY (c))`);
    assert.equal((await s.columns(base)).map((c) => c.name), ['a']);
    assert.equal((await s.columns(upper)).map((c) => c.name), ['b', 'c']);
    assert.equal(await s.keyColumns(base), ['a']);
    assert.equal(await s.keyColumns(upper), ['c']);
  } finally {
    await s.execute(`DROP TABLE IF EXISTS ${quoteIdent(base)}`);
    await s.execute(`DROP TABLE IF EXISTS ${quoteIdent(upper)}`);
  }
});

db('a missing table: one clear message', async (s) => {
  const name = uniq('nope');
  const err = await rejects(s.columns(name));
  assert.is(err.message, `table "${name}" does not exist in ${cfg.label}`);
  assert.is((await rejects(s.keyColumns(name))).message, `table "${name}" does not exist in ${cfg.label}`);
  assert.is((await rejects(s.columns(`other_db_${name}.${name}`))).message, `table "other_db_${name}.${name}" does not exist in ${cfg.label}`);
});

db('connect errors: refused (retryable), unknown database, wrong password (never shown)', async (s) => {
  const refused = await rejects(mysqlDialect.connect({ ...cfg, port: 1, label: `${cfg.host}:1/${cfg.database}` }));
  assert.is(refused.code, 'FERRY_DB_CONNECT');
  assert.is(refused.retryable, true);
  assert.match(refused.message, new RegExp(`^cannot connect to MySQL at ${cfg.host.replace(/\./g, '\\.')}:1/${cfg.database} as ${cfg.user}: .*ECONNREFUSED`));
  assert.not.match(refused.message, /\n/);

  const nodb = await rejects(mysqlDialect.connect({ ...cfg, database: 'ferry_no_such_db', label: `${cfg.host}:${cfg.port}/ferry_no_such_db` }));
  assert.is(nodb.code, 'FERRY_DB_CONNECT');
  assert.is(nodb.retryable, false);
  assert.match(nodb.message, /^cannot connect to MySQL at .*\/ferry_no_such_db as .*: Unknown database 'ferry_no_such_db'/);

  const user = `ferry_u_${randomBytes(3).toString('hex')}`;
  const password = `Pw-${randomBytes(6).toString('hex')}`;
  await s.execute(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
  await s.execute(`CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`);
  try {
    await s.execute(`GRANT SELECT ON \`${cfg.database}\`.* TO '${user}'@'%'`);
    await s.execute(`GRANT SELECT ON \`${cfg.database}\`.* TO '${user}'@'localhost'`);
    const url = `mysql://${cfg.host}:${cfg.port}/${cfg.database}`;
    const good = await mysqlDialect.connect(parseConnectionUrl(url, 'mysql', 'spec', user, password));
    assert.equal(await good.query('SELECT CURRENT_USER() LIKE ?', [`${user}@%`]), [[1]]);
    await good.close();
    const wrongPassword = `${password}-wrong`;
    const denied = await rejects(mysqlDialect.connect(parseConnectionUrl(url, 'mysql', 'spec', user, wrongPassword)));
    assert.is(denied.code, 'FERRY_DB_CONNECT');
    assert.is(denied.retryable, false);
    assert.match(denied.message, new RegExp(`^cannot connect to MySQL at ${cfg.label.replace(/\./g, '\\.')} as ${user}: Access denied for user '${user}'`));
    assert.not.ok(denied.message.includes(password), 'the password must not show');
  } finally {
    await s.execute(`DROP USER IF EXISTS '${user}'@'%'`);
    await s.execute(`DROP USER IF EXISTS '${user}'@'localhost'`);
  }
});

db('stream: small fetchSize over many rows, batches bounded, order kept', async (s) => {
  await withTables(s, { t: 'id int PRIMARY KEY, v varchar(20)' }, async ({ t }) => {
    const rows: Row[] = Array.from({ length: 10_000 }, (_, i) => [i + 1, `v${i + 1}`]);
    await (await s.writer(writerOptions(t!, ['id', 'v'], { batchSize: 1000 }))).writeBatch(rows);
    let count = 0;
    let batches = 0;
    let slow = 0;
    for await (const batch of s.stream(`SELECT id, v FROM ${quoteIdent(t!)} ORDER BY id`, { fetchSize: 7 })) {
      batches++;
      assert.ok(batch.length >= 1 && batch.length <= 7);
      for (const r of batch) {
        count++;
        assert.is(r[0], count);
        assert.is(r[1], `v${count}`);
      }
      if (++slow % 200 === 0) await new Promise((r) => setTimeout(r, 1)); // a slow consumer now and then
    }
    assert.is(count, 10_000);
    assert.is(batches, Math.ceil(10_000 / 7));
    // the default batch size, and a statement without rows
    const all = await readAll(s, `SELECT id FROM ${quoteIdent(t!)}`);
    assert.is(all.length, 10_000);
    assert.equal(await readAll(s, 'DO 1'), []);
  });
});

/** Far more rows than any test reads, on MySQL and MariaDB alike. */
const MANY_ROWS = 'information_schema.COLUMNS a, information_schema.COLUMNS b';

db('stream: backpressure keeps the unread part of a large result on the server side', async (s) => {
  // ~64 MB of rows; a consumer that holds on after the first batch leaves the rest unread.
  const it = s.stream(`SELECT REPEAT('x', 1000) FROM ${MANY_ROWS} LIMIT 64000`, { fetchSize: 100 })[Symbol.asyncIterator]();
  try {
    const first = await it.next();
    assert.is((first.value as Row[]).length, 100);
    const before = process.memoryUsage().rss;
    await new Promise((r) => setTimeout(r, 300));
    const grown = process.memoryUsage().rss - before;
    assert.ok(grown < 32 * 1024 * 1024, `memory grew by ${grown} bytes while the consumer waited`);
    let n = 100;
    for (let r = await it.next(); !r.done; r = await it.next()) n += (r.value as Row[]).length;
    assert.ok(n > 1000, `read ${n} rows`);
  } finally {
    await it.return?.(undefined);
  }
  assert.equal(await s.query('SELECT 1'), [[1]]);
});

db('stream: errors, abort and an abandoned stream', async () => {
  const s = await mysqlDialect.connect(cfg);
  try {
    const missing = uniq('gone');
    const err = await rejects(readAll(s, `SELECT * FROM ${missing}`));
    assert.match(err.message, new RegExp(`MySQL .*: query failed \\(SELECT \\* FROM ${missing}\\): Table '.*${missing}' doesn't exist`));
    assert.equal(await s.query('SELECT 2'), [[2]]);

    const ac = new AbortController();
    const abortedErr = await rejects((async () => {
      for await (const _ of s.stream(`SELECT 1 FROM ${MANY_ROWS}`, { fetchSize: 10, signal: ac.signal })) ac.abort();
    })());
    assert.is(abortedErr.code, 'FERRY_ABORTED');
    // the connection went with the abandoned result: later calls say so, close() does not throw
    const lost = await rejects(s.query('SELECT 3'));
    assert.match(lost.message, /connection lost/);
    assert.is(lost.retryable, true);
  } finally {
    await s.close();
    await s.close();
  }

  const s3 = await mysqlDialect.connect(cfg);
  for await (const batch of s3.stream(`SELECT 1 FROM ${MANY_ROWS}`, { fetchSize: 10 })) {
    assert.is(batch.length, 10);
    break;
  }
  assert.match((await rejects(s3.query('SELECT 1'))).message, /abandoned/);
  await s3.close();
});

db('query and execute: parameters, DataX values as parameters, errors name the statement', async (s) => {
  assert.equal(await s.query('SELECT ? + 1, ?, ?', [41, 'a?b', new Decimal('1.25')]), [[42, 'a?b', '1.25']]);
  assert.equal(await s.query("SELECT '?'"), [['?']]);
  assert.equal(await s.query('SELECT ?', [new DateTime(Date.UTC(2020, 0, 1, 1, 2, 3), 4, 'timestamp')]), [['2020-01-01 01:02:03.000004']]);
  assert.equal(await s.query('SELECT @@time_zone, @@character_set_client, @@character_set_results'), [['+00:00', 'utf8mb4', 'utf8mb4']]);
  await s.execute("SET @ferry_x = 'ok'");
  assert.equal(await s.query('SELECT @ferry_x'), [['ok']]);
  assert.equal(await s.query('SET @ferry_y = 1'), []);
  const err = await rejects(s.execute('SELEC 1'));
  assert.match(err.message, /statement failed \(SELEC 1\): You have an error in your SQL syntax/);
  // no multiple statements
  await rejects(s.execute('SELECT 1; SELECT 2'));
});

db('close is idempotent and never throws, also on a dead connection', async () => {
  const s = await mysqlDialect.connect(cfg);
  s.conn.destroy();
  await s.close();
  await s.close();
  assert.match((await rejects(s.query('SELECT 1'))).message, /closed/);
});

test.run();
