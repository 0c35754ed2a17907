/**
 * `ferry worker` processes for the cluster specs, each standing for a machine, on a queue of
 * their own (so that no other run's groups reach them), and the Redis they share: a missing
 * server prints a loud SKIP line, or fails the run when REQUIRE_DB=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { cliPath, repoRoot } from '../helpers.js';

export const REDIS_URL = process.env.FERRY_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected client, or undefined after the SKIP line. */
export async function redisOrSkip(): Promise<Redis | undefined> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return redis;
  } catch (err) {
    redis.disconnect();
    const line = `SKIP cluster specs: cannot connect to Redis at ${REDIS_URL}: ${(err as Error).message}`;
    if (process.env.REQUIRE_DB === '1') throw new Error(`REQUIRE_DB=1 and ${line}`);
    console.error(`\n!!!!!!!! ${line} !!!!!!!!\n`);
    return undefined;
  }
}

export const uniqueQueue = (): string => `spec-${randomBytes(4).toString('hex')}`;

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** What it printed so far (its log lines). */
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `ferry worker --queue queue --slots 1 --lock-ms 2000` and resolves once it listens. */
export async function startWorker(queue: string, name: string): Promise<WorkerProcess> {
  // A 2 s lock: a killed worker's groups are found stalled within about 3 s.
  const child = spawn(process.execPath, [cliPath, 'worker', '--redis', REDIS_URL, '--queue', queue, '--slots', '1', '--name', name, '--lock-ms', '2000'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!err.includes('taking task groups')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ferry worker ${name} did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, child, stderr: () => err, exited };
}

/** Ctrl-C, then SIGKILL if it has not ended in 5 s. */
export async function stopWorker(w: WorkerProcess): Promise<void> {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  w.child.kill('SIGINT');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), 5_000);
  await w.exited;
  clearTimeout(timer);
}

/** Every key the queue left in Redis (BullMQ's, and its workers hash). */
export async function dropQueue(redis: Redis, queue: string): Promise<void> {
  for (const pattern of [`ferry:${queue}:*`, `ferry:workers:${queue}`]) {
    const found = await redis.keys(pattern);
    if (found.length > 0) await redis.del(...found);
  }
}
