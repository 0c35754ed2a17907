/**
 * Reader and writer features on both databases: splitPk, upserts, preSql/postSql, querySql,
 * a sharded source, and the one-line errors for a bad password, an unreachable server, a
 * missing table and a missing column.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob, type JobSummary } from '../../lib/index.js';
import { databases, type TestDatabase } from './databases.js';
import { readerOf, writerOf } from './jobs.js';
import { runCli, tempDir } from '../helpers.js';

const { dbs, close } = await databases();

async function exec(db: TestDatabase, ...sql: string[]): Promise<void> {
  for (const s of sql) await db.session.execute(s);
}

async function ids(db: TestDatabase, table: string): Promise<Array<string | null>> {
  const rows = await db.session.query(`SELECT id FROM ${db.dialect.quoteIdent(table)} ORDER BY id`);
  return rows.map((r) => (r[0] === null ? null : String(r[0])));
}

function job(reader: Record<string, unknown>, writer: Record<string, unknown>, channel = 2): Record<string, unknown> {
  return { job: { content: [{ reader, writer }], setting: { speed: { channel } } } };
}

for (const db of dbs) {
  const q = (t: string): string => db.dialect.quoteIdent(t);
  const keyType = db.name === 'mysql' ? 'bigint' : 'bigint';

  test(`${db.name}: splitPk over keys with gaps, negatives and NULLs reads every row exactly once`, async () => {
    const src = db.table('split');
    const dst = db.table('splitdst');
    try {
      // Not a primary key, so it may hold NULLs; a unique index proves no row is written twice.
      await exec(db, `CREATE TABLE ${q(src)} (id ${keyType}, v varchar(20))`, `CREATE TABLE ${q(dst)} (id ${keyType}, v varchar(20))`);
      const keys = [-9_000_000_000, -5, -4, 0, 1, 2, 3, 10, 11, 500, 501, 99_999, 1_000_000_000_000];
      const values = keys.map((k) => `(${k}, 'k${k}')`).concat(['(NULL, \'null-a\')', '(NULL, \'null-b\')']);
      await exec(db, `INSERT INTO ${q(src)} (id, v) VALUES ${values.join(', ')}`);
      const s = await runJob(job(
        readerOf(db, { column: ['id', 'v'], splitPk: 'id', connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }] }),
        writerOf(db, dst, { column: ['id', 'v'] }),
        3,
      ));
      assert.is(s.recordsWritten, keys.length + 2);
      assert.ok(s.tasks.total > 3, `split into ${s.tasks.total} tasks`);
      const got = await db.session.query(`SELECT v FROM ${q(dst)} ORDER BY v`);
      const want = await db.session.query(`SELECT v FROM ${q(src)} ORDER BY v`);
      assert.equal(got, want);
    } finally {
      await exec(db, `DROP TABLE IF EXISTS ${q(src)}`, `DROP TABLE IF EXISTS ${q(dst)}`);
    }
  });

  test(`${db.name}: writeMode update upserts; preSql and postSql run with @table`, async () => {
    const src = db.table('ups');
    const dst = db.table('upsdst');
    try {
      await exec(db, `CREATE TABLE ${q(src)} (id bigint PRIMARY KEY, v varchar(20))`, `CREATE TABLE ${q(dst)} (id bigint PRIMARY KEY, v varchar(20))`);
      await exec(db, `INSERT INTO ${q(src)} VALUES (1, 'new-1'), (2, 'new-2'), (3, 'new-3')`, `INSERT INTO ${q(dst)} VALUES (1, 'old-1'), (4, 'old-4'), (9, 'pre-deletes-me')`);
      await runJob(job(
        readerOf(db, { column: ['*'], connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }] }),
        writerOf(db, dst, { column: ['id', 'v'], writeMode: 'update', preSql: ['DELETE FROM @table WHERE id = 9'], postSql: ["UPDATE @table SET v = 'post' WHERE id = 4"] }),
      ));
      const rows = await db.session.query(`SELECT id, v FROM ${q(dst)} ORDER BY id`);
      assert.equal(rows.map((r) => `${r[0]}=${r[1]}`), ['1=new-1', '2=new-2', '3=new-3', '4=post']);
    } finally {
      await exec(db, `DROP TABLE IF EXISTS ${q(src)}`, `DROP TABLE IF EXISTS ${q(dst)}`);
    }
  });

  test(`${db.name}: querySql overrides table/column/where; a sharded source of 3 tables; constant columns`, async () => {
    const shards = [db.table('shard'), db.table('shard'), db.table('shard')];
    const dst = db.table('sharddst');
    try {
      for (const [i, t] of shards.entries()) {
        await exec(db, `CREATE TABLE ${q(t)} (id bigint PRIMARY KEY, v varchar(20))`, `INSERT INTO ${q(t)} VALUES (${i * 10 + 1}, 's${i}'), (${i * 10 + 2}, 's${i}')`);
      }
      await exec(db, `CREATE TABLE ${q(dst)} (id bigint PRIMARY KEY, v varchar(20), src varchar(20))`);
      const sharded = await runJob(job(
        readerOf(db, { column: ['id', 'v', { name: 'src', type: 'string', value: 'shards' }], where: 'id > 0', connection: [{ jdbcUrl: [db.jdbcUrl], table: shards.slice(0, 2) }, { jdbcUrl: db.jdbcUrl, table: [shards[2]] }] }),
        writerOf(db, dst, { column: ['id', 'v', 'src'] }),
      ));
      assert.is(sharded.recordsWritten, 6);
      assert.is(sharded.tasks.total, 3, 'one task per table');
      assert.equal(await ids(db, dst), ['1', '2', '11', '12', '21', '22']);
      await exec(db, `DELETE FROM ${q(dst)}`);
      const queried = await runJob(job(
        readerOf(db, { column: ['ignored'], connection: [{ jdbcUrl: [db.jdbcUrl], querySql: [`SELECT id * 100, v, 'q' FROM ${q(shards[0]!)} WHERE id = 2`] }] }),
        writerOf(db, dst, { column: ['id', 'v', 'src'] }),
      ));
      assert.is(queried.recordsWritten, 1);
      assert.equal(await db.session.query(`SELECT id, v, src FROM ${q(dst)}`).then((r) => r.map((x) => x.map(String))), [['200', 's0', 'q']]);
    } finally {
      for (const t of [...shards, dst]) await exec(db, `DROP TABLE IF EXISTS ${q(t)}`);
    }
  });

  test(`${db.name}: stopping a job keeps whole committed batches only, and says how many rows the writers had`, async () => {
    const table = db.table('stop');
    const controller = new AbortController();
    try {
      await exec(db, `CREATE TABLE ${q(table)} (id bigint, v varchar(20))`);
      setTimeout(() => controller.abort(), 1500);
      const stopped = job({ name: 'streamreader', parameter: { sliceRecordCount: 1_000_000, column: [{ type: 'long', incr: '1' }, { type: 'string', value: 'x' }] } }, writerOf(db, table, { column: ['id', 'v'], batchSize: 1000 }), 1) as { job: { setting: { speed: Record<string, number> } } };
      stopped.job.setting.speed.record = 50_000; // 20 s at full length: the stop comes mid-way on any machine
      const err = await runJob(stopped, { signal: controller.signal }).then(() => undefined, (e: Error) => e);
      assert.ok(err, 'the job was stopped');
      const m = /stopped tasks had given (\d+) more to writers that keep the batches they committed$/.exec(err!.message);
      assert.ok(m, err!.message);
      const [[count]] = (await db.session.query(`SELECT COUNT(*) FROM ${q(table)}`)) as [[unknown]];
      const kept = Number(count);
      assert.ok(kept > 0 && kept % 1000 === 0, `${kept} rows kept: whole batches only`);
      assert.ok(kept <= Number(m![1]), `${kept} kept of ${m![1]} given`);
    } finally {
      await exec(db, `DROP TABLE IF EXISTS ${q(table)}`);
    }
  });

  test(`${db.name}: DataX URL parameters (currentSchema; useUnicode, characterEncoding, serverTimezone) work`, async () => {
    const table = db.table('url');
    const schema = db.name === 'postgresql' ? db.table('schema') : undefined;
    const target = schema ? `${schema}.${table}` : table;
    try {
      if (schema) await exec(db, `CREATE SCHEMA ${q(schema)}`);
      await exec(db, `CREATE TABLE ${db.dialect.quoteIdent(target)} (id bigint PRIMARY KEY, v varchar(20)) ${db.name === 'mysql' ? 'CHARACTER SET utf8mb4' : ''}`);
      await exec(db, `INSERT INTO ${db.dialect.quoteIdent(target)} VALUES (1, 'emoji 😀')`);
      const params = db.name === 'postgresql' ? `?currentSchema=${schema}` : '?useUnicode=true&characterEncoding=utf8&serverTimezone=Asia/Shanghai&useSSL=false';
      const lines: string[] = [];
      const { dir, cleanup } = tempDir();
      try {
        // The table is named without its schema: currentSchema must find it.
        await runJob(job(readerOf(db, { connection: [{ jdbcUrl: [db.jdbcUrl + params], table: [table] }] }), { name: 'txtfilewriter', parameter: { path: dir, fileName: 'out.csv' } }, 1));
        lines.push(...(await import('node:fs')).readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n'));
      } finally {
        cleanup();
      }
      assert.equal(lines, ['1,emoji 😀']);
    } finally {
      await exec(db, `DROP TABLE IF EXISTS ${db.dialect.quoteIdent(target)}`);
      if (schema) await exec(db, `DROP SCHEMA IF EXISTS ${q(schema)}`);
    }
  });

  test(`${db.name}: a table named we"ird;drop is read and written, and nothing is dropped`, async () => {
    const weird = `we"ird;drop ${db.table('x').slice(-8)}`;
    const guard = db.table('guard');
    try {
      await exec(db, `CREATE TABLE ${q(weird)} (id bigint PRIMARY KEY)`, `CREATE TABLE ${q(guard)} (id bigint)`, `INSERT INTO ${q(weird)} VALUES (1), (2)`);
      const s = await runJob(job(readerOf(db, { connection: [{ jdbcUrl: [db.jdbcUrl], table: [weird] }] }), writerOf(db, guard), 1));
      assert.is(s.recordsWritten, 2);
      assert.equal(await ids(db, guard), ['1', '2']);
    } finally {
      await exec(db, `DROP TABLE IF EXISTS ${q(weird)}`, `DROP TABLE IF EXISTS ${q(guard)}`);
    }
  });

  test(`${db.name}: missing table, missing column, unreachable server, bad credentials: one line each, right exit code, no password`, async () => {
    const table = db.table('err');
    const { dir, cleanup } = tempDir();
    const secret = 'Sup3r-s3cret-pw';
    try {
      await exec(db, `CREATE TABLE ${q(table)} (id bigint PRIMARY KEY, v varchar(20))`);
      // The secret goes where the server never accepts it; elsewhere the real credentials.
      const cases: Array<{ name: string; reader: Record<string, unknown>; code: number; line: RegExp; secret?: boolean }> = [
        { name: 'missing table', reader: { connection: [{ jdbcUrl: [db.jdbcUrl], table: ['no_such_table_x'] }] }, code: 2, line: /^error: job\.content\[0\]\.reader\.parameter\.connection\[0\]\.table\[0\]: table "no_such_table_x" does not exist in 127\.0\.0\.1:\d+\/\w+$/ },
        { name: 'missing column', reader: { column: ['id', 'nope'], connection: [{ jdbcUrl: [db.jdbcUrl], table: [table] }] }, code: 2, line: new RegExp(`^error: job\\.content\\[0\\]\\.reader\\.parameter\\.column\\[1\\]: column "nope" does not exist in ${table}; its columns are: id, v$`) },
        { name: 'unreachable', reader: { connection: [{ jdbcUrl: [db.jdbcUrl.replace(/:\d+\//, ':1/')], table: [table] }] }, code: 1, line: new RegExp(`^error: the reader \\(${db.name}reader, job\\.content\\[0\\]\\.reader\\): cannot connect to ${db.name === 'mysql' ? 'MySQL' : 'PostgreSQL'} at 127\\.0\\.0\\.1:1/\\w+ as \\w+: .*ECONNREFUSED`), secret: true },
        { name: 'bad user', reader: { username: 'ferry_no_such_user', connection: [{ jdbcUrl: [db.jdbcUrl], table: [table] }] }, code: 1, line: new RegExp(`^error: the reader \\(${db.name}reader, job\\.content\\[0\\]\\.reader\\): cannot connect to ${db.name === 'mysql' ? 'MySQL' : 'PostgreSQL'} at 127\\.0\\.0\\.1:\\d+/\\w+ as ferry_no_such_user: `), secret: true },
      ];
      for (const c of cases) {
        const path = join(dir, `${c.name.replace(/ /g, '-')}.json`);
        const reader = readerOf(db, c.reader);
        if (c.secret) (reader.parameter as Record<string, unknown>).password = secret;
        writeFileSync(path, JSON.stringify(job(reader, { name: 'streamwriter', parameter: { print: false } }, 1)));
        const r = await runCli(['run', path, '--quiet']);
        assert.is(r.code, c.code, `${c.name}: ${r.stderr}`);
        const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
        assert.is(errors.length, 1, `${c.name}: ${r.stderr}`);
        assert.match(errors[0]!, c.line, `${c.name}: ${errors[0]}`);
        assert.not.ok((r.stderr + r.stdout).includes(secret), `${c.name}: the password is printed`);
      }
    } finally {
      await exec(db, `DROP TABLE IF EXISTS ${q(table)}`);
      cleanup();
    }
  });
}

test.after(close);
test.run();

export type { JobSummary };
