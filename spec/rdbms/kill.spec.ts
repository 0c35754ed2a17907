/**
 * A connection killed in the middle of a 1,000,000-row job (pg_terminate_backend, KILL
 * CONNECTION), on both databases, the writer's and then the reader's: the job reconnects and
 * succeeds, and the target holds exactly the source's rows (count, key sum and checksum; the
 * target has no key, so a row written twice would show).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainJob, runJob } from '../../lib/index.js';
import { databases, type TestDatabase } from './databases.js';
import { readerOf, writerOf } from './jobs.js';

const { dbs, close } = await databases();

const N = 1_000_000;

async function seed(db: TestDatabase, table: string): Promise<void> {
  const t = db.dialect.quoteIdent(table);
  await db.session.execute(`CREATE TABLE ${t} (id bigint PRIMARY KEY, name varchar(40), v double precision)`);
  if (db.name === 'postgresql') {
    await db.session.execute(`INSERT INTO ${t} SELECT g, 'name ' || g, g / 7.0 FROM generate_series(1, ${N}) g`);
  } else {
    await db.session.execute(`INSERT INTO ${t} SELECT seq, CONCAT('name ', seq), seq / 7.0 FROM seq_1_to_${N}`);
  }
}

/** Count, key sum and a checksum over every column. */
async function fingerprint(db: TestDatabase, table: string): Promise<string[]> {
  const t = db.dialect.quoteIdent(table);
  const sql = db.name === 'postgresql'
    ? `SELECT count(*), sum(id), md5(string_agg(id || ':' || name || ':' || v, ',' ORDER BY id)) FROM ${t}`
    : `SELECT COUNT(*), SUM(id), SUM(CRC32(CONCAT(id, ':', name, ':', v))), BIT_XOR(CRC32(CONCAT(id, ':', name, ':', v))) FROM ${t}`;
  const [row] = await db.session.query(sql);
  return (row ?? []).map(String);
}

/** Ids of the sessions running the writer's or the reader's statement on `table`. */
async function victims(db: TestDatabase, side: 'writer' | 'reader', table: string): Promise<string[]> {
  if (db.name === 'postgresql') {
    const pattern = side === 'writer' ? `COPY "${table}"%FROM STDIN%` : `COPY (%FROM "${table}"%`;
    const rows = await db.session.query('SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid() AND state = $2', [pattern, 'active']);
    return rows.map((r) => String(r[0]));
  }
  // The writer loads (LOAD DATA LOCAL, the default where local_infile is on) or inserts.
  const patterns = side === 'writer' ? [`LOAD DATA LOCAL INFILE%INTO TABLE \`${table}\`%`, `INSERT INTO \`${table}\`%`] : [`SELECT%FROM \`${table}\`%`, `SELECT%FROM \`${table}\`%`];
  const rows = await db.session.query('SELECT ID FROM information_schema.PROCESSLIST WHERE (INFO LIKE ? OR INFO LIKE ?) AND ID <> CONNECTION_ID()', patterns);
  return rows.map((r) => String(r[0]));
}

async function kill(db: TestDatabase, id: string): Promise<void> {
  if (db.name === 'postgresql') await db.session.query('SELECT pg_terminate_backend($1)', [Number(id)]);
  else await db.session.execute(`KILL CONNECTION ${Number(id)}`).catch(() => {}); // it may have ended meanwhile
}

