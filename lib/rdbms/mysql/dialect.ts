/**
 * The MySQL / MariaDB dialect on mysql2's callback API: one connection per session, the session
 * at UTC (`SET time_zone = '+00:00'`) and utf8mb4.
 *
 * stream() reads over the binary protocol (a prepared statement, closed afterwards), rows decoded
 * straight into ferry values (binary-rows.ts); statements the server cannot prepare go over the
 * text protocol, converted by convert.ts. Either way nothing passes through a lossy type, and the
 * socket is paused while the consumer is READ_AHEAD batches behind. One stream at a time per
 * session: a second statement waits behind an unfinished stream.
 *
 * query() and execute() use the text protocol; writer() is writer.ts.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import { createConnection, escape, format } from 'mysql2';
import { DateTime, Decimal, type Row, type Value } from '../../../channel/value.js';
import { FerryError } from '../../errors.js';
import type { ColumnInfo, ConnectionConfig, DbSession, Dialect, TableWriter, WriteMode, WriterOptions } from '../dialect.js';
import { converterFor, formatDateTime, needsRawBytes, type Converter, type FieldInfo } from './convert.js';
import { driverReason, isRetryable, queryError, type DriverError } from './errors.js';
import { quoteIdent, tableParts } from './ident.js';
import { CHECKPOINT_TABLE } from '../dialect.js';
import type { Checkpoint } from '../../plugin/spi.js';
import { binaryRowParser } from './binary-rows.js';
import { loadTextRowParser, type LoadTextOut } from './load-text.js';
import { createTableWriter, loadChoice, type WriteMethod } from './writer.js';

/** The slice of mysql2's callback Connection this file uses. */
export interface RawQuery extends EventEmitter {
  /** The options the row parser is compiled from (set when the query starts). */
  options?: { typeCast?: unknown };
  /** Execute (binary protocol) only: the row parser class for a result set's fields. */
  buildParserFromFields?: (fields: unknown, connection: unknown) => unknown;
}

export interface RawQueryOptions {
  sql: string;
  values?: unknown[];
  rowsAsArray?: boolean;
  infileStreamFactory?: (path: string) => Readable;
}

export type RawCallback = (err: DriverError | null, rows?: unknown, fields?: FieldInfo[]) => void;

export interface RawConnection extends EventEmitter {
  threadId: number | null;
  /** The socket: LOAD DATA waits on it while the server reads slower than rows come. */
  stream?: Socket;
  query(options: RawQueryOptions, cb?: RawCallback): RawQuery;
  /** Prepares (cached by mysql2) and executes over the binary protocol. */
  execute(options: RawQueryOptions, cb?: RawCallback): RawQuery;
  unprepare(options: RawQueryOptions): unknown;
  pause(): void;
  resume(): void;
  end(cb?: (err: unknown) => void): void;
  destroy(): void;
}

/** OK packet of a statement without rows. */
export interface OkResult {
  affectedRows: number;
  warningStatus: number;
  info?: string;
}

/** What results() makes of a result set's rows. */
interface Collector<T> {
  /** Batches converted ahead of the consumer before the socket is paused. */
  readAhead: number;
  /** The result set's columns, before its first row (mysql2 builds its row parser right after). */
  fields(fields: FieldInfo[], q: RawQuery): void;
  /** Takes a row as mysql2's parser returned it; true when a batch is full. */
  row(raw: unknown): boolean;
  /** The batch so far (and a new one begins), or undefined when it has no rows. */
  take(): T | undefined;
}

/** streamText: bytes of LOAD DATA text per piece sent (the channel's frames are 64 KB). */
const TEXT_PIECE = 60 * 1024;
/**
 * streamText: pieces read ahead (~1 MB). A piece is ~600 rows: with READ_AHEAD's two, the
 * socket was paused and resumed every ~1,200 rows and the server's sending thread waited.
 */
const TEXT_READ_AHEAD = 16;

/** The server cannot prepare this statement: stream() falls back to the text protocol. */
class PrepareUnsupported extends Error {}
const ER_UNSUPPORTED_PS = 1295;

const DEFAULT_STREAM_BATCH = 1000;
const MAX_STREAM_BATCH = 100_000;
/** Batches converted ahead of the consumer before the socket is paused. */
const READ_AHEAD = 2;

