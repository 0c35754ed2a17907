/**
 * What runs TaskGroups for the JobContainer. The container plans the groups and owns the
 * summary; an executor only runs each group somewhere (worker threads here, BullMQ workers over
 * Redis later: issue 16) and carries progress, dirty records and the result back through the
 * sink, and the job's stop and abort signals out to the groups.
 */
import { FerryError } from '../errors.js';
import type { ProgressSink, TaskGroupResult, TaskGroupSpec } from '../../workers/messages.js';

/** A group as the container plans it; the executor adds its own transport of the control signals. */
export type GroupSpec = Omit<TaskGroupSpec, 'control'>;

export interface TaskGroupExecutor {
  /** How many worker threads (or remote slots) run the groups: the summary reports it. */
  readonly threads: number;
  /**
   * Runs one group to its end; rejects only when the group could not run: a GroupLostError
   * when the thread or machine running it died (the container then decides whether it can go on).
   */
  run(spec: GroupSpec, sink: ProgressSink): Promise<TaskGroupResult>;
  /** A polling job's clean stop: readers finish their pass, writers commit what they hold. */
  stop(): void;
  /** Every running task is cancelled (Ctrl-C, an AbortSignal, the error limit, a failed group). */
  abort(): void;
  /** Frees the threads (or connections) once every run settled. */
  close(): Promise<void>;
}

/**
 * Makes the executor for a job of `groups` task groups; maxThreads is core.container.maxThreads.
 * A remote executor connects first (and says plainly when nothing is there to run the groups).
 */
export type ExecutorFactory = (groups: number, maxThreads: number | undefined) => TaskGroupExecutor | Promise<TaskGroupExecutor>;

/**
 * The worker running a group died before the group ended (a `ferry worker` killed, its machine
 * gone): what it wrote is in the target, what it had not reported is lost with it.
 */
export class GroupLostError extends FerryError {
  constructor(readonly taskGroupId: number, readonly worker: string, why: string) {
    super('FERRY_GROUP_LOST', `task group ${taskGroupId} was lost with worker ${worker} (${why})`, { retryable: true });
  }
}
