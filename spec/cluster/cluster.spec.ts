/**
 * Task groups on three `ferry worker` processes (each standing for a machine) over the local
 * Redis: `ferry run --cluster` spreads a PostgreSQL → PostgreSQL job of 8 groups over all three;
 * Ctrl-C on the submitter stops every remote group within 2 s; a worker killed with -9 mid-job
 * hands its group to another (setting.restore: the job succeeds, the target exact) or fails the
 * job naming the group (no restore: nothing is written twice); `ferry serve --cluster` runs a
 * submitted job on the same workers. The target has no key, so a row
 * written twice would show.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databases, type TestDatabase } from '../rdbms/databases.js';
import { readerOf, writerOf } from '../rdbms/jobs.js';
import { lastJson, runCli, tempDir, type CliResult } from '../helpers.js';
import { REDIS_URL, dropQueue, redisOrSkip, startWorker, stopWorker, uniqueQueue, type WorkerProcess } from './workers.js';
import { followLog, getRun, submitRun, type JobSummary } from '../../lib/index.js';
import { startServer } from '../service/server.js';

const redis = await redisOrSkip();
const { dbs, close } = await databases();
const pg = dbs.find((d) => d.name === 'postgresql');
const N = 1_000_000;

async function fingerprint(db: TestDatabase, table: string): Promise<string[]> {
  const [row] = await db.session.query(`SELECT count(*), count(DISTINCT id), sum(id), md5(string_agg(id || ':' || name || ':' || v, ',' ORDER BY id)) FROM ${db.dialect.quoteIdent(table)}`);
  return (row ?? []).map(String);
}

async function count(db: TestDatabase, table: string): Promise<number> {
  const [[n]] = (await db.session.query(`SELECT count(*) FROM ${db.dialect.quoteIdent(table)}`)) as [[unknown]];
  return Number(n);
}

/** Sessions (other than ours) whose statement names the table: a group still reading or writing it. */
async function sessionsOn(db: TestDatabase, ...tables: string[]): Promise<number> {
  let n = 0;
  for (const t of tables) {
    const [[c]] = (await db.session.query('SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()', [`%${t}%`])) as [[unknown]];
    n += Number(c);
  }
  return n;
}