for (const db of dbs) {
  const q = (t: string): string => db.dialect.quoteIdent(t);
  const src = db.table('kill_src');
  let seeded = false;

  /** Seeds the source once, then gives the test its own key-less target (a row written twice would show). */
  const withTarget = async (prefix: string, fn: (target: string) => Promise<void>): Promise<void> => {
    if (!seeded) {
      await seed(db, src);
      seeded = true;
    }
    const target = db.table(prefix);
    await db.session.execute(`CREATE TABLE ${q(target)} (id bigint, name varchar(40), v double precision)`);
    try {
      await fn(target);
    } finally {
      await db.session.execute(`DROP TABLE IF EXISTS ${q(target)}`);
    }
  };

  const jobOf = (target: string, channel: number, reader: Record<string, unknown> = {}): object => ({
    job: {
      setting: { speed: { channel }, retry: { initialIntervalMs: 100 } },
      content: [{
        reader: readerOf(db, { column: ['id', 'name', 'v'], connection: [{ jdbcUrl: [db.jdbcUrl], table: [src] }], ...reader }),
        writer: writerOf(db, target, { column: ['id', 'name', 'v'] }),
      }],
    },
  });

  for (const side of ['writer', 'reader'] as const) {
    test(`${db.name}: the ${side}'s connection killed in the middle of a 1,000,000-row job: the job succeeds, the target equals the source`, async () => {
      await withTarget('kill_tgt', async (target) => {
        // The same column types on both sides: the kill meets the pass-through (COPY text, LOAD DATA text).
        const [path] = await explainJob(jobOf(target, 2, { splitPk: 'id' }));
        assert.is(path?.path, 'pass-through', path?.why);
        const warnings: string[] = [];
        let finished = false;
        const run = runJob(jobOf(target, 2, { splitPk: 'id' }), { log: { info: () => {}, warn: (m) => warnings.push(m) } }).finally(() => {
          finished = true;
        });
        // Kill once a third of the rows are committed (a tenth for the reader), while the job still
        // runs; again if the kill only met a task that had just finished (it then never noticed).
        const reconnected = (): boolean => warnings.some((w) => /reconnecting in \d+ ms/.test(w));
        let killed = 0;
        let committedAtKill = 0;
        // Readers run ahead of writers (a task's reader is often done while its writer drains
        // the ring): once the threshold is passed, look for a victim often, without counting.
        let passed = false;
        while (!finished && !reconnected()) {
          if (!passed) {
            const [[count]] = (await db.session.query(`SELECT COUNT(*) FROM ${q(target)}`)) as [[unknown]];
            committedAtKill = Number(count);
            passed = committedAtKill >= (side === 'writer' ? N / 3 : N / 10);
          }
          if (passed) {
            for (const id of await victims(db, side, side === 'writer' ? target : src)) {
              await kill(db, id);
              killed++;
            }
          }
          await new Promise((r) => setTimeout(r, killed > 0 ? 200 : 5));
        }
        const summary = await run;
        assert.ok(killed > 0, `a ${side} connection was killed before the job ended`);
        assert.ok(committedAtKill < N, 'killed mid-job');
        assert.ok(reconnected(), `the ${side} reconnected: ${warnings.join(' | ')}`);
        assert.is(summary.state, 'succeeded');
        assert.is(summary.recordsWritten, N);
        assert.equal(await fingerprint(db, target), await fingerprint(db, src));
      });
    });
  }

  test(`${db.name}: the reader's connection killed without a splitPk: the job stops, saying why and which target table holds the rows written so far`, async () => {
    await withTarget('kill_nopk', async (target) => {
      let finished = false;
      const run = runJob(jobOf(target, 1)).then(() => undefined, (e: Error) => e).finally(() => {
        finished = true;
      });
      let killed = 0;
      while (!finished && killed === 0) {
        const [[count]] = (await db.session.query(`SELECT COUNT(*) FROM ${q(target)}`)) as [[unknown]];
        if (Number(count) > 0) for (const id of await victims(db, 'reader', src)) killed += (await kill(db, id), 1);
        await new Promise((r) => setTimeout(r, 5));
      }
      const err = await run;
      assert.ok(killed > 0 && err, 'the reader was killed and the job failed');
      assert.match(err!.message, /the read cannot go on where it stopped after \d+ rows: give the reader a splitPk \(an integer key\) so that it can/);
      assert.match(err!.message, new RegExp(`table ${target} at 127\\.0\\.0\\.1:\\d+/\\w+ holds the rows this task committed before it failed`));
    });
  });

  test.after(async () => {
    if (seeded) await db.session.execute(`DROP TABLE IF EXISTS ${q(src)}`);
  });
}

test.after(close);
test.run();
