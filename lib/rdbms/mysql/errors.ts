/** Driver errors as FerryErrors: one line, the server's reason, whether a retry may help. */
import { FerryError, RecordError } from '../../errors.js';

/** Codes where the same work may succeed on another try (a dropped or refused connection, a deadlock). */
const RETRYABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_CONNECTION_KILLED',
]);

export interface DriverError extends Error {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  sql?: string;
  fatal?: boolean;
  errors?: unknown[];
}

export function isRetryable(err: unknown): boolean {
  const e = err as DriverError;
  if (e instanceof FerryError) return e.retryable;
  if (e?.code && RETRYABLE.has(e.code)) return true;
  // connect timeouts come as plain "connect ETIMEDOUT" with the code, or as a message only
  if (/\btimed? ?out\b|ETIMEDOUT/i.test(e?.message ?? '')) return true;
  // Node's happy-eyeballs: an AggregateError holding one error per address
  if (Array.isArray(e?.errors)) return e.errors.some(isRetryable);
  return false;
}

/** The driver's reason on one line, without any password. */
export function driverReason(err: unknown, password?: string): string {
  const e = err as DriverError;
  let msg = (e?.sqlMessage ?? e?.message ?? String(err)).trim();
  if (!msg && Array.isArray(e?.errors)) {
    msg = [...new Set(e.errors.map((x) => (x as Error)?.message ?? String(x)))].join('; ');
  }
  if (!msg) msg = e?.code ?? 'unknown error';
  if (e?.code && !msg.includes(e.code)) msg = `${msg} (${e.code})`;
  msg = msg.replace(/\s*\n\s*/g, ' ');
  if (password) msg = msg.split(password).join('******');
  return msg;
}

/** Drops the statement text a mysql2 error carries (a multi-row INSERT can be 16 MB of data). */
export function stripSql(err: unknown): unknown {
  if (err && typeof err === 'object' && 'sql' in err) {
    try {
      delete (err as DriverError).sql;
    } catch {
      // read-only: keep it
    }
  }
  return err;
}

/**
 * Errors caused by a row's values, not by the connection or the statement (strict sql_mode
 * makes each of them an error rather than a warning): NOT NULL, duplicate key, too long,
 * out of range, bad value for the type, foreign key, CHECK constraint, invalid JSON.
 */
const RECORD_ERRNOS = new Set([1048, 1062, 1216, 1265, 1264, 1292, 1300, 1364, 1365, 1366, 1367, 1406, 1411, 1452, 1586, 1690, 3140, 3819, 4025]);

/** mysql2's names of the codes LOAD DATA LOCAL reports refused rows with (as warnings, so without a name). */
const WARNING_NAMES: Record<number, string> = {
  1048: 'ER_BAD_NULL_ERROR', 1062: 'ER_DUP_ENTRY', 1261: 'ER_WARN_TOO_FEW_RECORDS', 1262: 'ER_WARN_TOO_MANY_RECORDS',
  1263: 'ER_WARN_NULL_TO_NOTNULL', 1264: 'ER_WARN_DATA_OUT_OF_RANGE', 1265: 'WARN_DATA_TRUNCATED', 1292: 'ER_TRUNCATED_WRONG_VALUE',
  1366: 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD', 1406: 'ER_DATA_TOO_LONG', 1452: 'ER_NO_REFERENCED_ROW_2', 3819: 'ER_CHECK_CONSTRAINT_VIOLATED',
};

/** A warning's code as a dirty record's code: mysql2's name where it is one of those above. */
export function warningName(code: number): string {
  return WARNING_NAMES[code] ?? String(code);
}

/**
 * A FerryError for a failed statement: `MySQL <label>: <what>: <reason>`; a RecordError when a
 * row's values were refused. `rowOffset`: index of the statement's first row within the
 * batch, so that "at row N" in the server's message becomes the row's index in the batch.
 */
export function queryError(label: string, what: string, err: unknown, password?: string, rowOffset?: number): FerryError {
  if (err instanceof FerryError) return err;
  const e = err as DriverError;
  if (typeof e?.errno === 'number' && RECORD_ERRNOS.has(e.errno)) {
    const text = e.sqlMessage ?? e.message ?? '';
    const row = /\bat row (\d+)/.exec(text);
    return new RecordError(`MySQL ${label}: ${what}: ${driverReason(err, password)}`, {
      dbCode: e.code ?? String(e.errno),
      column: /\bcolumn '([^']+)'/i.exec(text)?.[1],
      rowIndex: row && rowOffset !== undefined ? rowOffset + Number(row[1]) - 1 : undefined,
      cause: stripSql(err),
    });
  }
  return new FerryError('FERRY_PLUGIN_ERROR', `MySQL ${label}: ${what}: ${driverReason(err, password)}`, {
    cause: stripSql(err),
    retryable: isRetryable(err),
  });
}
