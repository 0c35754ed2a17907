/**
 * The kill harness of setting.restore: `ferry run` on a 2,000,000-row job (PostgreSQL → PostgreSQL
 * and MySQL → PostgreSQL) as a child process, SIGKILLed once about 40% is committed, then run
 * again with --resume: the target holds every source row exactly once (count, distinct keys,
 * sums), and the second run read less than 70% of the rows — it went on, it did not start over.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databases, type TestDatabase } from './databases.js';
import { readerOf, writerOf } from './jobs.js';
import { lastJson, runCli, tempDir } from '../helpers.js';

const { dbs, close } = await databases();
const pg = dbs.find((d) => d.name === 'postgresql');

const N = 2_000_000;

async function seed(db: TestDatabase, table: string): Promise<void> {
  const t = db.dialect.quoteIdent(table);
  await db.session.execute(`CREATE TABLE ${t} (id bigint PRIMARY KEY, name varchar(40), v double precision)`);
  if (db.name === 'postgresql') await db.session.execute(`INSERT INTO ${t} SELECT g, 'name ' || g, g / 8.0 FROM generate_series(1, ${N}) g`);
  else await db.session.execute(`INSERT INTO ${t} SELECT seq, CONCAT('name ', seq), seq / 8.0 FROM seq_1_to_${N}`);
}

/** Count, distinct ids, and sums over every column: the same on both sides when every row is there once. */
async function fingerprint(db: TestDatabase, table: string): Promise<string[]> {
  const t = db.dialect.quoteIdent(table);
  const [row] = await db.session.query(`SELECT COUNT(*), COUNT(DISTINCT id), SUM(id), SUM(LENGTH(name)), SUM(FLOOR(v * 8)) FROM ${t}`);
  return (row ?? []).map((x) => String(BigInt(String(x).replace(/\.0*$/, ''))));
}

async function count(db: TestDatabase, table: string): Promise<number> {
  const [[n]] = (await db.session.query(`SELECT COUNT(*) FROM ${db.dialect.quoteIdent(table)}`)) as [[unknown]];
  return Number(n);
}

/** A restore job file in dir: `source`'s table by splitPk id into `writer`, a checkpoint every 20,000 rows. */
/** rowPath: a filter that drops nothing, so the rows go as records, not as text. */
function restoreJob(dir: string, source: TestDatabase, src: string, writer: Record<string, unknown>, rowPath = false): string {
  const jobFile = join(dir, 'job.json');
  writeFileSync(jobFile, JSON.stringify({
    job: {
      setting: { speed: { channel: 2 }, restore: { isRestore: true, restoreColumnName: 'id', maxRowNumForCheckpoint: 20000 } },
      content: [{
        reader: readerOf(source, { column: ['id', 'name', 'v'], splitPk: 'id', connection: [{ jdbcUrl: [source.jdbcUrl], table: [src] }] }),
        writer,
        ...(rowPath ? { transformer: [{ name: 'dx_filter', parameter: { columnIndex: 0, paras: ['<', '-1'] } }] } : {}),
      }],
    },
  }));
  return jobFile;
}

/**
 * Runs `ferry run jobFile` as a child process and SIGKILLs it once `reached()`; fails if the run
 * ends first. With `confirm`, the run is frozen (SIGSTOP) when `reached()` first holds, and killed
 * only if `confirm()` still holds on the frozen state; otherwise it goes on (SIGCONT) and the
 * watch resumes. A kill decided on a running job lands some rows later than it was decided, and
 * on a loaded machine that can be a whole task later: freezing first makes the kill point exact.
 */
