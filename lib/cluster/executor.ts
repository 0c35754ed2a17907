/**
 * Task groups on `ferry worker` processes over Redis (BullMQ): the JobContainer plans as for a
 * local run and hands each group here instead of to piscina. A group's progress, dirty records
 * and result come back on one Redis stream, in the order the worker sent them; a worker that
 * dies holding a group is found by BullMQ's stalled-job check, and the group's run rejects with
 * a GroupLostError for the container's failover rule (lib/container/failover.ts).
 */
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { FerryError } from '../errors.js';
import { GroupLostError, type ExecutorFactory, type GroupSpec, type TaskGroupExecutor } from '../container/executor.js';
import type { Logger } from '../plugin/spi.js';
import type { ProgressSink, TaskGroupResult } from '../../workers/messages.js';
import { bullConnection, connect, queueName, redisTarget, type RedisTarget } from './redis.js';
import { ALIVE_EVERY_MS, ALIVE_TTL_MS, DEFAULT_QUEUE, KEYS_TTL_MS, PREFIX, WORKER_STALE_MS, groupJobId, keys, toWire, workersKey, type ClusterOptions, type ControlMessage, type GroupJobData, type RunEvent, type WorkerInfo } from './protocol.js';

interface Pending {
  attempt: number;
  sink: ProgressSink;
  worker: string;
  resolve: (r: TaskGroupResult) => void;
  reject: (e: Error) => void;
}

/** What `runJob({ cluster })` needs: a check before the job starts, and the container's factory. */
export interface ClusterPlan {
  /** Redis answers and a worker listens on the queue: else one FerryError, before any database is touched. */
  check(): Promise<void>;
  factory: ExecutorFactory;
}

/** Throws on a bad URL or queue name (usage errors, before the job is even loaded). */
export function clusterPlan(cluster: string | ClusterOptions, log: Logger): ClusterPlan {
  const o = typeof cluster === 'string' ? { redis: cluster } : cluster;
  const target = redisTarget(o.redis, '--cluster');
  const queue = queueName(o.queue, '--queue');
  return {
    async check() {
      const redis = await connect(target);
      try {
        await requireWorkers(redis, target, queue);
      } finally {
        redis.disconnect();
      }
    },
    factory: () => ClusterExecutor.open(target, queue, log),
  };
}

async function requireWorkers(redis: Redis, target: RedisTarget, queue: string): Promise<WorkerInfo[]> {
  const workers = await liveWorkers(redis, queue);
  if (workers.length === 0) throw new FerryError('FERRY_CLUSTER', `no ferry worker is running against ${target.label}${onQueue(queue)}: ${startOne(target, queue)}`);
  return workers;
}

const onQueue = (queue: string): string => (queue === DEFAULT_QUEUE ? '' : ` on queue ${queue}`);
const startOne = (target: RedisTarget, queue: string): string =>
  `start one on each machine with \`ferry worker --redis ${target.label}${queue === DEFAULT_QUEUE ? '' : ` --queue ${queue}`}\``;

const UNCLAIMED = 'not yet claimed';

