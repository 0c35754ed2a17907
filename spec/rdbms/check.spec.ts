/**
 * `ferry validate --check` (and validateJob's `check`) on both databases: each job-file mistake
 * the server finds (table, column, splitPk, where, querySql, the writer's target) is one line with
 * its JSON path and exit 2, before anything runs; an unreachable server is exit 1 naming the side.
 * `ferry run` says the same. Columns named like SQL keywords round-trip, quoted or not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob, validateJob } from '../../lib/index.js';
import { JobConfigError } from '../../lib/errors.js';
import { databases, type TestDatabase } from './databases.js';
import { readerOf, writerOf } from './jobs.js';
import { runCli, tempDir } from '../helpers.js';

const { dbs, close } = await databases();
test.after(close);

const R = 'job.content[0].reader.parameter';
const W = 'job.content[0].writer.parameter';

function job(reader: Record<string, unknown>, writer: Record<string, unknown>): Record<string, unknown> {
  return { job: { content: [{ reader, writer }], setting: { speed: { channel: 1 } } } };
}

/** The one line validateJob({check}) throws as a job-file mistake. */
async function mistake(j: Record<string, unknown>): Promise<string> {
  try {
    await validateJob(j, { check: true });
  } catch (err) {
    assert.instance(err, JobConfigError, (err as Error).message);
    assert.is((err as JobConfigError).exitCode, 2);
    return (err as Error).message;
  }
  throw new Error('validateJob({ check: true }) passed');
}

/** A port nothing listens on. */
function deadUrl(db: TestDatabase): string {
  return db.jdbcUrl.replace(/:\d+\//, ':1/');
}

for (const db of dbs) {
  const q = (t: string): string => db.dialect.quoteIdent(t);
  const src = db.table('chk');
  const dst = db.table('chkdst');
  const cols = `id int PRIMARY KEY, ${q('select')} varchar(10), ${q('order')} int, ${q('from')} varchar(10)`;
  const reader = (p: Record<string, unknown>): Record<string, unknown> =>
    readerOf(db, { column: ['id', 'select', 'order', 'from'], connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }], ...p });
  const writer = (p: Record<string, unknown> = {}): Record<string, unknown> => writerOf(db, dst, { column: ['id', 'select', 'order', 'from'], ...p });
  const setup = async (): Promise<void> => {
    for (const t of [src, dst]) await db.session.execute(`DROP TABLE IF EXISTS ${q(t)}`);
    await db.session.execute(`CREATE TABLE ${q(src)} (${cols})`);
    await db.session.execute(`CREATE TABLE ${q(dst)} (${cols})`);
    await db.session.execute(`INSERT INTO ${q(src)} VALUES (1, 'a', 10, 'x'), (2, 'b''q', 20, NULL), (3, NULL, NULL, 'z')`);
  };
  const drop = async (): Promise<void> => {
    for (const t of [src, dst]) await db.session.execute(`DROP TABLE IF EXISTS ${q(t)}`);
  };

  test(`${db.name}: validate --check finds each mistake in the reader, with its path`, async () => {
    await setup();
    try {
      const list = 'its columns are: id, select, order, from';
      assert.is(await mistake(job(reader({ column: ['id', 'nope'] }), writer({ column: ['id', 'select'] }))), `${R}.column[1]: column "nope" does not exist in ${src}; ${list}`);
      assert.is(await mistake(job(reader({ splitPk: 'idd' }), writer())), `${R}.splitPk: column "idd" does not exist in ${src}; ${list}`);
      const where = await mistake(job(reader({ where: 'id > (' }), writer()));
      assert.is(where, `${R}.where: syntax error near ")"`);
      const query = await mistake(job(readerOf(db, { connection: [{ jdbcUrl: [db.jdbcUrl], querySql: [`SELECT id, nope FROM ${q(src)}`] }] }), writer({ column: ['id', 'select'] })));
      assert.ok(query.startsWith(`${R}.connection[0].querySql[0]: `) && /nope/.test(query) && !query.includes('\n'), query);
      const expr = await mistake(job(reader({ column: ['id', 'sel + 1', 'order', 'from'] }), writer()));
      assert.ok(expr.startsWith(`${R}.column[1]: `) && /sel/.test(expr), expr);
      const missing = await mistake(job(reader({ connection: [{ jdbcUrl: [db.jdbcUrl], table: [`${src}_gone`] }] }), writer()));
      assert.ok(missing.startsWith(`${R}.connection[0].table[0]: `) && missing.includes(`${src}_gone`), missing);
    } finally {
      await drop();
    }
  });

  test(`${db.name}: validate --check finds the writer's missing table and column`, async () => {
    await setup();
    try {
      assert.is(await mistake(job(reader({}), writer({ column: ['id', 'select', 'order', 'frm'] }))), `${W}.column[3]: column "frm" does not exist in ${dst}; its columns are: id, select, order, from`);
      const missing = await mistake(job(reader({}), writerOf(db, `${dst}_gone`, { column: ['id', 'select', 'order', 'from'] })));
      assert.ok(missing.startsWith(`${W}.connection[0].table: `) && missing.includes(`${dst}_gone`), missing);
      // A good job passes, and the check ran nothing.
      const report = await validateJob(job(reader({ where: 'id > 1', splitPk: 'id' }), writer()), { check: true });
      assert.ok(report.job);
      assert.equal(await db.session.query(`SELECT COUNT(*) FROM ${q(dst)}`), [[db.name === 'mysql' ? 0 : '0']]);
    } finally {
      await drop();
    }
  });

  test(`${db.name}: the CLI: exit 2 with the path for a mistake, exit 1 naming the side for an unreachable server`, async () => {
    await setup();
    const { dir, cleanup } = tempDir();
    try {
      const file = (name: string, j: Record<string, unknown>): string => {
        const f = join(dir, name);
        writeFileSync(f, JSON.stringify(j));
        return f;
      };
      const bad = file('where.json', job(reader({ where: 'id > (' }), writer()));
      for (const args of [['validate', '--check', bad], ['run', bad]]) {
        const r = await runCli(args);
        assert.is(r.code, 2, r.stderr);
        assert.ok(r.stderr.split('\n').includes(`error: ${R}.where: syntax error near ")"`), r.stderr);
        assert.not.match(r.stderr, /\n\s+at /);
      }
      const plain = await runCli(['validate', bad]);
      assert.is(plain.code, 0, 'without --check nothing connects');
      const deadReader = file('r.json', job(readerOf(db, { column: ['id'], connection: [{ jdbcUrl: [deadUrl(db)], table: [src] }] }), writer({ column: ['id'] })));
      const r1 = await runCli(['validate', '--check', deadReader]);
      assert.is(r1.code, 1, r1.stderr);
      assert.match(r1.stderr, new RegExp(`^error: the reader \\(${db.name}reader, job\\.content\\[0\\]\\.reader\\): cannot connect to \\S+ at 127\\.0\\.0\\.1:1/`, 'm'));
      const w = writer({ column: ['id'] }) as { parameter: { connection: Array<{ jdbcUrl: string }> } };
      w.parameter.connection[0]!.jdbcUrl = deadUrl(db);
      const r2 = await runCli(['validate', '--check', file('w.json', job(reader({ column: ['id'] }), w))]);
      assert.is(r2.code, 1, r2.stderr);
      assert.match(r2.stderr, new RegExp(`^error: the writer \\(${db.name}writer, job\\.content\\[0\\]\\.writer\\): cannot connect to \\S+ at 127\\.0\\.0\\.1:1/`, 'm'));
    } finally {
      cleanup();
      await drop();
    }
  });
}

