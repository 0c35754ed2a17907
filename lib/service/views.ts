/** What the API answers about a run: the stored row in JSON shape, already masked. */
import type { JobProgress } from '../container/progress.js';
import type { JobSummary } from '../container/summary.js';
import type { RunState } from './states.js';
import type { LogRow, RunRow, TransitionRow } from './store.js';

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
  /** 'once' for a submitted run (schedules and backfills come later). */
  kind: string;
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
