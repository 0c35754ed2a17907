/**
 * Stopping a read at any moment never kills the process (issue 10). A consumer leaves a stream
 * early in three ways — it stops iterating, it throws, or an AbortSignal fires — at a random
 * point, hundreds of times, with small and large fetch sizes. Every 'error' a driver emits
 * after the stop (PostgreSQL's 57014 for a cancelled COPY, a destroyed MySQL socket) must have a
 * listener: the specs count uncaught exceptions and unhandled rejections, and check that the
 * connection (PostgreSQL) or the server (MySQL, whose abandoned stream costs its connection)
 * takes the next statement. Then the same at job level: an error limit crossed while a PG→PG
 * COPY read is in flight ends with ErrorLimitError every time, never with a dead worker.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runJob } from '../../lib/index.js';
import { ErrorLimitError, EXIT_ERROR_LIMIT } from '../../lib/errors.js';
import { parseConnectionUrl } from '../../lib/rdbms/connection.js';
import type { DbSession } from '../../lib/rdbms/dialect.js';
import { databases, type TestDatabase } from './databases.js';
import { readerOf, writerOf } from './jobs.js';
import { tempDir } from '../helpers.js';

const { dbs, close } = await databases();

const ROWS = 20_000;
const STOPS_PER_CASE = Number(process.env.CANCEL_STOPS ?? 100); // × 2 fetch sizes = 200 stops per reader
const JOB_RUNS = Number(process.env.CANCEL_RUNS ?? 50);

let uncaught: unknown[] = [];
const onUncaught = (err: unknown): void => void uncaught.push(err);
process.on('uncaughtException', onUncaught);
process.on('unhandledRejection', onUncaught);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rand = (n: number): number => Math.floor(Math.random() * n);

type StopKind = 'break' | 'throw' | 'abort';
const STOP_KINDS: StopKind[] = ['break', 'throw', 'abort'];

class ConsumerLeft extends Error {}

/**
 * Reads `sql` and leaves at a random point: after a random number of batches (break or
 * throw), or when a signal fires after a random delay. Returns the rows it saw.
 */
async function readAndStop(s: DbSession, sql: string, fetchSize: number, kind: StopKind): Promise<number> {
  const ac = new AbortController();
  const afterBatches = rand(Math.ceil(ROWS / fetchSize) + 1);
  if (kind === 'abort') setTimeout(() => ac.abort(), rand(15));
  let rows = 0;
  let batches = 0;
  try {
    for await (const batch of s.stream(sql, { fetchSize, signal: ac.signal })) {
      rows += batch.length;
      if (kind !== 'abort' && ++batches >= afterBatches) {
        if (kind === 'break') break;
        throw new ConsumerLeft();
      }
    }
  } catch (err) {
    // The consumer's own throw, or the reader's "aborted" error (MySQL says so; PostgreSQL ends quietly).
    if (!(err instanceof ConsumerLeft) && !(kind === 'abort' && /abort/i.test((err as Error).message))) throw err;
  } finally {
    ac.abort(); // the timer may not have fired: it must not reach a later read
  }
  return rows;
}

function checkNoUncaught(what: string): void {
  const seen = uncaught;
  uncaught = [];
  assert.equal(seen.map((e) => String((e as Error)?.stack ?? e)), [], `${what}: no error went unhandled`);
}

async function seed(db: TestDatabase, table: string): Promise<void> {
  const t = db.dialect.quoteIdent(table);
  const pg = db.name === 'postgresql';
  await db.session.execute(`CREATE TABLE ${t} (id bigint PRIMARY KEY, name varchar(40), code int)`);
  await db.session.execute(
    pg
      ? `INSERT INTO ${t} SELECT g, 'name ' || g, CASE WHEN g % 500 = 0 THEN NULL ELSE g END FROM generate_series(1, ${ROWS}) g`
      : `INSERT INTO ${t} SELECT seq, CONCAT('name ', seq), CASE WHEN seq % 500 = 0 THEN NULL ELSE seq END FROM seq_1_to_${ROWS}`,
  );
}

