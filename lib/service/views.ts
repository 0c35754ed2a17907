/** What the API answers about a run: the stored row in JSON shape, already masked. */
import type { JobProgress } from '../container/progress.js';
import type { JobSummary } from '../container/summary.js';
import type { RunState } from './states.js';
import type { JobRow, LogRow, RunRow, TransitionRow } from './store.js';

export interface RunTransition {
  from: RunState | null;
  to: RunState;
  reason: string | null;
  at: string;
}

export interface RunView {
  id: number;
  state: RunState;
  /** Why it waits (QUEUED), or why it ended as it did. */
  reason: string | null;
  /** 'once' for a submitted run, 'manual' for ferry run-now, 'schedule', 'backfill'. */
  kind: string;
  /** The stored job it ran, and which version of it (null for a submitted run). */
  jobName: string | null;
  jobVersion: number | null;
  backfillId: number | null;
  /** Why the run was made: which firing of its schedule, a make-up after a restart, a backfill. */
  trigger: string | null;
  /** The job's file name, or '<object>'. */
  source: string;
  slots: number;
  bizdate: string | null;
  /** The -p values, secrets masked. */
  params: Record<string, string>;
  waitTimeoutMs: number | null;
  /** The exit code `ferry run` would have ended with; null until the run ends. */
  exitCode: number | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Live while it runs (records, bytes, rates, percent when known), the last sample after. */
  progress: JobProgress | null;
  /** The summary `ferry run --json` prints, once the run has ended (absent when it never started). */
  summary: JobSummary | null;
}

export interface RunDetail extends RunView {
  transitions: RunTransition[];
  /** The job after variable substitution, secrets masked. */
  job: Record<string, unknown>;
}

export type LogLine = LogRow;

function parsed<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function runView(row: RunRow, liveProgress?: JobProgress): RunView {
  return {
    id: row.id,
    state: row.state,
    reason: row.reason,
    kind: row.kind,
    jobName: row.job_name,
    jobVersion: row.job_version,
    backfillId: row.backfill_id,
    trigger: row.trigger,
    source: row.source,
    slots: row.slots,
    bizdate: row.bizdate,
    params: JSON.parse(row.params_display) as Record<string, string>,
    waitTimeoutMs: row.wait_timeout_ms,
    exitCode: row.exit_code,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    progress: liveProgress ?? parsed<JobProgress>(row.progress),
    summary: parsed<JobSummary>(row.summary),
  };
}

export function runDetail(row: RunRow, transitions: TransitionRow[], liveProgress?: JobProgress): RunDetail {
  return {
    ...runView(row, liveProgress),
    transitions: transitions.map((t) => ({ from: t.from_state, to: t.to_state, reason: t.reason, at: t.at })),
    job: JSON.parse(row.job_display) as Record<string, unknown>,
  };
}

export interface JobView {
  name: string;
  version: number;
  /** The -p values it runs with, secrets masked. */
  params: Record<string, string>;
  cron: string | null;
  tz: string | null;
  /** When the schedule fires next (ISO), null without a schedule. */
  nextFiring: string | null;
  updatedAt: string;
  /** The job after variable substitution, secrets masked. */
  job: Record<string, unknown>;
}

export function jobView(row: JobRow, nextFiring: Date | null): JobView {
  return {
    name: row.name,
    version: row.version,
    params: JSON.parse(row.params_display) as Record<string, string>,
    cron: row.cron,
    tz: row.tz,
    nextFiring: nextFiring?.toISOString() ?? null,
    updatedAt: row.created_at,
    job: JSON.parse(row.job_display) as Record<string, unknown>,
  };
}
