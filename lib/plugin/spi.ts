/**
 * The plugin SPI, after DataX's: a Job side that runs on the main thread (init, preCheck,
 * prepare, split, post, destroy) and a Task side that runs in a worker thread (init, prepare,
 * startRead(sender) / startWrite(receiver), post, destroy). One plugin is one module whose
 * default export is a ReaderPlugin or a WriterPlugin; the same module is imported on both sides.
 */
import type { Schema } from '../job/schema.js';
import type { Row, Value } from '../../channel/value.js';

/** A JSON value: task configs cross threads by structured clone, so they stay plain data. */
export type TaskParameter = object;

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export interface JobContext<P = TaskParameter> {
  /** The plugin's `parameter` block, variables resolved and validated against its schema. */
  parameter: P;
  /** JSON path of that block, for error messages (`job.content[0].reader.parameter`). */
  path: string;
  /** Directory that relative paths in the job are resolved against: the working directory, as DataX does. */
  baseDir: string;
  runId: string;
  log: Logger;
  signal: AbortSignal;
  /**
   * What this job.content entry's reader returned from nextState() on the last successful run
   * with the same state file (`--state-file`, API `stateFile`): where an incremental read starts.
   */
  state?: Record<string, unknown> | undefined;
  /** setting.restore.restoreColumnName when restore is on: readers order each task by it. */
  restoreColumn?: string | undefined;
}

/**
 * A record that could not be read, transformed or written. It goes to the dirty file with its
 * reason instead of the target, and counts against setting.errorLimit.
 */
export interface DirtyRecord {
  phase: 'read' | 'write' | 'transform';
  /** The record's values as far as they are known (a line that does not parse: its fields as text). */
  values?: readonly Value[] | undefined;
  /** The column at fault, when known. */
  column?: string | undefined;
  /** The database's own error code (SQLSTATE, ER_DUP_ENTRY, ...) or ferry's (FERRY_...). */
  code: string;
  /** The reason, in the database's or the parser's words. */
  message: string;
  /** Where a read failure came from: a file and its line (1-based). */
  file?: string | undefined;
  line?: number | undefined;
}

/** How a task retries transient failures (lost connection, deadlock, ...): setting.retry. */
export interface RetryPolicy {
  /** Retries after the first failure; 0 turns retrying off. */
  maxRetries: number;
  /** Pause before the first retry; it doubles with each retry, up to maxIntervalMs. */
  initialIntervalMs: number;
  maxIntervalMs: number;
}

/**
 * setting.restore for one task: the reader reads ordered by the restore column and, on a
 * resumed run, after the value the writer last committed; the writer records that value with
 * every batch, in the batch's own transaction.
 */
export interface TaskRestore {
  /** The job's hash: checkpoints of one job never mix with another's. */
  job: string;
  /** setting.restore.restoreColumnName, and its position in the record. */
  column: string;
  index: number;
  /** Resumed run: the last value committed by an earlier run; read the rows after it. */
  after?: string | undefined;
  /** Rows this task committed in earlier runs. */
  rows: number;
  /** setting.restore.maxRowNumForCheckpoint: rows per batch, so per checkpoint. */
  every?: number | undefined;
}

export interface TaskContext<P = TaskParameter> {
  parameter: P;
  taskId: number;
  taskGroupId: number;
  /** 1 on the first run of the task, 2 on its first retry, ... */
  attempt: number;
  baseDir: string;
  runId: string;
  log: Logger;
  /** Aborted when the job is cancelled or the paired loop failed: stop reading or writing. */
  signal: AbortSignal;
  /**
   * Raised when the job is asked to end cleanly (Ctrl-C or the AbortSignal of a job whose reader
   * polls): a polling reader finishes its current pass and returns, so the job ends with success.
   */
  stopping: AbortSignal;
  /** Reports a dirty record (and goes on with the next one); the job stops when errorLimit is crossed. */
  dirty(record: DirtyRecord): void;
  retry: RetryPolicy;
  /** Set when setting.restore is on. */
  restore?: TaskRestore | undefined;
  /**
   * Set when the job chose a pass-through for this task (both ends agreed on `format`): the
   * reader sends whole lines of that text (RecordSender.sendText) and the writer takes them as
   * they are (a frame with `text`), with no values in between.
   */
  passThrough?: PassThroughFormat | undefined;
}

