/** Folds the workers' per-task stats into job-wide progress, and formats it for people. */
import type { TaskStats } from '../../workers/messages.js';

export interface JobProgress {
  elapsedMs: number;
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  bytesWritten: number;
  /** Over the last interval between two snapshots. */
  recordsPerSecond: number;
  bytesPerSecond: number;
  readerWaitMs: number;
  writerWaitMs: number;
  /** Dirty records so far (read and write). */
  dirtyRecords: number;
  /** Known when the reader can count ahead (streamreader) or estimate (a database's catalog); then percent and etaSeconds are set. */
  expectedRecords?: number;
  /** expectedRecords is an estimate (PostgreSQL reltuples, MySQL TABLE_ROWS, splitPk ranges): percent stays below 100 until every task is done. */
  estimated?: boolean;
  percent?: number;
  etaSeconds?: number;
  /** finished: tasks that succeeded; stopped: failed or stopped (Ctrl-C), not counted as done. */
  tasks: { total: number; finished: number; running: number; stopped?: number };
}

/** The records a job will read, exact or estimated. */
export interface Expected {
  records: number;
  estimate: boolean;
}

export class ProgressTracker {
  private readonly latest = new Map<number, TaskStats>();
  private readonly started = performance.now();
  private last = { at: this.started, records: 0, bytes: 0, rps: 0, bps: 0 };

  constructor(private readonly totalTasks: number, private readonly expected?: Expected) {}

  update(stats: TaskStats): void {
    const prev = this.latest.get(stats.taskId);
    // A finished task's final report wins over a late progress sample of it.
    if (prev && prev.state !== 'running' && prev.state !== 'retrying' && stats.state === 'running') return;
    this.latest.set(stats.taskId, stats);
  }

  /**
   * Dirty records and records read, summed from the same samples (each task's pair was taken
   * at one instant): the basis of errorLimit.percentage while the job runs.
   */
  dirtyAndRead(): { dirty: number; read: number } {
    let dirty = 0;
    let read = 0;
    for (const s of this.latest.values()) {
      dirty += s.dirtyRecords;
      read += s.recordsRead;
    }
    return { dirty, read };
  }

  snapshot(): JobProgress {
    const now = performance.now();
    const p: JobProgress = {
      elapsedMs: now - this.started,
      recordsRead: 0, recordsWritten: 0, bytesRead: 0, bytesWritten: 0,
      recordsPerSecond: 0, bytesPerSecond: 0, readerWaitMs: 0, writerWaitMs: 0, dirtyRecords: 0,
      tasks: { total: this.totalTasks, finished: 0, running: 0, stopped: 0 },
    };
    for (const s of this.latest.values()) {
      p.recordsRead += s.recordsRead;
      p.recordsWritten += s.recordsWritten;
      p.bytesRead += s.bytesRead;
      p.bytesWritten += s.bytesWritten;
      p.readerWaitMs += s.readerWaitMs;
      p.writerWaitMs += s.writerWaitMs;
      p.dirtyRecords += s.dirtyRecords;
      if (s.state === 'running' || s.state === 'retrying') p.tasks.running++;
      else if (s.state === 'succeeded') p.tasks.finished++;
      else if (s.state === 'failed' || s.state === 'aborted') p.tasks.stopped!++;
    }
    const dt = now - this.last.at;
    if (dt >= 200) {
      this.last = {
        at: now,
        records: p.recordsWritten,
        bytes: p.bytesWritten,
        // Smoothed (EWMA, ~2 s): a raw rate per refresh jumps with each batch commit.
        rps: smooth(this.last.rps, ((p.recordsWritten - this.last.records) * 1000) / dt, dt, this.last.at === this.started),
        bps: smooth(this.last.bps, ((p.bytesWritten - this.last.bytes) * 1000) / dt, dt, this.last.at === this.started),
      };
    }
    p.recordsPerSecond = this.last.rps;
    p.bytesPerSecond = this.last.bps;
    const e = this.expected;
    if (e) {
      const allDone = p.tasks.finished === this.totalTasks;
      p.expectedRecords = e.records;
      if (e.estimate) p.estimated = true;
      // An estimate can be short of the real count: 100% only when every task is done.
      p.percent = allDone ? 100 : Math.min(e.estimate ? 99 : 100, (p.recordsWritten / e.records) * 100);
      const rate = p.recordsPerSecond > 0 ? p.recordsPerSecond : p.recordsWritten / Math.max(p.elapsedMs / 1000, 1e-3);
      if (!allDone && rate > 0 && p.recordsWritten < e.records) p.etaSeconds = (e.records - p.recordsWritten) / rate;
    }
    return p;
  }
}

/** `1 task`, `2 tasks`: the summary and log lines read as English. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function smooth(prev: number, now: number, dtMs: number, first: boolean): number {
  if (first) return now;
  const alpha = 1 - Math.exp(-dtMs / 2000);
  return prev + alpha * (now - prev);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n.toFixed(0) : n.toFixed(2)}${units[i]}`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * The TTY line: elapsed, records, speed, percent and ETA when known, dirty, tasks. At most
 * `width - 1` characters: fields are dropped whole, least useful first, never cut mid-word.
 */
export function formatLiveLine(p: JobProgress, width = Infinity): string {
  const fields: Array<{ text: string; keep: number }> = [
    { text: formatDuration(p.elapsedMs), keep: 3 },
    { text: `${formatCount(p.recordsWritten)} records`, keep: 9 },
    { text: formatBytes(p.bytesWritten), keep: 1 },
    { text: `${formatCount(p.recordsPerSecond)} rec/s`, keep: 5 },
    { text: `${formatBytes(p.bytesPerSecond)}/s`, keep: 0 },
  ];
  const about = p.estimated ? '~' : '';
  if (p.percent !== undefined) fields.push({ text: `${about}${p.estimated ? Math.floor(p.percent) : p.percent.toFixed(1)}%`, keep: 8 });
  if (p.etaSeconds !== undefined && p.percent !== undefined && p.percent < 100) fields.push({ text: `ETA ${about}${formatDuration(p.etaSeconds * 1000)}`, keep: 7 });
  if (p.dirtyRecords > 0) fields.push({ text: `${formatCount(p.dirtyRecords)} dirty`, keep: 6 });
  const stopped = p.tasks.stopped ? ` (${p.tasks.stopped} stopped)` : '';
  fields.push({ text: `tasks ${p.tasks.finished}/${p.tasks.total}${stopped}`, keep: 4 });
  const line = (fs: typeof fields): string => fs.map((f) => f.text).join(' | ');
  let shown = fields;
  while (shown.length > 1 && line(shown).length > width - 1) {
    const least = shown.reduce((a, b) => (b.keep < a.keep ? b : a));
    shown = shown.filter((f) => f !== least);
  }
  return line(shown);
}

/** The periodic log line, with DataX's fields. */
export function formatLogLine(p: JobProgress): string {
  let line =
    `Total ${p.recordsWritten} records, ${p.bytesWritten} bytes | Speed ${formatBytes(p.bytesPerSecond)}/s, ${Math.round(p.recordsPerSecond)} records/s | ` +
    `Error ${p.dirtyRecords} records | All Task WaitWriterTime ${(p.readerWaitMs / 1000).toFixed(3)}s | All Task WaitReaderTime ${(p.writerWaitMs / 1000).toFixed(3)}s`;
  if (p.percent !== undefined) line += ` | Percentage ${p.estimated ? '~' : ''}${p.percent.toFixed(2)}%${p.estimated ? ' (estimated)' : ''}`;
  return line;
}
