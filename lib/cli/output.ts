/** What the CLI prints: log lines, the live progress line, and the summary. All on stderr, so stdout carries only data (streamwriter) and --json. */
import { formatBytes, formatCount, formatDuration, formatLiveLine, formatLogLine, type JobProgress } from '../container/progress.js';
import type { JobSummary } from '../container/summary.js';
import type { Logger } from '../plugin/spi.js';

function stamp(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Writes log lines and keeps a live progress line at the bottom of a TTY. */
export class Console implements Logger {
  private live = '';
  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly quiet = false) {}

  get isTTY(): boolean {
    return this.out.isTTY === true;
  }

  private line(text: string): void {
    if (this.live) this.out.write('\r\x1b[2K');
    this.out.write(text + '\n');
    if (this.live) this.out.write(this.live);
  }

  info(message: string): void {
    if (!this.quiet) this.line(`${stamp()} INFO  ${message}`);
  }

  warn(message: string): void {
    this.line(`${stamp()} WARN  ${message}`);
  }

  error(message: string): void {
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
    ['Wait times', `readers waited ${formatDuration(s.readerWaitMs)} for writers, writers waited ${formatDuration(s.writerWaitMs)} for readers`],
    ['Tasks', `${s.tasks.succeeded}/${s.tasks.total} succeeded on ${s.channels} channels in ${s.taskGroups} task groups on ${s.threads} worker threads${s.tasks.retries ? `, ${s.tasks.retries} retries` : ''}`],
    ['Peak RSS', formatBytes(s.peakRssBytes)],
  ];
  if (s.restore) rows.push(['Restore', `${s.restore.resumed ? `resumed, ${s.restore.tasksSkipped} finished tasks skipped` : 'checkpoints kept'} (${s.restore.stateDir})`]);
  if (s.endLocation) rows.push(['End location', Object.entries(s.endLocation).map(([t, v]) => `${t} ${String(v)}`).join(', ')]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)} : ${v}`).join('\n');
}
