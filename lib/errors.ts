/**
 * Every condition a user can meet has a code, a short message that names the fix, and an exit
 * code (0 success, 1 job failed, 2 bad job file or usage, 3 error limit exceeded). Errors cross worker threads as
 * SerializedError data because piscina and comlink drop custom properties.
 */
import type { JobSummary } from './container/summary.js';

export type ErrorCode =
  | 'FERRY_JOB_NOT_FOUND'
  | 'FERRY_JOB_PARSE'
  | 'FERRY_JOB_INVALID'
  | 'FERRY_JOB_VARIABLE'
  | 'FERRY_PLUGIN_UNKNOWN'
  | 'FERRY_PLUGIN_LOAD'
  | 'FERRY_USAGE'
  | 'FERRY_TASK_FAILED'
  | 'FERRY_PLUGIN_ERROR'
  | 'FERRY_CHANNEL_CLOSED'
  | 'FERRY_RECORD_TOO_LARGE'
  | 'FERRY_ABORTED'
  | 'FERRY_DB_CONNECT'
  | 'FERRY_RECORD_REJECTED'
  | 'FERRY_ERROR_LIMIT'
  | 'FERRY_SERVER'
  | 'FERRY_GROUP_LOST'
  | 'FERRY_CLUSTER'
  | 'FERRY_INTERNAL';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_ERROR_LIMIT = 3;

export class FerryError extends Error {
  readonly code: ErrorCode;
  /** Whether running the same task again may succeed (a dropped connection: yes; a bad column: no). */
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FerryError';
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
  get exitCode(): number {
    return EXIT_FAILED;
  }
}

/** One problem in a job file: where it is (a JSON path such as job.content[0].writer) and what is wrong. */
export interface JobIssue {
  path: string;
  message: string;
}

export function formatIssue(issue: JobIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

/** The job file or the command line is wrong: nothing ran. Exit code 2. */
export class JobConfigError extends FerryError {
  readonly issues: JobIssue[];
  constructor(code: ErrorCode, issues: JobIssue[]) {
    super(code, issues.map(formatIssue).join('\n'));
    this.name = 'JobConfigError';
    this.issues = issues;
  }
  override get exitCode(): number {
    return EXIT_BAD_INPUT;
  }
}

export function configError(code: ErrorCode, path: string, message: string): JobConfigError {
  return new JobConfigError(code, [{ path, message }]);
}

/** The job ran and failed; `summary` says what was written before it stopped. Exit code 1. */
export class JobFailedError extends FerryError {
  /** Absent when the job failed before any task ran. */
  summary: JobSummary | undefined;
  constructor(code: ErrorCode, message: string, summary?: JobSummary, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'JobFailedError';
    this.summary = summary;
  }
}

/**
 * More dirty records than setting.errorLimit allows. Exit code 3, so that a nightly script can
 * tell "the data is bad" (look at the dirty file) from "the job broke" (exit 1).
 */
export class ErrorLimitError extends JobFailedError {
  constructor(message: string, summary?: JobSummary) {
    super('FERRY_ERROR_LIMIT', message, summary);
    this.name = 'ErrorLimitError';
  }
  override get exitCode(): number {
    return EXIT_ERROR_LIMIT;
  }
}

/**
 * One record was refused — by the target (a constraint, a value too long or out of range, NUL
 * in PostgreSQL text) or by the reader's parsing — while the connection and the rest of the
 * batch are fine. Writers isolate such records and the task runner makes them dirty records.
 */
export class RecordError extends FerryError {
  /** The database's own error code (SQLSTATE, MySQL's ER_...), or ferry's. */
  readonly dbCode: string;
  readonly column: string | undefined;
  /** Index of the refused record within the rows the failed call was given, when the database says. */
  readonly rowIndex: number | undefined;
  constructor(message: string, options: { dbCode: string; column?: string | undefined; rowIndex?: number | undefined; cause?: unknown }) {
    super('FERRY_RECORD_REJECTED', message, { cause: options.cause });
    this.name = 'RecordError';
    this.dbCode = options.dbCode;
    this.column = options.column;
    this.rowIndex = options.rowIndex;
  }
}

/**
 * The connection was lost after a batch's commit was sent and before its answer arrived: the
 * batch may or may not be in the target. `token` lets the writer find out on a new connection
 * (TableWriter.settle), so that the batch is neither lost nor written twice.
 */
export class CommitUnknownError extends FerryError {
  readonly token: string;
  constructor(message: string, token: string, cause?: unknown) {
    super('FERRY_PLUGIN_ERROR', message, { cause, retryable: true });
    this.name = 'CommitUnknownError';
    this.token = token;
  }
}

/** A lost connection, a deadlock, too many connections: the same work may succeed when tried again. */
export function isTransient(err: unknown): boolean {
  return err instanceof FerryError && err.retryable && !(err instanceof RecordError);
}

/** A plugin's task failed. Thrown by plugins for conditions they recognise; any other throw is wrapped. */
export class PluginError extends FerryError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean; code?: ErrorCode }) {
    super(options?.code ?? 'FERRY_PLUGIN_ERROR', message, options);
    this.name = 'PluginError';
  }
}

export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
  retryable: boolean;
  stack?: string | undefined;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof FerryError) {
    return { name: err.name, code: err.code, message: err.message, retryable: err.retryable, stack: err.stack };
  }
  if (err instanceof Error) {
    // A plain Error from a plugin or a driver is worth one more try (DataX's failover does the
    // same), unless it says otherwise with `retryable: false`.
    const retryable = (err as { retryable?: unknown }).retryable !== false;
    return { name: err.name, code: 'FERRY_PLUGIN_ERROR', message: err.message, retryable, stack: err.stack };
  }
  return { name: 'Error', code: 'FERRY_PLUGIN_ERROR', message: String(err), retryable: true };
}