async function killWhen(jobFile: string, dir: string, what: string, reached: () => Promise<boolean> | boolean, confirm?: () => Promise<boolean>): Promise<void> {
  let pid = 0;
  let ended = false;
  const first = runCli(['run', jobFile, '--json'], { cwd: dir, timeoutMs: 120_000, onSpawn: (p) => (pid = p) }).finally(() => (ended = true));
  for (;;) {
    while (!(await reached())) {
      if (ended) assert.unreachable(`the first run ended before ${what}: ${(await first).stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!confirm) break;
    process.kill(pid, 'SIGSTOP');
    // A COMMIT already on the wire still lands while the client is frozen: let it, then look.
    await new Promise((r) => setTimeout(r, 150));
    if (await confirm()) break;
    process.kill(pid, 'SIGCONT');
  }
  process.kill(pid, 'SIGKILL');
  assert.is((await first).signal, 'SIGKILL');
}

/** `ferry state jobFile`: the saved tasks and what their checkpoints hold. */
async function stateOf(jobFile: string, dir: string): Promise<{ stateDir: string; tasks: number; checkpoints: Array<{ rows: number; done: boolean }> }> {
  const st = await runCli(['state', jobFile, '--json'], { cwd: dir });
  assert.is(st.code, 0, st.stderr);
  return lastJson(st.stdout);
}

if (pg) {
  for (const [source, rowPath] of dbs.flatMap((d) => (d.name === 'mysql' ? [[d, false], [d, true]] as const : [[d, false]] as const))) {
    test(`${source.name} → postgresql${rowPath ? ' as records' : ''}: SIGKILL at ~45%, then --resume: every row once, and the second run read less than 70%`, async () => {
      const src = source.table('resume_src');
      const dst = pg.table('resume_dst');
      await seed(source, src);
      await pg.session.execute(`CREATE TABLE ${pg.dialect.quoteIdent(dst)} (id bigint, name varchar(40), v double precision)`);
      const { dir, cleanup } = tempDir();
      let hash = '';
      try {
        const jobFile = restoreJob(dir, source, src, writerOf(pg, dst, { column: ['id', 'name', 'v'], batchSize: 20000 }), rowPath);
        const explained = await runCli(['run', jobFile, '--explain', '--json'], { cwd: dir });
        assert.is(explained.code, 0, explained.stderr);
        // As text from either server (the checkpoint read from each batch's last record), or as records through a transformer.
        assert.is(lastJson<Array<{ path: string }>>(explained.stdout)[0]?.path, rowPath ? 'COPY' : 'pass-through');
        let killedAt = 0;
        // 45%: with 10 equal ranges run two at a time, 40% is just when a pair of tasks ends. The
        // kill waits (frozen) for a task between checkpoints, so the resume goes on from inside one.
        const midTask = async (): Promise<boolean> => (await stateOf(jobFile, dir)).checkpoints.some((c) => !c.done && c.rows > 0);
        await killWhen(jobFile, dir, '45% was committed', async () => (killedAt = await count(pg, dst)) >= N * 0.45, midTask);
        killedAt = await count(pg, dst);
        assert.ok(killedAt < N, 'killed mid-job');

        // `ferry state` shows the saved tasks and what their checkpoints hold: exactly what is there.
        const state = await stateOf(jobFile, dir);
        assert.ok(state.stateDir.startsWith(join(dir, '.ferry', 'state')), state.stateDir);
        assert.is(state.tasks, 11, 'channel 2 × splitFactor 5 ranges, and the NULL task');
        const rowsCheckpointed = state.checkpoints.reduce((n, c) => n + c.rows, 0);
        assert.is(rowsCheckpointed, killedAt, `checkpoints say ${rowsCheckpointed} rows, the target holds ${killedAt}`);
        assert.ok(state.checkpoints.some((c) => !c.done), 'a task stopped between checkpoints');
        hash = state.stateDir.split('/').pop()!;

        const r2 = await runCli(['run', jobFile, '--resume', '--json'], { cwd: dir, timeoutMs: 120_000 });
        assert.is(r2.code, 0, r2.stderr);
        const summary = lastJson<{ recordsRead: number; restore: { resumed: boolean } }>(r2.stdout);
        assert.is(summary.restore.resumed, true);
        assert.ok(summary.recordsRead < N * 0.7, `the second run read ${summary.recordsRead} rows: it should go on from the checkpoints`);
        assert.equal(await fingerprint(pg, dst), await fingerprint(source, src));
      } finally {
        cleanup();
        await source.session.execute(`DROP TABLE IF EXISTS ${source.dialect.quoteIdent(src)}`);
        await pg.session.execute(`DROP TABLE IF EXISTS ${pg.dialect.quoteIdent(dst)}`);
        if (hash) await pg.session.query('DELETE FROM ferry_checkpoint WHERE job = $1', [hash]);
      }
    });
  }
}

if (pg) {
  test('postgresql → CSV files: SIGKILL at ~40%, then --resume: every row once in the files, and the second run read less than 70%', async () => {
    const src = pg.table('resume_csv_src');
    await seed(pg, src);
    const { dir, cleanup } = tempDir();
    try {
      const out = join(dir, 'out');
      const jobFile = restoreJob(dir, pg, src, { name: 'txtfilewriter', parameter: { path: out, fileName: 'rows.csv', writeMode: 'truncate' } });
      /** Rows the checkpoints say are on disk. */
      const checkpointed = (): number => {
        let n = 0;
        for (const f of existsSync(out) ? readdirSync(out) : []) {
          if (!f.endsWith('.ferry-checkpoint')) continue;
          try {
            n += (JSON.parse(readFileSync(join(out, f), 'utf8')) as { rows: number }).rows;
          } catch {
            // being replaced right now
          }
        }
        return n;
      };
      await killWhen(jobFile, dir, '40% was checkpointed', () => checkpointed() >= N * 0.4);

      const r2 = await runCli(['run', jobFile, '--resume', '--json'], { cwd: dir, timeoutMs: 120_000 });
      assert.is(r2.code, 0, r2.stderr);
      const summary = lastJson<{ recordsRead: number }>(r2.stdout);
      assert.ok(summary.recordsRead < N * 0.7, `the second run read ${summary.recordsRead} rows`);
      const seen = new Uint8Array(N + 1);
      let lines = 0;
      let sumLen = 0;
      for (const f of readdirSync(out).filter((x) => !x.endsWith('.ferry-checkpoint'))) {
        for (const line of readFileSync(join(out, f), 'utf8').split('\n')) {
          if (line === '') continue;
          lines++;
          const [id, name] = line.split(',');
          seen[Number(id)]! += 1;
          sumLen += name!.length;
        }
      }
      assert.is(lines, N, 'as many lines as source rows');
      assert.ok(seen.slice(1).every((x) => x === 1), 'every id exactly once');
      const [[len]] = (await pg.session.query(`SELECT SUM(LENGTH(name)) FROM ${pg.dialect.quoteIdent(src)}`)) as [[unknown]];
      assert.is(sumLen, Number(len));
    } finally {
      cleanup();
      await pg.session.execute(`DROP TABLE IF EXISTS ${pg.dialect.quoteIdent(src)}`);
    }
  });
}

test.after(close);
test.run();
