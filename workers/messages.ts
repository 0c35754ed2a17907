/**
 * Every message between the main thread and a TaskGroup worker, typed in one place.
 *
 * main → worker: the TaskGroupRequest (piscina task payload, with a MessagePort transferred),
 *                and an abort flag in the control SharedArrayBuffer (CONTROL slots below).
 * worker → main: ProgressSink calls over the port (comlink), and the TaskGroupResult that
 *                resolves the piscina task. Errors travel as SerializedError data.
 */
import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '../lib/errors.js';
import type { DirtyRecord, PassThroughFormat, RetryPolicy, TaskParameter, TaskRestore } from '../lib/plugin/spi.js';
import type { JsonValue } from '../channel/value.js';
import type { RateCaps } from '../channel/rate-limiter.js';
import type { TransformerSpec } from '../lib/transformer/spi.js';

/** Int32 slots of the job's control SharedArrayBuffer, shared by every worker. */
export const CONTROL = {
  /** Set to 1 (then notified) by the main thread to stop every task: Ctrl-C, AbortSignal, a failed group. */
  ABORT: 0,
  /**
   * Set to 1 (then notified) to end a polling job cleanly: polling readers finish their pass and
   * return, writers commit what they hold, and the job succeeds (Ctrl-C / AbortSignal on such a job).
   */
  STOP: 1,
} as const;
export const CONTROL_SLOTS = 2;

export interface PluginTaskSpec {
  name: string;
  moduleUrl: string;
  parameter: TaskParameter;
}

export interface TaskSpec {
  taskId: number;
  /** Which job.content entry the task came from. */
  contentIndex: number;
  reader: PluginTaskSpec;
  writer: PluginTaskSpec;
  /** job.content[].transformer: run on each record the reader sends, before it is encoded. */
  transformers?: TransformerSpec[] | undefined;
  /** setting.restore: where this task's reader resumes and what its writer records. */
  restore?: TaskRestore | undefined;
  /** The job chose a pass-through for this task: the reader sends text lines, the writer writes them as they are. */
  passThrough?: PassThroughFormat | undefined;
}

export interface TaskGroupSpec {
  taskGroupId: number;
  /** Tasks run at once in this group (its share of the job's channels). */
  channels: number;
  tasks: TaskSpec[];
  runId: string;
  baseDir: string;
  channelBytes: number;
  batchRecords: number;
  /** Rate caps of each channel (the job's caps divided over all channels). */
  caps: RateCaps;
  maxRetryTimes: number;
  retryIntervalMs: number;
  /** Retries of transient failures inside a task (setting.retry). */
  retry: RetryPolicy;
  /** How often the worker sends a ProgressReport. */
  progressIntervalMs: number;
  control: SharedArrayBuffer;
}

export interface TaskGroupRequest {
  spec: TaskGroupSpec;
  /** comlink endpoint on which the main thread exposes a ProgressSink. */
  port: MessagePort;
}

export type TaskState = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'aborted';

export interface TaskStats {
  taskId: number;
  state: TaskState;
  attempt: number;
  /** Records and bytes the reader sent in the current attempt. */
  recordsRead: number;
  bytesRead: number;
  /** Records and bytes the writer took in the current attempt. */
  recordsWritten: number;
  bytesWritten: number;
  /** ms the reader loop waited for channel space or the rate limiter (DataX: WaitWriterTime). */
  readerWaitMs: number;
  /** ms the writer loop waited for records (DataX: WaitReaderTime). */
  writerWaitMs: number;
  /** Dirty records the task reported so far (sent to the main thread with ProgressSink.dirty). */
  dirtyRecords: number;
  /** Records a transformer dropped (DataX: Transformer filtered); counted in recordsRead. */
  filteredRecords: number;
}

export interface ProgressReport {
  taskGroupId: number;
  tasks: TaskStats[];
}

export interface TaskReport extends TaskStats {
  elapsedMs: number;
  /** Set when state is failed or aborted: the root cause, and which side raised it. */
  error?: SerializedError;
  side?: 'reader' | 'writer';
  /** Set when state is failed or aborted: whether the writer took back what it had written (supportsFailover). */
  rolledBack?: boolean;
  /** The reader's report (ReaderTask.report) of a task that succeeded. */
  readerReport?: object | undefined;
}

export interface TaskGroupResult {
  taskGroupId: number;
  tasks: TaskReport[];
  /** Which `ferry worker` ran the group (a cluster run); absent on this machine's threads. */
  worker?: string | undefined;
}

/** A dirty record on its way to the dirty file: values as JSON, and which task and plugin found it. */
export interface DirtyReport extends Omit<DirtyRecord, 'values'> {
  taskId: number;
  plugin: string;
  values?: JsonValue[] | undefined;
}

/** What the main thread exposes to workers over the port. */
export interface ProgressSink {
  progress(report: ProgressReport): void;
  /** Dirty records, in the order found; the worker awaits the call before a task reports its end. */
  dirty(records: DirtyReport[]): void | Promise<unknown>;
  log(level: 'info' | 'warn', message: string): void;
  /**
   * An attempt of a task is about to begin (the worker awaits it): once a group is lost with
   * its worker, the container knows which tasks may have written something.
   */
  taskStarted(taskId: number, attempt: number): void | Promise<unknown>;
  /** A task's final report, as the task ends (before the group does). */
  taskEnded(report: TaskReport): void | Promise<unknown>;
}