/** Columns named like SQL keywords, named bare or quoted either way on either side, move exactly; a quoted name the table lacks is a missing column. */
for (const from of dbs) {
  for (const to of dbs) {
    test(`${from.name} → ${to.name}: columns named select, order, from round-trip, bare or quoted ("order", \`from\`) on either side`, async () => {
      const src = from.table('kwsrc');
      const dst = to.table('kwdst');
      const cols = (d: TestDatabase): string => `id int PRIMARY KEY, ${d.dialect.quoteIdent('select')} varchar(10), ${d.dialect.quoteIdent('order')} int, ${d.dialect.quoteIdent('from')} varchar(10)`;
      await from.session.execute(`CREATE TABLE ${from.dialect.quoteIdent(src)} (${cols(from)})`);
      await to.session.execute(`CREATE TABLE ${to.dialect.quoteIdent(dst)} (${cols(to)})`);
      try {
        await from.session.execute(`INSERT INTO ${from.dialect.quoteIdent(src)} VALUES (1, 'a', 10, 'x'), (2, 'b''q', 20, NULL), (3, NULL, NULL, 'z')`);
        const reader = readerOf(from, { column: ['id', 'select', '"order"', '`from`'], connection: [{ jdbcUrl: [from.jdbcUrl], table: [src] }] });
        const summary = await runJob(job(reader, writerOf(to, dst, { column: ['id', '`select`', 'order', '"from"'] })));
        assert.is(summary.recordsWritten, 3);
        const rows = await to.session.query(`SELECT id, ${to.dialect.quoteIdent('select')}, ${to.dialect.quoteIdent('order')}, ${to.dialect.quoteIdent('from')} FROM ${to.dialect.quoteIdent(dst)} ORDER BY id`);
        assert.equal(rows.map((r) => r.map((v) => (v === null ? null : String(v)))), [['1', 'a', '10', 'x'], ['2', "b'q", '20', null], ['3', null, null, 'z']]);
        try {
          await validateJob(job(readerOf(from, { column: ['id', '"ordr"'], connection: [{ jdbcUrl: [from.jdbcUrl], table: [src] }] }), writerOf(to, dst, { column: ['id', 'order'] })), { check: true });
          assert.unreachable('a quoted name the table lacks is refused');
        } catch (err) {
          assert.is((err as Error).message, `${R}.column[1]: column "ordr" does not exist in ${src}; its columns are: id, select, order, from`);
        }
      } finally {
        await from.session.execute(`DROP TABLE IF EXISTS ${from.dialect.quoteIdent(src)}`);
        await to.session.execute(`DROP TABLE IF EXISTS ${to.dialect.quoteIdent(dst)}`);
      }
    });
  }
}

test.run();
