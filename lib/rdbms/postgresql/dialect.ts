/**
 * PostgreSQL for the shared rdbms reader and writer (lib/rdbms/dialect.ts), on node-postgres.
 *
 * - One pg.Client per session; the session speaks ISO dates, UTC and full float precision, so
 *   the text PostgreSQL sends reads back to exactly the value stored (types.ts).
 * - stream(): `COPY (query) TO STDOUT` in text format, parsed by copy-text.ts, or a cursor
 *   (DECLARE / FETCH n in a transaction) when the URL says `ferryStream=cursor`. Both hold one
 *   batch in memory. COPY is the default: ~3x the cursor's rows/s on a 6-column table
 *   (spec/rdbms/postgresql/bench.ts: 1.02M vs 0.34M rows/s, the same run), and close to what
 *   `psql -c "COPY t TO STDOUT"` gets from the server. Leaving early or aborting sends a
 *   CancelRequest, so a big query stops at once and the session stays usable.
 * - writer(): mode insert is one `COPY t (cols) FROM STDIN` per batch (one statement, so one
 *   transaction); update and replace are multi-row `INSERT ... ON CONFLICT (keys) DO UPDATE`
 *   with parameters (prepared, at most 1000 rows and 65535 parameters a statement), one
 *   transaction per batch; duplicate keys in a batch are reduced to the last row. PostgreSQL
 *   has no REPLACE: replace is update. Column names given in another case than the table's
 *   are matched when unambiguous; the table name is quoted as given (case matters).
 * - Values reach the server as COPY text or as parameters, never inside SQL text.
 */
import { connect as netConnect } from 'node:net';
import { finished } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { CopyStreamQuery, CopyToStreamQuery } from 'pg-copy-streams';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommitUnknownError, FerryError, PluginError, RecordError } from '../../errors.js';
import { DateTime, Decimal } from '../../../channel/value.js';
import type { Row, Value } from '../../../channel/value.js';
import { CHECKPOINT_TABLE, type ColumnInfo, type ConnectionConfig, type DbSession, type Dialect, type TableWriter, type WriterOptions } from '../dialect.js';
import type { Checkpoint } from '../../plugin/spi.js';
import { BINARY_HEADER, BINARY_TRAILER, BinaryTupleCutter, binaryTuples } from './copy-binary.js';
import type { RecordCodec } from '../pass-through.js';
import { CopyTextDecoder, NulCharacterError, checkNul, countLines, escapeCopyText } from './copy-text.js';
import { DateFormatter, byteaText, converterFor, isKnownOid, numberText, targetKind, utf8Text } from './types.js';
import type { Converter, TargetKind } from './types.js';

const { Client } = pg;
type PgClient = InstanceType<typeof Client>;

/** Rows per yielded batch (COPY) or per FETCH (cursor) when the job gives no fetchSize. */
export const DEFAULT_FETCH_SIZE = 2048;
/** PostgreSQL's limit of bind parameters in one statement. */
const MAX_PARAMS = 65535;
/**
 * Rows per upsert statement at most. Measured (bench.ts, 6 columns): prepared statements of
 * 500-2000 rows run ~130-160k rows/s; one 8192-row statement parsed each time ~85k; 100 rows ~90k.
 */
const UPSERT_ROWS = 1000;
/** Statement sizes prepared per upsert writer (PostgreSQL keeps each prepared statement per session). */
const PREPARED_SIZES = 8;
/**
 * COPY text is sent in pieces of about this many characters: under V8's 128 KB large-object
 * threshold, since a bigger string is flattened into pages of its own (bench/RESULTS.md).
 */
const COPY_CHUNK_CHARS = 32 * 1024;
/** User-defined types (domains, enums, ...) have OIDs from here on. */
const FIRST_NORMAL_OID = 16384;

export type StreamMode = 'copy' | 'cursor';

// ---------------------------------------------------------------------------------------
// Identifiers

/** Splits a possibly schema-qualified name on dots outside double quotes. */
export function splitIdent(name: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    if (ch === '"') {
      if (quoted && name[i + 1] === '"') {
        cur += '""';
        i++;
        continue;
      }
      quoted = !quoted;
      cur += ch;
    } else if (ch === '.' && !quoted) {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

const QUOTED = /^"(?:[^"]|"")+"$/;

/** One identifier, quoted: "name" with " doubled; a part the user already quoted is kept. */
export function quoteName(part: string): string {
  return QUOTED.test(part) ? part : `"${part.replace(/"/g, '""')}"`;
}

export function quoteIdent(name: string): string {
  return splitIdent(name).map(quoteName).join('.');
}

// ---------------------------------------------------------------------------------------
// Errors

const RETRYABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

interface PgErrorLike extends Error {
  code?: string;
  detail?: string;
  hint?: string;
  where?: string;
  errors?: unknown[];
}

/** Whether running again may help: lost connections, timeouts, too many connections, serialization failures. */
export function isRetryable(err: unknown): boolean {
  const e = err as PgErrorLike;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (RETRYABLE_NODE_CODES.has(code)) return true;
  if (/^(08|53|40001|40P01|57P0[123])/.test(code)) return true;
  if (Array.isArray(e?.errors)) return e.errors.some(isRetryable);
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /timeout|terminated unexpectedly|Connection terminated|ECONNRESET|ECONNREFUSED/i.test(msg);
}

/** The driver's reason in one line, without the password. */
function reason(err: unknown, password: string | undefined): string {
  const e = err as PgErrorLike;
  let msg = e instanceof Error ? e.message : String(err);
  if (!msg && Array.isArray(e?.errors)) {
    // net's happy-eyeballs AggregateError carries no message of its own.
    msg = e.errors.map((x) => (x instanceof Error ? x.message : String(x))).join('; ');
  }
  if (!msg) msg = e?.code ?? 'unknown error';
  if (e?.detail) msg += ` (${e.detail})`;
  if (e?.hint) msg += ` Hint: ${e.hint}`;
  if (e?.where && /COPY/.test(e.where)) msg += ` [${e.where.split('\n')[0]}]`;
  msg = msg.replace(/\s*\n\s*/g, ' ');
  if (password) msg = msg.split(password).join('******');
  return msg;
}