/** mysql2 typeCast for GEOMETRY/VECTOR: the raw bytes instead of its lossy parse. */
const rawBytesCast = (field: { type: string; buffer(): Buffer | null }, next: () => unknown): unknown =>
  field.type === 'GEOMETRY' || field.type === 'VECTOR' ? field.buffer() : next();

/** A parameter for mysql2's client-side `?` formatting, from a ferry value. */
function param(v: unknown): unknown {
  if (v instanceof DateTime) return formatDateTime(v);
  if (v instanceof Decimal) return v.text;
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

/** The connection ended under a query (KILL CONNECTION, a server restart): mysql2's code for it, so it counts as transient. */
function connectionClosed(): Error {
  return Object.assign(new Error('the server closed the connection'), { code: 'PROTOCOL_CONNECTION_LOST' });
}

export class MysqlSession implements DbSession {
  private lost: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly conn: RawConnection,
    readonly config: ConnectionConfig,
    /** The server's max_allowed_packet, bytes. */
    readonly maxAllowedPacket: number,
    /** Whether LOAD DATA LOCAL INFILE is allowed on this connection (client flag and server local_infile). */
    readonly localInfile: boolean,
    /** @@version, e.g. 10.11.19-MariaDB-0+deb12u1 or 8.4.3. */
    readonly serverVersion: string,
  ) {
    conn.on('error', (err: Error) => {
      this.lost ??= err;
    });
    conn.on('end', () => {
      this.lost ??= connectionClosed();
    });
  }

  /** The server's id of this connection (CONNECTION_ID()). */
  get threadId(): number | null {
    return this.conn.threadId;
  }

  // -- checkpoints (setting.restore) ---------------------------------------------------

  async ensureCheckpointTable(): Promise<void> {
    await this.execute(`CREATE TABLE IF NOT EXISTS \`${CHECKPOINT_TABLE}\` (job varchar(64) NOT NULL, task int NOT NULL, value text NOT NULL, \`rows\` bigint NOT NULL, done tinyint(1) NOT NULL, updated timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), PRIMARY KEY (job, task))`);
  }

  async saveCheckpoint(cp: Checkpoint): Promise<void> {
    try {
      await this.run(
        `INSERT INTO \`${CHECKPOINT_TABLE}\` (job, task, value, \`rows\`, done) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value), \`rows\` = VALUES(\`rows\`), done = VALUES(done), updated = CURRENT_TIMESTAMP(6)`,
        [cp.job, cp.task, cp.value, cp.rows, cp.done ? 1 : 0],
      );
    } catch (err) {
      throw queryError(this.label, 'saving the checkpoint', err, this.config.password);
    }
  }

  async checkpoints(job: string): Promise<Map<number, Checkpoint>> {
    const out = new Map<number, Checkpoint>();
    const [[exists]] = (await this.query('SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [CHECKPOINT_TABLE])) as [[unknown]];
    if (Number(exists) === 0) return out;
    for (const [task, value, rows, done] of await this.query(`SELECT task, value, CAST(\`rows\` AS CHAR), done FROM \`${CHECKPOINT_TABLE}\` WHERE job = ?`, [job])) {
      out.set(Number(task), { job, task: Number(task), value: String(value), rows: Number(rows), done: Number(done) === 1 });
    }
    return out;
  }

  async resetCheckpoints(job: string): Promise<void> {
    await this.query(`DELETE FROM \`${CHECKPOINT_TABLE}\` WHERE job = ?`, [job]);
  }

  get serverIsMariaDb(): boolean {
    return /mariadb/i.test(this.serverVersion);
  }

  get label(): string {
    return this.config.label;
  }

  /** Throws when the session can no longer run statements. */
  private usable(): void {
    if (this.closing) throw new FerryError('FERRY_PLUGIN_ERROR', `MySQL ${this.label}: the session is closed`);
    if (this.lost) {
      throw new FerryError('FERRY_PLUGIN_ERROR', `MySQL ${this.label}: connection lost: ${driverReason(this.lost, this.config.password)}`, {
        retryable: true,
      });
    }
  }

  /** Runs one statement; resolves with its rows (arrays) or its OK packet. */
  run(sql: string, values?: unknown[], extra?: Partial<RawQueryOptions>): Promise<{ rows: unknown; fields: FieldInfo[] | undefined }> {
    return new Promise((resolve, reject) => {
      try {
        this.usable();
      } catch (err) {
        reject(err);
        return;
      }
      const options: RawQueryOptions = { sql, rowsAsArray: true, ...extra };
      if (values !== undefined) options.values = values.map(param);
      this.conn.query(options, (err, rows, fields) => (err ? reject(err) : resolve({ rows, fields })));
    });
  }

  async query(sql: string, params?: unknown[]): Promise<unknown[][]> {
    try {
      const { rows } = await this.run(sql, params ?? []);
      return Array.isArray(rows) ? (rows as unknown[][]) : [];
    } catch (err) {
      throw queryError(this.label, `query failed (${abbreviate(sql)})`, err, this.config.password);
    }
  }

  async execute(sql: string): Promise<void> {
    try {
      // No values: a '?' in the statement is text, not a placeholder.
      await this.run(sql);
    } catch (err) {
      throw queryError(this.label, `statement failed (${abbreviate(sql)})`, err, this.config.password);
    }
  }

  /**
   * Rows come over the binary protocol (a prepared statement) where the server can prepare the
   * statement, else over the text protocol. Binary, because MariaDB's text protocol prints FLOAT
   * with 6 significant digits (16777217 reads as 16777200): only the binary protocol carries
   * every column type without loss.
   */
  async *stream(sql: string, options: { fetchSize?: number | undefined; signal?: AbortSignal | undefined }): AsyncGenerator<Row[]> {
    const size = options.fetchSize && options.fetchSize > 0 ? Math.min(Math.floor(options.fetchSize), MAX_STREAM_BATCH) : DEFAULT_STREAM_BATCH;
    const binary = this.streamWith(sql, size, options.signal, this.protocol);
    try {
      yield* binary;
    } catch (err) {
      if (!(err instanceof PrepareUnsupported)) throw err;
      yield* this.streamWith(sql, size, options.signal, 'text');
    }
  }

  /** The protocol stream() tries first (specs compare them). */
  protocol: 'binary' | 'text' = 'binary';
  /** Binary rows through binary-rows.ts rather than mysql2's parser and convert.ts (specs compare them). */
  directDecode = true;

  private streamWith(sql: string, size: number, signal: AbortSignal | undefined, protocol: 'binary' | 'text'): AsyncGenerator<Row[]> {
    let convs: Converter[] = [];
    let width = 0;
    let batch: Row[] = [];
    return this.results<Row[]>(sql, signal, protocol, {
      readAhead: READ_AHEAD,
      fields: (fields, q) => {
        if (protocol === 'binary' && this.directDecode && typeof q.buildParserFromFields === 'function') {
          // Binary rows decoded straight into ferry values (binary-rows.ts): nothing to convert.
          const Parser = binaryRowParser(fields);
          q.buildParserFromFields = () => Parser;
          width = 0;
          return;
        }
        convs = fields.map(converterFor);
        width = fields.length;
        // mysql2 compiles its row parser right after this event, from q.options.
        if (fields.some(needsRawBytes) && q.options) q.options.typeCast = rawBytesCast;
      },
      row: (raw) => {
        const row = raw as Value[];
        for (let i = 0; i < width; i++) row[i] = convs[i]!(row[i]);
        batch.push(row);
        return batch.length >= size;
      },
      take: () => {
        const out = batch;
        batch = [];
        return out.length > 0 ? out : undefined;
      },
    });
  }

  /**
   * The pass-through (format 'mysql-load-text'): the query's rows over the binary protocol,
   * written as LOAD DATA lines straight from the packets (load-text.ts), in pieces of about
   * TEXT_PIECE bytes. A piece's buffer is used again once the consumer has taken the next one.
   */
  async *streamText(sql: string, options: { signal?: AbortSignal | undefined }): AsyncGenerator<{ text: Buffer; lines: number }> {
    const free: Buffer[] = [];
    /** The buffers of the pieces handed out and not yet taken by the consumer, oldest first. */
    const lent: Buffer[] = [];
    const out: LoadTextOut = { buf: Buffer.allocUnsafe(TEXT_PIECE * 2), pos: 0 };
    let lines = 0;
    const room = (bytes: number): void => {
      if (out.pos + bytes <= out.buf.length) return;
      const bigger = Buffer.allocUnsafe(Math.max(out.buf.length * 2, out.pos + bytes));
      out.buf.copy(bigger, 0, 0, out.pos);
      out.buf = bigger;
    };
    const pieces = this.results<{ text: Buffer; lines: number }>(sql, options.signal, 'binary', {
      readAhead: TEXT_READ_AHEAD,
      fields: (fields, q) => {
        if (typeof q.buildParserFromFields !== 'function') throw new FerryError('FERRY_INTERNAL', 'mysql2 has no buildParserFromFields: the pass-through cannot read rows as text');
        const Parser = loadTextRowParser(fields, out, room);
        q.buildParserFromFields = () => Parser;
      },
      row: () => ++lines > 0 && out.pos >= TEXT_PIECE,
      take: () => {
        if (lines === 0) return undefined;
        const piece = { text: out.buf.subarray(0, out.pos), lines };
        lent.push(out.buf);
        out.buf = free.pop() ?? Buffer.allocUnsafe(TEXT_PIECE * 2);
        out.pos = 0;
        lines = 0;
        return piece;
      },
    });
    for await (const piece of pieces) {
      yield piece;
      // The consumer has taken the piece (sendText copied it): its buffer can take rows again.
      free.push(lent.shift()!);
    }
  }

  /**
   * Streams one query's result: `collect` turns its rows into batches (T), handed out as they
   * fill, with the socket paused while collect.readAhead batches wait for the consumer.
   */
  private async *results<T>(sql: string, signal: AbortSignal | undefined, protocol: 'binary' | 'text', collect: Collector<T>): AsyncGenerator<T> {
    this.usable();
    if (signal?.aborted) throw aborted(this.label);
    const conn = this.conn;
    const q = protocol === 'binary' ? conn.execute({ sql, rowsAsArray: true }) : conn.query({ sql, rowsAsArray: true });

    let sawFields = false;
    const ready: T[] = [];
    let done = false;
    let failure: unknown;
    let paused = false;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const fail = (err: unknown): void => {
      failure = err;
      done = true;
      conn.destroy();
      notify();
    };

    q.on('fields', (fields: FieldInfo[] | undefined) => {
      sawFields = true;
      if (!fields) return; // a statement without a result set
      try {
        collect.fields(fields, q);
      } catch (err) {
        fail(err);
      }
    });
    q.on('result', (raw: unknown) => {
      // An object that is no row: the OK packet of a statement without rows (streamText's rows are undefined).
      if (done || (raw !== undefined && !Array.isArray(raw))) return;
      let full: boolean;
      try {
        full = collect.row(raw);
      } catch (err) {
        fail(err);
        return;
      }
      if (full) {
        ready.push(collect.take()!);
        if (ready.length >= collect.readAhead && !paused) {
          paused = true;
          conn.pause();
        }
        notify();
      }
    });
    q.on('error', (err: unknown) => {
      failure ??= err;
      done = true;
      notify();
    });
    q.on('end', () => {
      const rest = collect.take();
      if (rest !== undefined) ready.push(rest);
      done = true;
      notify();
    });
    // A connection failure while a query without a callback runs is emitted on the connection.
    const onConnError = (err: unknown): void => {
      if (done) return;
      failure ??= err ?? connectionClosed();
      done = true;
      notify();
    };
    conn.on('error', onConnError);
    conn.on('end', onConnError);
    const onAbort = (): void => notify();
    signal?.addEventListener('abort', onAbort);

    try {
      for (;;) {
        if (signal?.aborted) throw aborted(this.label);
        const next = ready.shift();
        if (next) {
          if (paused && ready.length < collect.readAhead) {
            paused = false;
            conn.resume();
          }
          yield next;
          continue;
        }
        if (done) {
          if (failure !== undefined) {
            if (protocol === 'binary' && !sawFields && (failure as DriverError).errno === ER_UNSUPPORTED_PS) throw new PrepareUnsupported();
            throw queryError(this.label, `query failed (${abbreviate(sql)})`, failure, this.config.password);
          }
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      conn.removeListener('error', onConnError);
      conn.removeListener('end', onConnError);
      if (!done) {
        // Abandoned mid-result (abort, or the consumer stopped): the rest of the result would
        // have to be read off the wire first, so the connection goes instead.
        done = true;
        this.lost ??= new Error('a streamed query was abandoned before its end');
        if (paused) conn.resume();
        conn.destroy();
      } else if (protocol === 'binary' && !this.lost) {
        // mysql2 keeps prepared statements open for reuse: close this one on the server.
        try {
          conn.unprepare({ sql, rowsAsArray: true });
        } catch {
          // not prepared (the prepare failed): nothing to close
        }
      }
    }
  }

  /**
   * Rows of an information_schema view for one table; the view's first two columns are
   * TABLE_SCHEMA and TABLE_NAME. information_schema compares names without case: where that
   * matches two tables (t and T on a case-sensitive server), the exact spelling wins.
   */
  private async describe(view: string, columns: string, table: string, extra = ''): Promise<unknown[][]> {
    const [schema, name] = tableParts(table);
    const rows = await this.query(
      `SELECT TABLE_SCHEMA, TABLE_NAME, ${columns} FROM information_schema.${view}
       WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?${extra}`,
      [schema ?? null, name],
    );
    const tables = new Set(rows.map((r) => `${text(r[0])}.${text(r[1])}`));
    if (tables.size <= 1) return rows.map((r) => r.slice(2));
    const exact = rows.filter((r) => text(r[1]) === name && (schema === undefined || text(r[0]) === schema));
    return exact.map((r) => r.slice(2));
  }

  async columns(table: string): Promise<ColumnInfo[]> {
    const rows = await this.describe('COLUMNS', 'COLUMN_NAME, LOWER(COLUMN_TYPE), IS_NULLABLE, ORDINAL_POSITION', table);
    if (rows.length === 0) throw this.missingTable(table);
    rows.sort((a, b) => Number(a[3]) - Number(b[3]));
    return rows.map((r) => ({ name: text(r[0]), dbType: text(r[1]), nullable: text(r[2]) === 'YES' }));
  }

  async estimatedRows(table: string): Promise<number | undefined> {
    // InnoDB's TABLE_ROWS is a sampled estimate (exact for MyISAM); NULL for views.
    const [row] = await this.describe('TABLES', 'TABLE_ROWS', table);
    const n = Number(row?.[0]);
    return n > 0 ? n : undefined;
  }

  async keyColumns(table: string): Promise<string[]> {
    // information_schema lists a table's keys in the server's order: the primary key first,
    // then the unique keys.
    const rows = await this.describe('STATISTICS', 'INDEX_NAME, COLUMN_NAME, SEQ_IN_INDEX', table, ' AND NON_UNIQUE = 0');
    if (rows.length === 0) {
      await this.columns(table); // throws when the table is missing
      return [];
    }
    const names = rows.map((r) => text(r[0]));
    const chosen = names.includes('PRIMARY') ? 'PRIMARY' : names[0]!;
    return rows
      .filter((r) => text(r[0]) === chosen)
      .sort((a, b) => Number(a[2]) - Number(b[2]))
      .map((r) => text(r[1]));
  }

  writer(options: WriterOptions): Promise<TableWriter> {
    return createTableWriter(this, options);
  }

  loadChoice(mode: WriteMode): { load: boolean; why: string } {
    return loadChoice(this, mode);
  }

  /** A writer with a chosen method (specs and the benchmark compare them). */
  writerWith(options: WriterOptions, method: WriteMethod): Promise<TableWriter> {
    return createTableWriter(this, options, method);
  }

  missingTable(table: string): FerryError {
    return new FerryError('FERRY_PLUGIN_ERROR', `table ${JSON.stringify(table)} does not exist in ${this.label}`);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.lost) {
        this.conn.destroy();
        resolve();
        return;
      }
      // A polite QUIT; a dead or stuck socket is destroyed instead, and nothing is thrown.
      const timer = setTimeout(() => {
        this.conn.destroy();
        resolve();
      }, 2000);
      timer.unref();
      try {
        this.conn.end(() => {
          clearTimeout(timer);
          this.conn.destroy();
          resolve();
        });
      } catch {
        clearTimeout(timer);
        this.conn.destroy();
        resolve();
      }
    });
    return this.closing;
  }
}

function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function abbreviate(sql: string): string {
  const one = sql.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}...` : one;
}

function aborted(label: string): FerryError {
  return new FerryError('FERRY_ABORTED', `MySQL ${label}: query aborted`);
}

function connectError(cfg: ConnectionConfig, err: unknown): FerryError {
  const reason = driverReason(err, cfg.password);
  return new FerryError('FERRY_DB_CONNECT', `cannot connect to MySQL at ${cfg.label} as ${cfg.user || '(no user)'}: ${reason}`, {
    retryable: isRetryable(err),
  });
}

function openConnection(cfg: ConnectionConfig): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const timeout = Number(cfg.params.connectTimeout);
    let conn: RawConnection;
    try {
      conn = createConnection({
        host: cfg.host,
        port: cfg.port,
        database: cfg.database,
        user: cfg.user ?? '',
        password: cfg.password ?? '',
        // useUnicode / characterEncoding in JDBC URLs: always utf8mb4, so emoji survive.
        charset: 'UTF8MB4_UNICODE_CI',
        supportBigNumbers: true,
        bigNumberStrings: false, // a number while safe, the digits beyond 2^53
        dateStrings: true,
        decimalNumbers: false,
        jsonStrings: true,
        multipleStatements: false,
        connectTimeout: Number.isFinite(timeout) && timeout > 0 ? timeout : 10_000,
        // mysql2 scans every statement for '?' placeholders even without values: a 16 MB INSERT
        // costs ~1 ms per MB. Only statements given values are formatted (and escaped) by it.
        queryFormat: (sql: string, values: unknown) => (Array.isArray(values) && values.length > 0 ? format(sql, values as never[], false, 'Z') : sql),
        // LOCAL_FILES stays on (a default flag): LOAD DATA LOCAL INFILE is answered only from
        // the stream a writer passes for its own statement, never from a file path.
      }) as unknown as RawConnection;
    } catch (err) {
      reject(err);
      return;
    }
    const onError = (err: unknown): void => {
      conn.removeListener('connect', onConnect);
      conn.destroy();
      reject(err);
    };
    const onConnect = (): void => {
      conn.removeListener('error', onError);
      resolve(conn);
    };
    conn.once('error', onError);
    conn.once('connect', onConnect);
  });
}

export const mysqlDialect = {
  name: 'mysql' as const,
  defaultPort: 3306,
  quoteIdent,
  // mysql2's escaping (backslashes): sessions never run with NO_BACKSLASH_ESCAPES.
  quoteLiteral: (value: string) => escape(value),
  asText: (expr: string) => `CAST(${expr} AS CHAR)`,
  refusal(err: unknown): string | undefined {
    const e = (err as Error)?.cause as DriverError | undefined;
    if (typeof e?.sqlState !== 'string' || !/^(42|22)/.test(e.sqlState)) return undefined;
    const text = (e.sqlMessage ?? e.message).replace(/\s*\n\s*/g, ' ');
    // ER_PARSE_ERROR's long "check the manual..." sentence, as PostgreSQL says it.
    const near = /right syntax to use near '(.*)' at line \d+$/s.exec(text);
    if (e.errno === 1064 && near) return near[1] ? `syntax error near "${near[1]}"` : 'syntax error at the end of the text';
    return text;
  },
  async connect(cfg: ConnectionConfig): Promise<MysqlSession> {
    let conn: RawConnection;
    try {
      conn = await openConnection(cfg);
    } catch (err) {
      throw connectError(cfg, err);
    }
    const run = (sql: string): Promise<unknown> =>
      new Promise((resolve, reject) => conn.query({ sql, rowsAsArray: true }, (err, rows) => (err ? reject(err) : resolve(rows))));
    try {
      // serverTimezone in JDBC URLs is ignored: the session is UTC, so TIMESTAMP columns read
      // and write as UTC and DATETIME columns are taken as they are.
      await run("SET time_zone = '+00:00'");
      const rows = (await run('SELECT @@max_allowed_packet, @@sql_mode, @@local_infile, @@version')) as unknown[][];
      const [packet, sqlMode, localInfile, version] = rows[0] ?? [];
      const modes = String(sqlMode ?? '').split(',').filter(Boolean);
      // Escaped literals use backslashes (mysql2's escape): NO_BACKSLASH_ESCAPES would turn them into data.
      const wanted = modes.filter((m) => m !== 'NO_BACKSLASH_ESCAPES');
      // Without a strict mode the server truncates a too-long value or turns NULL into '' with
      // only a warning: the row would be changed silently instead of becoming a dirty record.
      if (!wanted.some((m) => m.startsWith('STRICT_'))) wanted.push('STRICT_ALL_TABLES');
      if (wanted.length !== modes.length || wanted.some((m, i) => m !== modes[i])) await run(`SET SESSION sql_mode = ${escape(wanted.join(','))}`);
      return new MysqlSession(conn, cfg, Number(packet) || 4 * 1024 * 1024, Number(localInfile) === 1, String(version ?? ''));
    } catch (err) {
      conn.destroy();
      throw connectError(cfg, err);
    }
  },
} satisfies Dialect;
