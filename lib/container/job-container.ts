/**
 * The JobContainer, after DataX's: init → preCheck → prepare → split → schedule → post →
 * summary. Plugin Job sides run here on the main thread; tasks run in TaskGroups, which a
 * TaskGroupExecutor runs (worker threads: PiscinaExecutor).
 */
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import { configError, ErrorLimitError, FerryError, JobFailedError } from '../errors.js';
import { DirtyLog, dirtyFilePath } from './dirty-log.js';
import { jobHash, loadTasks, saveTasks, stateDirOf } from './restore.js';
import { join } from 'node:path';
import { planTaskGroups } from './schedule.js';
import { ProgressTracker, plural, type Expected, type JobProgress } from './progress.js';
import { summaryError, type JobSummary, type PhaseTimes } from './summary.js';
import type { ProgressSink, TaskGroupResult, TaskReport, TaskSpec } from '../../workers/messages.js';
import type { ExecutorFactory, GroupSpec, TaskGroupExecutor } from './executor.js';
import { PiscinaExecutor } from './piscina-executor.js';
import { GroupLostError } from './executor.js';
import { MAX_GROUP_FAILOVERS, TaskLedger, planFailover, withCarried } from './failover.js';
import type { JobSpec } from '../job/types.js';
import type { Checkpoint, JobContext, Logger, PassThroughFormat, ReaderJob, ReaderPlugin, WriterJob, WriterPlugin } from '../plugin/spi.js';

export interface ContainerOptions {
  log: Logger;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: JobProgress) => void) | undefined;
  /** How often onProgress is called (ms). Default: the job's report interval. */
  progressIntervalMs?: number | undefined;
  /** Run the plugins' preCheck (default true). */
  preCheck?: boolean;
  /** The previous run's nextState, one entry per job.content entry (from the state file). */
  state?: Array<Record<string, unknown> | null> | undefined;
  /** setting.restore: go on from the checkpoints of the last run of this job instead of starting over. */
  resume?: boolean | undefined;
  /** Where the task groups run; default: this machine's worker threads (PiscinaExecutor). */
  executor?: ExecutorFactory | undefined;
  /** Stop after init: decide each content entry's path (`paths`), run nothing (`ferry run --explain`). */
  explainOnly?: boolean | undefined;
}

interface ScheduleResult {
  reports: TaskReport[];
  channels: number;
  groups: number;
  threads: number;
  /** Which worker ran each group, on a cluster. */
  workers?: Record<string, number[]> | undefined;
}

interface ContentJobs {
  reader: ReaderJob;
  writer: WriterJob;
}

/**
 * A reader's or writer's init: a failure that is not a job-file mistake (a server that cannot be
 * reached) says which side it was, since both often name the same kind of database.
 */
async function side<T>(kind: 'reader' | 'writer', ref: { path: string; name: string }, init: () => Promise<T> | T): Promise<T> {
  try {
    return await init();
  } catch (err) {
    if (!(err instanceof FerryError) || err.exitCode === 2) throw err;
    throw new FerryError(err.code, `the ${kind} (${ref.name}, ${ref.path.replace(/\.parameter$/, '')}): ${err.message}`, { cause: err, retryable: err.retryable });
  }
}

/** The path a job.content entry's tasks take, and why: what `ferry run --explain` prints. */
export interface ContentPath {
  content: number;
  reader: string;
  writer: string;
  /** "pass-through", "COPY", "INSERT", ... */
  path: string;
  passThrough?: PassThroughFormat | undefined;
  why: string;
}

/**
 * Pass-through when the reader offers text the writer takes as it is and nothing in between
 * changes values; else the writer's own path, with the reason the pass-through was not taken.
 */