/**
 * A value PostgreSQL would refuse (NUL in text), found before sending: names the column and
 * the row (1-based, within the batch). SQLSTATE 22021 is what the server itself would say.
 */
export class PgValueError extends RecordError {
  constructor(override readonly column: string, readonly row: number, problem: string, readonly value?: Value) {
    super(`column "${column}", row ${row} of the batch: ${problem}`, { dbCode: '22021', column, rowIndex: row - 1 });
    this.name = 'PgValueError';
  }
}

/**
 * SQLSTATE classes of errors caused by the values of a row, not by the connection or the
 * statement: 22 data exception (too long, out of range, bad input syntax), 23 integrity
 * constraint violation (NOT NULL, unique, foreign key, check).
 */
const RECORD_SQLSTATE = /^(22|23)/;

/** The refused row's index (0-based) from COPY's context line: "COPY t, line 12, column name: ...". */
function copyLine(where: string | undefined): number | undefined {
  const m = where ? /COPY [^\n]*?, line (\d+)/.exec(where) : null;
  return m ? Number(m[1]) - 1 : undefined;
}

function copyColumn(where: string | undefined): string | undefined {
  const m = where ? /COPY [^\n]*?, line \d+, column ([^:\n]+)/.exec(where) : null;
  return m?.[1];
}

// ---------------------------------------------------------------------------------------
// Writing values

type Escape = (s: string) => string;

/** A ferry value as PostgreSQL input text for a column of `kind`; `escape` applies COPY escaping or the NUL check. */
function formatValue(v: Value | undefined, kind: TargetKind, dates: DateFormatter, escape: Escape, copy: boolean): string | null {
  switch (typeof v) {
    case 'string':
      if (kind === 'bytea') return copy ? `\\${byteaText(Buffer.from(v, 'utf8'))}` : byteaText(Buffer.from(v, 'utf8'));
      return escape(v);
    case 'number':
      return numberText(v);
    case 'bigint':
      return String(v);
    case 'boolean':
      if (kind === 'number') return v ? '1' : '0';
      if (kind === 'text') return v ? 'true' : 'false';
      return v ? 't' : 'f';
    case 'undefined':
      return null;
    default:
      if (v === null) return null;
      if (v instanceof DateTime) return dates.dateTime(v);
      if (v instanceof Decimal) return escape(v.text);
      if (v instanceof Date) return dates.instant(v);
      if (v instanceof Uint8Array) {
        if (kind === 'bytea') return copy ? `\\${byteaText(v)}` : byteaText(v);
        return escape(utf8Text(v));
      }
      return escape(String(v));
  }
}

// ---------------------------------------------------------------------------------------
// The session

let sessionCounter = 0;

class PgSession implements DbSession {
  private closed = false;
  private dead: Error | undefined;
  private readonly baseTypes = new Map<number, number>();
  private cursorCounter = 0;
  private writerCounter = 0;
  readonly id = ++sessionCounter;

  constructor(readonly client: PgClient, readonly config: ConnectionConfig, readonly streamMode: StreamMode) {
    client.on('error', (err: Error) => {
      this.dead = err;
    });
  }

  private fail(what: string, err: unknown): FerryError {
    if (err instanceof FerryError) return err;
    const e = err as PgErrorLike & { column?: string };
    if (typeof e?.code === 'string' && RECORD_SQLSTATE.test(e.code) && this.dead === undefined) {
      return new RecordError(`PostgreSQL ${this.config.label}: ${what}: ${reason(err, this.config.password)}`, {
        dbCode: e.code,
        column: e.column ?? copyColumn(e.where),
        rowIndex: copyLine(e.where),
        cause: err,
      });
    }
    return new PluginError(`PostgreSQL ${this.config.label}: ${what}: ${reason(err, this.config.password)}`, {
      cause: err,
      retryable: isRetryable(err) || this.dead !== undefined,
    });
  }

  async query(sql: string, params?: unknown[]): Promise<unknown[][]> {
    try {
      const res = await this.client.query({ text: sql, values: params, rowMode: 'array' });
      return res.rows as unknown[][];
    } catch (err) {
      throw this.fail('query failed', err);
    }
  }

  async execute(sql: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (err) {
      throw this.fail('statement failed', err);
    }
  }

  // -- metadata -----------------------------------------------------------------------

  private async tableOid(table: string): Promise<number> {
    const quoted = quoteIdent(table);
    const res = await this.client.query({ text: 'SELECT to_regclass($1)::oid', values: [quoted], rowMode: 'array' });
    const oid = res.rows[0]?.[0];
    if (oid !== null && oid !== undefined) return Number(oid);
    let hint = '';
    const folded = splitIdent(table).map((p) => (QUOTED.test(p) ? p : p.toLowerCase())).join('.');
    if (folded !== table) {
      const other = await this.client.query({ text: 'SELECT to_regclass($1)::oid', values: [quoteIdent(folded)], rowMode: 'array' });
      if (other.rows[0]?.[0] != null) hint = `; ferry quotes names, so case matters: "${folded}" exists`;
    }
    throw new PluginError(`table "${table}" does not exist in ${this.config.label}${hint}`, { retryable: false });
  }

  async columns(table: string): Promise<ColumnInfo[]> {
    try {
      const oid = await this.tableOid(table);
      const res = await this.client.query({
        text: `SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
                 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
                ORDER BY a.attnum`,
        values: [oid],
        rowMode: 'array',
      });
      return res.rows.map((r: unknown[]) => ({ name: String(r[0]), dbType: String(r[1]).toLowerCase(), nullable: r[2] === true }));
    } catch (err) {
      throw this.fail(`reading the columns of "${table}"`, err);
    }
  }