if (redis && pg) {
  const q = (t: string): string => pg.dialect.quoteIdent(t);
  const queue = uniqueQueue();
  const src = pg.table('cluster_src');
  const workers: WorkerProcess[] = [];
  const tmp = tempDir('ferry-cluster-');

  test.before(async () => {
    await pg.session.execute(`CREATE TABLE ${q(src)} (id bigint PRIMARY KEY, name varchar(40), v double precision)`);
    await pg.session.execute(`INSERT INTO ${q(src)} SELECT g, 'name ' || g, g / 7.0 FROM generate_series(1, ${N}) g`);
    workers.push(...(await Promise.all(['w1', 'w2', 'w3'].map((name) => startWorker(queue, name)))));
  });

  /** A key-less target of its own, dropped after fn. */
  const withTarget = async (fn: (target: string) => Promise<void>, constraint = ''): Promise<void> => {
    const target = pg.table('cluster_tgt');
    await pg.session.execute(`CREATE TABLE ${q(target)} (id bigint, name varchar(40), v double precision${constraint})`);
    try {
      await fn(target);
    } finally {
      await pg.session.execute(`DROP TABLE IF EXISTS ${q(target)}`);
    }
  };

  /** 8 channels by splitPk, one channel per task group: 8 groups. */
  const jobFile = (target: string, restore: boolean, setting: Record<string, unknown> = {}): string => {
    const file = join(tmp.dir, `${target}.json`);
    writeFileSync(file, JSON.stringify({
      core: { container: { taskGroup: { channel: 1 } } },
      job: {
        setting: { speed: { channel: 8 }, ...(restore ? { restore: { isRestore: true, restoreColumnName: 'id', maxRowNumForCheckpoint: 20000 } } : {}), ...setting },
        content: [{
          reader: readerOf(pg, { column: ['id', 'name', 'v'], splitPk: 'id', connection: [{ jdbcUrl: [pg.jdbcUrl], table: [src] }] }),
          writer: writerOf(pg, target, { column: ['id', 'name', 'v'] }),
        }],
      },
    }));
    return file;
  };

  const submit = (file: string, onSpawn?: (pid: number) => void): Promise<CliResult> =>
    runCli(['run', file, '--cluster', REDIS_URL, '--queue', queue, '--json'], { cwd: tmp.dir, timeoutMs: 120_000, ...(onSpawn ? { onSpawn } : {}) });

  /**
   * Starts a run and calls `when` once `committed` rows are in the target (fails if the run ends
   * first); resolves after `when` ran, with the run still going.
   */
  /** Whether process `pid` has a COPY into `target` running now (its sockets' ports, from /proc, against pg_stat_activity). */
  const copying = async (pid: number, target: string): Promise<boolean> => {
    const inodes = new Set<string>();
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const link = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      })();
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(m[1]!);
    }
    const ports = readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length > 9 && inodes.has(f[9]!)).map((f) => parseInt(f[1]!.split(':')[1]!, 16));
    if (ports.length === 0) return false;
    const [[n]] = (await pg.session.query("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND client_port = ANY($2::int[])", [`COPY "${target}"%FROM STDIN%`, ports])) as [[unknown]];
    return Number(n) > 0;
  };
  /** `writer`: also wait until that process is inside a COPY, so that the one killed has begun writing. */
  const midJob = async (file: string, target: string, committed: number, when: (pid: number) => void, writer?: number): Promise<{ run: Promise<CliResult> }> => {
    let pid = 0;
    let ended = false;
    const run = submit(file, (p) => (pid = p)).finally(() => (ended = true));
    while ((await count(pg, target)) < committed || (writer !== undefined && !(await copying(writer, target)))) {
      if (ended) assert.unreachable(`the run ended before ${committed} rows were committed: ${(await run).stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    when(pid);
    return { run };
  };

  test('no ferry worker on the queue: one line that says how to start one', async () => {
    const other = uniqueQueue();
    await withTarget(async (target) => {
      const r = await runCli(['run', jobFile(target, false), '--cluster', REDIS_URL, '--queue', other], { cwd: tmp.dir });
      assert.is(r.code, 1, r.stderr);
      assert.ok(r.stderr.trimEnd().endsWith(`error: no ferry worker is running against ${REDIS_URL} on queue ${other}: start one on each machine with \`ferry worker --redis ${REDIS_URL} --queue ${other}\``), r.stderr);
      assert.not.match(r.stderr, /Records written/, 'refused before the job starts: no summary');
      assert.is(await count(pg, target), 0);
    });
  });

  test('a PostgreSQL → PostgreSQL job of 8 task groups spreads over all 3 workers; the target equals the source', async () => {
    await withTarget(async (target) => {
      const r = await submit(jobFile(target, false));
      assert.is(r.code, 0, r.stderr);
      const s = lastJson<JobSummary>(r.stdout);
      assert.is(s.state, 'succeeded');
      assert.is(s.taskGroups, 8);
      assert.equal(Object.keys(s.workers ?? {}).sort(), ['w1', 'w2', 'w3'], JSON.stringify(s.workers));
      assert.equal(Object.values(s.workers ?? {}).flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
      assert.match(r.stderr, /Workers\s+: w1 ran groups? [\d, ]+; w2 ran groups? [\d, ]+; w3 ran groups? [\d, ]+\n/);
      assert.is(s.recordsWritten, N);
      assert.equal(await fingerprint(pg, target), await fingerprint(pg, src));
    });
  });

  test('ferry serve --cluster: a submitted run goes to the workers and ends SUCCEEDED with the target exact', async () => {
    await withTarget(async (target) => {
      const server = await startServer({ data: join(tmp.dir, 'serve'), slots: 8, args: ['--cluster', REDIS_URL, '--queue', queue] });
      try {
        const job = JSON.parse(readFileSync(jobFile(target, false), 'utf8')) as Record<string, unknown>;
        const { id } = await submitRun({ job }, server.client);
        const end = await followLog(id, () => {}, server.client);
        assert.equal({ state: end.state, exitCode: end.exitCode }, { state: 'SUCCEEDED', exitCode: 0 });
        const { summary } = await getRun(id, server.client);
        assert.is(summary?.recordsWritten, N);
        assert.equal(Object.values(summary?.workers ?? {}).flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7], 'every group ran on a ferry worker');
        assert.equal(await fingerprint(pg, target), await fingerprint(pg, src));
      } finally {
        await server.stop();
      }
    });
  });

  test('Ctrl-C on the submitting ferry run: every remote group stops within 2 s', async () => {
    await withTarget(async (target) => {
      let interruptedAt = 0;
      const { run } = await midJob(jobFile(target, false), target, N / 10, (pid) => {
        process.kill(pid, 'SIGINT');
        interruptedAt = Date.now();
      });
      let open = await sessionsOn(pg, src, target);
      while (open > 0 && Date.now() - interruptedAt < 5_000) {
        await new Promise((r) => setTimeout(r, 20));
        open = await sessionsOn(pg, src, target);
      }
      const stoppedIn = Date.now() - interruptedAt;
      const r = await run;
      assert.is(open, 0, 'no session still reads or writes the tables');
      assert.ok(stoppedIn < 2_000, `every group stopped in ${stoppedIn} ms`);
      assert.is(r.code, 1, r.stderr);
      assert.match(r.stderr, /\nerror: the job was stopped; \d+ records? (was|were) written by \d+ finished tasks?(; stopped tasks had given \d+ more to writers that keep the batches they committed)?\n/, r.stderr);
      assert.ok((await count(pg, target)) < N);
    });
  });

  test('the error limit crossed in one remote group stops every group: exit 3, the one line, the row in the dirty file', async () => {
    await withTarget(async (target) => {
      const dirtyDir = join(tmp.dir, 'dirty');
      // One row the target refuses, in the middle of one group's range.
      const r = await submit(jobFile(target, false, { errorLimit: { record: 0 }, dirty: { path: dirtyDir } }));
      const ended = Date.now();
      assert.is(r.code, 3, r.stderr);
      assert.match(r.stderr, /\nerror: 1 dirty record, more than job\.setting\.errorLimit\.record 0 allows; the dirty records are in [^\n]+\n/, r.stderr);
      let open = await sessionsOn(pg, src, target);
      while (open > 0 && Date.now() - ended < 2_000) {
        await new Promise((res) => setTimeout(res, 20));
        open = await sessionsOn(pg, src, target);
      }
      assert.is(open, 0, 'no group still reads or writes once the run has ended');
      assert.ok((await count(pg, target)) < N, 'the other groups stopped before the end of their ranges');
      const dirty = readdirSync(dirtyDir).map((f) => readFileSync(join(dirtyDir, f), 'utf8')).join('');
      assert.match(dirty, /500000/);
      assert.match(dirty, /cluster_refuses_500000/);
    }, ', CONSTRAINT cluster_refuses_500000 CHECK (id <> 500000)');
  });

  test('kill -9 of a worker mid-job without setting.restore: the job fails naming the group; nothing is written twice', async () => {
    await withTarget(async (target) => {
      const victim = workers[0]!;
      // Killed inside one of its COPYs: its group has begun writing (killed between two of its tasks,
      // the group would rightly go on elsewhere).
      const r = await (await midJob(jobFile(target, false), target, N / 5, () => victim.child.kill('SIGKILL'), victim.child.pid)).run;
      assert.is(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`error: task group \\d+ was lost with worker ${victim.name} \\(job stalled more than allowable limit\\); tasks? [\\d, ]+ had begun writing into postgresqlwriter, which keeps what it committed, and the job keeps no checkpoints, so the group was not run again \\(nothing is written twice\\): set job.setting.restore \\{"isRestore": true, "restoreColumnName": "<key column>"\\} so that a lost group goes on from its checkpoints on another worker\\n`));
      const [rows, distinct] = await fingerprint(pg, target);
      assert.is(rows, distinct, 'no row twice');
      workers[0] = await startWorker(queue, victim.name);
    });
  });

  test('kill -9 of a worker mid-job with setting.restore: its groups go on elsewhere from their checkpoints, the job succeeds, the target equals the source', async () => {
    await withTarget(async (target) => {
      const victim = workers[1]!;
      const r = await (await midJob(jobFile(target, true), target, N / 5, () => victim.child.kill('SIGKILL'))).run;
      assert.is(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`WARN  task group \\d+ was lost with worker ${victim.name} \\(job stalled more than allowable limit\\): \\d+ of its tasks go on on another worker`));
      const s = lastJson<JobSummary>(r.stdout);
      assert.is(s.state, 'succeeded');
      assert.is(s.recordsWritten, N);
      assert.equal(await fingerprint(pg, target), await fingerprint(pg, src));
    });
  });

  test('the only worker killed with -9: the submitter finds it gone from its heartbeat and fails the job saying so, instead of waiting for ever', async () => {
    const alone = uniqueQueue();
    const lone = await startWorker(alone, 'lone');
    try {
      await withTarget(async (target) => {
        const file = jobFile(target, true);
        let pid = 0;
        let ended = false;
        const run = runCli(['run', file, '--cluster', REDIS_URL, '--queue', alone], { cwd: tmp.dir, timeoutMs: 60_000, onSpawn: (p) => (pid = p) }).finally(() => (ended = true));
        while ((await count(pg, target)) < N / 10 && !ended) await new Promise((r) => setTimeout(r, 20));
        assert.ok(pid > 0 && !ended, 'killed mid-job');
        lone.child.kill('SIGKILL');
        const r = await run;
        assert.is(r.code, 1, r.stderr);
        // The group it held has nowhere to go on: the job's one line names the worker and the fix.
        const last = r.stderr.trimEnd().split('\n').pop()!;
        assert.match(last, /task group \d+ was lost with worker lone \(it sent no heartbeat for 10 s\), and no ferry worker is left/);
        assert.ok(last.endsWith(` no ferry worker is left against ${REDIS_URL} on queue ${alone}: start one on each machine with \`ferry worker --redis ${REDIS_URL} --queue ${alone}\``), r.stderr);
        assert.not.match(r.stderr, /go on on another worker/);
        const [rows, distinct] = await fingerprint(pg, target);
        assert.is(rows, distinct, 'no row twice');
      });
    } finally {
      await stopWorker(lone);
      await dropQueue(redis, alone);
    }
  });

  test.after(async () => {
    await Promise.all(workers.map(stopWorker));
    await pg.session.execute(`DROP TABLE IF EXISTS ${q(src)}`);
    await dropQueue(redis, queue);
    tmp.cleanup();
  });
}

test.after(async () => {
  redis?.disconnect();
  await close();
});
test.run();
