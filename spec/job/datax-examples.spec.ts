/**
 * DataX's own example job files, as written: mysqlreader's jdbcUrl list with an unparseable
 * fallback (`jdbc:mysql://127.0.0.1:bad_port/database`) before a good one, and
 * postgresqlreader's `"speed": 1048576`. (`fileName: "orders.csv"` over several tasks giving
 * `orders__0000.csv` is in spec/runtime/csv-roundtrip.spec.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databases, type TestDatabase } from '../rdbms/databases.js';
import { runCli, tempDir } from '../helpers.js';

const { dbs, close } = await databases();
test.after(close);

const q = (db: TestDatabase, t: string): string => db.dialect.quoteIdent(t);
const badPort = (db: TestDatabase): string => `jdbc:${db.name === 'mysql' ? 'mysql' : 'postgresql'}://127.0.0.1:bad_port/database`;
const warnLines = (stderr: string): string[] => stderr.split('\n').filter((l) => / WARN  /.test(l)).map((l) => l.replace(/^.* WARN  /, ''));

function printJob(db: TestDatabase, table: string, jdbcUrl: string[], setting: Record<string, unknown> = { speed: { channel: 1 } }): string {
  return JSON.stringify({
    job: {
      setting,
      content: [{
        reader: { name: `${db.name}reader`, parameter: { username: db.username, password: db.password, column: ['id'], connection: [{ table: [table], jdbcUrl }] } },
        writer: { name: 'streamwriter', parameter: { print: true } },
      }],
    },
  });
}

for (const db of dbs) {
  async function withTable(body: (table: string, dir: string) => Promise<void>): Promise<void> {
    const table = db.table('dxex');
    const { dir, cleanup } = tempDir();
    try {
      await db.session.execute(`CREATE TABLE ${q(db, table)} (id int PRIMARY KEY)`);
      await db.session.execute(`INSERT INTO ${q(db, table)} (id) VALUES (1), (2), (3)`);
      await body(table, dir);
    } finally {
      cleanup();
      await db.session.execute(`DROP TABLE IF EXISTS ${q(db, table)}`);
    }
  }

  test(`${db.name}reader: an unparseable jdbcUrl candidate before a good one is a failed candidate (WARN, go on)`, () => withTable(async (table, dir) => {
    writeFileSync(join(dir, 'job.json'), printJob(db, table, [badPort(db), db.jdbcUrl]));
    const r = await runCli(['run', join(dir, 'job.json')]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '1\n2\n3\n');
    assert.equal(warnLines(r.stderr), [
      `job.content[0].reader.parameter.connection[0].jdbcUrl[0]: cannot read host and database from "${badPort(db)}"; trying the next jdbcUrl`,
    ]);
  }));

  test(`${db.name}reader: a candidate that does not connect is warned about too; the one that works is read`, () => withTable(async (table, dir) => {
    const closed = db.jdbcUrl.replace(/:\d+\//, ':1/');
    writeFileSync(join(dir, 'job.json'), printJob(db, table, [closed, db.jdbcUrl]));
    const r = await runCli(['run', join(dir, 'job.json')]);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '1\n2\n3\n');
    const warns = warnLines(r.stderr);
    assert.is(warns.length, 1, r.stderr);
    assert.ok(warns[0]!.startsWith('job.content[0].reader.parameter.connection[0].jdbcUrl[0]: cannot connect to '), warns[0]);
    assert.ok(warns[0]!.endsWith('; trying the next jdbcUrl'), warns[0]);
  }));

  test(`${db.name}reader: when no candidate works it is an error (exit 2 for the unparseable last one), nothing read`, () => withTable(async (table, dir) => {
    writeFileSync(join(dir, 'job.json'), printJob(db, table, [badPort(db), badPort(db)]));
    const r = await runCli(['run', join(dir, 'job.json')]);
    assert.is(r.code, 2, r.stderr);
    assert.is(r.stdout, '');
    assert.match(r.stderr, `\nerror: job.content[0].reader.parameter.connection[0].jdbcUrl[1]: cannot read host and database from "${badPort(db)}"\n`);
  }));

  test(`${db.name}reader: "speed": 1048576 runs as DataX does, as {"byte": 1048576}, with a WARN naming it`, () => withTable(async (table, dir) => {
    writeFileSync(join(dir, 'job.json'), printJob(db, table, [db.jdbcUrl], { speed: 1048576 }));
    const r = await runCli(['run', join(dir, 'job.json'), '--json']);
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('1\n2\n3\n'), r.stdout);
    assert.equal(warnLines(r.stderr), [
      'job.setting.speed: a number: read as {"byte": 1048576} (at most 1048576 bytes/s, as DataX does); write "speed": {"byte": 1048576}, or {"channel": N} for N channels',
    ]);
  }));
}

test('"speed": 1048576 is the byte cap: validate shows it as {"byte": 1048576}', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), JSON.stringify({
      job: { setting: { speed: 1048576 }, content: [{ reader: { name: 'streamreader', parameter: { sliceRecordCount: 1, column: [{ type: 'long', value: 1 }] } }, writer: { name: 'streamwriter', parameter: { print: false } } }] },
    }));
    const r = await runCli(['validate', join(dir, 'job.json')]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /"byte":\s*1048576/);
  } finally {
    cleanup();
  }
});

test.run();
