/**
 * The run service: takes submitted jobs, queues them for slots, runs them through the same
 * runJob the CLI uses (one JobContainer per run, several at once), and keeps every state
 * change, summary and log line in the store. Secrets: the stored display copies and every log
 * line and summary are masked; the runnable job is kept sealed (seal.ts).
 */
import { EventEmitter } from 'node:events';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { inspectJob, runJob } from '../api.js';
import type { ClusterOptions } from '../cluster/protocol.js';
import { configError, ErrorLimitError, FerryError, JobConfigError, JobFailedError, EXIT_ERROR_LIMIT, EXIT_FAILED, EXIT_OK, formatIssue } from '../errors.js';
import { maskText } from '../job/mask.js';
import { parseJobText, readJobText } from '../job/read.js';
import { formatLogLine, type JobProgress } from '../container/progress.js';
import type { JobSummary } from '../container/summary.js';
import { formatSummary } from '../cli/output.js';
import type { Logger } from '../plugin/spi.js';
import { Sealer } from './seal.js';
import { SlotQueue } from './slots.js';
import { isEnd, REASON_SERVER_STOPPED, type RunState } from './states.js';
import { checkSchedule, nextFiring } from './schedule.js';
import { Scheduler } from './scheduler.js';
import { backfillDays, backfillView, type BackfillRequest, type BackfillView } from './backfill.js';
import { Store, type LogRow, type RunOrigin } from './store.js';
import { jobView, runDetail, runView, type JobView, type RunDetail, type RunView } from './views.js';

export interface SubmitRequest {
  /** The job itself, or a path under the server's jobs directory. */
  job: Record<string, unknown> | string;
  params?: Record<string, string>;
  bizdate?: string;
  /** How long the run may wait for slots before it fails (default: for ever). */
  waitTimeoutMs?: number;
  /** For a job sent as an object: the file it came from, shown in the run list (ferry submit sends it). */
  source?: string;
}

export interface PutJobRequest {
  job: Record<string, unknown> | string;
  params?: Record<string, string>;
  /** Fires a run at each match of the cron expression (seconds allowed) in the time zone (default: the server's). */
  schedule?: { cron: string; tz?: string };
}

export interface ServiceOptions {
  /** Where the store lives (--data). */
  dataDir: string;
  /** Channel slots shared by all runs (--slots). */
  slots: number;
  /** The only directory a job may be named by path under (--jobs); none: jobs must be sent. */
  jobsDir?: string | undefined;
  /** The server's own log (Fastify's pino logger). */
  log: Logger;
  /** Runs go to `ferry worker` processes over this Redis (--cluster), as `ferry run --cluster`. */
  cluster?: ClusterOptions | undefined;
}

/** What the store keeps sealed: everything a run needs to execute after a restart. */
interface SealedJob {
  job: Record<string, unknown>;
  params: Record<string, string>;
  secrets: string[];
}

interface Running {
  controller: AbortController;
  slots: number;
  secrets: string[];
  progress: JobProgress | undefined;
  cancelRequested: boolean;
  ended: Promise<void>;
}

/** A run that cannot be, or is no longer, what the request asks: the HTTP layer answers 404 / 409. */
export class RunNotFound extends Error {}
export class RunConflict extends Error {}

const PROGRESS_LOG_MS = 10_000;

export class RunService {
  readonly store: Store;
  private readonly sealer: Sealer;
  private readonly queue: SlotQueue;
  private readonly running = new Map<number, Running>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** 'line' (id, LogRow) and 'end' (id): what log followers listen to. */
  readonly events = new EventEmitter().setMaxListeners(0);
  private stopping = false;
  private readonly scheduler: Scheduler;
  private readonly topUps = new Map<number, Promise<void>>();

  constructor(private readonly options: ServiceOptions) {
    this.store = new Store(options.dataDir);
    this.sealer = Sealer.open(join(options.dataDir, 'store.key'));
    this.queue = new SlotQueue(options.slots);
    this.scheduler = new Scheduler(this.store, (name, bizdate, cyctime, reason) => this.runNow(name, bizdate, { kind: 'schedule' }, reason, { cyctime }), options.log);
  }

  get slots(): { total: number; free: number } {
    return { total: this.queue.total, free: this.queue.free };
  }