  async estimatedRows(table: string): Promise<number | undefined> {
    const oid = await this.tableOid(table);
    // reltuples is -1 (PostgreSQL 14+) or 0 for a table never vacuumed or analyzed.
    const res = await this.client.query({ text: 'SELECT reltuples::float8 FROM pg_catalog.pg_class WHERE oid = $1', values: [oid], rowMode: 'array' });
    const n = Number(res.rows[0]?.[0]);
    return n > 0 ? Math.round(n) : undefined;
  }

  async keyColumns(table: string): Promise<string[]> {
    try {
      const oid = await this.tableOid(table);
      // The primary key, else the oldest valid, non-partial unique index without expressions.
      const res = await this.client.query({
        text: `SELECT i.indexrelid::int8, a.attname
                 FROM pg_catalog.pg_index i
                 CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
                  AND i.indexprs IS NULL AND k.ord <= i.indnkeyatts
                ORDER BY i.indisprimary DESC, i.indexrelid, k.ord`,
        values: [oid],
        rowMode: 'array',
      });
      const first = res.rows[0]?.[0];
      return res.rows.filter((r: unknown[]) => r[0] === first).map((r: unknown[]) => String(r[1]));
    } catch (err) {
      throw this.fail(`reading the keys of "${table}"`, err);
    }
  }

  /** Base type OIDs for domains among `oids` (cached per session). */
  private async resolveDomains(oids: number[]): Promise<void> {
    let todo = oids.filter((o) => o >= FIRST_NORMAL_OID && !this.baseTypes.has(o));
    for (let depth = 0; todo.length > 0 && depth < 8; depth++) {
      const res = await this.client.query({
        text: `SELECT oid::int8, typbasetype::int8 FROM pg_catalog.pg_type WHERE oid = ANY($1::oid[])`,
        values: [todo],
        rowMode: 'array',
      });
      const next: number[] = [];
      for (const oid of todo) this.baseTypes.set(oid, oid);
      for (const r of res.rows as unknown[][]) {
        const oid = Number(r[0]);
        const base = Number(r[1]);
        if (base !== 0) {
          this.baseTypes.set(oid, base);
          if (base >= FIRST_NORMAL_OID && !this.baseTypes.has(base)) next.push(base);
        }
      }
      todo = next;
    }
  }

  private baseOid(oid: number): number {
    let o = oid;
    for (let i = 0; i < 8; i++) {
      const b = this.baseTypes.get(o);
      if (b === undefined || b === o) return o;
      o = b;
    }
    return o;
  }

  private async converters(oids: number[]): Promise<Converter[]> {
    if (oids.some((o) => o >= FIRST_NORMAL_OID && !isKnownOid(o))) await this.resolveDomains(oids);
    return oids.map((o) => converterFor(this.baseOid(o)));
  }

  // -- reading ------------------------------------------------------------------------

  stream(sql: string, options: { fetchSize?: number | undefined; signal?: AbortSignal | undefined }): AsyncIterable<Row[]> {
    return this.streamMode === 'cursor' ? this.streamCursor(sql, options) : this.streamCopy(sql, options);
  }

  /** COPY (sql) TO STDOUT, parsed as it arrives; `fetchSize` rows per batch. */
  async *streamCopy(sql: string, options: { fetchSize?: number | undefined; signal?: AbortSignal | undefined }): AsyncGenerator<Row[]> {
    const { signal } = options;
    const batchSize = Math.max(1, options.fetchSize ?? DEFAULT_FETCH_SIZE);
    const body = stripStatementEnd(sql);
    if (signal?.aborted) return;
    let converters: Converter[];
    try {
      const described = await this.client.query({ text: `SELECT * FROM (\n${body}\n) ferry_describe LIMIT 0`, rowMode: 'array' });
      converters = await this.converters(described.fields.map((f) => f.dataTypeID));
    } catch (err) {
      throw this.fail('query failed', err);
    }
    if (signal?.aborted) return;
    const decoder = new CopyTextDecoder(converters);
    let rows: Row[] = [];
    for await (const chunk of this.copyOut(body, signal)) {
      try {
        decoder.push(chunk, rows);
      } catch (err) {
        throw this.fail('reading the COPY data', err);
      }
      if (rows.length >= batchSize) {
        let i = 0;
        for (; rows.length - i >= batchSize; i += batchSize) {
          yield rows.length === batchSize ? rows : rows.slice(i, i + batchSize);
          if (signal?.aborted) return;
        }
        rows = i === rows.length ? [] : rows.slice(i);
      }
    }
    if (signal?.aborted) return;
    try {
      decoder.end();
    } catch (err) {
      throw this.fail('reading the COPY data', err);
    }
    if (rows.length > 0) yield rows;
  }

  /**
   * COPY (sql) TO STDOUT as whole lines of COPY text, not parsed: the pass-through. Each piece
   * is as the socket gave it, cut after its last newline.
   */
  async *streamText(sql: string, options: { signal?: AbortSignal | undefined; binary?: boolean }): AsyncGenerator<{ text: Buffer; lines: number; last?: number }> {
    const { signal } = options;
    if (options.binary) {
      yield* this.streamBinary(sql, signal);
      return;
    }
    let carry: Buffer | undefined;
    for await (const chunk of this.copyOut(stripStatementEnd(sql), signal)) {
      const nl = chunk.lastIndexOf(10);
      if (nl < 0) {
        carry = carry ? Buffer.concat([carry, chunk]) : chunk;
        continue;
      }
      const whole = carry ? Buffer.concat([carry, chunk.subarray(0, nl + 1)]) : chunk.subarray(0, nl + 1);
      carry = nl + 1 < chunk.length ? chunk.subarray(nl + 1) : undefined;
      yield { text: whole, lines: countLines(whole) };
      if (signal?.aborted) return;
    }
    if (signal?.aborted) return;
    if (carry && carry.length > 0) throw this.fail('reading the COPY data', new Error('the COPY data ended in the middle of a row'));
  }