/**
 * Where the pass-through record that starts at byte `at` of `text` ends (the offset just past
 * it), or -1 if `text` ends inside it; the sender cuts a text at these points only. Default:
 * just past the next newline.
 */
export type RecordEnd = (text: Buffer, at: number) => number;

/**
 * A format both ends of a task can speak, one record per row: PostgreSQL COPY text or binary
 * (lib/rdbms/postgresql/copy-binary.ts), or the tab-separated text MySQL's LOAD DATA reads
 * (lib/rdbms/mysql/load-text.ts).
 */
export type PassThroughFormat = 'postgresql-copy-text' | 'postgresql-copy-binary' | 'mysql-load-text';

/** What a reader job can send as text, for the writer job to accept or refuse. */
export interface PassThroughOffer {
  format: PassThroughFormat;
  /** The database's type of each column sent, in order (format_type: "bigint", "numeric(12,2)"). */
  types: string[];
}

/** The write path a writer job takes, for `ferry run --explain` and the log. */
export interface WritePath {
  /** "COPY", "INSERT", "INSERT … ON CONFLICT", "LOAD DATA", "file", ... */
  path: string;
  why: string;
}

interface JobLifecycle {
  /** Checks that need the outside world (files exist, tables reachable). Run with `ferry run`, before prepare. */
  preCheck?(): void | Promise<void>;
  /** Once for the whole job before any task (DataX: truncate the target, run preSql). */
  prepare?(): void | Promise<void>;
  /** Once after every task succeeded (DataX: postSql). */
  post?(): void | Promise<void>;
  /** Always, last, whatever happened: release what init took. */
  destroy?(): void | Promise<void>;
}

export interface ReaderJob extends JobLifecycle {
  /**
   * Whether the tasks can send their rows as text (a pass-through), and in which types; a
   * string says why not. Asked after init.
   */
  passThrough?(): PassThroughOffer | string;
  /** Splits the read into task configs; adviceNumber is the job's channel count. */
  split(adviceNumber: number): TaskParameter[] | Promise<TaskParameter[]>;
  /** Column count the reader produces, when known before reading (compared with the writer's). */
  columnCount?(): number | undefined;
  /** Total records the job will read, when known: enables percent and ETA in the progress line. */
  expectedRecords?(): number | undefined;
  /** An estimate of the records (a catalog's row count), when there is no exact count: percent and ETA shown as estimates (~42%). */
  estimatedRecords?(): number | undefined;
  /**
   * After every task succeeded: the state the next run starts from (Embulk's config diff), from
   * the tasks' reports (ReaderTask.report, in task order). Plain JSON; kept in the state file.
   */
  nextState?(reports: Array<object | undefined>): Record<string, unknown> | undefined;
  /** Whether the reader keeps reading new rows until it is told to stop (FlinkX polling): a stop then ends the job cleanly. */
  polls?(): boolean;
  /** The names of the columns of a record, in order, when known (restoreColumnName is looked up in them). */
  columnNames?(): string[] | undefined;
}

/** What a writer committed for a task, kept with its data (setting.restore). */
export interface Checkpoint {
  job: string;
  task: number;
  /** The restore column's value in the last row committed. */
  value: string;
  /** Rows the task committed so far. */
  rows: number;
  /** The task finished: a resumed run skips it. */
  done: boolean;
}

