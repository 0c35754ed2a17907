/**
 * The FlinkX job of ../shared/seeds/000_*.txt (Taiga's quick start), run as written with only
 * its connections (and the table names its preSql/postSql name) pointed at the local servers;
 * and constant columns of every type, in DataX and FlinkX spellings, in every reader.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databases, type TestDatabase } from '../rdbms/databases.js';
import { fixture, repoRoot, runCli, tempDir } from '../helpers.js';

const { dbs, close } = await databases();
test.after(close);

// The seed's one JSON block ("Script mode build parameters"), kept as a fixture so the spec runs
// where ../shared is absent; where it is present, the fixture must still be the seed's job.
const seedJob = readFileSync(fixture('seeds', '000-taiga-flinkx-job.json'), 'utf8');
const seedsDir = join(repoRoot, '..', 'shared', 'seeds');
const seedFile = existsSync(seedsDir) ? readdirSync(seedsDir).find((f) => f.startsWith('000_')) : undefined;

test('the fixture is the job of the seed ../shared/seeds/000_*.txt, unchanged', () => {
  if (!seedFile) return console.error(`\n!!!!!!!! SKIP seed comparison: no ${seedsDir}/000_* !!!!!!!!\n`);
  const inSeed = /```\n(\{[\s\S]*?\n\})\n```/.exec(readFileSync(join(seedsDir, seedFile), 'utf8'))?.[1];
  assert.equal(JSON.parse(seedJob), JSON.parse(inSeed ?? 'null'));
});

type Params = Record<string, unknown> & { connection: Array<Record<string, unknown>> };
type SeedJob = { job: { content: Array<{ reader: { name: string; parameter: Params }; writer: { name: string; parameter: Params } }> } };

/** The seed's job with its connections pointed at `db`, reading `src` and writing `dst`; nothing else changed. */
function pointedAt(db: TestDatabase, src: string, dst: string): SeedJob {
  const j = JSON.parse(seedJob) as SeedJob;
  const { reader, writer } = j.job.content[0]!;
  reader.name = `${db.name}reader`;
  writer.name = `${db.name}writer`;
  Object.assign(reader.parameter.connection[0]!, { jdbcUrl: [db.jdbcUrl], username: db.username, password: db.password, table: [src] });
  Object.assign(writer.parameter, { username: db.username, password: db.password });
  Object.assign(writer.parameter.connection[0]!, { jdbcUrl: db.jdbcUrl, table: [dst] });
  for (const key of ['preSql', 'postSql']) writer.parameter[key] = (writer.parameter[key] as string[]).map((s) => s.replace('cata', dst));
  return j;
}

const q = (db: TestDatabase, t: string): string => db.dialect.quoteIdent(t);

for (const db of dbs) {
  /** The seed reads (id) and writes (project_id, tenant_id, record_type); its preSql/postSql delete ids 1 and 3. */
  async function tables(): Promise<{ src: string; dst: string; drop: () => Promise<void> }> {
    const src = db.table('seedsrc');
    const dst = db.table('seeddst');
    const serial = db.name === 'mysql' ? 'int AUTO_INCREMENT PRIMARY KEY' : 'serial PRIMARY KEY';
    await db.session.execute(`CREATE TABLE ${q(db, src)} (id int PRIMARY KEY)`);
    await db.session.execute(`INSERT INTO ${q(db, src)} (id) VALUES (1), (2), (3), (4)`);
    // record_type takes the seed's DATE constant: a date column (the job does not say the table's types).
    await db.session.execute(`CREATE TABLE ${q(db, dst)} (id ${serial}, project_id int, tenant_id int, record_type date)`);
    return {
      src, dst,
      drop: async () => {
        for (const t of [src, dst]) await db.session.execute(`DROP TABLE IF EXISTS ${q(db, t)}`);
      },
    };
  }

  test(`${db.name}: the seed's FlinkX job runs with only its connections replaced; the STRING and DATE constants arrive`, async () => {
    const { src, dst, drop } = await tables();
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, 'job.json'), JSON.stringify(pointedAt(db, src, dst)));
      const r = await runCli(['run', 'job.json'], { cwd: dir });
      assert.is(r.code, 0, r.stderr);
      assert.not.match(r.stderr, /unsupported type/);
      const rows = await db.session.query(`SELECT id, project_id, tenant_id, record_type FROM ${q(db, dst)} ORDER BY id`);
      const text = rows.map((row) => row.map((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'string' && /^\d{4}-/.test(v) ? v.slice(0, 10) : String(v))).join(' '));
      // four rows written (ids 1-4 from the serial), postSql deleted ids 1 and 3
      assert.equal(text, ['2 2 222 2020-08-09', '4 4 222 2020-08-09']);
    } finally {
      cleanup();
      await drop();
    }
  });

  test(`${db.name}: a constant that cannot be converted is exit 2 naming its JSON path, before preSql or anything else runs`, async () => {
    const { src, dst, drop } = await tables();
    const { dir, cleanup } = tempDir();
    try {
      await db.session.execute(`INSERT INTO ${q(db, dst)} (project_id) VALUES (7)`);
      const j = pointedAt(db, src, dst);
      (j.job.content[0]!.reader.parameter.column as Array<Record<string, unknown>>)[2]!.value = '2020-13-45';
      writeFileSync(join(dir, 'job.json'), JSON.stringify(j));
      const r = await runCli(['run', 'job.json'], { cwd: dir });
      assert.is(r.code, 2, r.stderr);
      assert.match(r.stderr, /\nerror: job\.content\[0\]\.reader\.parameter\.column\[2\]\.value: "2020-13-45" is not a date\n/);
      assert.not.match(r.stderr, /    at /);
      // preSql ("delete from ... where id =1") did not run: the row is still there
      const left = await db.session.query(`SELECT project_id FROM ${q(db, dst)}`);
      assert.equal(left.map((row) => String(row[0])), ['7']);
    } finally {
      cleanup();
      await drop();
    }
  });
}

