/**
 * The worker entry: one long-lived piscina task runs one TaskGroup, as DataX's
 * TaskGroupContainer does. Up to `channels` tasks run at once; a failed task is retried
 * (after retryIntervalMs, up to maxRetryTimes) when its error is retryable and its writer
 * left nothing behind; a task that fails for good stops the group.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { wrap, releaseProxy, type Remote } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { TaskAttempt } from './task-runner.js';
import { CONTROL, type ProgressSink, type TaskGroupRequest, type TaskGroupResult, type TaskReport, type TaskSpec, type TaskStats } from './messages.js';
import type { Logger } from '../lib/plugin/spi.js';

export default async function runTaskGroup({ spec, port }: TaskGroupRequest): Promise<TaskGroupResult> {
  const sink: Remote<ProgressSink> = wrap<ProgressSink>(nodeEndpoint(port));
  const log: Logger = {
    info: (m) => void sink.log('info', m),
    warn: (m) => void sink.log('warn', m),
  };
  const control = new Int32Array(spec.control);
  const queue: TaskSpec[] = [...spec.tasks];
  const running = new Set<TaskAttempt>();
  const waiting = new Map<number, TaskStats>(); // retrying tasks between attempts
  const reports: TaskReport[] = [];
  let stopReason: string | undefined;

  const stopAll = (reason: string): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    for (const a of running) a.cancel(reason);
  };

  // The main thread raises CONTROL.ABORT on Ctrl-C, an AbortSignal, or another group's failure.
  const aborted = Atomics.waitAsync(control, CONTROL.ABORT, 0);
  if (aborted.async) void aborted.value.then(() => stopAll('the job was stopped'));
  else stopAll('the job was stopped');
  // A clean stop of a polling job: readers see it as TaskContext.stopping.
  const stopping = new AbortController();
  const stop = Atomics.waitAsync(control, CONTROL.STOP, 0);
  if (stop.async) void stop.value.then(() => stopping.abort());
  else stopping.abort();

  const report = (): void => {
    // Ended tasks too: the main thread counts tasks done as they end, not when the group returns.
    const tasks = [...running].map((a) => a.snapshot('running')).concat([...waiting.values()], reports.map(stats));
    void sink.progress({ taskGroupId: spec.taskGroupId, tasks });
  };
  const timer = setInterval(report, spec.progressIntervalMs);

  const ended = async (r: TaskReport): Promise<void> => {
    reports.push(r);
    await sink.taskEnded(r);
  };

  const runWithRetry = async (task: TaskSpec): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      if (stopReason !== undefined) {
        await ended(notRun(task, attempt, stopReason));
        return;
      }
      await sink.taskStarted(task.taskId, attempt);
      const run = new TaskAttempt(task, attempt, spec, log, async (records) => void (await sink.dirty(records)), stopping.signal);
      running.add(run);
      const result = await run.run();
      running.delete(run);
      if (result.state !== 'failed' || stopReason !== undefined) {
        if (result.state === 'failed') result.state = 'aborted';
        await ended(result);
        return;
      }
      const canRetry = attempt <= spec.maxRetryTimes && result.error?.retryable === true && run.writerSupportsFailover;
      if (!canRetry) {
        await ended(result);
        stopAll(`task ${task.taskId} failed`);
        return;
      }
      log.warn(`task ${task.taskId} failed (attempt ${attempt}): ${result.error?.message}; retrying in ${spec.retryIntervalMs} ms`);
      waiting.set(task.taskId, { ...result, state: 'retrying' });
      await sleepUnlessStopped(spec.retryIntervalMs, () => stopReason !== undefined);
      waiting.delete(task.taskId);
    }
  };

  const lane = async (): Promise<void> => {
    for (let task = queue.shift(); task; task = queue.shift()) await runWithRetry(task);
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(spec.channels, spec.tasks.length)) }, lane));
  } finally {
    clearInterval(timer);
    report();
    sink[releaseProxy]();
    port.close();
  }
  reports.sort((a, b) => a.taskId - b.taskId);
  return { taskGroupId: spec.taskGroupId, tasks: reports };
}

/** A report without its error and reader report: the progress sink only counts. */
function stats({ error: _e, readerReport: _r, ...rest }: TaskReport): TaskStats {
  return rest;
}

function notRun(task: TaskSpec, attempt: number, reason: string): TaskReport {
  return {
    taskId: task.taskId, state: 'aborted', attempt, elapsedMs: 0,
    recordsRead: 0, bytesRead: 0, recordsWritten: 0, bytesWritten: 0, readerWaitMs: 0, writerWaitMs: 0, dirtyRecords: 0, filteredRecords: 0,
    error: { name: 'FerryError', code: 'FERRY_ABORTED', message: reason, retryable: false },
  };
}

async function sleepUnlessStopped(ms: number, stopped: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!stopped() && Date.now() < end) await sleep(Math.min(100, end - Date.now()));
}