  /**
   * After a stop, clean or kill -9: a run that was RUNNING failed with the server, unless its job
   * keeps checkpoints (setting.restore), then it is queued again to resume; QUEUED runs wait on.
   */
  start(): void {
    for (const row of this.store.unfinished()) {
      if (row.state === 'RUNNING') {
        if (row.restore) {
          this.store.move(row.id, 'RUNNING', 'QUEUED', { reason: `${REASON_SERVER_STOPPED}; it resumes from its checkpoints`, resume: true });
        } else {
          this.store.move(row.id, 'RUNNING', 'FAILED', { reason: REASON_SERVER_STOPPED, exitCode: EXIT_FAILED });
          this.line(row.id, 'WARN', `${REASON_SERVER_STOPPED}: marked FAILED when the server started again`, []);
          continue;
        }
      }
      this.queue.enqueue({ id: row.id, slots: row.slots });
    }
    this.pump();
    for (const id of this.queue.ids()) {
      const row = this.store.get(id)!;
      if (row.wait_timeout_ms !== null) this.armTimeout(id, Date.parse(row.created_at) + row.wait_timeout_ms - Date.now(), row.wait_timeout_ms);
    }
    this.scheduler.start();
    for (const b of this.store.backfills(1000)) if (!b.cancelled_at) void this.topUp(b.id);
  }

  /** Validates the job (JobConfigError: nothing is stored), stores the run QUEUED and starts it when slots are free. */
  async submit(req: SubmitRequest): Promise<RunView> {
    const { job, source } = await this.jobOf(req.job, req.source);
    return this.enqueue(job, source, req.params ?? {}, req.bizdate, req.waitTimeoutMs, { kind: 'once' }, undefined);
  }