/** One constant of each type, in DataX and FlinkX spellings, upper and lower case, with and without `format`. */
const constants = [
  { type: 'INT', value: '12' }, { type: 'bigint', value: '9007199254740993' }, { type: 'long', value: -3 },
  { type: 'DOUBLE', value: '1.5' }, { type: 'float', value: 2.25 }, { type: 'DECIMAL(10,2)', value: '12345678901234567890.12' },
  { type: 'STRING', value: 222 }, { type: 'VARCHAR(20)', value: 'x y' }, { type: 'BOOLEAN', value: 'TRUE' }, { type: 'bool', value: false },
  { type: 'DATE', value: '2020-08-09', format: '' }, { type: 'datetime', value: '09/08/2020 10:11', format: 'dd/MM/yyyy HH:mm' },
  { type: 'TIMESTAMP', value: '2020-08-09 10:11:12.123456' }, { type: 'bytes', value: 'hi' },
];
const printed = '12\t9007199254740993\t-3\t1.5\t2.25\t12345678901234567890.12\t222\tx y\ttrue\tfalse\t2020-08-09 00:00:00\t2020-08-09 10:11:00\t2020-08-09 10:11:12.123456\thi';

function printJob(reader: Record<string, unknown>): string {
  return JSON.stringify({ job: { setting: { speed: { channel: 1 } }, content: [{ reader, writer: { name: 'streamwriter', parameter: { print: true } } }] } });
}

test('streamreader: constants of every type and spelling print as their values', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), printJob({ name: 'streamreader', parameter: { sliceRecordCount: 1, column: constants } }));
    const r = await runCli(['run', join(dir, 'job.json'), '--quiet']);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `${printed}\n`);
  } finally {
    cleanup();
  }
});

test('txtfilereader: the same constants beside a field of the file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'in.csv'), '5\n');
    writeFileSync(join(dir, 'job.json'), printJob({ name: 'txtfilereader', parameter: { path: join(dir, 'in.csv'), column: [{ index: 0, type: 'long' }, ...constants] } }));
    const r = await runCli(['run', join(dir, 'job.json'), '--quiet']);
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, `5\t${printed}\n`);
  } finally {
    cleanup();
  }
});

for (const db of dbs) {
  test(`${db.name}reader: constants of every type and spelling arrive beside a table column`, async () => {
    const src = db.table('consts');
    const { dir, cleanup } = tempDir();
    try {
      await db.session.execute(`CREATE TABLE ${q(db, src)} (id int PRIMARY KEY)`);
      await db.session.execute(`INSERT INTO ${q(db, src)} (id) VALUES (5)`);
      const column = [{ name: 'id', type: 'INT' }, ...constants.map((c, i) => ({ name: `c${i}`, ...c }))];
      writeFileSync(join(dir, 'job.json'), printJob({ name: `${db.name}reader`, parameter: { username: db.username, password: db.password, column, connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }] } }));
      const r = await runCli(['run', join(dir, 'job.json'), '--quiet']);
      assert.is(r.code, 0, r.stderr);
      assert.is(r.stdout, `5\t${printed}\n`);
    } finally {
      cleanup();
      await db.session.execute(`DROP TABLE IF EXISTS ${q(db, src)}`);
    }
  });
}

test.run();