for (const db of dbs) {
  const q = (t: string): string => db.dialect.quoteIdent(t);
  const src = db.table('cancel_src');
  const sql = `SELECT id, name, code FROM ${q(src)} ORDER BY id`;
  let seeded: Promise<void> | undefined;
  const seedOnce = (): Promise<void> => (seeded ??= seed(db, src));

  // PostgreSQL reads by COPY (default) or by cursor (ferryStream=cursor); MySQL by its stream.
  const modes = db.name === 'postgresql' ? ['copy', 'cursor'] : ['stream'];
  for (const mode of modes) {
    test(`${db.name} ${mode}: ${2 * STOPS_PER_CASE} random stops (break, throw, abort; fetchSize 16 and 4096): nothing unhandled, the next statement runs`, async () => {
      const url = mode === 'cursor' ? `${db.url}${db.url.includes('?') ? '&' : '?'}ferryStream=cursor` : db.url;
      const connect = (): Promise<DbSession> => db.dialect.connect(parseConnectionUrl(url, db.name, 'spec'));
      await seedOnce();
      let s = await connect();
      try {
        let partial = 0;
        for (const fetchSize of [16, 4096]) {
          for (let i = 0; i < STOPS_PER_CASE; i++) {
            const kind = STOP_KINDS[i % STOP_KINDS.length]!;
            const seen = await readAndStop(s, sql, fetchSize, kind);
            if (seen < ROWS) partial++;
            if (db.name === 'mysql' && seen < ROWS) {
              // An abandoned MySQL result costs its connection: the session says so, a new one works.
              // A stop after the server's last row arrived abandoned nothing: that connection goes on.
              const err = await s.query('SELECT 1').then(() => undefined, (e: Error) => e);
              if (err) {
                assert.match(err.message, /connection lost: a streamed query was abandoned before its end/);
                await s.close();
                s = await connect();
              }
            }
            assert.equal(await s.query('SELECT 41 + 1'), [[42]], `${kind} #${i} (fetchSize ${fetchSize}): the connection takes the next statement`);
          }
        }
        // Random points that never stop early would make this spec prove nothing.
        assert.ok(partial > STOPS_PER_CASE, `${partial} of ${2 * STOPS_PER_CASE} reads stopped before the end`);
        // A late 57014 (or socket error) arrives after the stop returned: give it time to land.
        await sleep(300);
        checkNoUncaught(`${db.name} ${mode}`);
        const [[count]] = (await s.query(`SELECT COUNT(*) FROM ${q(src)}`)) as [[unknown]];
        assert.is(Number(count), ROWS);
      } finally {
        await s.close();
      }
    });
  }

  if (db.name === 'postgresql') {
    test(`postgresql → postgresql: the error limit crossed while the COPY read is in flight, ${JOB_RUNS} times: ErrorLimitError (exit 3) every time, no dead worker`, async () => {
      await seedOnce();
      const target = db.table('cancel_tgt');
      await db.session.execute(`CREATE TABLE ${q(target)} (id bigint, name varchar(40), code int NOT NULL)`);
      const { dir, cleanup } = tempDir();
      try {
        for (let i = 0; i < JOB_RUNS; i++) {
          // Every 500th row has a NULL code: starting at a random id moves the first bad row, and
          // so the moment the writer stops the read.
          const from = rand(ROWS - 1000);
          const job = {
            job: {
              setting: { speed: { channel: 1 + (i % 2) }, errorLimit: { record: 0 }, dirty: { path: dir } },
              content: [{
                reader: readerOf(db, { column: ['id', 'name', 'code'], fetchSize: 1 + rand(4096), where: `id > ${from}`, connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }], ...(i % 2 ? { splitPk: 'id' } : {}) }),
                writer: writerOf(db, target, { column: ['id', 'name', 'code'], batchSize: 1 + rand(2048) }),
              }],
            },
          };
          const err = await runJob(job).then(() => undefined, (e: unknown) => e);
          assert.instance(err, ErrorLimitError, `run ${i}: ${String((err as Error)?.stack ?? err)}`);
          assert.match((err as ErrorLimitError).message, /^\d+ dirty records?, more than job\.setting\.errorLimit\.record 0 allows/);
          assert.is((err as ErrorLimitError).exitCode, EXIT_ERROR_LIMIT);
          await db.session.execute(`TRUNCATE ${q(target)}`);
        }
        await sleep(300);
        checkNoUncaught('error-limit runs');
      } finally {
        cleanup();
        await db.session.execute(`DROP TABLE IF EXISTS ${q(target)}`);
      }
    });
  }

  test.after(async () => {
    await db.session.execute(`DROP TABLE IF EXISTS ${q(src)}`);
  });
}

test.after(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  await close();
});

test.run();
