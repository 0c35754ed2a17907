/**
 * The binary COPY pass-through between PostgreSQL tables of the same built-in types: every type
 * it takes goes through a job unchanged, edge values included; a refused tuple decodes into the
 * text PostgreSQL itself prints; a type outside the list keeps the text pass-through.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainJob, runJob } from '../../../lib/index.js';
import { binaryTuples, binaryPassThroughType } from '../../../lib/rdbms/postgresql/copy-binary.js';
import type { PgSession } from '../../../lib/rdbms/postgresql/dialect.js';
import { recordsAfter, splitRecords, textLines } from '../../../lib/rdbms/pass-through.js';
import { databases } from '../databases.js';
import { readerOf, writerOf } from '../jobs.js';

const { dbs, close } = await databases();
const db = dbs.find((d) => d.name === 'postgresql');

const COLUMNS = `id bigint PRIMARY KEY, s smallint, i integer, d double precision, n numeric(20,6), big numeric,
  v varchar(30), c char(5), t text, b boolean, raw bytea, day date, ts timestamp(6), tz timestamptz`;
const ROWS = `
  (1, 0, 0, 0, 0, 0, '', '', '', false, '\\x', '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00+00'),
  (2, -32768, -2147483648, -1.5e-7, -12345678901234.000001, 'NaN', 'ünïcødé ✓', 'ab', E'tab\\there\\nnewline \\\\ back', true, '\\x00ff10', '0044-03-15 BC', '1969-12-31 23:59:59.999999', '2026-12-07 10:11:12.5+02'),
  (3, 32767, 2147483647, 1e300, 0.000001, 123456789012345678901234567890.123456789, 'x', 'abcde', 'x', true, '\\xdeadbeef', 'infinity', '-infinity', 'infinity'),
  (4, NULL, NULL, 'NaN', NULL, -0.00001, NULL, NULL, NULL, NULL, NULL, '-infinity', '294276-12-31 23:59:59.999999', '4713-01-01 00:00:00+00 BC'),
  (5, 7, 7, 'Infinity', 100, 10000, 'y', 'z', 'z', false, '\\x01', '9999-12-31', '2000-02-29 12:00:00.000001', '1970-01-01 00:00:00+00'),
  (6, 8, 8, 1e15, 1, 1e-20, 'w', 'w', 'w', true, '\\x02', '1970-01-01', '1999-12-31 23:59:59', '1999-12-31 23:59:59.999999+00'),
  (7, 9, 9, 123456789012345.6, 2, 99999999, 'q', 'q', 'q', true, '\\x03', '2024-02-29', '2000-01-01 00:00:00.1', '2000-01-01 00:00:00.000001+00')`;

if (db) {
  const q = db.dialect.quoteIdent;
  const withTables = async (columns: string, fn: (src: string, dst: string) => Promise<void>): Promise<void> => {
    const src = db.table('bin_src');
    const dst = db.table('bin_dst');
    await db.session.execute(`CREATE TABLE ${q(src)} (${columns})`);
    await db.session.execute(`CREATE TABLE ${q(dst)} (LIKE ${q(src)} INCLUDING ALL)`);
    try {
      await fn(src, dst);
    } finally {
      await db.session.execute(`DROP TABLE IF EXISTS ${q(src)}, ${q(dst)}`);
    }
  };
  const jobOf = (src: string, dst: string): object => ({
    job: {
      setting: { speed: { channel: 2 } },
      content: [{
        reader: readerOf(db, { column: ['*'], splitPk: 'id', connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }] }),
        writer: writerOf(db, dst, { column: ['*'] }),
      }],
    },
  });
  /** Every row as PostgreSQL's own text, in key order. */
  const text = async (table: string): Promise<string[]> => (await db.session.query(`SELECT t::text FROM ${q(table)} t ORDER BY id`)).map((r) => String(r[0]));

  test('postgresql: every type of the binary list, edge values and NULLs, through a job: --explain says binary, the target equals the source', async () => {
    await withTables(COLUMNS, async (src, dst) => {
      await db.session.execute(`INSERT INTO ${q(src)} VALUES ${ROWS}`);
      const [path] = await explainJob(jobOf(src, dst));
      assert.is(path?.path, 'pass-through', path?.why);
      assert.match(path!.why, /^postgresql-copy-binary: whole tuples from postgresqlreader into postgresqlwriter's COPY/);
      const summary = await runJob(jobOf(src, dst));
      assert.is(summary.recordsWritten, 7);
      assert.equal(await text(dst), await text(src));
    });
  });

  test('postgresql: binary tuples under a record cap and restore checkpoints (frames cut between tuples, never at a newline byte): the target equals the source', async () => {
    await withTables('id bigint PRIMARY KEY, n numeric(12,2), t text', async (src, dst) => {
      // 10 is a newline byte: ids and texts full of it.
      await db.session.execute(`INSERT INTO ${q(src)} SELECT g, g * 10.10, repeat(E'\\n', g % 20) FROM generate_series(1, 30000) g`);
      const job = jobOf(src, dst) as { job: { setting: Record<string, unknown>; content: Array<{ writer: { parameter: Record<string, unknown> } }> } };
      job.job.setting = { speed: { channel: 2, record: 60000 }, restore: { isRestore: true, restoreColumnName: 'id', maxRowNumForCheckpoint: 1000 } };
      job.job.content[0]!.writer.parameter.batchSize = 1000;
      const summary = await runJob(job);
      assert.is(summary.recordsWritten, 30000);
      assert.equal(await text(dst), await text(src));
    });
  });

  test('postgresql: a binary tuple decodes into the text PostgreSQL prints for each value (a refused row\'s dirty record)', async () => {
    await withTables(COLUMNS, async (src) => {
      await db.session.execute(`INSERT INTO ${q(src)} VALUES ${ROWS}`);
      const info = await db.session.columns(src);
      const codec = binaryTuples(info.map((c) => c.dbType));
      const s = db.session as PgSession;
      await s.execute("SET TimeZone = 'UTC'");
      const decoded: unknown[][] = [];
      const pieces: Buffer[] = [];
      for await (const piece of s.streamText(`SELECT * FROM ${q(src)} ORDER BY id`, { binary: true })) {
        pieces.push(piece.text);
        for (const tuple of splitRecords(codec, piece.text)) decoded.push(codec.fields(tuple).map((v) => (v instanceof Uint8Array ? `\\x${Buffer.from(v).toString('hex')}` : v)));
      }
      // What PostgreSQL prints: its COPY text, each field unescaped (bytea in its hex form).
      const printed: unknown[][] = [];
      for await (const piece of s.streamText(`SELECT * FROM ${q(src)} ORDER BY id`, {})) {
        for (const line of splitRecords(textLines, piece.text)) printed.push(textLines.fields(line));
      }
      assert.equal(decoded, printed);
      const all = Buffer.concat(pieces);
      assert.is(codec.lastKey(all, 0), '7', 'the key of the last tuple');
      assert.is(codec.lastKey(all.subarray(0, recordsAfter(codec, all, 2)), 0), '2', 'the key of the last of the first two tuples');
    });
  });

  test('postgresql: a column type outside the binary list (jsonb, interval, real, arrays) keeps the COPY-text pass-through, and the values arrive', async () => {
    assert.not.ok(binaryPassThroughType('jsonb'));
    assert.not.ok(binaryPassThroughType('integer[]'));
    assert.ok(binaryPassThroughType('numeric(12,2)') && binaryPassThroughType('timestamp(6) without time zone'));
    await withTables('id bigint PRIMARY KEY, j jsonb, span interval, r real, tags text[]', async (src, dst) => {
      await db.session.execute(`INSERT INTO ${q(src)} VALUES (1, '{"a": [1, 2]}', '1 day 02:03:04', 0.1, '{x,"y z"}'), (2, NULL, '-3 months', -1.5e-7, '{}')`);
      const [path] = await explainJob(jobOf(src, dst));
      assert.match(path!.why, /^postgresql-copy-text: whole lines/);
      await runJob(jobOf(src, dst));
      assert.equal(await text(dst), await text(src));
    });
  });
} else {
  test('postgresql binary COPY specs', () => console.log('  SKIP (no PostgreSQL)'));
}

test.after(close);
test.run();
