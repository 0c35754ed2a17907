/**
 * Dirty records on both databases as targets: 100,000 rows of which 37 break a NOT NULL, a
 * length or a unique constraint of the target. Every good row lands exactly once, every bad
 * one is a line of the dirty file with the database's reason, and errorLimit decides the exit:
 * success at the limit, exit code 3 past it. PostgreSQL runs both the COPY path (insert) and
 * the INSERT ... ON CONFLICT path (update).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainJob, runJob, type JobSummary } from '../../lib/index.js';
import { ErrorLimitError } from '../../lib/errors.js';
import { databases, type TestDatabase } from './databases.js';
import { readerOf, writerOf } from './jobs.js';
import { tempDir } from '../helpers.js';
import type { MysqlSession } from '../../lib/rdbms/mysql/dialect.js';

const { dbs, close } = await databases();

const N = 100_000;
const EVERY = 2702; // rows k * 2702 for k = 1..37 are bad: 37 * 2702 = 99,974 <= N
const BAD = 37;

/** What the database says for each kind of bad row: code and a piece of its message. */
const REASONS: Record<string, Record<string, { code: string; text: RegExp; count: number }>> = {
  postgresql: {
    null: { code: '23502', text: /null value in column "name"/, count: 12 },
    long: { code: '22001', text: /value too long for type character varying\(20\)/, count: 13 },
    dup: { code: '23505', text: /duplicate key value violates unique constraint/, count: 12 },
  },
  mysql: {
    null: { code: 'ER_BAD_NULL_ERROR', text: /Column 'name' cannot be null/, count: 12 },
    long: { code: 'ER_DATA_TOO_LONG', text: /Data too long for column 'name'/, count: 13 },
    dup: { code: 'ER_DUP_ENTRY', text: /Duplicate entry/, count: 12 },
  },
};

/** The source: ids 1..N; row k*EVERY has a NULL name (k % 3 = 0), a 30-character name (k % 3 = 1) or the code of the row before it (k % 3 = 2). */
async function seed(db: TestDatabase, table: string): Promise<void> {
  const t = db.dialect.quoteIdent(table);
  const pg = db.name === 'postgresql';
  const g = pg ? 'g' : 'seq';
  const k = pg ? `(${g} / ${EVERY})` : `(${g} DIV ${EVERY})`;
  const bad = `(${g} % ${EVERY} = 0 AND ${k} <= ${BAD})`;
  const name = pg ? `'n' || ${g}` : `CONCAT('n', ${g})`;
  const from = pg ? `generate_series(1, ${N}) AS ${g}` : `seq_1_to_${N}`;
  await db.session.execute(`CREATE TABLE ${t} (id bigint PRIMARY KEY, name varchar(100), code int)`);
  await db.session.execute(
    `INSERT INTO ${t} SELECT ${g}, ` +
      `CASE WHEN ${bad} AND ${k} % 3 = 0 THEN NULL WHEN ${bad} AND ${k} % 3 = 1 THEN REPEAT('x', 30) ELSE ${name} END, ` +
      `CASE WHEN ${bad} AND ${k} % 3 = 2 THEN ${g} - 1 ELSE ${g} END FROM ${from}`,
  );
}

interface DirtyLine {
  runId: string;
  taskId: number;
  plugin: string;
  phase: string;
  column?: string;
  code: string;
  message: string;
  values: unknown[];
}

function dirtyLines(dir: string, runId: string): DirtyLine[] {
  const files = readdirSync(dir);
  assert.equal(files, [`ferry-dirty-${runId}.jsonl`], 'one dirty file, named with the run id');
  return readFileSync(join(dir, files[0]!), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as DirtyLine);
}

