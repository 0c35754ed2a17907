/**
 * `ferry copy <source-url> <target-url> --table t --create`: the job built in memory, the
 * target table created with the README's type mapping, keys and NOT NULL kept, and the rows
 * on both sides equal by checksum.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { runCli } from '../helpers.js';
import { databases, type TestDatabase } from '../rdbms/databases.js';
import { createAllTypes, dropAllTypes, seedAllTypes, tableText } from '../rdbms/fixtures.js';
import { Decimal, type Value } from '../../channel/value.js';
import { runJob } from '../../lib/index.js';
import { readerOf, writerOf } from '../rdbms/jobs.js';

const { dbs, close } = await databases();
const pg = dbs.find((d) => d.name === 'postgresql');
const my = dbs.find((d) => d.name === 'mysql');

const sum = (rows: string[]): string => createHash('sha256').update(rows.join('\n')).digest('hex');

/** Numbers of any width as their digits: int unsigned → bigint, bigint unsigned → numeric. */
function loose(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return `n:${String(v)}`;
  if (v instanceof Decimal) return `n:${v.text}`;
  if (v instanceof Uint8Array) return `hex:${Buffer.from(v).toString('hex')}`;
  return `${typeof v}:${String(v)}`;
}

async function looseText(db: TestDatabase, table: string, columns: string[]): Promise<string[]> {
  const out: string[] = [];
  const q = db.dialect.quoteIdent;
  for await (const batch of db.session.stream(`SELECT ${columns.map(q).join(', ')} FROM ${q(table)} ORDER BY 1`, {})) for (const row of batch) out.push(row.map(loose).join(' | '));
  return out;
}

async function pgShape(table: string): Promise<string[]> {
  const rows = await pg!.session.query(
    `SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
       FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 ORDER BY a.attnum`, [pg!.dialect.quoteIdent(table)]);
  return rows.map((r) => String(r[0]));
}

const EXTRA_COLUMNS = ['id', 'ti', 'si', 'mi', 'iu', 'bu', 'yr', 'fl', 'bt', 'ch', 'vc', 'st', 'vb', 'bl', 'tx'];

