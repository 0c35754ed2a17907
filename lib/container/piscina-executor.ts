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

const WORKER_URL = new URL('../../workers/taskgroup.js', import.meta.url).href;
const WORKER_YOUNG_GENERATION_MB = 16;

/** Worker threads for `groups` groups: one per group, at most maxThreads (default: the cores). */
export function threadCount(groups: number, maxThreads: number | undefined): number {
  return Math.max(1, Math.min(groups, maxThreads ?? availableParallelism()));
}

export class PiscinaExecutor implements TaskGroupExecutor {
  readonly threads: number;
  private readonly pool: Piscina;
  // Shared by every thread: the workers wait on it with Atomics.waitAsync, so a signal needs no message.
  private readonly control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
  private readonly flags = new Int32Array(this.control);

  constructor(groups: number, maxThreads: number | undefined) {
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
      // V8 sizes each thread's young generation for a big heap; 16 MB held peak RSS of a 2M-row
      // PG→PG job from ~330 to ~275 MB at the same speed (bench/RESULTS.md).
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
  }

  async run(group: GroupSpec, sink: ProgressSink): Promise<TaskGroupResult> {
    const { port1, port2 } = new MessageChannel();
    expose(sink, nodeEndpoint(port1));
    const request: TaskGroupRequest = { spec: { ...group, control: this.control }, port: port2 };
    try {
      return (await this.pool.run(request, { transferList: [port2] as never })) as TaskGroupResult;
    } finally {
      port1.close();
    }
  }

  stop(): void {
    this.raise(CONTROL.STOP);
  }

  abort(): void {
    this.raise(CONTROL.ABORT);
  }

  private raise(slot: number): void {
    Atomics.store(this.flags, slot, 1);
    Atomics.notify(this.flags, slot);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
