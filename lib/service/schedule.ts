/**
 * Schedules on croner: cron with an optional seconds field and IANA time zones, and the
 * DataWorks/Taier date rule: a firing's bizdate is the day before its date in the job's zone.
 */
import { Cron } from 'croner';
import { configError } from '../errors.js';
import type { JobRow } from './store.js';

/** FERRY_USAGE naming the field when the expression or the zone is not one croner takes. */
export function checkSchedule(cron: string, tz: string | undefined): void {
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
    } catch {
      throw configError('FERRY_USAGE', 'schedule.tz', `${JSON.stringify(tz)} is not a time zone: give an IANA name such as Asia/Shanghai or UTC`);
    }
  }
  try {
    new Cron(cron, { paused: true, ...(tz ? { timezone: tz } : {}) }).stop();
  } catch (err) {
    throw configError('FERRY_USAGE', 'schedule.cron', `${JSON.stringify(cron)} is not a cron expression (${(err as Error).message}): give 5 or 6 fields, e.g. "0 2 * * *" or "*/10 * * * * *"`);
  }
}

export function cronOf(row: Pick<JobRow, 'cron' | 'tz'>): Cron | undefined {
  if (row.cron === null) return undefined;
  return new Cron(row.cron, { paused: true, ...(row.tz ? { timezone: row.tz } : {}) });
}

/** The next firing after `after` (default now), null without a schedule. */
export function nextFiring(row: Pick<JobRow, 'cron' | 'tz'>, after?: Date): Date | null {
  const c = cronOf(row);
  if (!c) return null;
  const next = c.nextRun(after);
  c.stop();
  return next;
}

/** yyyyMMdd of the instant in the zone (default: the server's). */
export function dateIn(at: Date, tz: string | undefined): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string): string => parts.find((p) => p.type === t)!.value;
  return `${get('year')}${get('month')}${get('day')}`;
}

/** The firing's bizdate: its calendar date in the zone, minus one day. */
export function bizdateOf(firing: Date, tz: string | undefined): string {
  return addDays(dateIn(firing, tz), -1);
}

/** yyyyMMdd ± days, in plain calendar arithmetic. */
export function addDays(yyyymmdd: string, days: number): string {
  const d = new Date(Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)) + days));
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

/** `${cyctime}`: the firing time as yyyyMMddHHmmss in the zone. */
export function cyctimeOf(firing: Date, tz: string | undefined): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(firing);
  const get = (t: string): string => parts.find((p) => p.type === t)!.value;
  return `${get('year')}${get('month')}${get('day')}${get('hour')}${get('minute')}${get('second')}`;
}