  /** COPY (sql) TO STDOUT (FORMAT binary) as pieces of whole tuples (copy-binary.ts). */
  private async *streamBinary(sql: string, signal: AbortSignal | undefined): AsyncGenerator<{ text: Buffer; lines: number; last: number }> {
    const cutter = new BinaryTupleCutter();
    for await (const chunk of this.copyOut(stripStatementEnd(sql), signal, ' (FORMAT binary)')) {
      let piece;
      try {
        piece = cutter.push(chunk);
      } catch (err) {
        throw this.fail('reading the COPY data', err);
      }
      if (piece) yield piece;
      if (signal?.aborted) return;
    }
    if (signal?.aborted) return;
    if (!cutter.ended) throw this.fail('reading the COPY data', new Error('the binary COPY data ended in the middle of a row'));
  }

  /** The raw chunks of COPY (body) TO STDOUT; leaving early or aborting cancels the COPY. */
  private async *copyOut(body: string, signal: AbortSignal | undefined, options = ''): AsyncGenerator<Buffer> {
    if (signal?.aborted) return;
    const copy = this.client.query(copyTo(`COPY (\n${body}\n) TO STDOUT${options}`));
    // Listens from the start for good: the iterator's own listener
    // goes with it.return(), and a cancelled COPY still answers 57014 after that; with no
    // listener that 'error' event would kill the thread. The iterator reports errors it sees.
    copy.on('error', noop);
    let ended = false;
    let errored = false;
    let cancelling: Promise<void> | undefined;
    const onAbort = (): void => {
      cancelling ??= this.cancel();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const it = copy.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
    try {
      for (;;) {
        let next: IteratorResult<Buffer>;
        try {
          next = await it.next();
        } catch (err) {
          errored = true;
          if (signal?.aborted) return;
          throw this.fail('query failed', err);
        }
        if (next.done) break;
        yield next.value;
        if (signal?.aborted) return;
      }
      ended = true;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!ended && !errored) {
        await it.return?.(); // lets go of the stream without destroying it (that would wedge the connection)
        await this.stopCopy(copy, cancelling);
      } else if (cancelling) await cancelling;
      await untilIdle(this.client);
    }
  }

  /** Stops a COPY TO that the consumer left: cancels it and reads what is still in flight. */
  private async stopCopy(copy: CopyToStreamQuery, cancelling: Promise<void> | undefined): Promise<void> {
    if (copy.readableEnded || copy.destroyed || copy.errored) return;
    // Listening before the cancel goes out: the COPY may end on its own while the cancel
    // request is on its way, and its 'end' and 'close' are not emitted again for a late listener.
    const settled = new Promise<void>((resolve) => {
      const done = (): void => resolve();
      copy.once('end', done);
      copy.once('error', done);
      copy.once('close', done);
    });
    copy.on('data', noop);
    copy.resume();
    await (cancelling ?? this.cancel());
    await settled;
  }

  /** Sends a CancelRequest for whatever this connection runs (PostgreSQL ignores it when idle). */
  private cancel(): Promise<void> {
    const { processID, secretKey } = this.client as unknown as { processID: number | null; secretKey: number | null };
    if (processID === null || secretKey === null) return Promise.resolve();
    const host = this.config.host;
    return new Promise<void>((resolve) => {
      const socket = host.startsWith('/') ? netConnect(`${host}/.s.PGSQL.${this.config.port}`) : netConnect(this.config.port, host);
      const msg = Buffer.alloc(16);
      msg.writeInt32BE(16, 0);
      msg.writeInt32BE(80877102, 4);
      msg.writeInt32BE(processID, 8);
      msg.writeInt32BE(secretKey, 12);
      socket.setTimeout(5000, () => socket.destroy());
      socket.once('connect', () => socket.end(msg));
      socket.once('error', () => resolve());
      socket.once('close', () => resolve());
      socket.resume();
    });
  }

