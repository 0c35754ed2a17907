/**
 * What the cluster path costs: the same PostgreSQL → PostgreSQL job (8 channels, one per task
 * group: 8 groups) run by `ferry run` on this machine's threads, and by `ferry run --cluster`
 * on `ferry worker` processes started here over the local Redis, interleaved in one run. Both
 * write into a fresh target checked by count and checksum (bench/e2e.ts's source, target and
 * checks). All the workers share this machine's cores, so the ratio is the overhead of the
 * path (queueing, a thread pool per group, events through Redis), not what more machines give.
 *
 *   npm run build && node dist/bench/cluster.js [--rows 1000000] [--reps 3] [--workers 3] [--slots 1] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CLI, checksumOf, connectPg, createTarget, ensureSource, ferryRunner, fmtInt, fmtMB, median, type Ctx, type Runner } from './e2e.js';

const REDIS_URL = process.env.FERRY_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHANNELS = 8;

interface Options {
  rows: number;
  reps: number;
  workers: number;
  slots: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rows: 1_000_000, reps: 3, workers: 3, slots: 1, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--json') {
      o.json = true;
      continue;
    }
    const key = flag.replace(/^--/, '') as keyof Options;
    const n = Number((argv[++i] ?? '').replaceAll('_', ''));
    if (!['rows', 'reps', 'workers', 'slots'].includes(key) || !Number.isSafeInteger(n) || n < 1) {
      process.stderr.write(`error: unknown option or bad value at ${flag}\nusage: node dist/bench/cluster.js [--rows N] [--reps N] [--workers N] [--slots N] [--json]\n`);
      process.exit(2);
    }
    (o as unknown as Record<string, number>)[key] = n;
  }
  return o;
}

async function startWorker(queue: string, name: string, slots: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', REDIS_URL, '--queue', queue, '--slots', String(slots), '--name', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const deadline = Date.now() + 15_000;
  while (!err.includes('taking task groups')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ferry worker ${name} did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

async function main(o: Options): Promise<number> {
  const log = (line: string): void => void (o.json ? process.stderr : process.stdout).write(line + '\n');
  const queue = `bench-${process.pid}`;
  const eightGroups = (job: object): object => {
    const j = job as { job: { setting: { speed: { channel: number } } } };
    j.job.setting.speed.channel = CHANNELS;
    return { ...j, core: { container: { taskGroup: { channel: 1 } } } };
  };
  const runners: Runner[] = [
    ferryRunner('pg', 'pg', { tool: 'local', label: `ferry run: ${CHANNELS} task groups on this machine's worker threads`, job: eightGroups }),
    ferryRunner('pg', 'pg', {
      tool: 'cluster',
      label: `ferry run --cluster: the same ${CHANNELS} groups on ${o.workers} ferry worker${o.workers === 1 ? '' : 's'} (--slots ${o.slots}) over Redis, on this machine`,
      job: eightGroups,
      args: ['--cluster', REDIS_URL, '--queue', queue],
    }),
  ];
  const db = await connectPg();
  const redis = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null });
  await redis.connect();
  const workers: ChildProcess[] = [];
  const tmp = await mkdtemp(join(tmpdir(), 'ferry-cluster-bench-'));
  const target = `ferry_bench_dst_${process.pid}`;
  try {
    log(`cluster bench: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), PostgreSQL ${db.version}, ` +
      `${fmtInt(o.rows)} rows × 6 columns, ${o.reps} interleaved runs each, median shown`);
    const source = await ensureSource(db, o.rows, log);
    const ctx: Ctx = { rows: o.rows, tmp, mysqlClient: undefined, sources: { pg: source } };
    for (let i = 1; i <= o.workers; i++) workers.push(await startWorker(queue, `w${i}`, o.slots));
    const times = new Map<string, number[]>(runners.map((r) => [r.tool, []]));
    for (let rep = 0; rep < o.reps; rep++) {
      for (const r of runners) {
        await createTarget(db, target, source.table);
        await db.query('CHECKPOINT');
        const res = await r.run(ctx, target);
        const got = await checksumOf(db, target);
        if (JSON.stringify(got) !== JSON.stringify(source.checksum)) throw new Error(`${r.tool}: the target differs from the source: ${JSON.stringify(got)} vs ${JSON.stringify(source.checksum)}`);
        await db.query(`DROP TABLE IF EXISTS ${target}`);
        times.get(r.tool)!.push(res.ms);
      }
    }
    const results = runners.map((r) => {
      const ms = median(times.get(r.tool)!);
      return { tool: r.tool, label: r.label, seconds: ms / 1000, rowsPerSecond: (o.rows * 1000) / ms, mbPerSecond: (source.bytes * 1000) / ms / 1e6, runsSeconds: times.get(r.tool)!.map((t) => t / 1000) };
    });
    log(`\nPG→PG, ${fmtInt(o.rows)} rows, ${fmtMB(source.bytes)} as CSV; target count and checksum equal to the source after every run`);
    for (const r of results) {
      log(`  ${r.tool.padEnd(8)} ${fmtInt(r.rowsPerSecond).padStart(11)} rows/s ${r.mbPerSecond.toFixed(1).padStart(7)} MB/s ${r.seconds.toFixed(2).padStart(7)} s   ${r.label}`);
    }
    const ratio = results[1]!.rowsPerSecond / results[0]!.rowsPerSecond;
    log(`  ratio cluster / local = ${ratio.toFixed(2)}x`);
    if (o.json) console.log(JSON.stringify({ bench: 'cluster', node: process.version, cores: availableParallelism(), rows: o.rows, reps: o.reps, workers: o.workers, slots: o.slots, results, ratio }));
    return 0;
  } finally {
    for (const w of workers) w.kill('SIGINT');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    const left = [...(await redis.keys(`ferry:${queue}:*`)), `ferry:workers:${queue}`];
    await redis.del(...left);
    redis.disconnect();
    await db.query(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined);
    await db.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main(parseArgs(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