export interface WriterJob extends JobLifecycle {
  /** Whether the tasks can write the reader's text as it is: undefined for yes, else why not. */
  acceptPassThrough?(offer: PassThroughOffer): string | undefined;
  /** How the tasks write (COPY, INSERT, ...) and why. */
  writePath?(): WritePath;
  /** Gives one writer task config per reader task (readerTaskCount of them). */
  split(readerTaskCount: number): TaskParameter[] | Promise<TaskParameter[]>;
  columnCount?(): number | undefined;
  /** setting.restore: the checkpoints of a job's tasks from earlier runs, by task id. */
  checkpoints?(job: string): Promise<Map<number, Checkpoint>>;
  /** setting.restore, a run that does not resume: forget the job's earlier checkpoints. */
  resetCheckpoints?(job: string): Promise<void>;
}

interface TaskLifecycle {
  prepare?(): void | Promise<void>;
  post?(): void | Promise<void>;
  destroy?(): void | Promise<void>;
}

/**
 * Sends records to the writer. `send` returns undefined when the record was taken at once and
 * a promise when the channel is full or rate limited: await it before sending more, as with a
 * Node stream's write() and 'drain'.
 */
export interface RecordSender {
  send(row: Row): Promise<void> | undefined;
  /**
   * Pass-through (TaskContext.passThrough): sends `lines` whole lines of text (each ends with a
   * newline) as one frame; the same contract as send(). Only channel senders have it.
   */
  sendText?(text: Buffer, lines: number, recordEnd?: RecordEnd): Promise<void> | undefined;
  /** Pushes buffered records to the writer now (the task runner also does it at the end). */
  flush(): Promise<void>;
}

/**
 * A frame from the channel: its rows and a copy of its encoded bytes, or — pass-through — a
 * copy of its text lines (rows is then empty and `lines` counts them).
 */
export type ReceivedFrame = { rows: Row[]; bytes?: Uint8Array | undefined; text?: undefined } | { rows: Row[]; text: Buffer; lines: number; bytes?: undefined };

/** Batches of records from the reader; null (or the end of iteration) when the reader is done. */
export interface RecordReceiver extends AsyncIterable<Row[]> {
  read(): Promise<Row[] | null>;
  /**
   * The next batch with a copy of its encoded bytes, where the receiver has them: a writer that
   * may write a batch again keeps the bytes instead of the rows (channel/codec decodeFrameBytes).
   */
  readFrame?(copy?: boolean, keepText?: (view: Buffer) => Buffer): Promise<ReceivedFrame | null>;
}

export interface ReaderTask extends TaskLifecycle {
  startRead(sender: RecordSender): Promise<void>;
  /** After a successful read: what the Job side's nextState needs (plain JSON), e.g. the largest increColumn value read. */
  report?(): object | undefined;
}

export interface WriterTask extends TaskLifecycle {
  startWrite(receiver: RecordReceiver): Promise<void>;
  /**
   * Whether a failed attempt leaves nothing behind, so the task may run again without
   * duplicating rows (DataX's supportFailOver). Called after a failure.
   */
  supportsFailover?(): boolean;
  /** Where the rows go, for messages about a failed task ("table t at host:5432/db"). */
  target?(): string;
}

interface PluginBase<P> {
  name: string;
  description: string;
  /** Schema of the `parameter` block; unknown keys warn, wrong types fail validation. */
  parameter: Schema;
  /** Example `parameter` block shown by `ferry plugins --verbose`. */
  example?: P;
}

export interface ReaderPlugin<P = any> extends PluginBase<P> {
  kind: 'reader';
  createJob(ctx: JobContext<P>): ReaderJob | Promise<ReaderJob>;
  createTask(ctx: TaskContext<any>): ReaderTask | Promise<ReaderTask>;
}

export interface WriterPlugin<P = any> extends PluginBase<P> {
  kind: 'writer';
  createJob(ctx: JobContext<P>): WriterJob | Promise<WriterJob>;
  createTask(ctx: TaskContext<any>): WriterTask | Promise<WriterTask>;
}

export type Plugin = ReaderPlugin | WriterPlugin;

/** Identity helpers that give a plugin module its types: `export default defineReader({...})`. */
export function defineReader<P>(plugin: ReaderPlugin<P>): ReaderPlugin<P> {
  return plugin;
}
export function defineWriter<P>(plugin: WriterPlugin<P>): WriterPlugin<P> {
  return plugin;
}
