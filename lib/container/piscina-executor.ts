/**
 * TaskGroups on this machine's worker threads (piscina). A thread is a whole V8 isolate, so
 * their number is bounded by the machine, not by the channel count: when there are more groups
 * than threads, a thread runs several groups at once as concurrent async tasks.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { CONTROL, CONTROL_SLOTS, type ProgressSink, type TaskGroupRequest, type TaskGroupResult } from '../../workers/messages.js';
import type { GroupSpec, TaskGroupExecutor } from './executor.js';
import { SETTING_DEFAULTS } from '../job/settings.js';
import { FerryError } from '../errors.js';

const WORKER_URL = new URL('../../workers/taskgroup.js', import.meta.url).href;
const WORKER_YOUNG_GENERATION_MB = 4;

/** Worker threads for `groups` groups: one per group, at most maxThreads (default: the cores). */
export function threadCount(groups: number, maxThreads: number | undefined): number {
  return Math.max(1, Math.min(groups, maxThreads ?? availableParallelism()));
}

/**
 * Stop and abort flags shared with the threads running some groups (a whole local job's, or one
 * remote group's): the threads wait on them with Atomics.waitAsync, so a signal needs no message.
 */
export class ControlFlags {
  readonly buffer = new SharedArrayBuffer(CONTROL_SLOTS * 4);
  private readonly flags = new Int32Array(this.buffer);

  stop(): void {
    this.raise(CONTROL.STOP);
  }

  abort(): void {
    this.raise(CONTROL.ABORT);
  }

  private raise(slot: number): void {
    // The store before the notify: a thread woken (or checking without waiting) sees the flag.
    Atomics.store(this.flags, slot, 1);
    Atomics.notify(this.flags, slot);
  }
}

export class PiscinaExecutor implements TaskGroupExecutor {
  readonly threads: number;
  private readonly pool: Piscina;
  private readonly control = new ControlFlags();

  /** heapMb: each thread's heap (core.container.workerHeapMb). */
  constructor(groups: number, maxThreads: number | undefined, private readonly heapMb: number = SETTING_DEFAULTS.workerHeapMb) {
    this.threads = threadCount(groups, maxThreads);
    const perThread = Math.ceil(groups / this.threads);
    this.pool = new Piscina({
      filename: WORKER_URL,
      minThreads: this.threads,
      maxThreads: this.threads,
      concurrentTasksPerWorker: perThread,
      idleTimeout: Infinity,
      // Every group is handed over at once, before the threads are up.
      maxQueue: groups,
      // Long tasks: piscina's Atomics wait between tasks buys nothing here.
      atomics: 'disabled',
      // Both limits are set for peak RSS (2M rows, same run, bench/RESULTS.md 2026-12-07):
      // - young generation: V8 sizes it for a big heap; 16 MB held peak RSS of PG→PG from ~330 to
      //   ~275 MB, 4 MB ~35 MB lower again, the same speed on the pass-through paths, ~7% slower
      //   MySQL→PG (rows as objects).
      // - old generation: V8 lets a heap hold garbage in proportion to its limit; at this 24 GB
      //   machine's default (~4 GB) a MySQL→PG thread held ~45 MB of it, at 1 GB ~25 MB.
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB, maxOldGenerationSizeMb: heapMb },
    });
  }

  run(group: GroupSpec, sink: ProgressSink): Promise<TaskGroupResult> {
    return this.runWith(group, sink, this.control);
  }

  /**
   * One group under flags of its own, not the executor's: a `ferry worker` runs the groups of
   * unrelated jobs on one pool, and stops or aborts each alone.
   */
  async runWith(group: GroupSpec, sink: ProgressSink, control: ControlFlags): Promise<TaskGroupResult> {
    const { port1, port2 } = new MessageChannel();
    expose(sink, nodeEndpoint(port1));
    const request: TaskGroupRequest = { spec: { ...group, control: control.buffer }, port: port2 };
    try {
      return (await this.pool.run(request, { transferList: [port2] as never })) as TaskGroupResult;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new FerryError('FERRY_TASK_FAILED', `task group ${group.taskGroupId} ran out of memory: its worker thread's heap is ${this.heapMb} MB; raise core.container.workerHeapMb, or lower the writer's batchSize`, { cause: err });
      }
      throw err;
    } finally {
      port1.close();
    }
  }

  stop(): void {
    this.control.stop();
  }

  abort(): void {
    this.control.abort();
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
