/**
 * The main thread's side of dirty records: counts them by phase, appends them to the dirty file
 * as JSON Lines (one per record: run id, task, plugin, phase, column, code, message, values),
 * shows the first few in the log, and says when setting.errorLimit is crossed.
 *
 * The file is written synchronously as each batch arrives: a worker's task does not end before
 * its dirty records are on disk, so a record is never only in a worker's memory when the job ends.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../plugin/spi.js';
import type { DirtyReport } from '../../workers/messages.js';

/** Records shown in the log (all of them until this many). */
const SHOWN = 10;

export type DirtyCounts = { read: number; write: number; transform: number };

/**
 * Where a run's dirty records go: `dirty.path` is a directory that gets
 * `ferry-dirty-<runId>.jsonl`, or a file name ending in .jsonl / .json that gets the run id
 * before its extension — so that runs never mix their records.
 */
export function dirtyFilePath(path: string, baseDir: string, runId: string): string {
  const full = resolve(baseDir, path);
  const m = /^(.*)(\.jsonl?)$/i.exec(full);
  return m ? `${m[1]}-${runId}${m[2]}` : join(full, `ferry-dirty-${runId}.jsonl`);
}

export class DirtyLog {
  readonly counts: DirtyCounts = { read: 0, write: 0, transform: 0 };
  /** Write-phase dirty records per task: those records were received by a writer but are not in the target. */
  readonly writtenByTask = new Map<number, number>();
  private fd: number | undefined;

  constructor(readonly file: string | undefined, private readonly runId: string, private readonly log: Logger) {}

  get total(): number {
    return this.counts.read + this.counts.write + this.counts.transform;
  }

  add(records: DirtyReport[]): void {
    let lines = '';
    for (const r of records) {
      this.counts[r.phase]++;
      if (r.phase === 'write') this.writtenByTask.set(r.taskId, (this.writtenByTask.get(r.taskId) ?? 0) + 1);
      if (this.total <= SHOWN) this.show(r);
      if (this.file) lines += `${JSON.stringify(this.line(r))}\n`;
    }
    if (this.file && lines) {
      if (this.fd === undefined) {
        mkdirSync(dirname(this.file), { recursive: true });
        this.fd = openSync(this.file, 'a');
        this.log.info(`dirty records go to ${this.file}`);
      }
      writeSync(this.fd, lines);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private line(r: DirtyReport): Record<string, unknown> {
    const out: Record<string, unknown> = { runId: this.runId, time: new Date().toISOString(), taskId: r.taskId, plugin: r.plugin, phase: r.phase };
    if (r.file !== undefined) out.file = r.file;
    if (r.line !== undefined) out.line = r.line;
    if (r.column !== undefined) out.column = r.column;
    out.code = r.code;
    out.message = r.message;
    if (r.values !== undefined) out.values = r.values;
    return out;
  }

  private show(r: DirtyReport): void {
    const where = r.file !== undefined ? ` ${r.file}${r.line !== undefined ? `:${r.line}` : ''}` : '';
    let values = r.values ? ` ${JSON.stringify(r.values)}` : '';
    if (values.length > 200) values = `${values.slice(0, 197)}...`;
    this.log.warn(`dirty record (${r.phase}, task ${r.taskId}, ${r.plugin})${where}: ${r.message} [${r.code}]${values}`);
    if (this.total === SHOWN && !this.file) this.log.warn(`further dirty records are only counted: set job.setting.dirty.path to keep every one`);
  }
}
