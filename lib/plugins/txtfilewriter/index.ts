/**
 * txtfilewriter: writes delimited text files (csv or plain text, gzip or not) with DataX's
 * parameter keys. One file per task: `<path>/<fileName>` when the job has one task, else
 * `<path>/<fileName>__0000`, `__0001`, ... (".gz" appended when compressed).
 *
 * A failed attempt leaves nothing behind: the task remembers the file's size before it wrote
 * and cuts the file back to it (or removes the file it created) in destroy() after a failure,
 * and again at the start of a retry, so the runtime may run the task once more.
 */
import { createWriteStream, fsync, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { DateTime, Decimal, valueToKeyText, type Row, type Value } from '../../../channel/value.js';
import { configError, PluginError } from '../../errors.js';
import type { Schema } from '../../job/schema.js';
import { defineWriter, type Checkpoint, type JobContext, type RecordReceiver, type TaskContext, type TaskParameter, type WriterTask } from '../../plugin/spi.js';
import { clashesWithDelimiter, csvField, csvLine } from '../../util/csv.js';
import { compileDateFormat, dateFormatProblem, formatDateDefault } from '../../util/date-format.js';
import {
  compressSchema,
  dateFormatSchema,
  decoderEncoding,
  DEFAULT_NULL_FORMAT,
  delimiterProblem,
  EncodeError,
  encoderFor,
  fieldDelimiterSchema,
  fileFormatSchema,
  nullFormatSchema,
  unescapeDelimiter,
  writerEncodingProblem,
  type TextEncoderLike,
} from '../txtfile-common/index.js';

export interface TxtFileWriterParameter {
  path: string;
  fileName: string;
  writeMode?: 'truncate' | 'append' | 'nonConflict';
  fieldDelimiter?: string;
  encoding?: string;
  nullFormat?: string;
  dateFormat?: string;
  fileFormat?: 'csv' | 'text';
  header?: string[];
  compress?: 'gzip' | 'none';
  column?: Array<string | { name: string; type?: string }>;
}

/** What a task gets (plain data). */
export interface WriterTaskConfig {
  /** Absolute path of the file this task writes. */
  file: string;
  /** The file's size when the job split (append mode), or null: a retry removes the file. */
  baseSize: number | null;
  delimiter: string;
  quoting: boolean;
  encoding: string;
  nullFormat: string;
  dateFormat: string | null;
  header: string[] | null;
  gzip: boolean;
}

const parameterSchema: Schema = {
  type: 'object',
  required: ['path', 'fileName'],
  properties: {
    path: { type: 'string', nonEmpty: true, description: 'Output directory (created if missing), relative to the working directory' },
    fileName: { type: 'string', nonEmpty: true, description: 'File name, and the prefix writeMode looks for', check: (v: string) => (/[/\\]/.test(v) ? 'must be a file name, without "/"' : undefined) },
    writeMode: { type: 'string', enum: ['truncate', 'append', 'nonConflict'], description: 'truncate (default): remove files starting with fileName first; append; nonConflict: fail if one exists' },
    fieldDelimiter: fieldDelimiterSchema,
    encoding: {
      type: 'string',
      description: 'utf-8 (default), utf-16le, gbk, big5, shift_jis, windows-1252, ...',
      check: (v: string) => writerEncodingProblem(v),
    },
    nullFormat: nullFormatSchema,
    dateFormat: { ...dateFormatSchema, description: 'Pattern for every date value (default yyyy-MM-dd HH:mm:ss, .SSS when ms are not 0)' },
    fileFormat: fileFormatSchema,
    header: { type: 'array', items: { type: 'string' }, description: 'A first line, written when the file starts empty' },
    compress: { ...compressSchema, description: 'gzip (".gz" is appended to the file name) or none' },
    column: {
      type: 'array',
      description: 'Column names (or {name, type}); only counted, to compare with the reader',
      items: {
        type: 'oneOf',
        expected: 'a column name or {name, type}',
        options: [
          { type: 'string' },
          { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' }, format: { type: 'string' } } },
        ],
      },
    },
  },
};

interface Normalized {
  dir: string;
  fileName: string;
  writeMode: 'truncate' | 'append' | 'nonConflict';
  base: Omit<WriterTaskConfig, 'file' | 'baseSize'>;
  columnCount: number | undefined;
}

function normalize(p: TxtFileWriterParameter, path: string, baseDir: string): Normalized {
  const quoting = (p.fileFormat ?? 'csv') === 'csv';
  const delimiter = unescapeDelimiter(p.fieldDelimiter ?? ',');
  const dProblem = delimiterProblem(delimiter, quoting);
  if (dProblem) throw configError('FERRY_JOB_INVALID', `${path}.fieldDelimiter`, dProblem);
  const encProblem = writerEncodingProblem(p.encoding ?? 'utf-8');
  if (encProblem) throw configError('FERRY_JOB_INVALID', `${path}.encoding`, encProblem);
  if (p.dateFormat !== undefined) {
    const problem = dateFormatProblem(p.dateFormat);
    if (problem) throw configError('FERRY_JOB_INVALID', `${path}.dateFormat`, problem);
  }
  if (/[/\\]/.test(p.fileName)) throw configError('FERRY_JOB_INVALID', `${path}.fileName`, 'must be a file name, without "/"');
  return {
    dir: resolve(baseDir, p.path),
    fileName: p.fileName,
    writeMode: p.writeMode ?? 'truncate',
    base: {
      delimiter,
      quoting,
      encoding: decoderEncoding(p.encoding ?? 'utf-8')!,
      nullFormat: p.nullFormat ?? DEFAULT_NULL_FORMAT,
      dateFormat: p.dateFormat ?? null,
      header: p.header ?? null,
      gzip: p.compress === 'gzip',
    },
    columnCount: p.column?.length,
  };
}

/** Output file names for n tasks. */
export function outputNames(fileName: string, n: number, gzip: boolean): string[] {
  const ext = gzip ? '.gz' : '';
  if (n === 1) return [fileName + ext];
  // the task number goes before the file's own extension, so orders.csv gives orders__0000.csv
  const dot = fileName.lastIndexOf('.');
  const [stem, own] = dot > 0 ? [fileName.slice(0, dot), fileName.slice(dot)] : [fileName, ''];
  return Array.from({ length: n }, (_, i) => `${stem}__${String(i).padStart(4, '0')}${own}${ext}`);
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Puts a file back as it was: removed when it did not exist, else cut to its size. */
async function restore(file: string, size: number | null): Promise<void> {
  if (size === null) await rm(file, { force: true });
  else {
    const now = await sizeOf(file);
    if (now !== null && now !== size) await truncate(file, size);
  }
}

/** Regular files in dir whose names start with prefix, sorted. */
async function filesWithPrefix(dir: string, prefix: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  // task files of orders.csv are orders__0000.csv: they belong to it too
  const dot = prefix.lastIndexOf('.');
  const taskStem = dot > 0 ? `${prefix.slice(0, dot)}__` : undefined;
  const own = dot > 0 ? prefix.slice(dot) : '';
  const isTaskFile = (name: string): boolean =>
    taskStem !== undefined && name.startsWith(taskStem) && /^\d{4}$/.test(name.slice(taskStem.length, taskStem.length + 4)) && name.slice(taskStem.length + 4).startsWith(own);
  const out: string[] = [];
  for (const name of names.sort()) {
    if (!name.startsWith(prefix) && !isTaskFile(name)) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile()) out.push(name);
  }
  return out;
}

type FieldText = (v: Value, column: number) => string;

/** Turns a value into its field text (escaped for csv, checked for text). */
function fieldTexter(cfg: WriterTaskConfig): FieldText {
  const { delimiter, nullFormat, quoting } = cfg;
  const dateFormat: (d: Date | DateTime) => string = cfg.dateFormat === null ? formatDateDefault : compileDateFormat(cfg.dateFormat).format;
  const raw = (v: Exclude<Value, null>, column: number): string => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
    if (v instanceof Decimal) return v.text;
    if (v instanceof DateTime || v instanceof Date) {
      if (Number.isNaN(v.valueOf())) throw new PluginError(`column ${column}: invalid date`);
      return dateFormat(v);
    }
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
    return String(v);
  };
  if (quoting) {
    return (v, column) => (v === null ? nullFormat : csvField(raw(v, column), delimiter, nullFormat));
  }
  return (v, column) => {
    if (v === null) return nullFormat;
    const t = raw(v, column);
    if (clashesWithDelimiter(t, delimiter) || t.includes('\n') || t.includes('\r')) {
      throw new PluginError(
        `column ${column}: ${JSON.stringify(t.length > 60 ? t.slice(0, 57) + '...' : t)} contains the field delimiter or a line break, which fileFormat "text" cannot write; use fileFormat "csv"`,
      );
    }
    return t;
  };
}

/** Flush the text buffer to the stream at about this many characters. */
const FLUSH_CHARS = 1 << 16;

// -- checkpoints (setting.restore) -------------------------------------------------------
// Each task's file has a sidecar `<file>.ferry-checkpoint`: the job, the task, the restore value
// of the last row on disk, the rows and the file's size then. The data is fsynced before the
// sidecar is replaced (write, fsync, rename), so the sidecar never points past what is on disk;
// a resumed task cuts its file back to that size and goes on.

const SIDECAR = '.ferry-checkpoint';
/** Rows between checkpoints when setting.restore.maxRowNumForCheckpoint is not given. */
const DEFAULT_CHECKPOINT_ROWS = 50_000;

interface FileCheckpoint extends Checkpoint {
  /** The data file's size when the checkpoint was taken. */
  offset: number;
}

async function readSidecar(file: string): Promise<FileCheckpoint | undefined> {
  try {
    return JSON.parse(await readFile(file + SIDECAR, 'utf8')) as FileCheckpoint;
  } catch {
    return undefined;
  }
}

async function writeSidecar(file: string, cp: FileCheckpoint): Promise<void> {
  const tmp = `${file}${SIDECAR}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(cp));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file + SIDECAR);
}

/** The sidecars in dir of files named after fileName, with the data file each belongs to. */
async function sidecars(dir: string, fileName: string): Promise<Array<{ file: string; cp: FileCheckpoint }>> {
  const out: Array<{ file: string; cp: FileCheckpoint }> = [];
  for (const name of await filesWithPrefix(dir, fileName)) {
    if (!name.endsWith(SIDECAR)) continue;
    const file = join(dir, name.slice(0, -SIDECAR.length));
    const cp = await readSidecar(file);
    if (cp) out.push({ file, cp });
  }
  return out;
}

class TxtFileWriterTask implements WriterTask {
  private readonly cfg: WriterTaskConfig;
  /** Size before this attempt wrote: null = the file did not exist; undefined = nothing written yet. */
  private startSize: number | null | undefined = undefined;
  private fileStream: WriteStream | undefined;
  private out: Writable | undefined;
  private done = false;

  constructor(private readonly ctx: TaskContext<WriterTaskConfig>) {
    this.cfg = ctx.parameter;
  }

  supportsFailover(): boolean {
    return true;
  }

  async startWrite(receiver: RecordReceiver): Promise<void> {
    const cfg = this.cfg;
    const encoder: TextEncoderLike | null = cfg.encoding === 'utf-8' ? null : encoderFor(cfg.encoding);
    const text = fieldTexter(cfg);
    const delimiter = cfg.delimiter;
    // csv: a record of one empty string is written "" so that it does not read back as an empty line
    const quoteLoneEmpty = cfg.quoting;

    await mkdir(resolve(cfg.file, '..'), { recursive: true });
    // A retry starts from the state before the first attempt (that attempt may have died before its destroy()).
    if (this.ctx.attempt > 1) await restore(cfg.file, cfg.baseSize);
    const checkpointing = this.ctx.restore;
    if (checkpointing) {
      // A resumed task goes on from its last checkpoint; one without a checkpoint starts over.
      const cp = checkpointing.rows > 0 ? await readSidecar(cfg.file) : undefined;
      if (cp && cp.job === checkpointing.job) await restore(cfg.file, cp.offset);
      else await restore(cfg.file, cfg.baseSize);
    }
    this.startSize = await sizeOf(cfg.file);

    const fileStream = createWriteStream(cfg.file, { flags: 'a', highWaterMark: 1 << 16 });
    this.fileStream = fileStream;
    let out: Writable = fileStream;
    let ended: Promise<void>;
    if (cfg.gzip) {
      const gz = createGzip();
      out = gz;
      ended = pipeline(gz, fileStream);
    } else {
      ended = finished(fileStream);
    }
    ended.catch(() => {
      // awaited below; this keeps a failure before then from being an unhandled rejection
    });
    this.out = out;

    const write = async (s: string): Promise<void> => {
      let ok: boolean;
      if (encoder) {
        let bytes: Uint8Array;
        try {
          bytes = encoder.encode(s);
        } catch (err) {
          if (err instanceof EncodeError) throw new PluginError(`${cfg.file}: ${err.message}`, { cause: err });
          throw err;
        }
        ok = out.write(bytes);
      } else {
        ok = out.write(s, 'utf8');
      }
      if (!ok) await Promise.race([once(out, 'drain'), ended]);
    };

    try {
      if (cfg.header && (this.startSize === null || this.startSize === 0)) {
        await write(csvLine(cfg.header.map((h) => (cfg.quoting ? csvField(h, delimiter) : h)), delimiter) + '\n');
      }

      const signal = this.ctx.signal;
      const every = checkpointing?.every ?? DEFAULT_CHECKPOINT_ROWS;
      let rows = 0;
      let sinceCheckpoint = 0;
      let lastRow: Row | undefined;
      /** Everything written so far onto the disk, then the sidecar that says so. */
      const checkpoint = async (done: boolean): Promise<void> => {
        if (!checkpointing) return;
        if (!done) {
          // The callback of an empty write runs once every write before it reached the file.
          await new Promise<void>((res, rej) => fileStream.write('', (err) => (err ? rej(err) : res())));
          const fd = (fileStream as unknown as { fd: number }).fd;
          await new Promise<void>((res, rej) => fsync(fd, (err) => (err ? rej(err) : res())));
        }
        const offset = done ? ((await sizeOf(cfg.file)) ?? 0) : (this.startSize ?? 0) + fileStream.bytesWritten;
        const value = lastRow === undefined ? (checkpointing.after ?? '') : valueToKeyText(lastRow[checkpointing.index]);
        await writeSidecar(cfg.file, { job: checkpointing.job, task: this.ctx.taskId, value, rows: checkpointing.rows + rows, done, offset });
        sinceCheckpoint = 0;
      };
      let buf = '';
      for (;;) {
        const batch: Row[] | null = await receiver.read();
        if (batch === null) break;
        if (signal.aborted) return; // not done: destroy() takes back what was written
        rows += batch.length;
        sinceCheckpoint += batch.length;
        lastRow = batch[batch.length - 1];
        for (let r = 0; r < batch.length; r++) {
          const row = batch[r]!;
          let line: string;
          if (row.length === 1) {
            const t = text(row[0]!, 0);
            line = quoteLoneEmpty && t === '' && row[0] !== null ? '""' : t;
          } else {
            line = '';
            for (let c = 0; c < row.length; c++) {
              if (c > 0) line += delimiter;
              line += text(row[c]!, c);
            }
          }
          buf += line + '\n';
        }
        const due = checkpointing !== undefined && sinceCheckpoint >= every;
        if (buf.length >= FLUSH_CHARS || due) {
          const s = buf;
          buf = '';
          await write(s);
          if (due) await checkpoint(false);
        }
      }
      if (buf.length > 0) await write(buf);
      if (signal.aborted) return;
      out.end();
      await ended;
      if (!fileStream.closed) await once(fileStream, 'close');
      await checkpoint(true);
      this.done = true;
    } catch (err) {
      // stop writing at once; destroy() takes back what this attempt wrote
      out.destroy();
      fileStream.destroy();
      throw err;
    }
  }

  async destroy(): Promise<void> {
    const fs = this.fileStream;
    if (fs && !fs.closed) {
      this.out?.destroy();
      fs.destroy();
      await once(fs, 'close').catch(() => undefined);
    }
    if (!this.done && this.startSize !== undefined) {
      await restore(this.cfg.file, this.startSize);
    }
  }
}

export default defineWriter<TxtFileWriterParameter>({
  name: 'txtfilewriter',
  kind: 'writer',
  description: 'Writes delimited text files (csv or plain text, gzip or not), as DataX txtfilewriter',
  parameter: parameterSchema,
  example: {
    path: 'out',
    fileName: 'result.csv',
    writeMode: 'truncate',
    fieldDelimiter: ',',
    encoding: 'utf-8',
    nullFormat: '\\N',
    dateFormat: 'yyyy-MM-dd HH:mm:ss',
  },

  createJob(ctx: JobContext<TxtFileWriterParameter>) {
    const n = normalize(ctx.parameter, ctx.path, ctx.baseDir);
    return {
      async prepare() {
        const st = await stat(n.dir).catch(() => undefined);
        if (st && !st.isDirectory()) throw configError('FERRY_JOB_INVALID', `${ctx.path}.path`, `"${n.dir}" is not a directory`);
        await mkdir(n.dir, { recursive: true });
        const existing = await filesWithPrefix(n.dir, n.fileName);
        if (n.writeMode === 'truncate') {
          for (const name of existing) await rm(join(n.dir, name), { force: true });
        } else if (n.writeMode === 'nonConflict' && existing.length > 0) {
          throw configError(
            'FERRY_JOB_INVALID',
            `${ctx.path}.writeMode`,
            `writeMode is "nonConflict" and "${join(n.dir, existing[0]!)}" already exists${existing.length > 1 ? ` (and ${existing.length - 1} more file${existing.length > 2 ? 's' : ''} starting with "${n.fileName}")` : ''}`,
          );
        }
      },
      async split(readerTaskCount: number): Promise<TaskParameter[]> {
        const names = outputNames(n.fileName, readerTaskCount, n.base.gzip);
        const out: TaskParameter[] = [];
        for (const name of names) {
          const file = join(n.dir, name);
          const baseSize = n.writeMode === 'append' ? await sizeOf(file) : null;
          out.push({ ...n.base, file, baseSize } satisfies WriterTaskConfig);
        }
        return out;
      },
      columnCount() {
        return n.columnCount;
      },
      async checkpoints(job: string) {
        const out = new Map<number, Checkpoint>();
        for (const { cp } of await sidecars(n.dir, n.fileName)) if (cp.job === job) out.set(cp.task, cp);
        return out;
      },
      async resetCheckpoints(job: string) {
        if (n.base.gzip) throw configError('FERRY_JOB_INVALID', `${ctx.path}.compress`, 'setting.restore cannot resume into a gzip file (it cannot be cut back to a checkpoint): write it uncompressed');
        for (const { file, cp } of await sidecars(n.dir, n.fileName)) if (cp.job === job) await rm(file + SIDECAR, { force: true });
      },
    };
  },

  createTask(ctx: TaskContext<WriterTaskConfig>) {
    return new TxtFileWriterTask(ctx);
  },
});