  /** Keeps the job under its name as a new version; a job that would not run is refused and nothing is stored. */
  async putJob(name: string, req: PutJobRequest): Promise<JobView> {
    const { job } = await this.jobOf(req.job, undefined);
    const params = req.params ?? {};
    const inspected = await inspectJob(job, { params });
    if (req.schedule) checkSchedule(req.schedule.cron, req.schedule.tz);
    const sealed: SealedJob = { job, params, secrets: inspected.secrets };
    const row = this.store.putJob({
      name,
      jobDisplay: inspected.job,
      jobSealed: this.sealer.seal(sealed),
      paramsDisplay: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, maskText(v, inspected.secrets)])),
      cron: req.schedule?.cron,
      tz: req.schedule?.tz,
    });
    this.options.log.info(`job ${name} version ${row.version} stored${row.cron ? ` (cron ${row.cron}${row.tz ? ` ${row.tz}` : ''})` : ''}`);
    this.jobChanged(name);
    return this.jobView(name);
  }

  jobView(name: string): JobView {
    const row = this.store.job(name);
    if (!row) throw new RunNotFound(`there is no job ${JSON.stringify(name)}: ferry jobs ls lists them`);
    return jobView(row, nextFiring(row));
  }

  jobs(): JobView[] {
    return this.store.jobs().map((row) => jobView(row, nextFiring(row)));
  }

  removeJob(name: string): void {
    if (!this.store.removeJob(name)) throw new RunNotFound(`there is no job ${JSON.stringify(name)}: ferry jobs ls lists them`);
    this.jobChanged(name);
  }

  /** A run of the job's current version now, with the bizdate given or the usual default (yesterday). */
  async runNow(name: string, bizdate: string | undefined, origin: RunOrigin = { kind: 'manual' }, reason?: string, extra: Record<string, string> = {}): Promise<RunView> {
    const row = this.store.job(name);
    if (!row) throw new RunNotFound(`there is no job ${JSON.stringify(name)}: ferry jobs ls lists them`);
    const { job, params } = this.sealer.open<SealedJob>(row.job_sealed);
    return this.enqueue(job, `job ${name} v${row.version}`, { ...params, ...extra }, bizdate, undefined, { ...origin, jobName: name, jobVersion: row.version }, reason);
  }

  /** Starts one run per day of from..to, oldest first, at most `parallel` at once. */
  async backfill(name: string, req: BackfillRequest): Promise<BackfillView> {
    if (!this.store.job(name)) throw new RunNotFound(`there is no job ${JSON.stringify(name)}: ferry jobs ls lists them`);
    const days = backfillDays(req);
    const parallel = req.parallel ?? 1;
    const id = this.store.insertBackfill(name, days, parallel);
    this.options.log.info(`backfill ${id} of job ${name}: ${days.length} days ${days[0]}..${days[days.length - 1]}, ${parallel} at once`);
    await this.topUp(id);
    return this.backfillView(id);
  }

  backfillView(id: number): BackfillView {
    const row = this.store.backfill(id);
    if (!row) throw new RunNotFound(`there is no backfill ${id}`);
    return backfillView(row, this.store);
  }

  backfills(limit = 50): BackfillView[] {
    return this.store.backfills(limit).map((row) => backfillView(row, this.store));
  }

  /** Waiting days never start; queued and running ones are cancelled. */
  async cancelBackfill(id: number): Promise<BackfillView> {
    this.backfillView(id);
    this.store.cancelBackfill(id);
    const open = this.store.backfillDays(id).filter((d) => d.run_id !== null && (d.state === 'QUEUED' || d.state === 'RUNNING'));
    await Promise.all(open.map((d) => this.cancel(d.run_id!).catch(() => undefined)));
    return this.backfillView(id);
  }

  /** The failed days (FAILED, LIMIT_EXCEEDED) wait again for their turn. */
  async rerunFailed(id: number): Promise<BackfillView> {
    const v = this.backfillView(id);
    if (v.state === 'CANCELLED') throw new RunConflict(`backfill ${id} was cancelled: start a new one`);
    for (const d of v.days) if (d.state === 'FAILED' || d.state === 'LIMIT_EXCEEDED') this.store.setBackfillDayRun(id, d.bizdate, null);
    await this.topUp(id);
    return this.backfillView(id);
  }

  /** One top-up of a backfill at a time, so that two ends at once never give one day two runs. */
  private topUp(id: number): Promise<void> {
    const next = (this.topUps.get(id) ?? Promise.resolve()).then(() => this.topUpNow(id));
    this.topUps.set(id, next);
    return next;
  }

  /** Gives the oldest waiting days runs while fewer than `parallel` are open. */
  private async topUpNow(id: number): Promise<void> {
    const row = this.store.backfill(id);
    if (!row || row.cancelled_at || this.stopping) return;
    const days = this.store.backfillDays(id);
    let open = days.filter((d) => d.state === 'QUEUED' || d.state === 'RUNNING').length;
    for (const d of days) {
      if (open >= row.parallel) break;
      if (d.run_id !== null) continue;
      try {
        const run = await this.runNow(row.job_name, d.bizdate, { kind: 'backfill', backfillId: id }, `backfill ${id}: day ${d.bizdate}`);
        this.store.setBackfillDayRun(id, d.bizdate, run.id);
      } catch (err) {
        this.options.log.warn(`backfill ${id}: day ${d.bizdate} made no run: ${(err as Error).message}`);
        return;
      }
      open++;
    }
  }

  private jobChanged(name: string): void {
    this.scheduler.refresh(name);
  }

  private async enqueue(job: Record<string, unknown>, source: string, params: Record<string, string>, bizdate: string | undefined, waitTimeoutMs: number | undefined, origin: RunOrigin, reason: string | undefined): Promise<RunView> {
    const req = { bizdate, waitTimeoutMs };
    const options = { params, ...(req.bizdate !== undefined ? { bizdate: req.bizdate } : {}) };
    const inspected = await inspectJob(job, options);
    if (inspected.channel > this.queue.total) {
      throw configError('FERRY_USAGE', 'job.setting.speed.channel', `the job needs ${inspected.channel} slots and this server has ${this.queue.total}: lower the channel count, or start the server with --slots ${inspected.channel} or more`);
    }
    const sealed: SealedJob = { job, params, secrets: inspected.secrets };
    const paramsDisplay = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, maskText(v, inspected.secrets)]));
    const id = this.store.insertRun(
      { source, jobDisplay: inspected.job, jobSealed: this.sealer.seal(sealed), paramsDisplay, bizdate: req.bizdate, slots: inspected.channel, restore: inspected.restore, waitTimeoutMs: req.waitTimeoutMs },
      reason,
      origin,
    );
    for (const w of inspected.warnings) this.line(id, 'WARN', `${w.path}: ${w.message}`, inspected.secrets);
    this.options.log.info(`run ${id} submitted (${source}, ${inspected.channel} slots)`);
    this.queue.enqueue({ id, slots: inspected.channel });
    this.pump();
    if (req.waitTimeoutMs !== undefined && this.store.get(id)!.state === 'QUEUED') this.armTimeout(id, req.waitTimeoutMs, req.waitTimeoutMs);
    return this.view(id);
  }

  private async jobOf(input: SubmitRequest['job'], label: string | undefined): Promise<{ job: Record<string, unknown>; source: string }> {
    if (typeof input !== 'string') return { job: input, source: label ?? '<object>' };
    const dir = this.options.jobsDir;
    if (dir === undefined) throw configError('FERRY_USAGE', 'job', 'this server takes job paths only under its jobs directory: start it with --jobs DIR, or send the job itself');
    const path = resolve(dir, input);
    const rel = relative(resolve(dir), path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw configError('FERRY_USAGE', 'job', `${JSON.stringify(input)} is outside the jobs directory ${dir}: name a file under it`);
    return { job: parseJobText(await readJobText(path), input), source: input };
  }

  view(id: number): RunView {
    const row = this.store.get(id);
    if (!row) throw new RunNotFound(`there is no run ${id}`);
    return runView(row, this.running.get(id)?.progress);
  }

  detail(id: number): RunDetail {
    const row = this.store.get(id);
    if (!row) throw new RunNotFound(`there is no run ${id}`);
    return runDetail(row, this.store.transitions(id), this.running.get(id)?.progress);
  }

  list(state: RunState | undefined, limit: number): RunView[] {
    return this.store.list(state, limit).map((row) => runView(row, this.running.get(row.id)?.progress));
  }

  log(id: number, afterSeq = 0): LogRow[] {
    if (!this.store.get(id)) throw new RunNotFound(`there is no run ${id}`);
    return this.store.log(id, afterSeq);
  }

  /** A queued run ends at once; a running one is stopped (its tasks and connections closed) and answered when it has ended. */
  async cancel(id: number, waitMs = 5_000): Promise<RunView> {
    const row = this.store.get(id);
    if (!row) throw new RunNotFound(`there is no run ${id}`);
    if (isEnd(row.state)) throw new RunConflict(`run ${id} has already ended ${row.state}`);
    if (row.state === 'QUEUED' && this.queue.remove(id)) {
      this.clearTimeout(id);
      this.end(id, 'QUEUED', 'CANCELLED', { reason: 'cancelled before it started', exitCode: EXIT_FAILED });
      this.updateReasons();
      return this.view(id);
    }
    const run = this.running.get(id);
    if (run) {
      run.cancelRequested = true;
      this.line(id, 'WARN', 'cancel requested: stopping every task', run.secrets);
      run.controller.abort();
      await Promise.race([run.ended, new Promise((r) => setTimeout(r, waitMs).unref())]);
    }
    return this.view(id);
  }

  /** Stops taking runs, stops the running ones (a restore job is queued again to resume) and closes the store. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.scheduler.stop();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const run of this.running.values()) run.controller.abort();
    await Promise.all([...this.running.values()].map((r) => r.ended));
    this.store.close();
  }

  private armTimeout(id: number, delayMs: number, waitTimeoutMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(id);
      const why = this.queue.reason(id);
      if (why === undefined || !this.queue.remove(id)) return;
      this.end(id, 'QUEUED', 'FAILED', { reason: `waited longer than waitTimeoutMs ${waitTimeoutMs} for slots: ${why}`, exitCode: EXIT_FAILED });
      this.updateReasons();
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.set(id, timer);
  }

  private clearTimeout(id: number): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  private pump(): void {
    if (this.stopping) return;
    for (const w of this.queue.take()) {
      this.clearTimeout(w.id);
      this.execute(w.id, w.slots);
    }
    this.updateReasons();
  }

  private updateReasons(): void {
    for (const id of this.queue.ids()) this.store.setReason(id, this.queue.reason(id)!);
  }

  private end(id: number, from: RunState, to: RunState, o: { reason?: string; exitCode: number; summary?: unknown }): void {
    this.store.move(id, from, to, o);
    this.options.log.info(`run ${id} ${to}${o.reason ? `: ${o.reason}` : ''}`);
    this.events.emit('end', id);
    this.store.forgetLogSeq(id);
    const ended = this.store.get(id);
    if (!this.stopping) this.scheduler.ended(ended?.job_name ?? null);
    if (!this.stopping && ended?.backfill_id != null) void this.topUp(ended.backfill_id);
  }

  /** Stores a log line (masked) and hands it to the followers. */
  private line(id: number, level: 'INFO' | 'WARN' | 'ERROR', message: string, secrets: readonly string[]): void {
    const row = this.store.appendLog(id, level, maskText(message, secrets));
    this.events.emit('line', id, row);
  }

  private execute(id: number, slots: number): void {
    const row = this.store.get(id)!;
    const { job, params, secrets } = this.sealer.open<SealedJob>(row.job_sealed);
    const resume = row.resume === 1;
    let settle!: () => void;
    const run: Running = { controller: new AbortController(), slots, secrets, progress: undefined, cancelRequested: false, ended: new Promise((r) => (settle = r)) };
    this.running.set(id, run);
    this.store.move(id, 'QUEUED', 'RUNNING', { reason: resume ? 'resuming from its checkpoints' : undefined });
    this.options.log.info(`run ${id} RUNNING on ${slots} slots`);
    this.line(id, 'INFO', `run ${id} started on ${slots} of ${this.queue.total} slots${resume ? ', resuming from its checkpoints' : ''}`, secrets);
    const log: Logger = { info: (m) => this.line(id, 'INFO', m, secrets), warn: (m) => this.line(id, 'WARN', m, secrets) };
    let lastLogged = Date.now();
    const onProgress = (p: JobProgress): void => {
      run.progress = p;
      if (Date.now() - lastLogged >= PROGRESS_LOG_MS) {
        lastLogged = Date.now();
        log.info(formatLogLine(p));
        // Kept now and then so that a run the server died under still shows how far it got.
        this.store.setProgress(id, p);
      }
    };
    runJob(job, { params, ...(row.bizdate !== null ? { bizdate: row.bizdate } : {}), signal: run.controller.signal, log, onProgress, progressIntervalMs: 1000, ...(resume ? { resume: true } : {}), ...(this.options.cluster !== undefined ? { cluster: this.options.cluster } : {}) })
      .then(
        (summary) => this.finish(id, run, summary, undefined),
        (err: unknown) => this.finish(id, run, err instanceof JobFailedError ? (err.summary as JobSummary | undefined) : undefined, err),
      )
      .catch((err: unknown) => this.options.log.warn(`run ${id}: could not record its end: ${(err as Error).message}`))
      .finally(() => {
        this.running.delete(id);
        this.queue.release(slots);
        settle();
        this.pump();
      });
  }

  private finish(id: number, run: Running, summary: JobSummary | undefined, err: unknown): void {
    const masked = summary === undefined ? undefined : (JSON.parse(maskText(JSON.stringify(summary), run.secrets)) as JobSummary);
    if (masked) for (const l of formatSummary(masked).split('\n')) this.line(id, 'INFO', l, run.secrets);
    if (run.progress) this.store.setProgress(id, run.progress);
    if (err === undefined) {
      this.end(id, 'RUNNING', run.cancelRequested ? 'CANCELLED' : 'SUCCEEDED', { exitCode: EXIT_OK, summary: masked, ...(run.cancelRequested ? { reason: 'cancelled; the polling job stopped cleanly' } : {}) });
      return;
    }
    const message = maskText(err instanceof JobConfigError ? err.issues.map(formatIssue).join('; ') : err instanceof Error ? err.message : String(err), run.secrets);
    for (const l of message.split('\n')) this.line(id, 'ERROR', `error: ${l}`, run.secrets);
    if (this.stopping && !run.cancelRequested) {
      const row = this.store.get(id)!;
      if (row.restore) this.store.move(id, 'RUNNING', 'QUEUED', { reason: `${REASON_SERVER_STOPPED}; it resumes from its checkpoints`, resume: true });
      else this.end(id, 'RUNNING', 'FAILED', { reason: REASON_SERVER_STOPPED, exitCode: EXIT_FAILED, summary: masked });
      return;
    }
    const exitCode = err instanceof FerryError ? err.exitCode : EXIT_FAILED;
    const to: RunState = err instanceof ErrorLimitError || exitCode === EXIT_ERROR_LIMIT ? 'LIMIT_EXCEEDED' : run.cancelRequested && err instanceof FerryError && err.code === 'FERRY_ABORTED' ? 'CANCELLED' : 'FAILED';
    this.end(id, 'RUNNING', to, { reason: message, exitCode, summary: masked });
  }
}
