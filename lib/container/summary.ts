/** The summary a run ends with: DataX's fields, plus phase times, wait times and peak RSS. */
import type { SerializedError } from '../errors.js';

export interface PhaseTimes {
  initMs: number;
  prepareMs: number;
  splitMs: number;
  runMs: number;
  postMs: number;
}

export interface JobSummary {
  runId: string;
  job: string;
  state: 'succeeded' | 'failed' | 'aborted';
  startTime: string;
  endTime: string;
  elapsedMs: number;
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  /** Dirty records: records that failed to read or to write (DataX's 读写失败总数). */
  readFailures: number;
  writeFailures: number;
  /** Records a transformer dropped (DataX: Transformer filtered); they are in recordsRead, not in recordsWritten. */
  filtered: number;
  /** Dirty records by phase, and the file that holds them (when setting.dirty.path is set and there were any). */
  dirty: { read: number; write: number; transform: number; file?: string };
  /** Averages over the whole run (DataX: 任务平均流量, 记录写入速度). */
  bytesPerSecond: number;
  recordsPerSecond: number;
  /** Summed over tasks: time readers waited for the writer side, and writers for the reader side. */
  readerWaitMs: number;
  writerWaitMs: number;
  phases: PhaseTimes;
  channels: number;
  taskGroups: number;
  /** Worker threads that ran the task groups (at most the cores, or core.container.maxThreads). */
  threads: number;
  /** A cluster run (`--cluster`): which `ferry worker` ran which task groups. */
  workers?: Record<string, number[]>;
  tasks: { total: number; succeeded: number; failed: number; aborted: number; retries: number };
  peakRssBytes: number;
  warnings: string[];
  /** Incremental reads: where each table's read ended (its largest increColumn value read), by table. */
  endLocation?: Record<string, unknown>;
  /** setting.restore: the job's state directory, whether this run resumed, and how many finished tasks it skipped. */
  restore?: { stateDir: string; resumed: boolean; tasksSkipped: number };
  /** What the next run with the same state file starts from: one entry per job.content entry. */
  nextState?: Array<Record<string, unknown> | null>;
  error?: { code: string; message: string; taskId?: number; side?: string };
}

export function summaryError(err: SerializedError, taskId?: number, side?: string): JobSummary['error'] {
  const e: NonNullable<JobSummary['error']> = { code: err.code, message: err.message };
  if (taskId !== undefined) e.taskId = taskId;
  if (side !== undefined) e.side = side;
  return e;
}