  /** DECLARE c NO SCROLL CURSOR FOR sql; FETCH fetchSize FROM c ... inside a transaction. */
  async *streamCursor(sql: string, options: { fetchSize?: number | undefined; signal?: AbortSignal | undefined }): AsyncGenerator<Row[]> {
    const { signal } = options;
    const fetchSize = Math.max(1, options.fetchSize ?? DEFAULT_FETCH_SIZE);
    const body = stripStatementEnd(sql);
    if (signal?.aborted) return;
    const name = `ferry_cursor_${++this.cursorCounter}`;
    const ownTx = this.client.getTransactionStatus() !== 'T';
    let open = false;
    let clean = false;
    const raw = { getTypeParser: () => (s: string) => s };
    // A cancel request only while a FETCH runs, and awaited before the next statement, so it
    // cannot land on a later one.
    let fetching = false;
    let cancelling: Promise<void> | undefined;
    const onAbort = (): void => {
      if (fetching) cancelling ??= this.cancel();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const fetchRows = async <T,>(config: pg.QueryConfig & { rowMode: 'array'; types: T }): Promise<pg.QueryArrayResult> => {
      fetching = true;
      try {
        return await this.client.query(config as pg.QueryArrayConfig);
      } finally {
        fetching = false;
        if (cancelling) await cancelling;
      }
    };
    try {
      if (ownTx) await this.client.query('BEGIN');
      await this.client.query(`DECLARE ${name} NO SCROLL CURSOR FOR\n${body}\n`);
      open = true;
      const fetch = `FETCH ${fetchSize} FROM ${name}`;
      // The first FETCH gives the field types; its rows are converted here, later ones by pg's parsers.
      const first = await fetchRows({ text: fetch, rowMode: 'array', types: raw });
      const converters = await this.converters(first.fields.map((f) => f.dataTypeID));
      const byOid = new Map(first.fields.map((f, i) => [f.dataTypeID, converters[i]!]));
      const types = { getTypeParser: (oid: number) => byOid.get(oid) ?? converterFor(this.baseOid(oid)) };
      let rows = first.rows as Row[];
      for (const r of rows) for (let c = 0; c < r.length; c++) if (r[c] !== null) r[c] = converters[c]!(r[c] as string);
      for (;;) {
        if (rows.length > 0) yield rows;
        if (rows.length < fetchSize || signal?.aborted) break;
        const res = await fetchRows({ text: fetch, rowMode: 'array', types });
        rows = res.rows as Row[];
      }
      await this.client.query(`CLOSE ${name}`);
      open = false;
      if (ownTx) await this.client.query('COMMIT');
      clean = true;
    } catch (err) {
      if (signal?.aborted) return;
      throw this.fail('query failed', err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (cancelling) await cancelling;
      if (!clean && !this.closed) {
        // Left early or failed: end what was opened; errors here must not hide the first one.
        try {
          if (ownTx) await this.client.query('ROLLBACK');
          else if (open) await this.client.query(`CLOSE ${name}`);
        } catch {
          /* the connection is gone or the transaction is already aborted */
        }
      }
    }
  }

  // -- writing ------------------------------------------------------------------------

  async writer(options: WriterOptions): Promise<TableWriter> {
    const info = await this.columns(options.table);
    const byName = new Map(info.map((c) => [c.name, c]));
    const wanted = options.columns.length === 1 && options.columns[0] === '*' ? info.map((c) => c.name) : options.columns;
    const cols = wanted.map((name) => {
      const exact = byName.get(name) ?? byName.get(name.replace(/^"(.*)"$/, '$1').replace(/""/g, '"'));
      if (exact) return exact;
      const folded = info.filter((c) => c.name.toLowerCase() === name.toLowerCase());
      if (folded.length === 1) return folded[0]!;
      throw new PluginError(`column "${name}" is not in table "${options.table}" (${this.config.label}); its columns: ${info.map((c) => c.name).join(', ')}`, { retryable: false });
    });
    if (cols.length === 0) throw new PluginError(`no columns to write into "${options.table}"`, { retryable: false });
    const table = quoteIdent(options.table);
    if (options.mode === 'insert') return new CopyWriter(this, table, cols, options.passThrough === 'postgresql-copy-binary');
    let keys = options.conflictColumns && options.conflictColumns.length > 0 ? options.conflictColumns : await this.keyColumns(options.table);
    if (keys.length === 0) {
      throw new PluginError(
        `writeMode ${options.mode} needs key columns, and table "${options.table}" has no primary key or unique index: set conflictColumns (the columns of a unique constraint) in the writer's parameter, or use writeMode insert`,
        { retryable: false },
      );
    }
    keys = keys.map((k) => {
      const c = cols.find((x) => x.name === k) ?? cols.find((x) => x.name.toLowerCase() === k.toLowerCase());
      if (!c) throw new PluginError(`key column "${k}" of "${options.table}" is not among the columns written (${cols.map((x) => x.name).join(', ')}); writeMode ${options.mode} needs it`, { retryable: false });
      return c.name;
    });
    return new UpsertWriter(this, table, cols, keys, `ferry_s${this.id}_w${++this.writerCounter}`);
  }

  failWrite(what: string, err: unknown): FerryError {
    return this.fail(what, err);
  }

  // -- checkpoints (setting.restore) ---------------------------------------------------

  async ensureCheckpointTable(): Promise<void> {
    await this.execute(`CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (job text NOT NULL, task int NOT NULL, value text NOT NULL, rows bigint NOT NULL, done boolean NOT NULL, updated timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (job, task))`);
  }

  async saveCheckpoint(cp: Checkpoint): Promise<void> {
    try {
      await this.client.query({
        text: `INSERT INTO ${CHECKPOINT_TABLE} (job, task, value, rows, done) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job, task) DO UPDATE SET value = EXCLUDED.value, rows = EXCLUDED.rows, done = EXCLUDED.done, updated = now()`,
        values: [cp.job, cp.task, cp.value, cp.rows, cp.done],
      });
    } catch (err) {
      throw this.fail('saving the checkpoint', err);
    }
  }

  async checkpoints(job: string): Promise<Map<number, Checkpoint>> {
    const out = new Map<number, Checkpoint>();
    const [[exists]] = (await this.query('SELECT to_regclass($1) IS NOT NULL', [CHECKPOINT_TABLE])) as [[boolean]];
    if (!exists) return out;
    for (const [task, value, rows, done] of await this.query(`SELECT task, value, rows::text, done FROM ${CHECKPOINT_TABLE} WHERE job = $1`, [job])) {
      out.set(Number(task), { job, task: Number(task), value: String(value), rows: Number(rows), done: done === true });
    }
    return out;
  }

  async resetCheckpoints(job: string): Promise<void> {
    await this.query(`DELETE FROM ${CHECKPOINT_TABLE} WHERE job = $1`, [job]);
  }

  /** BEGIN; the token is the transaction's id and the backend's pid: what settle() needs if the COMMIT's answer is lost. */
  async begin(): Promise<string> {
    const results = (await this.client.query("BEGIN; SELECT txid_current()::text || ':' || pg_backend_pid() AS token")) as unknown as pg.QueryResult[];
    return String((results[1]?.rows[0] as { token?: unknown } | undefined)?.token);
  }

  /** COMMIT; a connection lost on the way is a CommitUnknownError: the batch may be in. */
  async commitTransaction(token: string, what: string): Promise<void> {
    try {
      await this.client.query('COMMIT');
    } catch (err) {
      const e = this.fail(what, err);
      if (e.retryable) throw new CommitUnknownError(`${e.message} (while committing)`, token, err);
      throw e;
    }
  }

  /** Rolls back after a failed batch, when the connection is still there to do it. */
  async rollback(): Promise<void> {
    if (this.dead === undefined && this.client.getTransactionStatus() !== 'I') await this.client.query('ROLLBACK').catch(() => {});
  }

  /**
   * Whether the transaction of `token` committed, asked on this (new) connection. While the
   * old backend still runs it, the backend is ended first, so that the answer is final.
   */
  async settle(token: string): Promise<boolean> {
    const [xid, pid] = token.split(':');
    const deadline = Date.now() + 30_000;
    for (let terminated = false; ; ) {
      const res = await this.client.query({ text: 'SELECT txid_status($1::bigint)', values: [xid], rowMode: 'array' });
      const status = res.rows[0]?.[0];
      if (status === 'committed') return true;
      if (status !== 'in progress') return false; // aborted (a NULL would mean older than the commit log keeps: not within one run)
      if (!terminated) {
        await this.client.query({ text: 'SELECT pg_terminate_backend($1::int)', values: [pid] }).catch(() => {});
        terminated = true;
      }
      if (Date.now() > deadline) throw new FerryError('FERRY_PLUGIN_ERROR', `PostgreSQL ${this.config.label}: transaction ${xid} of a lost connection is still in progress after 30 s`);
      await sleep(100);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const socket = (this.client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.client.end().catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 2000);
          timer.unref();
        }),
      ]);
    } catch {
      /* never throws */
    } finally {
      if (timer) clearTimeout(timer);
      try {
        socket?.destroy();
      } catch {
        /* already gone */
      }
    }
  }
}