for (const db of dbs) {
  const q = (t: string): string => db.dialect.quoteIdent(t);
  const src = db.table('dirty_src');
  let seeded = false;

  const withTarget = async (fn: (target: string) => Promise<void>, primaryKey = false, columns = 'name varchar(20) NOT NULL, code int'): Promise<void> => {
    if (!seeded) {
      await seed(db, src);
      seeded = true;
    }
    const target = db.table('dirty_tgt');
    // No key on id (unless asked): a row written twice would show in the count.
    await db.session.execute(`CREATE TABLE ${q(target)} (id bigint${primaryKey ? ' PRIMARY KEY' : ''}, ${columns}, CONSTRAINT ${q(`${target}_code`)} UNIQUE (code))`);
    try {
      await fn(target);
    } finally {
      await db.session.execute(`DROP TABLE IF EXISTS ${q(target)}`);
    }
  };

  const job = (target: string, dirtyDir: string, errorLimit: Record<string, number>, options: { channel?: number; splitPk?: boolean; writeMode?: string } = {}): object => ({
    job: {
      setting: { speed: { channel: options.channel ?? 2 }, errorLimit, dirty: { path: dirtyDir } },
      content: [{
        reader: readerOf(db, { column: ['id', 'name', 'code'], ...(options.splitPk === false ? {} : { splitPk: 'id' }), connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }] }),
        writer: writerOf(db, target, { column: ['id', 'name', 'code'], writeMode: options.writeMode ?? 'insert' }),
      }],
    },
  });

  /** Target ids and dirty ids together are 1..N exactly once; the dirty lines carry the right reasons. */
  const checkOutcome = async (target: string, dir: string, summary: JobSummary, reasons = REASONS[db.name]!): Promise<void> => {
    const lines = dirtyLines(dir, summary.runId);
    const [[count, sum]] = (await db.session.query(`SELECT COUNT(*), SUM(id) FROM ${q(target)}`)) as [[unknown, unknown]];
    assert.is(Number(count), N - BAD, 'every good row is in the target');
    assert.is(lines.length, BAD, 'one dirty line per bad row');
    const dirtyIds = lines.map((l) => Number(l.values[0]));
    assert.is(new Set(dirtyIds).size, BAD);
    assert.is(BigInt(String(sum)) + dirtyIds.reduce((a, b) => a + BigInt(b), 0n), BigInt(N) * BigInt(N + 1) / 2n, 'target and dirty file together hold every source row once');
    for (const [kind, r] of Object.entries(reasons)) {
      const matching = lines.filter((l) => l.code === r.code);
      assert.is(matching.length, r.count, `${kind}: ${r.code}`);
      for (const l of matching) assert.match(l.message, r.text);
    }
    for (const l of lines) {
      assert.is(l.phase, 'write');
      assert.is(l.plugin, `${db.name}writer`);
      assert.is(l.runId, summary.runId);
      assert.is(l.values.length, 3);
    }
    assert.is(summary.recordsWritten, N - BAD);
    assert.equal(summary.dirty, { read: 0, write: BAD, transform: 0, file: join(dir, `ferry-dirty-${summary.runId}.jsonl`) });
  };

  /** Order-independent sums over every column of the table. */
  const checksum = async (table: string, where = ''): Promise<string> => {
    const hash = db.name === 'postgresql' ? 'hashtext(name)::bigint' : 'CRC32(name)';
    return JSON.stringify((await db.session.query(`SELECT COUNT(*), SUM(id), SUM(code), SUM(CHAR_LENGTH(name)), SUM(${hash}) FROM ${q(table)} ${where}`)).map((r) => r.map(String)));
  };

  test(`${db.name}: 37 bad rows of 100,000, errorLimit.record 37: success, 99,963 rows in the target, 37 dirty lines with the database's reasons`, async () => {
    await withTarget(async (target) => {
      const { dir, cleanup } = tempDir();
      const dirty = join(dir, 'not', 'yet', 'there');
      try {
        const summary = await runJob(job(target, dirty, { record: 37 }));
        assert.is(summary.state, 'succeeded');
        await checkOutcome(target, dirty, summary);
      } finally {
        cleanup();
      }
    });
  });

  test(`${db.name}: the same with errorLimit.record 36: exit code 3, the message names the count, the limit and the dirty file`, async () => {
    await withTarget(async (target) => {
      const { dir, cleanup } = tempDir();
      try {
        const err = await runJob(job(target, dir, { record: 36 })).then(() => undefined, (e: unknown) => e);
        assert.instance(err, ErrorLimitError, String(err));
        const e = err as ErrorLimitError;
        assert.is(e.exitCode, 3);
        const summary = e.summary as JobSummary;
        const file = join(dir, `ferry-dirty-${summary.runId}.jsonl`);
        assert.match(e.message, /^(\d+) dirty records, more than job\.setting\.errorLimit\.record 36 allows; the dirty records are in /);
        assert.ok(Number(/^(\d+)/.exec(e.message)![1]) > 36);
        assert.ok(e.message.endsWith(file), e.message);
        assert.is(summary.state, 'failed');
        assert.is(summary.error?.code, 'FERRY_ERROR_LIMIT');
      } finally {
        cleanup();
      }
    });
  });

  test(`${db.name}: errorLimit.percentage: 0.0004 lets 37 in 100,000 through, 0.0003 stops the job with exit code 3`, async () => {
    await withTarget(async (target) => {
      const { dir, cleanup } = tempDir();
      try {
        // One task reading in key order: bad rows are spread evenly, so the share never passes 0.037% on the way.
        const summary = await runJob(job(target, join(dir, 'ok'), { percentage: 0.0004 }, { channel: 1, splitPk: false }));
        assert.is(summary.state, 'succeeded');
        await checkOutcome(target, join(dir, 'ok'), summary);

        await db.session.execute(`DELETE FROM ${q(target)}`);
        const err = await runJob(job(target, join(dir, 'fail'), { percentage: 0.0003 }, { channel: 1, splitPk: false })).then(() => undefined, (e: unknown) => e);
        assert.instance(err, ErrorLimitError);
        assert.is((err as ErrorLimitError).exitCode, 3);
        assert.match((err as Error).message, /^\d+ dirty records in \d+ read \([\d.]+%\), more than job\.setting\.errorLimit\.percentage 0\.0003 \(0\.03%\) allows; the dirty records are in .*fail/);
      } finally {
        cleanup();
      }
    });
  });

  if (db.name === 'postgresql') {
    test('postgresql: the same 37 bad rows through INSERT ... ON CONFLICT (writeMode update): the same outcome', async () => {
      await withTarget(async (target) => {
        const { dir, cleanup } = tempDir();
        try {
          const summary = await runJob(job(target, dir, { record: 37 }, { writeMode: 'update' }));
          await checkOutcome(target, dir, summary);
        } finally {
          cleanup();
        }
      }, true);
    });
  }

  test(`${db.name}: the same 37 bad rows through the ${db.name === 'postgresql' ? 'COPY' : 'LOAD DATA'}-text pass-through (same column types, the length a CHECK): each bad row in the dirty file with its reason, its fields as text; the rest once`, async () => {
    const columns = `name varchar(100) NOT NULL CHECK (char_length(name) <= 20), code int`;
    // mysql2 names MariaDB's 4025 (ER_CONSTRAINT_FAILED) from MySQL's list, where 4025 is another error
    const check = db.name === 'postgresql' ? { code: '23514', text: /violates check constraint/ }
      : (db.session as MysqlSession).serverIsMariaDb ? { code: 'ER_INNODB_AUTOEXTEND_SIZE_OUT_OF_RANGE', text: /CONSTRAINT .* failed/ } : { code: 'ER_CHECK_CONSTRAINT_VIOLATED', text: /Check constraint .* is violated/ };
    const reasons = REASONS[db.name]!;
    await withTarget(async (target) => {
      const { dir, cleanup } = tempDir();
      try {
        const j = job(target, dir, { record: 37 });
        const [path] = await explainJob(j);
        assert.is(path?.path, 'pass-through', path?.why);
        if (db.name === 'mysql') assert.match(path!.why, /^mysql-load-text: whole lines from mysqlreader into mysqlwriter's LOAD DATA, not parsed into values/);
        const summary = await runJob(j);
        assert.is(summary.state, 'succeeded');
        // MySQL: the refused LOAD batches are written again through INSERT, whose reasons these are
        await checkOutcome(target, dir, summary, { ...reasons, long: { ...check, count: 13 } });
        const lines = dirtyLines(dir, summary.runId);
        const nulls = lines.find((l) => l.code === reasons.null!.code)!;
        assert.equal(nulls.values, [nulls.values[0], null, nulls.values[2]], 'a NULL field is null, not \\N');
        assert.type(nulls.values[0], 'string', 'a pass-through row is decoded into the text of its fields');
        assert.is(await checksum(target), await checksum(src, `WHERE id NOT IN (${lines.map((l) => Number(l.values[0])).join(', ')})`), 'the good rows, each once, with their values');
      } finally {
        cleanup();
      }
    }, false, columns);
  });

  if (db.name === 'postgresql') {
    test('postgresql: a target column of another type than the source (varchar(20) for varchar(100)) takes the COPY path, and --explain says why', async () => {
      await withTarget(async (target) => {
        const [path] = await explainJob(job(target, '/nonexistent', { record: 0 }));
        assert.is(path?.path, 'COPY');
        assert.match(path!.why, /no pass-through: column name is character varying\(20\) in the target and character varying\(100\) in the source/);
      });
    });

    test('postgresql: NUL in text (which PostgreSQL refuses) is a dirty record with its column; the other rows of the batch go in', async () => {
      const target = db.table('dirty_nul');
      await db.session.execute(`CREATE TABLE ${q(target)} (id int, name text)`);
      const { dir, cleanup } = tempDir();
      try {
        const lines = Array.from({ length: 100 }, (_, i) => (i === 10 || i === 77 ? `${i},bad\0value` : `${i},name ${i}`));
        writeFileSync(join(dir, 'in.csv'), lines.join('\n') + '\n');
        const summary = await runJob({
          job: {
            setting: { errorLimit: { record: 2 }, dirty: { path: join(dir, 'dirty') } },
            content: [{
              reader: { name: 'txtfilereader', parameter: { path: [join(dir, 'in.csv')], column: [{ index: 0, type: 'long' }, { index: 1, type: 'string' }] } },
              writer: writerOf(db, target, { column: ['id', 'name'] }),
            }],
          },
        });
        const written = await db.session.query(`SELECT id FROM ${q(target)} ORDER BY id`);
        assert.equal(written.map((r) => Number(r[0])), Array.from({ length: 100 }, (_, i) => i).filter((i) => i !== 10 && i !== 77));
        const dirty = readFileSync(summary.dirty.file!, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as DirtyLine);
        assert.equal(dirty.map((d) => [d.values[0], d.column, d.code]), [[10, 'name', '22021'], [77, 'name', '22021']]);
        assert.match(dirty[0]!.message, /a NUL character/);
      } finally {
        cleanup();
        await db.session.execute(`DROP TABLE IF EXISTS ${q(target)}`);
      }
    });
  }

  if (db.name === 'mysql') {
    test('mysql: the 37 bad rows through LOAD DATA (records: the target\'s name is varchar(20)): refused batches isolated through INSERT, the same reasons; --explain says LOAD DATA and why no pass-through', async () => {
      await withTarget(async (target) => {
        const { dir, cleanup } = tempDir();
        try {
          const j = job(target, dir, { record: 37 });
          const [path] = await explainJob(j);
          assert.is(path?.path, 'LOAD DATA', path?.why);
          assert.match(path!.why, /^writeMode insert: one LOAD DATA LOCAL INFILE per batch of 50000 rows, streamed as they come \(the server allows local_infile\); no pass-through: column name is varchar\(20\) in the target and varchar\(100\) in the source/);
          const summary = await runJob(j);
          assert.is(summary.state, 'succeeded');
          await checkOutcome(target, dir, summary);
          assert.is(await checksum(target), await checksum(src, `WHERE id NOT IN (${dirtyLines(dir, summary.runId).map((l) => Number(l.values[0])).join(', ')})`), 'the good rows, each once, with their values');
        } finally {
          cleanup();
        }
      });
    });

    test('mysql: writeMode update takes INSERT … ON DUPLICATE KEY UPDATE, and --explain says why not LOAD DATA', async () => {
      await withTarget(async (target) => {
        const [path] = await explainJob(job(target, '/nonexistent', { record: 0 }, { writeMode: 'update' }));
        assert.is(path?.path, 'INSERT … ON DUPLICATE KEY UPDATE');
        assert.match(path!.why, /not LOAD DATA: writeMode update needs ON DUPLICATE KEY UPDATE, which LOAD DATA has not/);
      }, true);
    });
  }


  test.after(async () => {
    if (seeded) await db.session.execute(`DROP TABLE IF EXISTS ${q(src)}`);
  });
}

test.after(close);
test.run();
