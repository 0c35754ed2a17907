/**
 * Backfill (补数据): one run of a stored job per business date, oldest first, at most `parallel`
 * at once. A day gets its run only when a place frees up, so a cancelled backfill's waiting
 * days never start; a failed day does not stop the others.
 */
import { configError } from '../errors.js';
import { addDays } from './schedule.js';
import type { RunState } from './states.js';
import type { BackfillRow, Store } from './store.js';

export interface BackfillRequest {
  from: string;
  to: string;
  parallel?: number;
}

export interface BackfillView {
  id: number;
  jobName: string;
  from: string;
  to: string;
  parallel: number;
  /** RUNNING while a day runs or waits, CANCELLED, else DONE (look at failed). */
  state: 'RUNNING' | 'CANCELLED' | 'DONE';
  counts: { waiting: number; queued: number; running: number; succeeded: number; failed: number; cancelled: number };
  /** Oldest first: each day's state (WAITING before it has a run) and run id. */
  days: Array<{ bizdate: string; state: RunState | 'WAITING'; runId: number | null }>;
  createdAt: string;
}

const MAX_DAYS = 3660;

/** The days from..to inclusive; FERRY_USAGE naming the field when a date is wrong. */
export function backfillDays(req: BackfillRequest): string[] {
  for (const field of ['from', 'to'] as const) {
    const v = req[field];
    if (!/^\d{8}$/.test(v) || addDays(v, 0) !== v) throw configError('FERRY_USAGE', field, `${JSON.stringify(v)} is not a date: give yyyyMMdd, e.g. 20240101`);
  }
  if (req.from > req.to) throw configError('FERRY_USAGE', 'to', `${req.to} is before from ${req.from}: give the oldest day as from`);
  const days: string[] = [];
  for (let d = req.from; d <= req.to; d = addDays(d, 1)) {
    days.push(d);
    if (days.length > MAX_DAYS) throw configError('FERRY_USAGE', 'to', `more than ${MAX_DAYS} days from ${req.from}: split the backfill`);
  }
  return days;
}

export function backfillView(row: BackfillRow, store: Store): BackfillView {
  const days = store.backfillDays(row.id).map((d) => ({ bizdate: d.bizdate, state: d.state ?? ('WAITING' as const), runId: d.run_id }));
  const counts = { waiting: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const d of days) {
    if (d.state === 'WAITING') counts.waiting++;
    else if (d.state === 'QUEUED') counts.queued++;
    else if (d.state === 'RUNNING') counts.running++;
    else if (d.state === 'SUCCEEDED') counts.succeeded++;
    else if (d.state === 'CANCELLED') counts.cancelled++;
    else counts.failed++;
  }
  const open = counts.queued + counts.running + (row.cancelled_at ? 0 : counts.waiting);
  return {
    id: row.id, jobName: row.job_name, from: row.from_date, to: row.to_date, parallel: row.parallel,
    state: open > 0 ? 'RUNNING' : row.cancelled_at ? 'CANCELLED' : 'DONE',
    counts, days, createdAt: row.created_at,
  };
}
