/** What the CLI prints: log lines, the live progress line, and the summary. All on stderr, so stdout carries only data (streamwriter) and --json. */
import { plural, formatBytes, formatCount, formatDuration, formatLiveLine, formatLogLine, type JobProgress } from '../container/progress.js';
import type { JobSummary } from '../container/summary.js';
import type { Logger } from '../plugin/spi.js';
import { writeSync } from 'node:fs';

/** UTC like the summary's times, with the zone shown (`2026-12-06 13:02:36.123Z`), so log lines and summary read on one clock. */
function stamp(): string {
  return new Date().toISOString().replace('T', ' ');
}

/** Writes log lines and keeps a live progress line at the bottom of a TTY. */
export class Console implements Logger {
  private live = '';
  /** --log-file: every line also goes here, --quiet or not, without the live line. */
  private file: number | undefined;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {}

  /** Appends every later line to the file at `fd` (opened by the caller, shared by several Consoles). */
  logTo(fd: number): void {
    this.file = fd;
  }

  private toFile(text: string): void {
    if (this.file !== undefined) writeSync(this.file, text + '\n');
  }

  get isTTY(): boolean {
    return this.out.isTTY === true;
  }

  private line(text: string): void {
    if (this.live) this.out.write('\r\x1b[2K');
    this.out.write(text + '\n');
    if (this.live) this.out.write(this.live);
  }

  info(message: string): void {
    this.logged(`${stamp()} INFO  ${message}`);
  }

  warn(message: string): void {
    this.logged(`${stamp()} WARN  ${message}`);
  }

  /** A line --quiet keeps off stderr (log lines, the summary); the log file still gets it. */
  logged(text: string): void {
    this.toFile(text);
    if (!this.quiet) this.line(text);
  }

  error(message: string): void {
    this.toFile(message);
    this.line(message);
  }

  get columns(): number {
    return this.out.columns ?? 120;
  }

  setLive(text: string): void {
    const cols = this.out.columns ?? 120;
    this.live = text.length > cols - 1 ? text.slice(0, cols - 1) : text;
    this.out.write('\r\x1b[2K' + this.live);
  }

  clearLive(): void {
    if (this.live) this.out.write('\r\x1b[2K');
    this.live = '';
  }
}

/** On a TTY: the live line, refreshed often. Otherwise: DataX's log line every report interval. */
export function progressPrinter(console: Console, reportIntervalMs: number): { intervalMs: number; onProgress: (p: JobProgress) => void } {
  if (console.isTTY) return { intervalMs: 250, onProgress: (p) => console.setLive(formatLiveLine(p, console.columns)) };
  return { intervalMs: reportIntervalMs, onProgress: (p) => console.info(formatLogLine(p)) };
}

export function formatSummary(s: JobSummary): string {
  const when = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const ph = s.phases;
  const rows: Array<[string, string]> = [
    ['Job', `${s.job} (${s.state})`],
    ['Run id', s.runId],
    ['Start time', when(s.startTime)],
    ['End time', when(s.endTime)],
    ['Elapsed', formatDuration(s.elapsedMs)],
    ['Average bytes/s', `${formatBytes(s.bytesPerSecond)}/s`],
    ['Records/s', `${formatCount(s.recordsPerSecond)} rec/s`],
    ['Records read', formatCount(s.recordsRead)],
    ['Records written', formatCount(s.recordsWritten)],
    ['Read/write failures', `${s.readFailures} / ${s.writeFailures}${s.dirty.file ? ` (dirty records in ${s.dirty.file})` : ''}`],
    ...(s.filtered > 0 || s.dirty.transform > 0 ? [['Transformer filtered', `${formatCount(s.filtered)}${s.dirty.transform > 0 ? ` (${s.dirty.transform} failed to transform)` : ''}`] as [string, string]] : []),
    ['Phases', `init ${formatDuration(ph.initMs)}, prepare ${formatDuration(ph.prepareMs)}, split ${formatDuration(ph.splitMs)}, run ${formatDuration(ph.runMs)}, post ${formatDuration(ph.postMs)}`],
    // summed over tasks that ran side by side, so they can exceed Elapsed: say so
    ['Wait times', `readers waited ${formatDuration(s.readerWaitMs)} for writers, writers waited ${formatDuration(s.writerWaitMs)} for readers (summed over ${plural(s.tasks.total, 'task')})`],
    ['Tasks', `${s.tasks.succeeded}/${s.tasks.total} succeeded on ${plural(s.channels, 'channel')} in ${plural(s.taskGroups, 'task group')} on ${plural(s.threads, 'worker thread')}${s.tasks.retries ? `, ${plural(s.tasks.retries, 'retry', 'retries')}` : ''}`],
    ...(s.workers ? [['Workers', Object.entries(s.workers).sort(([a], [b]) => a.localeCompare(b)).map(([w, g]) => `${w} ran ${g.length === 1 ? 'group' : 'groups'} ${g.sort((a, b) => a - b).join(', ')}`).join('; ')] as [string, string]] : []),
    ['Peak RSS', formatBytes(s.peakRssBytes)],
  ];
  if (s.restore) rows.push(['Restore', `${s.restore.resumed ? `resumed, ${s.restore.tasksSkipped} finished tasks skipped` : 'checkpoints kept'} (${s.restore.stateDir})`]);
  if (s.endLocation) rows.push(['End location', Object.entries(s.endLocation).map(([t, v]) => `${t} ${String(v)}`).join(', ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)} : ${v}`).join('\n');
}