if (pg && my) {
  test('ferry copy --create MySQL → PostgreSQL: every type of the fixture, rows equal by checksum', async () => {
    const from = my.table('copysrc');
    const to = from; // copy keeps the name
    try {
      for (const s of [...createAllTypes(my, from), seedAllTypes(my, from)]) await my.session.execute(s);
      const r = await runCli(['copy', my.url, pg.url, '--table', from, '--create', '--quiet']);
      assert.is(r.code, 0, r.stderr);
      const a = await tableText(my, from);
      const b = await tableText(pg, to);
      assert.is(b.length, 4);
      assert.is(sum(b), sum(a));
      const shape = await pgShape(to);
      assert.ok(shape.includes('id bigint not null'), shape.join(', '));
      assert.ok(shape.includes('num numeric(40,10)'), shape.join(', '));
      assert.ok(shape.includes('tstz timestamp(6) with time zone'), shape.join(', '));
      assert.ok(shape.includes('b boolean'), shape.join(', '));
      assert.equal(await pg.session.keyColumns(to), ['id']);
    } finally {
      for (const s of dropAllTypes(my, from)) await my.session.execute(s);
      await pg.session.execute(`DROP TABLE IF EXISTS ${pg.dialect.quoteIdent(to)}`);
    }
  });

  test('ferry copy --create MySQL → PostgreSQL: the rest of the README mapping (widths, unsigned, year, bit, set, blobs)', async () => {
    const t = my.table('copyx');
    const q = my.dialect.quoteIdent(t);
    try {
      await my.session.execute(`CREATE TABLE ${q} (id int NOT NULL, ti tinyint NOT NULL, si smallint, mi mediumint, iu int unsigned, bu bigint unsigned,
        yr year, fl float, bt bit(1), ch char(3), vc varchar(10) NOT NULL, st set('a','b'), vb varbinary(4), bl blob, tx text, PRIMARY KEY (id))`);
      await my.session.execute(`INSERT INTO ${q} VALUES (1, -128, -32768, 8388607, 4294967295, 18446744073709551615, 2024, 2.5, b'1', 'abc', 'vé', 'a,b', X'00ff', X'0102', 'long text'),
        (2, 127, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, NULL, NULL)`);
      const r = await runCli(['copy', my.url, pg.url, '--table', t, '--create', '--quiet']);
      assert.is(r.code, 0, r.stderr);
      assert.equal(await pgShape(t), [
        'id integer not null', 'ti smallint not null', 'si smallint', 'mi integer', 'iu bigint', 'bu numeric(20,0)', 'yr smallint', 'fl real',
        'bt boolean', 'ch character(3)', 'vc character varying(10) not null', 'st text', 'vb bytea', 'bl bytea', 'tx text',
      ]);
      const a = await looseText(my, t, EXTRA_COLUMNS);
      const b = await looseText(pg, t, EXTRA_COLUMNS);
      assert.is(b.length, 2);
      assert.is(sum(b), sum(a), `${a.join('\n')}\n---\n${b.join('\n')}`);
    } finally {
      await my.session.execute(`DROP TABLE IF EXISTS ${q}`);
      await pg.session.execute(`DROP TABLE IF EXISTS ${pg.dialect.quoteIdent(t)}`);
    }
  });

  test('ferry copy --create PostgreSQL → MySQL and PostgreSQL → PostgreSQL of a small table', async () => {
    const t = pg.table('copypg');
    const q = pg.dialect.quoteIdent(t);
    const other = `${t}_b`;
    try {
      await pg.session.execute(`CREATE TABLE ${q} (id integer PRIMARY KEY, name varchar(20) NOT NULL, amount numeric(12,2), ok boolean, at timestamp(6))`);
      await pg.session.execute(`INSERT INTO ${q} VALUES (1, 'one', 12.50, true, '2024-01-02 03:04:05.123456'), (2, '', NULL, NULL, NULL)`);
      const r1 = await runCli(['copy', pg.url, my.url, '--table', t, '--create', '--quiet']);
      assert.is(r1.code, 0, r1.stderr);
      const cols = await my.session.columns(t);
      assert.equal(cols.map((c) => `${c.name} ${c.dbType.replace(/^int\(\d+\)/, 'int')}${c.nullable ? '' : ' not null'}`), ['id int not null', 'name varchar(20) not null', 'amount decimal(12,2)', 'ok tinyint(1)', 'at datetime(6)']);
      assert.equal(await my.session.keyColumns(t), ['id']);
      const names = ['id', 'name', 'amount', 'ok', 'at'];
      assert.equal(await tableText(my, t, names), await tableText(pg, t, names));
      // PG → PG through the writer option of a job file, into a table of another name.
      const summary = await runJob({
        job: { content: [{ reader: readerOf(pg, { column: ['*'], connection: [{ jdbcUrl: [pg.jdbcUrl], table: [t] }] }), writer: writerOf(pg, other, { column: ['*'], createTable: true }) }] },
      });
      assert.is(summary.recordsWritten, 2);
      assert.equal(await pgShape(other), ['id integer not null', 'name character varying(20) not null', 'amount numeric(12,2)', 'ok boolean', 'at timestamp(6) without time zone']);
      assert.equal(await pg.session.keyColumns(other), ['id']);
      assert.is(sum(await tableText(pg, other, names)), sum(await tableText(pg, t, names)));
    } finally {
      await pg.session.execute(`DROP TABLE IF EXISTS ${q}`);
      await pg.session.execute(`DROP TABLE IF EXISTS ${pg.dialect.quoteIdent(other)}`);
      await my.session.execute(`DROP TABLE IF EXISTS ${my.dialect.quoteIdent(t)}`);
    }
  });
}

test('ferry copy --print-job: the job it builds, the password masked, nothing run', async () => {
  const r = await runCli(['copy', 'mysql://root:s3cret@127.0.0.1:3306/db', 'postgres://u:pw@127.0.0.1/db', '--table', 'a', '--table', 'b', '--channel', '3', '--create', '--print-job']);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(r.stdout.includes('s3cret') || r.stdout.includes(':pw@'), r.stdout);
  const job = JSON.parse(r.stdout) as { job: { setting: { speed: { channel: number } }; content: Array<{ reader: { name: string; parameter: { connection: Array<{ table: string[]; jdbcUrl: string[] }> } }; writer: { name: string; parameter: { createTable: boolean; connection: Array<{ table: string }> } } }> } };
  assert.is(job.job.setting.speed.channel, 3);
  assert.equal(job.job.content.map((c) => [c.reader.name, c.reader.parameter.connection[0]!.table[0], c.writer.name, c.writer.parameter.connection[0]!.table, c.writer.parameter.createTable]), [
    ['mysqlreader', 'a', 'postgresqlwriter', 'a', true],
    ['mysqlreader', 'b', 'postgresqlwriter', 'b', true],
  ]);
  assert.is(job.job.content[0]!.reader.parameter.connection[0]!.jdbcUrl[0], 'mysql://root:******@127.0.0.1:3306/db');
});

test('ferry copy with a URL that is not a database URL: one line, exit 2', async () => {
  const r = await runCli(['copy', 'http://x/db', 'postgres://u@h/db', '--table', 'a']);
  assert.is(r.code, 2);
  assert.is(r.stderr.trim(), 'error: <source-url>: expected mysql://user:pass@host:3306/db or postgres://user@host:5432/db, got "http://x/db"');
});

test.after(close);
test.run();