/** The live workers of a queue (heartbeat within WORKER_STALE_MS), by name. */
export async function liveWorkers(redis: Redis, queue: string): Promise<WorkerInfo[]> {
  const all = await redis.hgetall(workersKey(queue));
  const now = Date.now();
  return Object.values(all)
    .map((v) => JSON.parse(v) as WorkerInfo)
    .filter((w) => now - w.seen < WORKER_STALE_MS)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export class ClusterExecutor implements TaskGroupExecutor {
  /** Keys of this executor's stream, control channel and alive key: one per job run. */
  private readonly exec = randomUUID();
  private readonly pending = new Map<number, Pending>();
  private readonly attempts = new Map<number, number>();
  private lastId = '0-0';
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly pump: Promise<void>;

  static async open(target: RedisTarget, name: string, log: Logger): Promise<ClusterExecutor> {
    const redis = await connect(target);
    try {
      // Again: the job's init and prepare took time, and a worker may have gone meanwhile.
      const workers = await requireWorkers(redis, target, name);
      const reader = await connect(target);
      const events = new QueueEvents(name, { connection: bullConnection(target), prefix: PREFIX });
      await events.waitUntilReady();
      const queue = new Queue(name, { connection: bullConnection(target), prefix: PREFIX });
      log.info(`cluster ${target.label}${onQueue(name)}: ${workers.map((w) => `${w.name} (${w.slots} ${w.slots === 1 ? 'slot' : 'slots'})`).join(', ')}`);
      return new ClusterExecutor(redis, reader, queue, events, target, workers.reduce((n, w) => n + w.slots, 0), log);
    } catch (err) {
      redis.disconnect();
      throw err;
    }
  }

  private constructor(
    private readonly redis: Redis,
    /** Only for the blocking XREAD: a blocked connection cannot send anything else. */
    private readonly reader: Redis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly target: RedisTarget,
    readonly threads: number,
    private readonly log: Logger,
  ) {
    const alive = (): void => void this.redis.set(keys.alive(this.exec), '1', 'PX', ALIVE_TTL_MS).catch(() => {});
    alive();
    this.heartbeat = setInterval(() => {
      alive();
      void this.checkWorkers();
    }, ALIVE_EVERY_MS);
    // Stalled is the only way a group's job fails: a worker never throws out of a group (it sends 'failed').
    this.events.on('failed', ({ jobId, failedReason }) => this.lost(jobId, failedReason));
    this.pump = this.readEvents();
  }

  async run(spec: GroupSpec, sink: ProgressSink): Promise<TaskGroupResult> {
    const g = spec.taskGroupId;
    const attempt = (this.attempts.get(g) ?? 0) + 1;
    this.attempts.set(g, attempt);
    const done = new Promise<TaskGroupResult>((resolve, reject) => this.pending.set(g, { attempt, sink, worker: UNCLAIMED, resolve, reject }));
    const data: GroupJobData = { exec: this.exec, attempt, spec: toWire(spec) };
    await this.queue.add('group', data, { jobId: groupJobId(this.exec, g, attempt), attempts: 1, removeOnComplete: true, removeOnFail: true });
    return done;
  }

  private lost(jobId: string, reason: string): void {
    const [exec, group, attempt] = jobId.split('.');
    if (exec !== this.exec) return;
    const p = this.pending.get(Number(group));
    if (!p || p.attempt !== Number(attempt)) return;
    this.pending.delete(Number(group));
    p.reject(new GroupLostError(Number(group), p.worker, reason));
  }

  /**
   * BullMQ's stalled-job check runs in the workers: when the worker holding a group died and no
   * other is left, nobody would find it, and a queued group would wait for ever. So the
   * submitter watches too: a group whose worker's heartbeat stopped is lost, and with no live
   * worker on the queue every group still out fails, saying how to start one.
   */
  private async checkWorkers(): Promise<void> {
    if (this.pending.size === 0 || this.closed) return;
    let live: WorkerInfo[];
    try {
      live = await liveWorkers(this.redis, this.queue.name);
    } catch {
      return; // Redis away for a moment: BullMQ's own connections retry, and so does the next tick
    }
    const names = new Set(live.map((w) => w.name));
    const silent = `it sent no heartbeat for ${WORKER_STALE_MS / 1000} s`;
    if (live.length > 0) {
      for (const [g, p] of this.pending) {
        if (p.worker !== UNCLAIMED && !names.has(p.worker)) this.lost(groupJobId(this.exec, g, p.attempt), silent);
      }
      return;
    }
    // No worker left: a lost group has nowhere to go on, so it fails here with the rest, in one
    // pass (a failover started now would race the job's end, and its warning with it).
    for (const [g, p] of this.pending) {
      this.pending.delete(g);
      const lost = p.worker === UNCLAIMED ? ':' : ` was lost with worker ${p.worker} (${silent}), and`;
      p.reject(new FerryError('FERRY_CLUSTER', `task group ${g}${lost} no ferry worker is left against ${this.target.label}${onQueue(this.queue.name)}: ${startOne(this.target, this.queue.name)}`));
    }
  }

  /** Reads this executor's stream until close; each entry goes to its group's sink. */
  private async readEvents(): Promise<void> {
    const key = keys.events(this.exec);
    while (!this.closed) {
      let res: [string, [string, string[]][]][] | null;
      try {
        res = (await this.reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', key, this.lastId)) as typeof res;
      } catch (err) {
        if (this.closed) return;
        this.log.warn(`cluster: reading the workers' events failed (${(err as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const [, entries] of res ?? []) {
        for (const [id, fields] of entries) {
          this.lastId = id;
          this.dispatch(JSON.parse(fields[1]!) as RunEvent);
        }
      }
      // What was read is never read again: keep the stream short.
      if (res) void this.redis.xtrim(key, 'MINID', this.lastId).catch(() => {});
    }
  }

  private dispatch(ev: RunEvent): void {
    const p = this.pending.get(ev.group);
    // A late word from a run of the group that was given up as lost: it no longer counts.
    if (!p || p.attempt !== ev.attempt) return;
    switch (ev.kind) {
      case 'claimed':
        p.worker = ev.worker;
        return;
      case 'progress':
        return p.sink.progress(ev.report);
      case 'dirty':
        return void p.sink.dirty(ev.records);
      case 'log':
        return p.sink.log(ev.level, `${ev.worker}: ${ev.message}`);
      case 'taskStarted':
        return void p.sink.taskStarted(ev.taskId, ev.taskAttempt);
      case 'taskEnded':
        return void p.sink.taskEnded(ev.report);
      case 'result':
        this.pending.delete(ev.group);
        return p.resolve({ ...ev.result, worker: ev.worker });
      case 'failed':
        this.pending.delete(ev.group);
        return p.reject(new FerryError(ev.error.code, `task group ${ev.group} on ${ev.worker}: ${ev.error.message}`));
    }
  }

  stop(): void {
    void this.control('stop');
  }

  abort(): void {
    void this.control('abort');
  }

  /** Kept in the flags hash too: a group that a worker takes after the signal sees it at once. */
  private control(msg: ControlMessage): Promise<unknown> {
    return this.redis
      .multi()
      .hset(keys.flags(this.exec), msg, '1')
      .pexpire(keys.flags(this.exec), KEYS_TTL_MS)
      .publish(keys.control(this.exec), msg)
      .exec()
      .catch((err: Error) => this.log.warn(`cluster: cannot send ${msg} to the workers: ${err.message}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    // A group still out there (another group failed and the job gave up): stop it too.
    if (this.pending.size > 0) await this.control('abort');
    for (const [g, p] of this.pending) p.reject(new FerryError('FERRY_CLUSTER', `task group ${g}: the run was closed before the group ended`));
    this.pending.clear();
    this.reader.disconnect();
    await this.pump;
    // The flags outlive the run by KEYS_TTL_MS: a group job still queued then sees the abort.
    await this.redis.del(keys.events(this.exec), keys.alive(this.exec)).catch(() => {});
    await Promise.allSettled([this.queue.close(), this.events.close()]);
    this.redis.disconnect();
  }
}
