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
  /** Records that failed to read or write (dirty records); 0 until the dirty-record issue lands. */
  readFailures: number;
  writeFailures: number;
  /** Averages over the whole run (DataX: 任务平均流量, 记录写入速度). */
  bytesPerSecond: number;
  recordsPerSecond: number;
  /** Summed over tasks: time readers waited for the writer side, and writers for the reader side. */
  readerWaitMs: number;
  writerWaitMs: number;
  phases: PhaseTimes;
  channels: number;
  taskGroups: number;
  tasks: { total: number; succeeded: number; failed: number; aborted: number; retries: number };
  peakRssBytes: number;
  warnings: string[];
  error?: { code: string; message: string; taskId?: number; side?: string };
}

export function summaryError(err: SerializedError, taskId?: number, side?: string): JobSummary['error'] {
  const e: NonNullable<JobSummary['error']> = { code: err.code, message: err.message };
  if (taskId !== undefined) e.taskId = taskId;
  if (side !== undefined) e.side = side;
  return e;
}
