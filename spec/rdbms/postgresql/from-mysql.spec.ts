/**
 * MySQL → PostgreSQL without a value per field: MySQL's pass-through text goes into COPY as it
 * is where each MySQL type's text is read as the same value by its PostgreSQL column. The target
 * equals what the row path writes, edge values included; a row the server refuses is a dirty
 * record with its reason; a pair not listed keeps the row path, saying why.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { explainJob, runJob } from '../../../lib/index.js';
import { mysqlTextInto } from '../../../lib/rdbms/postgresql/from-mysql.js';
import { databases } from '../databases.js';
import { readerOf, writerOf } from '../jobs.js';
import { tempDir } from '../../helpers.js';

const { dbs, close } = await databases();
const pg = dbs.find((d) => d.name === 'postgresql');
const my = dbs.find((d) => d.name === 'mysql');

const MY_COLUMNS = `id bigint PRIMARY KEY, ti tinyint, si smallint unsigned, mi mediumint, i int, bi bigint unsigned, y year,
  d decimal(20,6), f float, db double, dt date, dtm datetime(6), ts timestamp(3) NULL, tm time(6),
  c char(5), v varchar(30), t text, e enum('a','b'), st set('x','y')`;
const PG_COLUMNS = `id bigint PRIMARY KEY, ti smallint, si integer, mi integer, i bigint, bi numeric, y smallint,
  d numeric(20,6), f real, db double precision, dt date, dtm timestamp(6), ts timestamp(3), tm interval,
  c character(5), v varchar(30), t text, e text, st varchar(10)`;
const ROWS = `
  (1, -128, 65535, -8388608, -2147483648, 18446744073709551615, 1901, -99999999999999.999999, 0.1, 0.1,
   '1000-01-01', '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.999', '-838:59:59', 'ab', 'ü ✓\\ttab\\nnl \\\\ back', 'cr\\rhere', 'b', 'x,y'),
  (2, 127, 0, 8388607, 2147483647, 0, 2155, 0.000001, 3.4e38, -1.5e-7,
   '9999-12-31', '1000-01-01 00:00:00', '1970-01-01 00:00:01', '838:59:59.999999', '', '', '', 'a', ''),
  (3, 0, 1, 0, 0, 9007199254740993, 2000, 12.5, -1e-30, 1e300,
   '2000-02-29', '1999-12-31 23:59:59.5', NULL, '00:00:00', 'abcde', 'N', '\\\\N', NULL, 'y'),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

if (pg && my) {
  const withTables = async (fn: (src: string, dst: string) => Promise<void>, myColumns = MY_COLUMNS, pgColumns = PG_COLUMNS): Promise<void> => {
    const src = my.table('from_my_src');
    const dst = pg.table('from_my_dst');
    await my.session.execute(`CREATE TABLE ${my.dialect.quoteIdent(src)} (${myColumns})`);
    await pg.session.execute(`CREATE TABLE ${pg.dialect.quoteIdent(dst)} (${pgColumns})`);
    try {
      await fn(src, dst);
    } finally {
      await my.session.execute(`DROP TABLE IF EXISTS ${my.dialect.quoteIdent(src)}`);
      await pg.session.execute(`DROP TABLE IF EXISTS ${pg.dialect.quoteIdent(dst)}`);
    }
  };
  const jobOf = (src: string, dst: string, extra: { rowPath?: boolean; dirty?: string } = {}): object => ({
    job: {
      setting: { speed: { channel: 2 }, ...(extra.dirty ? { errorLimit: { record: 10 }, dirty: { path: extra.dirty } } : {}) },
      content: [{
        reader: readerOf(my, { column: ['*'], splitPk: 'id', connection: [{ jdbcUrl: [my.jdbcUrl], table: [src] }] }),
        writer: writerOf(pg, dst, { column: ['*'], preSql: ['TRUNCATE @table'] }),
        // A filter that drops nothing: the same job on the row path, values parsed and formatted.
        ...(extra.rowPath ? { transformer: [{ name: 'dx_filter', parameter: { columnIndex: 0, paras: ['<', '-1'] } }] } : {}),
      }],
    },
  });
  /** Every row as PostgreSQL's own text, in key order. */
  const text = async (table: string): Promise<string[]> => (await pg.session.query(`SELECT r::text FROM ${pg.dialect.quoteIdent(table)} r ORDER BY id`)).map((r) => String(r[0]));

  test('mysql → postgresql: every listed type pair, edge values and NULLs: --explain says mysql-load-text; the target equals the row path\'s, value for value', async () => {
    await withTables(async (src, dst) => {
      await my.session.execute(`INSERT INTO ${my.dialect.quoteIdent(src)} VALUES ${ROWS}`);
      const [path] = await explainJob(jobOf(src, dst));
      assert.is(path?.path, 'pass-through', path?.why);
      assert.match(path!.why, /^mysql-load-text: whole lines from mysqlreader into postgresqlwriter's COPY/);
      const [rowPath] = await explainJob(jobOf(src, dst, { rowPath: true }));
      assert.is(rowPath?.path, 'COPY', rowPath?.why);

      const summary = await runJob(jobOf(src, dst));
      assert.is(summary.state, 'succeeded');
      assert.is(summary.recordsWritten, 4);
      const passed = await text(dst);
      const [first] = await pg.session.query(`SELECT to_jsonb(r)::text FROM ${pg.dialect.quoteIdent(dst)} r WHERE id = 1`);
      // Each value as PostgreSQL holds it: CHAR padded, FLOAT 0.1 read back by real as 0.1, the unsigned bigint exact, TIME past a day as an interval.
      assert.is(String(first![0]), String.raw`{"c": "ab   ", "d": -99999999999999.999999, "e": "b", "f": 0.1, "i": -2147483648, "t": "cr\rhere", "v": "ü ✓\ttab\nnl \\ back", "y": 1901, "bi": 18446744073709551615, "db": 0.1, "dt": "1000-01-01", "id": 1, "mi": -8388608, "si": 65535, "st": "x,y", "ti": -128, "tm": "-838:59:59", "ts": "2038-01-19T03:14:07.999", "dtm": "2024-02-29T23:59:59.999999"}`);
      await runJob(jobOf(src, dst, { rowPath: true }));
      assert.equal(passed, await text(dst), 'the same rows as the row path writes');
    });
  });

  test('mysql → postgresql: a zero date and a NUL byte are refused by the server: dirty records with its reasons, every other row once', async () => {
    const { dir, cleanup } = tempDir();
    try {
      await withTables(async (src, dst) => {
        await my.session.execute(`SET SESSION sql_mode = ''`);
        await my.session.execute(`INSERT INTO ${my.dialect.quoteIdent(src)} VALUES (1, '2024-01-02', 'a'), (2, '0000-00-00', 'b'), (3, '2024-01-03', CONCAT('x', CHAR(0), 'y')), (4, '2024-01-04', 'd')`);
        const summary = await runJob(jobOf(src, dst, { dirty: dir }));
        assert.is(summary.state, 'succeeded');
        assert.is(summary.recordsWritten, 2);
        assert.equal(await text(dst), ['(1,2024-01-02,a)', '(4,2024-01-04,d)']);
        const [file] = readdirSync(dir);
        const lines = readFileSync(join(dir, file!), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { values: unknown[]; message: string });
        assert.equal(lines.map((l) => l.values[0]).sort(), ['2', '3']);
        assert.match(lines.find((l) => l.values[0] === '2')!.message, /date\/time field value out of range: "0000-00-00"/);
        assert.match(lines.find((l) => l.values[0] === '3')!.message, /invalid byte sequence for encoding "UTF8": 0x00/);
      }, 'id int PRIMARY KEY, day date, v varchar(10)', 'id int PRIMARY KEY, day date, v varchar(10)');
    } finally {
      cleanup();
      await my.session.execute(`SET SESSION sql_mode = DEFAULT`);
    }
  });

  test('mysql → postgresql: a pair whose text is read differently keeps the row path, and --explain names the column', async () => {
    await withTables(async (src, dst) => {
      const [path] = await explainJob(jobOf(src, dst));
      assert.is(path?.path, 'COPY');
      assert.match(path!.why, /no pass-through: column flag: MySQL's tinyint\(1\) text is not read as the same value by a boolean column$/);
    }, 'id int PRIMARY KEY, flag tinyint(1)', 'id int PRIMARY KEY, flag boolean');
  });
}

test('the MySQL → PostgreSQL list: digits into integers and numeric, floats into floats, wall-clock time into timestamps without a zone, text into text', () => {
  assert.is(mysqlTextInto('bigint(20) unsigned', 'numeric'), undefined);
  assert.is(mysqlTextInto('datetime(6)', 'timestamp(6) without time zone'), undefined);
  assert.is(mysqlTextInto('varchar(40)', 'character varying(40)'), undefined);
  assert.is(mysqlTextInto('datetime', 'timestamp with time zone'), "MySQL's datetime text is not read as the same value by a timestamp with time zone column");
  assert.is(mysqlTextInto('varbinary(16)', 'bytea'), 'a MySQL varbinary(16) column is read as a value');
  assert.is(mysqlTextInto('json', 'jsonb'), 'a MySQL json column is read as a value');
  assert.is(mysqlTextInto('double', 'numeric'), "MySQL's double text is not read as the same value by a numeric column");
});

test.after(close);
test.run();
