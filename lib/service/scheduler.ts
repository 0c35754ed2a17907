/**
 * Fires stored jobs on their schedules. One timer per job, armed for its next firing; each
 * firing is written down (last_fired_at) before its run is made, so that after a stop, clean or
 * kill -9, the firings missed meanwhile are seen and made up by one run, not one per firing.
 * concurrency 1: a firing while the job's previous scheduled run has not ended waits for it
 * (later firings meanwhile fold into that one).
 */
import type { Logger } from '../plugin/spi.js';
import { bizdateOf, cronOf, cyctimeOf } from './schedule.js';
import type { JobRow, Store } from './store.js';

export interface Fire {
  (name: string, bizdate: string, cyctime: string, reason: string): Promise<unknown>;
}

export class Scheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Firings that wait for the job's previous scheduled run to end. */
  private readonly waiting = new Map<string, { at: Date; reason: string }>();
  private stopped = false;

  constructor(private readonly store: Store, private readonly fire: Fire, private readonly log: Logger) {}

  /** At server start: one make-up run per job that missed firings, then the timers. */
  start(): void {
    for (const row of this.store.jobs()) {
      const cron = cronOf(row);
      if (!cron) continue;
      const since = new Date(this.store.lastFiredAt(row.name) ?? row.created_at);
      const missed = cron.nextRuns(1000, since).filter((d) => d.getTime() <= Date.now());
      cron.stop();
      if (missed.length > 0) {
        const latest = missed[missed.length - 1]!;
        const many = missed.length >= 1000 ? '1000 or more' : String(missed.length);
        this.firing(row, latest, `made up on restart for ${many} firing${missed.length === 1 ? '' : 's'} missed while the server was down (${missed[0]!.toISOString()} to ${latest.toISOString()}); this run is for the latest`);
      }
      this.arm(row);
    }
  }

  /** A job was stored, changed or removed: its timer follows. */
  refresh(name: string): void {
    this.clear(name);
    const row = this.store.job(name);
    if (row && !this.stopped) this.arm(row);
  }

  /** A run ended: a firing that waited for it goes now. */
  ended(jobName: string | null): void {
    if (jobName === null) return;
    const w = this.waiting.get(jobName);
    const row = this.store.job(jobName);
    if (!w || !row || this.store.scheduledUnfinished(jobName) !== undefined) return;
    this.waiting.delete(jobName);
    this.go(row, w.at, w.reason);
  }

  stop(): void {
    this.stopped = true;
    for (const name of [...this.timers.keys()]) this.clear(name);
  }

  private clear(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
  }

  private arm(row: JobRow): void {
    const cron = cronOf(row);
    if (!cron) return;
    const next = cron.nextRun();
    cron.stop();
    if (!next) return;
    const timer = setTimeout(() => {
      this.timers.delete(row.name);
      const current = this.store.job(row.name);
      if (!current || this.stopped) return;
      this.firing(current, next, `fired by its schedule ${current.cron}${current.tz ? ` (${current.tz})` : ''} at ${next.toISOString()}`);
      this.arm(current);
    }, Math.max(0, next.getTime() - Date.now()));
    timer.unref();
    this.timers.set(row.name, timer);
  }

  private firing(row: JobRow, at: Date, reason: string): void {
    this.store.setLastFiredAt(row.name, at.toISOString());
    const previous = this.store.scheduledUnfinished(row.name);
    if (previous !== undefined) {
      this.log.info(`job ${row.name}: firing at ${at.toISOString()} waits for run ${previous} (concurrency 1)`);
      this.waiting.set(row.name, { at, reason: `${reason}; it waited for run ${previous} of the same schedule to end (concurrency 1)` });
      return;
    }
    this.go(row, at, reason);
  }

  private go(row: JobRow, at: Date, reason: string): void {
    const tz = row.tz ?? undefined;
    this.fire(row.name, bizdateOf(at, tz), cyctimeOf(at, tz), reason).catch((err: unknown) => this.log.warn(`job ${row.name}: the firing at ${at.toISOString()} made no run: ${(err as Error).message}`));
  }
}