export function choosePath(j: ContentJobs, content: number, names: { reader: string; writer: string }, transformers: number): ContentPath {
  const own = j.writer.writePath?.() ?? { path: 'records', why: `${names.writer} takes records` };
  const base = { content, reader: names.reader, writer: names.writer };
  const offer = j.reader.passThrough?.() ?? `${names.reader} sends records, not text`;
  let refused: string | undefined;
  if (typeof offer === 'string') refused = offer;
  else if (transformers > 0) refused = 'transformers change the records';
  else refused = j.writer.acceptPassThrough?.(offer) ?? (j.writer.acceptPassThrough ? undefined : `${names.writer} takes no text`);
  if (refused === undefined && typeof offer !== 'string') {
    return { ...base, path: 'pass-through', passThrough: offer.format, why: `${offer.format}: whole ${offer.format === 'postgresql-copy-binary' ? 'tuples' : 'lines'} from ${names.reader} into ${names.writer}'s ${own.path}, not parsed into values; columns map one to one (${offer.types.join(', ')})` };
  }
  return { ...base, path: own.path, why: `${own.why}; no pass-through: ${refused}` };
}

export class JobContainer {
  readonly runId = randomUUID();
  private readonly phases: PhaseTimes = { initMs: 0, prepareMs: 0, splitMs: 0, runMs: 0, postMs: 0 };
  private readonly abort = new AbortController();
  private tasks: TaskSpec[] = [];
  private readonly dirty: DirtyLog;
  /** Set when setting.errorLimit was crossed while the job ran: the job stops, exit code 3. */
  private limitCrossed: string | undefined;
  private nextState: Array<Record<string, unknown> | null> | undefined;
  private polling = false;
  private restoreInfo: JobSummary['restore'];
  private stopRequested = false;
  private executor: TaskGroupExecutor | undefined;
  private jobs: ContentJobs[] = [];
  /** Each job.content entry's path (choosePath), decided after init. */
  paths: ContentPath[] = [];

  /** Ends a polling job cleanly: raises CONTROL.STOP (now, or as soon as the workers exist). */
  private stopCleanly(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.options.log.info('stopping: polling readers finish their pass, writers commit what they hold');
    this.executor?.stop();
  }

  constructor(private readonly job: JobSpec, private readonly options: ContainerOptions) {
    if (job.settings.restore && job.settings.restore.column === undefined) {
      throw configError('FERRY_JOB_INVALID', 'job.setting.restore.restoreColumnName', 'isRestore needs restoreColumnName: a key column the tasks are read in the order of (an id)');
    }
    if (options.resume && !job.settings.restore) {
      throw configError('FERRY_USAGE', '--resume', 'this job keeps no checkpoints: set job.setting.restore {"isRestore": true, "restoreColumnName": "<key column>"} so that a run can be resumed');
    }
    const path = job.settings.dirtyPath;
    this.dirty = new DirtyLog(path === undefined ? undefined : dirtyFilePath(path, job.baseDir, this.runId), this.runId, options.log);
  }

  /**
   * The errorLimit message when it is crossed: `record` (absolute; wins over percentage, as in
   * DataX) is checked with every dirty record; `percentage` at the end (`final`) and, while
   * the job runs, once 1000 records were read.
   */
  private errorLimitMessage(dirty: number, read: number, final: boolean): string | undefined {
    const { record, percentage } = this.job.settings.errorLimit;
    let what: string | undefined;
    if (record !== undefined) {
      if (dirty > record) what = `${plural(dirty, 'dirty record')}, more than job.setting.errorLimit.record ${record} allows`;
    } else if (percentage !== undefined && (final || read >= 1000) && read > 0 && dirty / read > percentage) {
      what = `${plural(dirty, 'dirty record')} in ${read} read (${pct(dirty / read)}), more than job.setting.errorLimit.percentage ${percentage} (${pct(percentage)}) allows`;
    }
    if (what === undefined) return undefined;
    const where = this.dirty.file ? `the dirty records are in ${this.dirty.file}` : 'set job.setting.dirty.path to keep the dirty records (the first 10 are in the log)';
    return `${what}; ${where}`;
  }

