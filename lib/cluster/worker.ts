/**
 * `ferry worker`: one process per machine that takes task groups from the BullMQ queue and
 * runs each on this machine's worker threads exactly as a local run does (PiscinaExecutor),
 * sending progress, dirty records and the result back on the submitter's stream.
 */
import { hostname, availableParallelism } from 'node:os';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { serializeError } from '../errors.js';
import { ControlFlags, PiscinaExecutor } from '../container/piscina-executor.js';
import type { Logger } from '../plugin/spi.js';
import type { ProgressSink } from '../../workers/messages.js';
import { bullConnection, connect, queueName, redisTarget } from './redis.js';
import { CONTROL_PATTERN, DEFAULT_QUEUE, KEYS_TTL_MS, PREFIX, WORKER_HEARTBEAT_MS, workersKey, execOfControl, fromWire, keys, type EventBody, type GroupJobData, type WorkerInfo } from './protocol.js';

export interface WorkerOptions {
  redis: string;
  /** The queue to take groups from (default "default"): `ferry run --cluster ... --queue` names the same. */
  queue?: string | undefined;
  /** Task groups run at once (default: the cores). */
  slots?: number | undefined;
  /** How this worker is named in summaries (default: host:pid). */
  name?: string | undefined;
  /** BullMQ lock of a running group: a worker silent this long is taken for dead (default 10 s). */
  lockMs?: number | undefined;
  log: Logger;
  /** Ends the worker: it takes no more groups and returns once the running ones ended. */
  signal?: AbortSignal | undefined;
  /** Called once the worker listens. */
  onReady?: ((info: WorkerInfo) => void) | undefined;
}

interface LocalGroup {
  exec: string;
  control: ControlFlags;
}

const SUBMITTER_CHECK_MS = 1_000;

export async function runWorker(o: WorkerOptions): Promise<void> {
  const target = redisTarget(o.redis, '--redis');
  const queue = queueName(o.queue, '--queue');
  const workers = workersKey(queue);
  const slots = o.slots ?? availableParallelism();
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const lockMs = o.lockMs ?? 10_000;
  const redis = await connect(target);
  const sub = await connect(target);
  const running = new Map<string, LocalGroup>();
  // One pool for the worker's life, a thread per slot: a group does not pay for a thread start.
  const pool = new PiscinaExecutor(slots, slots);

  // 'stop' and 'abort' from a submitter reach its groups here at once.
  await sub.psubscribe(CONTROL_PATTERN);
  sub.on('pmessage', (_p: string, channel: string, msg: string) => {
    const exec = execOfControl(channel);
    for (const g of running.values()) if (g.exec === exec) signal(g, msg);
  });

  const info = (): WorkerInfo => ({ name, slots, host: hostname(), pid: process.pid, seen: Date.now() });
  const beat = (): void => void redis.hset(workers, name, JSON.stringify(info())).catch(() => {});
  beat();
  const heartbeat = setInterval(beat, WORKER_HEARTBEAT_MS);

  const worker = new Worker<GroupJobData>(queue, (job) => runGroup(job, redis, name, running, pool, o.log), {
    connection: bullConnection(target),
    prefix: PREFIX,
    concurrency: slots,
    lockDuration: lockMs,
    stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
    // A stalled group is not run again as it was: the submitter decides (its checkpoints, its writers).
    maxStalledCount: 0,
  });
  // BullMQ gave up a group of ours as stalled (this process was too slow to renew its lock): it
  // may be running elsewhere by now, so stop writing it here.
  worker.on('lockRenewalFailed', (ids: string[]) => {
    for (const id of ids) {
      const g = running.get(id);
      if (g) {
        o.log.warn(`group ${id}: lost its lock, stopping it here`);
        g.control.abort();
      }
    }
  });
  worker.on('error', (err: Error) => o.log.warn(`redis: ${err.message}`));
  await worker.waitUntilReady();
  o.log.info(`ferry worker ${name}: ${slots} ${slots === 1 ? 'slot' : 'slots'}, taking task groups from ${target.label}${queue === DEFAULT_QUEUE ? '' : ` queue ${queue}`}`);
  o.onReady?.(info());

  await new Promise<void>((resolve) => {
    if (o.signal?.aborted) resolve();
    o.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  o.log.info(`ferry worker ${name}: stopping; ${running.size} running ${running.size === 1 ? 'group ends' : 'groups end'} first`);
  await worker.close();
  await pool.close();
  clearInterval(heartbeat);
  await redis.hdel(workers, name).catch(() => {});
  sub.disconnect();
  redis.disconnect();
}

function signal(g: LocalGroup, msg: string): void {
  if (msg === 'abort') g.control.abort();
  else if (msg === 'stop') g.control.stop();
}

async function runGroup(job: Job<GroupJobData>, redis: Redis, worker: string, running: Map<string, LocalGroup>, pool: PiscinaExecutor, log: Logger): Promise<void> {
  const { exec, attempt, spec } = job.data;
  const group = spec.taskGroupId;
  const stream = keys.events(exec);
  // One connection, so the submitter reads the events in the order they were sent. The expiry:
  // a stream whose submitter was killed does not stay in Redis for ever.
  const send = (ev: EventBody): Promise<unknown> =>
    redis.xadd(stream, '*', 'm', JSON.stringify({ ...ev, group, attempt, worker })).then(() => void redis.pexpire(stream, KEYS_TTL_MS).catch(() => {}));
  if ((await redis.exists(keys.alive(exec))) === 0) {
    log.warn(`group ${job.id}: its submitter is gone; not run`);
    return;
  }
  const control = new ControlFlags();
  const local: LocalGroup = { exec, control };
  running.set(job.id!, local);
  const watch = setInterval(() => {
    void redis.exists(keys.alive(exec)).then((n) => {
      if (n === 0) {
        log.warn(`group ${job.id}: its submitter is gone; stopping it`);
        control.abort();
      }
    }, () => {});
  }, SUBMITTER_CHECK_MS);
  try {
    await send({ kind: 'claimed' });
    const flags = await redis.hgetall(keys.flags(exec));
    for (const f of Object.keys(flags)) signal(local, f);
    log.info(`group ${job.id}: ${spec.tasks.length} ${spec.tasks.length === 1 ? 'task' : 'tasks'}`);
    const sink: ProgressSink = {
      progress: (report) => void send({ kind: 'progress', report }),
      // Awaited by the task: its dirty records are with the submitter before the task ends.
      dirty: (records) => send({ kind: 'dirty', records }),
      log: (level, message) => void send({ kind: 'log', level, message }),
      taskStarted: (taskId, taskAttempt) => send({ kind: 'taskStarted', taskId, taskAttempt }),
      taskEnded: (report) => send({ kind: 'taskEnded', report }),
    };
    try {
      const result = await pool.runWith(fromWire(spec), sink, control);
      await send({ kind: 'result', result });
    } catch (err) {
      await send({ kind: 'failed', error: serializeError(err) });
    }
  } finally {
    clearInterval(watch);
    running.delete(job.id!);
  }
}
