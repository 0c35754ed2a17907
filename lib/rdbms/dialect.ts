/**
 * One small interface per database, the way kysely does it: lib/rdbms/<db>/ implements it, and
 * the shared reader and writer plugins (lib/rdbms/reader.ts, writer.ts) only talk to it.
 */
import type { Row } from '../../channel/value.js';
import type { Checkpoint, PassThroughFormat } from '../plugin/spi.js';
import type { RecordCodec } from './pass-through.js';

export type DialectName = 'mysql' | 'postgresql';

/** Where to connect, parsed from a jdbcUrl or a mysql:// / postgres:// URL plus username/password. */
export interface ConnectionConfig {
  dialect: DialectName;
  host: string;
  port: number;
  database: string;
  user?: string | undefined;
  password?: string | undefined;
  /** Query parameters of the URL (useUnicode, characterEncoding, serverTimezone, currentSchema, ...). */
  params: Record<string, string>;
  /** `host:port/database`, for messages: never the password. */
  label: string;
}

/** A column as the database describes it. */
export interface ColumnInfo {
  name: string;
  /** The database's own type name, lower case (int8, numeric, varchar, timestamptz, tinyint(1), ...). */
  dbType: string;
  nullable: boolean;
}

export type WriteMode = 'insert' | 'replace' | 'update';

export interface WriterOptions {
  /** Table name as the job gives it (may be schema-qualified: "public.t"). */
  table: string;
  columns: string[];
  mode: WriteMode;
  /** For upserts: the key columns (default: the table's primary key, else its first unique key). */
  conflictColumns?: string[] | undefined;
  /** Rows per statement / transaction (MySQL batchSize, default 2048). */
  batchSize: number;
  /** Bytes per statement (MySQL batchByteSize, default 32 MB). */
  batchBytes: number;
  /** The pass-through the writer takes (TaskContext.passThrough), when it takes one. */
  passThrough?: PassThroughFormat | undefined;
}

/** Writes batches into one table. Each writeBatch is one transaction. */
export interface TableWriter {
  /** `checkpoint` (setting.restore) is saved in the batch's own transaction. */
  writeBatch(rows: Row[], checkpoint?: Checkpoint): Promise<void>;
  /**
   * Optional streaming form of a batch: add() sends rows into an open transaction at once and
   * commit() ends it, so the rows of a large batch are never all held in memory.
   */
  add?(rows: Row[]): Promise<void>;
  commit?(checkpoint?: Checkpoint): Promise<void>;
  /** Pass-through: sends `lines` whole records of the database's own format into the open batch, as they are. */
  addText?(text: Buffer, lines: number): Promise<void>;
  /** How the pass-through records of addText are cut and read (default: text lines). */
  readonly records?: RecordCodec;
  /**
   * Pass-through lines written again as one transaction (after a lost connection, or to isolate
   * a refused line), where the writer has a better way than addText and commit: MySQL inserts
   * them, so that the server names a refused row and its reason as on the INSERT path.
   */
  writeText?(text: Buffer, lines: number, checkpoint?: Checkpoint): Promise<void>;
  /**
   * After a CommitUnknownError and a reconnect, on the new writer: whether the batch whose
   * commit answer was lost is in (true) or was rolled back (false). Makes the outcome final first.
   */
  settle?(token: string): Promise<boolean>;
  close(): Promise<void>;
}

/** One open connection. */
export interface DbSession {
  /** A small query (metadata, MIN/MAX, preSql): all rows at once, values as the driver gives them. */
  query(sql: string, params?: unknown[]): Promise<unknown[][]>;
  /** Runs statements that return nothing (preSql, postSql, session). */
  execute(sql: string): Promise<void>;
  /**
   * Streams a query's rows as ferry values (channel/value.ts), in batches, never the whole
   * result in memory. fetchSize: rows per round trip where the driver has one.
   */
  stream(sql: string, options: { fetchSize?: number | undefined; signal?: AbortSignal | undefined }): AsyncIterable<Row[]>;
  /**
   * The pass-through (TaskContext.passThrough): the query's rows as whole records of the
   * database's own format (COPY text or binary, LOAD DATA text), not parsed, with their count
   * and, where the format cannot find it from the end, the offset of the last.
   */
  streamText?(sql: string, options: { signal?: AbortSignal | undefined; binary?: boolean }): AsyncIterable<{ text: Buffer; lines: number; last?: number }>;
  /** The columns of a table, in order; throws a clear error when the table does not exist. */
  columns(table: string): Promise<ColumnInfo[]>;
  /** Primary key columns, else the first unique key's; [] when the table has neither. */
  keyColumns(table: string): Promise<string[]>;
  /** The catalog's row estimate (no scan); undefined when the catalog has none (never analyzed). */
  estimatedRows(table: string): Promise<number | undefined>;
  writer(options: WriterOptions): Promise<TableWriter>;
  /** Whether writer() of this mode writes with a bulk load (MySQL's LOAD DATA LOCAL), and why: what --explain says. */
  loadChoice?(mode: WriteMode): { load: boolean; why: string };
  /**
   * setting.restore keeps each task's checkpoint in a small table of the target database,
   * `ferry_checkpoint` (job, task, value, rows, done), written in each batch's transaction.
   */
  ensureCheckpointTable(): Promise<void>;
  /** Upserts a checkpoint: inside a writer's open transaction, or on its own. */
  saveCheckpoint(checkpoint: Checkpoint): Promise<void>;
  /** A job's checkpoints by task; empty when there are none (or no table yet). */
  checkpoints(job: string): Promise<Map<number, Checkpoint>>;
  /** Forgets a job's checkpoints; the table exists (ensureCheckpointTable). */
  resetCheckpoints(job: string): Promise<void>;
  close(): Promise<void>;
}

export const CHECKPOINT_TABLE = 'ferry_checkpoint';

export interface Dialect {
  name: DialectName;
  /** The plugin names' prefix: mysql, postgresql. */
  defaultPort: number;
  /** Quotes an identifier; a dotted name (schema.table) is quoted part by part. */
  quoteIdent(name: string): string;
  /** A string as an SQL literal (increColumn locations: the database's own text of a value, compared after its implicit cast). */
  quoteLiteral(value: string): string;
  /** An expression's value as the database's text (increColumn locations are kept as text). */
  asText(expr: string): string;
  /**
   * Why the server refused a query because of its text (a syntax error, an unknown column or
   * table, a type mismatch: SQLSTATE class 42 and 22), in the server's words on one line; undefined
   * for anything else (a lost connection), which stays the task's failure. `err` is what a session's query threw.
   */
  refusal(err: unknown): string | undefined;
  /** Opens a connection; a failure throws a FerryError naming host:port/db and the driver's reason, never the password. */
  connect(config: ConnectionConfig): Promise<DbSession>;
}