  private async timed<T>(phase: keyof PhaseTimes, fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.phases[phase] += performance.now() - t;
    }
  }

  async run(): Promise<JobSummary> {
    const { job, options } = this;
    const started = new Date();
    // A polling job has no end of its own: the signal ends it cleanly (readers stop, writers commit).
    const onAbort = (): void => (this.polling ? this.stopCleanly() : this.abort.abort(options.signal?.reason));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    const jobs: ContentJobs[] = this.jobs;
    const opened: Array<ReaderJob | WriterJob> = [];
    let result: ScheduleResult = { reports: [], channels: 0, groups: 0, threads: 0 };
    let failure: unknown;
    try {
      await this.timed('initMs', async () => {
        for (const [i, c] of job.content.entries()) {
          const ctx = (ref: typeof c.reader): JobContext => ({
            parameter: ref.parameter, path: ref.path, baseDir: job.baseDir, runId: this.runId, log: options.log, signal: this.abort.signal,
            state: options.state?.[i] ?? undefined,
            restoreColumn: job.settings.restore?.column,
          });
          const reader = await side('reader', c.reader, () => (c.reader.plugin as ReaderPlugin).createJob(ctx(c.reader)));
          // Destroyed below even when the writer's init fails: the reader holds its connections.
          opened.push(reader);
          const writer = await side('writer', c.writer, () => (c.writer.plugin as WriterPlugin).createJob(ctx(c.writer)));
          opened.push(writer);
          jobs.push({ reader, writer });
          if (reader.polls?.()) this.polling = true;
          const rc = reader.columnCount?.();
          const wc = writer.columnCount?.();
          if (rc !== undefined && wc !== undefined && rc !== wc) {
            throw configError('FERRY_JOB_INVALID', `${c.writer.path}.column`, `the writer has ${wc} columns but the reader gives ${rc}; list the same number on both sides`);
          }
          const path = choosePath({ reader, writer }, i, { reader: c.reader.name, writer: c.writer.name }, c.transformers.length);
          this.paths.push(path);
          options.log.info(`job.content[${i}] path: ${path.path} (${path.why})`);
        }
      });
      if (!options.explainOnly) await this.runTasks(jobs, (r) => (result = r));
    } catch (err) {
      failure = err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.dirty.close();
      for (const side of opened) {
        try {
          await side.destroy?.();
        } catch (err) {
          options.log.warn(`destroy failed: ${(err as Error).message}`);
        }
      }
    }
    return this.finish(started, result, failure);
  }

  /** prepare → split → schedule → post, after init. */
  private async runTasks(jobs: ContentJobs[], ran: (r: ScheduleResult) => void): Promise<void> {
    const { job, options } = this;
    await this.timed('prepareMs', async () => {
      for (const j of jobs) {
        if (options.preCheck !== false) {
          await j.reader.preCheck?.();
          await j.writer.preCheck?.();
        }
        // A resumed run must not prepare again: preSql may empty the target.
        if (options.resume) continue;
        await j.reader.prepare?.();
        await j.writer.prepare?.();
      }
    });
    const { tasks, expected } = await this.timed('splitMs', async () => {
      if (!job.settings.restore) return this.split(jobs);
      return this.restoreTasks(jobs);
    });
    const result = await this.timed('runMs', () => this.schedule(tasks, expected));
    ran(result);
    const failed = result.reports.find((r) => r.state === 'failed');
    if (!failed && !this.abort.signal.aborted && this.limitCrossed === undefined) {
      await this.timed('postMs', async () => {
        for (const j of jobs) {
          await j.writer.post?.();
          await j.reader.post?.();
        }
      });
      const reports = result.reports;
      this.nextState = jobs.map((j, i) => j.reader.nextState?.(reports.filter((r) => this.tasks[r.taskId]?.contentIndex === i).map((r) => r.readerReport)) ?? null);
    }
  }

  /**
   * setting.restore: a first run splits, saves the tasks in the job's state directory and
   * forgets older checkpoints; a resumed run (--resume) takes the saved tasks, skips the ones
   * whose checkpoint says done, and starts the others after their last committed value.
   */
  private async restoreTasks(jobs: ContentJobs[]): Promise<{ tasks: TaskSpec[]; expected: Expected | undefined }> {
    const r = this.job.settings.restore!;
    for (const [i, j] of jobs.entries()) {
      if (!j.writer.checkpoints || !j.writer.resetCheckpoints) {
        const c = this.job.content[i]!;
        throw configError('FERRY_JOB_INVALID', c.writer.path.replace(/\.parameter$/, ''), `${c.writer.name} keeps no checkpoints, so job.setting.restore cannot resume it: mysqlwriter, postgresqlwriter and txtfilewriter do`);
      }
    }
    const hash = jobHash(this.job.resolved);
    const dir = stateDirOf(this.job.baseDir, hash);
    let tasks: TaskSpec[];
    let expected: Expected | undefined;
    if (this.options.resume) {
      const saved = loadTasks(dir);
      if (!saved) throw configError('FERRY_USAGE', '--resume', `there is no earlier run of this job to resume (no ${join(dir, 'tasks.json')}): run it without --resume`);
      tasks = saved;
      this.tasks = tasks;
    } else {
      ({ tasks, expected } = await this.split(jobs));
      for (const j of jobs) await j.writer.resetCheckpoints!(hash);
      saveTasks(dir, this.job.source, tasks);
    }
    const run: TaskSpec[] = [];
    let skipped = 0;
    for (const [i, j] of jobs.entries()) {
      const names = j.reader.columnNames?.();
      const index = r.index ?? names?.findIndex((n) => n.toLowerCase() === r.column!.toLowerCase()) ?? -1;
      if (index < 0) {
        throw configError('FERRY_JOB_INVALID', 'job.setting.restore.restoreColumnName', `"${r.column}" is not one of the reader's columns${names ? ` (${names.join(', ')})` : ''}: the writer takes the restore value from each record; give restoreColumnIndex when the names are not known`);
      }
      const done = this.options.resume ? await j.writer.checkpoints!(hash) : new Map<number, Checkpoint>();
      for (const t of tasks.filter((x) => x.contentIndex === i)) {
        const cp = done.get(t.taskId);
        if (cp?.done) {
          skipped++;
          continue;
        }
        run.push({ ...t, restore: { job: hash, column: r.column!, index, after: cp && cp.rows > 0 && cp.value !== '' ? cp.value : undefined, rows: cp?.rows ?? 0, every: r.every } });
      }
    }
    this.restoreInfo = { stateDir: dir, resumed: this.options.resume === true, tasksSkipped: skipped };
    if (this.options.resume) this.options.log.info(`resuming from ${dir}: ${skipped} of ${tasks.length} tasks had finished, ${run.length} go on after their checkpoints`);
    return { tasks: run, expected: this.options.resume ? undefined : expected };
  }

  private async split(jobs: ContentJobs[]): Promise<{ tasks: TaskSpec[]; expected: Expected | undefined }> {
    const tasks: TaskSpec[] = [];
    let expected: Expected | undefined = { records: 0, estimate: false };
    for (const [i, j] of jobs.entries()) {
      const c = this.job.content[i]!;
      const readerParams = await j.reader.split(this.job.settings.channel);
      const writerParams = await j.writer.split(readerParams.length);
      if (writerParams.length !== readerParams.length) {
        throw new FerryError('FERRY_INTERNAL', `writer ${c.writer.name} split into ${writerParams.length} tasks for ${readerParams.length} reader tasks`);
      }
      readerParams.forEach((rp, k) => {
        tasks.push({
          taskId: tasks.length,
          contentIndex: i,
          reader: { name: c.reader.name, moduleUrl: c.reader.moduleUrl, parameter: rp },
          writer: { name: c.writer.name, moduleUrl: c.writer.moduleUrl, parameter: writerParams[k]! },
          ...(this.paths[i]?.passThrough ? { passThrough: this.paths[i]!.passThrough } : {}),
          ...(c.transformers.length > 0 ? { transformers: c.transformers } : {}),
        });
      });
      const exact = j.reader.expectedRecords?.();
      const guess = exact === undefined ? j.reader.estimatedRecords?.() : undefined;
      const e = exact ?? guess;
      expected = e === undefined || expected === undefined ? undefined : { records: expected.records + e, estimate: expected.estimate || guess !== undefined };
    }
    this.tasks = tasks;
    return { tasks, expected: expected && expected.records > 0 ? expected : undefined };
  }

  private async schedule(tasks: TaskSpec[], expected: Expected | undefined): Promise<ScheduleResult> {
    const s = this.job.settings;
    const plans = planTaskGroups(tasks.length, s.channel, s.taskGroupChannels, availableParallelism());
    const channels = plans.reduce((n, p) => n + p.channels, 0);
    if (plans.length === 0) return { reports: [], channels: 0, groups: 0, threads: 0 };
    // Job-wide caps are divided evenly over the channels that actually run; a per-channel cap from core may lower them.
    const per = (job: number | undefined, channel: number | undefined): number | undefined => {
      const fromJob = job ? job / channels : undefined;
      return fromJob !== undefined && channel !== undefined ? Math.min(fromJob, channel) : (fromJob ?? channel);
    };
    const caps = { recordsPerSecond: per(s.jobSpeed.record, s.channelSpeed.record), bytesPerSecond: per(s.jobSpeed.byte, s.channelSpeed.byte) };
    const executor = await (this.options.executor ?? ((groups, max) => new PiscinaExecutor(groups, max, s.workerHeapMb)))(plans.length, s.maxThreads);
    this.executor = executor;
    if (this.stopRequested) executor.stop();
    const stopWorkers = (): void => executor.abort();
    const tracker = new ProgressTracker(tasks.length, expected);
    const log = this.options.log;
    const limitCrossed = (message: string | undefined): void => {
      if (message === undefined || this.limitCrossed !== undefined) return;
      this.limitCrossed = message;
      log.warn(`stopping: ${message}`);
      stopWorkers();
    };
    const ledger = new TaskLedger();
    const workers: Record<string, number[]> = {};
    const sink: ProgressSink = {
      progress: (report) => {
        report.tasks.forEach((t) => tracker.update(t));
        if (s.errorLimit.record === undefined && s.errorLimit.percentage !== undefined) {
          const { dirty, read } = tracker.dirtyAndRead();
          // dirty + read: read-phase dirty records never reached the channel's count.
          limitCrossed(this.errorLimitMessage(dirty, read + dirty, false));
        }
      },
      dirty: (records) => {
        this.dirty.add(records);
        if (s.errorLimit.record !== undefined) limitCrossed(this.errorLimitMessage(this.dirty.total, 0, false));
      },
      log: (level, message) => log[level](message),
      taskStarted: (taskId) => void ledger.started.add(taskId),
      taskEnded: (report) => void ledger.ended.set(report.taskId, report),
    };
    /** One group to its end, going on elsewhere when its worker is lost and that is safe (failover.ts). */
    const runGroup = async (first: GroupSpec): Promise<TaskGroupResult> => {
      const kept: TaskReport[] = [];
      let spec: GroupSpec | undefined = first;
      for (let lost = 0; spec; lost++) {
        try {
          const res = await executor.run(spec, sink);
          if (res.worker !== undefined) (workers[res.worker] ??= []).push(spec.taskGroupId);
          return { ...res, tasks: [...withCarried(res.tasks, ledger), ...kept] };
        } catch (err) {
          if (!(err instanceof GroupLostError) || this.abort.signal.aborted || this.limitCrossed !== undefined) throw err;
          if (lost >= MAX_GROUP_FAILOVERS) throw new FerryError('FERRY_GROUP_LOST', `${err.message}; lost ${lost + 1} times, the job gives up on it`, { cause: err });
          const plan = await planFailover(err, spec, ledger, (i, hash) => this.jobs[i]!.writer.checkpoints!(hash), (t) => t.writer.name);
          kept.push(...plan.kept);
          if (plan.spec) log.warn(`${err.message}: ${plan.spec.tasks.length} of its tasks go on on another worker${plan.spec.tasks.some((t) => t.restore?.after !== undefined) ? ' from their checkpoints' : ''}`);
          spec = plan.spec;
        }
      }
      return { taskGroupId: first.taskGroupId, tasks: kept };
    };
    const progressEvery = this.options.progressIntervalMs ?? s.reportIntervalMs;
    const progressTimer = this.options.onProgress ? setInterval(() => this.options.onProgress!(tracker.snapshot()), progressEvery) : undefined;

    const onAbort = (): void => stopWorkers();
    this.abort.signal.addEventListener('abort', onAbort, { once: true });
    if (this.abort.signal.aborted) stopWorkers();
    log.info(`${plural(tasks.length, 'task')} in ${plural(plans.length, 'task group')}, ${plural(channels, 'channel')}, ${plural(executor.threads, 'worker thread')}`);
    // Up to taskGroupChannels channels to a thread is DataX's own shape; past that, say they share.
    if (plans.length > executor.threads) log.warn(`${channels} channels share ${executor.threads} worker threads`);
    try {
      const results = await Promise.all(
        plans.map(async (plan, g): Promise<TaskGroupResult> => {
          const spec: GroupSpec = {
            taskGroupId: g,
            channels: plan.channels,
            tasks: plan.taskIndexes.map((i) => tasks[i]!),
            runId: this.runId,
            baseDir: this.job.baseDir,
            channelBytes: s.channelBytes,
            batchRecords: s.batchRecords,
            caps,
            maxRetryTimes: s.maxRetryTimes,
            retryIntervalMs: s.retryIntervalMs,
            retry: s.retry,
            progressIntervalMs: Math.min(500, progressEvery),
          };
          try {
            const res = await runGroup(spec);
            for (const t of res.tasks) tracker.update(t);
            // One task failed for good: stop the other groups too, as DataX does.
            if (res.tasks.some((t) => t.state === 'failed')) stopWorkers();
            return res;
          } catch (err) {
            stopWorkers();
            throw err;
          }
        }),
      );
      return { reports: results.flatMap((r) => r.tasks).sort((a, b) => a.taskId - b.taskId), channels, groups: plans.length, threads: executor.threads, workers: Object.keys(workers).length > 0 ? workers : undefined };
    } finally {
      this.abort.signal.removeEventListener('abort', onAbort);
      if (progressTimer) clearInterval(progressTimer);
      this.options.onProgress?.(tracker.snapshot());
      await executor.close();
    }
  }

  private finish(started: Date, result: ScheduleResult, failure: unknown): JobSummary {
    const ended = new Date();
    const elapsedMs = ended.getTime() - started.getTime();
    const done = result.reports.filter((r) => r.state === 'succeeded');
    const sum = (k: 'recordsRead' | 'recordsWritten' | 'bytesRead' | 'bytesWritten' | 'readerWaitMs' | 'writerWaitMs'): number => done.reduce((n, r) => n + r[k], 0);
    const failedTask = result.reports.find((r) => r.state === 'failed');
    const aborted = this.abort.signal.aborted;
    const summary: JobSummary = {
      runId: this.runId,
      job: this.job.source,
      state: failure || failedTask ? 'failed' : aborted ? 'aborted' : 'succeeded',
      startTime: started.toISOString(),
      endTime: ended.toISOString(),
      elapsedMs,
      recordsRead: sum('recordsRead'),
      // A writer receives its dirty records too: they are not in the target.
      recordsWritten: sum('recordsWritten') - done.reduce((n, r) => n + (this.dirty.writtenByTask.get(r.taskId) ?? 0), 0),
      bytesRead: sum('bytesRead'),
      bytesWritten: sum('bytesWritten'),
      readFailures: this.dirty.counts.read,
      writeFailures: this.dirty.counts.write,
      filtered: done.reduce((n, r) => n + (r.filteredRecords ?? 0), 0),
      dirty: { ...this.dirty.counts, ...(this.dirty.file && this.dirty.total > 0 ? { file: this.dirty.file } : {}) },
      bytesPerSecond: (sum('bytesWritten') * 1000) / Math.max(elapsedMs, 1),
      recordsPerSecond: 0,
      readerWaitMs: sum('readerWaitMs'),
      writerWaitMs: sum('writerWaitMs'),
      phases: this.phases,
      channels: result.channels,
      taskGroups: result.groups,
      threads: result.threads,
      ...(result.workers ? { workers: result.workers } : {}),
      tasks: {
        total: result.reports.length,
        succeeded: done.length,
        failed: result.reports.filter((r) => r.state === 'failed').length,
        aborted: result.reports.filter((r) => r.state === 'aborted').length,
        retries: result.reports.reduce((n, r) => n + r.attempt - 1, 0),
      },
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      warnings: this.job.warnings.map((w) => `${w.path}: ${w.message}`),
    };
    if (this.restoreInfo) summary.restore = this.restoreInfo;
    if (this.nextState?.some((x) => x !== null)) {
      summary.nextState = this.nextState;
      const ends = this.nextState.map((x) => x?.endLocation).filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
      if (ends.length > 0) summary.endLocation = Object.assign({}, ...ends) as Record<string, unknown>;
    }
    summary.recordsPerSecond = (summary.recordsWritten * 1000) / Math.max(elapsedMs, 1);
    if (failure instanceof FerryError && failure.exitCode === 2) throw failure;
    // Checked before task failures: crossing the limit is what stopped the other tasks.
    const read = result.reports.reduce((n, r) => n + r.recordsRead, 0) + this.dirty.counts.read;
    const limit = this.limitCrossed ?? (failure || failedTask || aborted ? undefined : this.errorLimitMessage(this.dirty.total, read, true));
    if (limit !== undefined) {
      summary.state = 'failed';
      summary.error = { code: 'FERRY_ERROR_LIMIT', message: limit };
      throw new ErrorLimitError(limit, summary);
    }
    if (failure) {
      const e = failure instanceof FerryError ? failure : new FerryError('FERRY_PLUGIN_ERROR', (failure as Error)?.message ?? String(failure), { cause: failure });
      summary.error = { code: e.code, message: e.message };
      throw new JobFailedError(e.code, e.message, summary, { cause: failure });
    }
    if (failedTask?.error) {
      summary.error = summaryError(failedTask.error, failedTask.taskId, failedTask.side);
      const spec = this.tasks[failedTask.taskId];
      const who = failedTask.side === 'writer' ? spec?.writer.name : spec?.reader.name;
      throw new JobFailedError('FERRY_TASK_FAILED', `task ${failedTask.taskId} (${who}) failed: ${failedTask.error.message}`, summary);
    }
    if (aborted) {
      summary.error = { code: 'FERRY_ABORTED', message: 'the job was stopped' };
      // A stopped task's writer either took its rows back (files) or kept the batches it had
      // committed (databases): say how many rows the latter kind had been given.
      const kept = result.reports.filter((r) => r.state !== 'succeeded' && r.rolledBack === false).reduce((n, r) => n + r.recordsWritten, 0);
      const more = kept > 0 ? `; stopped tasks had given ${kept} more to writers that keep the batches they committed` : '';
      throw new JobFailedError('FERRY_ABORTED', `the job was stopped; ${plural(summary.recordsWritten, 'record')} ${summary.recordsWritten === 1 ? 'was' : 'were'} written by ${plural(summary.tasks.succeeded, 'finished task')}${more}`, summary);
    }
    return summary;
  }
}

function pct(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}