/**
 * Resolves when the client can take the next query at once (pg has read ReadyForQuery), or
 * the connection is gone. A COPY stream ends or fails before ReadyForQuery is read; waiting
 * keeps the caller's next statement from being queued behind it (which pg deprecates).
 */
/** The 'error' listener of a stream whose errors reach the code some other way. */
function noop(): void {}

function untilIdle(client: PgClient): Promise<void> {
  const state = client as unknown as { readyForQuery?: boolean; _ending?: boolean; _queryable?: boolean };
  if (state.readyForQuery === true || state._ending === true || state._queryable === false) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      client.off('drain', done);
      client.off('end', done);
      client.off('error', done);
      resolve();
    };
    client.once('drain', done);
    client.once('end', done);
    client.once('error', done);
  });
}

/** Drops a trailing semicolon (and space) so the query can sit inside COPY (...) or a subquery. */
function stripStatementEnd(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

// ---------------------------------------------------------------------------------------
// Writers

class CopyWriter implements TableWriter {
  private readonly kinds: TargetKind[];
  private readonly names: string[];
  private readonly sql: string;
  private readonly dates = new DateFormatter();

  /** binary: the pass-through sends binary COPY tuples (copy-binary.ts), framed here by a header and a trailer per batch. */
  readonly records: RecordCodec | undefined;

  constructor(private readonly session: PgSession, private readonly table: string, cols: ColumnInfo[], private readonly binary = false) {
    this.kinds = cols.map((c) => targetKind(c.dbType));
    this.names = cols.map((c) => c.name);
    this.sql = `COPY ${table} (${cols.map((c) => quoteName(c.name)).join(', ')}) FROM STDIN${binary ? ' (FORMAT binary)' : ''}`;
    this.records = binary ? binaryTuples(cols.map((c) => c.dbType)) : undefined;
  }

  /** The COPY of the open batch, and its completion; the batch's transaction. */
  private copy: CopyStreamQuery | undefined;
  private token = '';
  private serverError: Error | undefined;
  private done: Promise<void> | undefined;
  /** Rows of the open batch so far, for error messages (row numbers within the batch). */
  private rowsInBatch = 0;

  async writeBatch(rows: Row[], checkpoint?: Checkpoint): Promise<void> {
    if (rows.length === 0) return;
    await this.add(rows);
    await this.commit(checkpoint);
  }

  /** Opens the batch's transaction and COPY, when none is open. */
  private async open(): Promise<void> {
    if (this.copy) return;
    // An explicit transaction rather than COPY's own: its id tells, after a connection lost
    // during COMMIT, whether the batch is in.
    try {
      this.token = await this.session.begin();
    } catch (err) {
      throw this.session.failWrite(`cannot begin a transaction on ${this.table}`, err);
    }
    const copy = this.session.client.query(copyFrom(this.sql));
    // Keep the server's own error: after it, pg-copy-streams has dropped its connection, and a
    // later write or end() fails with a TypeError that would hide the reason (and the row).
    this.serverError = undefined;
    const query = copy as CopyStreamQuery & { handleError(e: Error): void };
    const handleError = query.handleError.bind(copy);
    query.handleError = (e: Error) => {
      this.serverError ??= e;
      handleError(e);
    };
    this.copy = copy;
    this.done = finished(this.copy);
    this.done.catch(() => {}); // observed in commit() or fail(); avoids an unhandled rejection meanwhile
    this.rowsInBatch = 0;
    if (this.binary) copy.write(BINARY_HEADER);
  }

  /**
   * Pass-through: `lines` whole lines of COPY text, from a PostgreSQL COPY TO of the same
   * column types, written into the open COPY as they are.
   */
  async addText(text: Buffer, lines: number): Promise<void> {
    await this.open();
    try {
      if (!this.copy!.write(text)) await this.drained();
      this.rowsInBatch += lines;
    } catch (err) {
      await this.fail(err);
    }
  }

  /**
   * Sends rows into the open batch's COPY (opening one if needed): the rows are formatted and
   * sent at once, as frames arrive, rather than all at commit (the shared BatchWriter keeps the
   * batch's encoded frames, to write it again after a lost connection or isolate a refused row).
   */
  async add(rows: Row[]): Promise<void> {
    if (rows.length === 0) return;
    await this.open();
    const copy = this.copy!;
    const kinds = this.kinds;
    const n = kinds.length;
    const dates = this.dates;
    let buf = '';
    let r = 0;
    try {
      for (; r < rows.length; r++) {
        const row = rows[r]!;
        let line = '';
        for (let c = 0; c < n; c++) {
          const f = formatValue(row[c], kinds[c]!, dates, escapeCopyText, true);
          line += c === 0 ? (f ?? '\\N') : `\t${f ?? '\\N'}`;
        }
        buf += `${line}\n`;
        if (buf.length >= COPY_CHUNK_CHARS) {
          const ok = copy.write(buf);
          buf = '';
          if (!ok) await this.drained();
        }
      }
      if (buf.length > 0 && !copy.write(buf)) await this.drained();
      this.rowsInBatch += rows.length;
    } catch (err) {
      await this.fail(err instanceof NulCharacterError ? this.valueError(rows[r]!, this.rowsInBatch + r, err.message) : err);
    }
  }

  /**
   * Waits until the open COPY takes more, or throws its failure. A connection lost while a write
   * was still waiting for the socket never drains, and its error may have been emitted already,
   * while this task waited for the reader: waiting for 'drain' alone hung the task for good.
   */
  private async drained(): Promise<void> {
    const copy = this.copy!;
    let onDrain: (() => void) | undefined;
    const drain = new Promise<void>((resolve) => {
      onDrain = resolve;
      copy.once('drain', resolve);
    });
    try {
      await Promise.race([drain, this.done!]);
    } finally {
      copy.off('drain', onDrain!);
    }
  }

  /** Ends the open batch's COPY: the server commits it. */
  async commit(checkpoint?: Checkpoint): Promise<void> {
    const copy = this.copy;
    if (!copy) return;
    try {
      copy.end(this.binary ? BINARY_TRAILER : undefined);
      await this.done;
      this.copy = undefined;
    } catch (err) {
      await this.fail(err);
    }
    if (checkpoint) {
      try {
        await this.session.saveCheckpoint(checkpoint);
      } catch (err) {
        await this.session.rollback();
        throw err;
      }
    }
    await this.session.commitTransaction(this.token, `COPY into ${this.table} failed`);
  }

  settle(token: string): Promise<boolean> {
    return this.session.settle(token);
  }

  /** Aborts the open COPY (CopyFail: the server rolls the batch back) and throws. */
  private async fail(failure: unknown): Promise<never> {
    const copy = this.copy;
    this.copy = undefined;
    const err = failure instanceof FerryError ? failure : (this.serverError ?? failure);
    if (copy && !copy.destroyed) {
      copy.destroy(err instanceof Error ? err : new Error(String(err)));
      await this.done?.catch(() => {});
    }
    await untilIdle(this.session.client);
    await this.session.rollback();
    if (err instanceof FerryError) throw err;
    throw this.session.failWrite(`COPY into ${this.table} failed`, err);
  }

  private valueError(row: Row, r: number, problem: string): PgValueError {
    for (let c = 0; c < this.names.length; c++) {
      const v = row[c];
      const s = typeof v === 'string' ? v : v instanceof Decimal ? v.text : v instanceof Uint8Array ? utf8Text(v) : '';
      if (s.includes('\0')) return new PgValueError(this.names[c]!, r + 1, problem, v ?? null);
    }
    return new PgValueError(this.names[0] ?? '?', r + 1, problem);
  }

  async close(): Promise<void> {
    // A batch still open here was not committed: roll it back rather than leave it half sent.
    if (this.copy) await this.fail(new Error('the writer closed with a batch open')).catch(() => {});
  }
}

class UpsertWriter implements TableWriter {
  private readonly kinds: TargetKind[];
  private readonly names: string[];
  private readonly keyIndexes: number[];
  private readonly rowsPerStatement: number;
  private readonly head: string;
  private readonly tail: string;
  private readonly statements = new Map<number, { text: string; name?: string }>();
  private readonly dates = new DateFormatter();

  constructor(private readonly session: PgSession, private readonly table: string, cols: ColumnInfo[], keys: string[], private readonly statementName: string) {
    this.kinds = cols.map((c) => targetKind(c.dbType));
    this.names = cols.map((c) => c.name);
    this.keyIndexes = keys.map((k) => this.names.indexOf(k));
    this.rowsPerStatement = Math.max(1, Math.min(UPSERT_ROWS, Math.floor(MAX_PARAMS / cols.length)));
    this.head = `INSERT INTO ${table} (${cols.map((c) => quoteName(c.name)).join(', ')}) VALUES `;
    const rest = this.names.filter((c) => !keys.includes(c));
    const target = keys.map(quoteName).join(', ');
    this.tail = rest.length === 0
      ? ` ON CONFLICT (${target}) DO NOTHING`
      : ` ON CONFLICT (${target}) DO UPDATE SET ${rest.map((c) => `${quoteName(c)} = EXCLUDED.${quoteName(c)}`).join(', ')}`;
  }

  /** The statement for `rows` rows and its prepared name (a few sizes are prepared, others sent unnamed). */
  private statement(rows: number): { text: string; name?: string } {
    let st = this.statements.get(rows);
    if (st === undefined) {
      const n = this.names.length;
      const groups: string[] = new Array(rows);
      for (let r = 0, p = 1; r < rows; r++) {
        const ps: string[] = new Array(n);
        for (let c = 0; c < n; c++) ps[c] = `$${p++}`;
        groups[r] = `(${ps.join(', ')})`;
      }
      st = { text: this.head + groups.join(', ') + this.tail };
      if (this.statements.size < PREPARED_SIZES) {
        st.name = `${this.statementName}_${rows}`;
        this.statements.set(rows, st);
      }
    }
    return st;
  }

  async writeBatch(rows: Row[], checkpoint?: Checkpoint): Promise<void> {
    if (rows.length === 0) return;
    const n = this.names.length;
    const texts: (string | null)[][] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const t: (string | null)[] = new Array(n);
      for (let c = 0; c < n; c++) {
        try {
          t[c] = formatValue(row[c], this.kinds[c]!, this.dates, checkNul, false);
        } catch (err) {
          if (err instanceof NulCharacterError) throw new PgValueError(this.names[c]!, r + 1, err.message, row[c] ?? null);
          throw err;
        }
      }
      texts[r] = t;
    }
    const unique = this.lastPerKey(texts);
    const client = this.session.client;
    const ownTx = client.getTransactionStatus() !== 'T';
    let token = '';
    try {
      if (ownTx) token = await this.session.begin();
      // Even statements of at most rowsPerStatement rows: a batch of a steady size reuses the
      // same one or two prepared statements, parsed and planned once per writer.
      const statements = Math.ceil(unique.length / this.rowsPerStatement);
      const per = Math.ceil(unique.length / statements);
      for (let i = 0; i < unique.length; i += per) {
        const part = unique.slice(i, i + per);
        const values: (string | null)[] = [];
        for (const t of part) for (const v of t) values.push(v);
        await client.query({ ...this.statement(part.length), values });
      }
      if (checkpoint) await this.session.saveCheckpoint(checkpoint);
    } catch (err) {
      if (ownTx) await this.session.rollback();
      throw this.session.failWrite(`upsert into ${this.table} failed`, err);
    }
    if (ownTx) await this.session.commitTransaction(token, `upsert into ${this.table} failed`);
  }

  settle(token: string): Promise<boolean> {
    return this.session.settle(token);
  }

  /**
   * The rows with duplicate keys reduced to the last one: PostgreSQL refuses to update a row
   * twice in one statement, and the last row is what writing them in order would leave.
   */
  private lastPerKey(texts: (string | null)[][]): (string | null)[][] {
    const seen = new Map<string, number>();
    const drop: boolean[] = new Array(texts.length).fill(false);
    let dropped = 0;
    for (let r = 0; r < texts.length; r++) {
      const t = texts[r]!;
      let key = '';
      let hasNull = false;
      for (const k of this.keyIndexes) {
        const v = t[k];
        if (v === null || v === undefined) {
          hasNull = true; // NULL never conflicts
          break;
        }
        key += `${v}\0`;
      }
      if (hasNull) continue;
      const prev = seen.get(key);
      if (prev !== undefined) {
        drop[prev] = true;
        dropped++;
      }
      seen.set(key, r);
    }
    return dropped === 0 ? texts : texts.filter((_, r) => !drop[r]);
  }

  async close(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------
// Connecting

function sslOption(params: Record<string, string>): pg.ClientConfig['ssl'] {
  const mode = (params.sslmode ?? '').toLowerCase();
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return undefined;
  if (mode === 'require') return { rejectUnauthorized: false };
  if (mode === 'verify-ca' || mode === 'verify-full') return true;
  if ((params.ssl ?? '').toLowerCase() === 'true') return true;
  return undefined;
}

/** The session settings that make the text PostgreSQL sends unambiguous (types.ts relies on them). */
const SESSION_SQL = "SET DateStyle = ISO; SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = hex";

export const postgresqlDialect: Dialect = {
  name: 'postgresql',
  defaultPort: 5432,
  quoteIdent,
  // E'' whatever standard_conforming_strings says: backslashes and quotes doubled.
  quoteLiteral: (value) => `E'${checkNul(value).replaceAll('\\', '\\\\').replaceAll("'", "''")}'`,
  asText: (expr) => `(${expr})::text`,
  refusal(err) {
    const e = (err as Error)?.cause as PgErrorLike | undefined;
    if (typeof e?.code !== 'string' || !/^(42|22)/.test(e.code)) return undefined;
    return e.message.replace(/^syntax error at or near/, 'syntax error near').replace(/\s*\n\s*/g, ' ');
  },
  async connect(cfg: ConnectionConfig): Promise<DbSession> {
    const seconds = Number(cfg.params.connectTimeout ?? cfg.params.loginTimeout ?? 10);
    const client = new Client({
      host: cfg.host,
      port: cfg.port,
      database: cfg.database,
      user: cfg.user,
      password: cfg.password,
      application_name: cfg.params.ApplicationName ?? 'ferry',
      connectionTimeoutMillis: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 10_000,
      keepAlive: true,
      ssl: sslOption(cfg.params),
    });
    let lastError: unknown;
    client.on('error', (err: Error) => {
      lastError = err;
    });
    try {
      await client.connect();
      await client.query(SESSION_SQL);
      const schema = cfg.params.currentSchema ?? cfg.params.searchpath;
      if (schema) await client.query({ text: "SELECT set_config('search_path', $1, false)", values: [schema] });
    } catch (err) {
      const who = cfg.user ?? (client as unknown as { user?: string }).user ?? '(default user)';
      client.end().catch(() => {});
      throw new FerryError('FERRY_PLUGIN_ERROR', `cannot connect to PostgreSQL at ${cfg.label} as ${who}: ${reason(err ?? lastError, cfg.password)}`, {
        cause: err,
        retryable: isRetryable(err),
      });
    }
    const mode: StreamMode = (cfg.params.ferryStream ?? '').toLowerCase() === 'cursor' ? 'cursor' : 'copy';
    return new PgSession(client, cfg, mode);
  },
};

export type { PgSession };
