/**
 * Writes batches into one MySQL table, one transaction per batch.
 *
 * - insert:  INSERT INTO t (cols) VALUES (...),(...)
 * - replace: REPLACE INTO t (cols) VALUES ...
 * - update:  INSERT ... ON DUPLICATE KEY UPDATE c = VALUES(c) for the columns outside the key
 *
 * Statements hold at most batchSize rows and batchBytes bytes, and stay below the server's
 * max_allowed_packet. Every value is a literal escaped by mysql2 or a number checked to be one.
 *
 * The 'load' method, for insert and replace: one LOAD DATA LOCAL INFILE per batch, its data
 * streamed as the batch's rows arrive (add/addText, then commit), never a file. It is the default
 * where the server allows local_infile: it costs the server ~20% less CPU a row than INSERT's
 * parser (bench/RESULTS.md, 2026-12-06). LOCAL turns a refused row (duplicate key, bad value)
 * into a warning and goes on, so a batch with a warning (other than notes, which INSERT takes
 * too) is rolled back and refused as a whole. What the batch writer writes again — after a lost
 * connection, or to isolate a refused row — goes through writeBatch / writeText, which INSERT:
 * the server then names the row and its reason exactly as on the INSERT path.
 */
import { Readable } from 'node:stream';
import type { Row } from '../../../channel/value.js';
import { randomBytes } from 'node:crypto';
import { CommitUnknownError, FerryError, RecordError } from '../../errors.js';
import type { TableWriter, WriterOptions } from '../dialect.js';
import type { Checkpoint } from '../../plugin/spi.js';
import { sqlLiteral, tsvField } from './convert.js';
import type { MysqlSession, OkResult } from './dialect.js';
import { queryError, warningName } from './errors.js';
import { quoteIdent, splitIdent } from './ident.js';
import { copyFields } from '../postgresql/copy-text.js';

export type WriteMethod = 'insert' | 'load';

/** The method writer() uses for modes insert and replace, when the session allows LOAD DATA LOCAL. */
export const DEFAULT_WRITE_METHOD: WriteMethod = 'load';

/** Whether a writer of this mode on this session loads (LOAD DATA LOCAL) or inserts, and why: for --explain and the log. */
export function loadChoice(session: Pick<MysqlSession, 'localInfile'>, mode: WriterOptions['mode'], method: WriteMethod = DEFAULT_WRITE_METHOD): { load: boolean; why: string } {
  if (mode === 'update') return { load: false, why: 'writeMode update needs ON DUPLICATE KEY UPDATE, which LOAD DATA has not' };
  if (method !== 'load') return { load: false, why: 'the INSERT method was chosen' };
  if (!session.localInfile) return { load: false, why: 'the server has local_infile OFF (SET GLOBAL local_infile = 1 allows LOAD DATA LOCAL, the faster path)' };
  return { load: true, why: 'the server allows local_infile' };
}

const DEFAULT_BATCH_ROWS = 2048;
const DEFAULT_BATCH_BYTES = 32 * 1024 * 1024;
/** Room left in max_allowed_packet for the packet header and anything mysql2 adds. */
const PACKET_MARGIN = 1024;
/** LOAD DATA: most bytes in one data packet (mysql2 sends each chunk of the stream as one). */
const LOAD_CHUNK = 1024 * 1024;
/** LOAD DATA: add() waits while the socket holds more than this unsent, so a slow server bounds memory. */
const LOAD_BACKLOG = 4 * 1024 * 1024;
/** Warnings looked at to tell a batch with only notes (which INSERT would take too) from a refused one. */
const WARNINGS_READ = 64;

/** Column types LOAD DATA loads through UNHEX(@var) (bytes) or CAST(@var AS UNSIGNED) (bits). */
const BYTES_TYPE = /^(binary|varbinary|tinyblob|blob|mediumblob|longblob|geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)\b/;
const BIT_TYPE = /^bit\b/;

export async function createTableWriter(session: MysqlSession, options: WriterOptions, method: WriteMethod = DEFAULT_WRITE_METHOD): Promise<TableWriter> {
  const table = quoteIdent(options.table);
  const tableColumns = await session.columns(options.table); // also: a clear error for a missing table
  const columns = options.columns.length === 0 || (options.columns.length === 1 && options.columns[0] === '*')
    ? tableColumns.map((c) => c.name)
    : options.columns;
  const bare = columns.map((c) => {
    const parts = splitIdent(c);
    return parts[parts.length - 1]!;
  });
  const quoted = columns.map(quoteIdent);
  const colList = quoted.join(', ');

  let tail = '';
  if (options.mode === 'update') {
    const keys = options.conflictColumns?.length ? options.conflictColumns : await session.keyColumns(options.table);
    const keySet = new Set(keys.map((k) => splitIdent(k).at(-1)!.toLowerCase()));
    let update = quoted.filter((_, i) => !keySet.has(bare[i]!.toLowerCase()));
    if (update.length === 0) update = quoted; // every column is in the key: nothing else to set
    tail = ` ON DUPLICATE KEY UPDATE ${update.map((q) => `${q} = VALUES(${q})`).join(', ')}`;
  }
  const head = `${options.mode === 'replace' ? 'REPLACE' : 'INSERT'} INTO ${table} (${colList}) VALUES `;
  const batchRows = options.batchSize > 0 ? options.batchSize : DEFAULT_BATCH_ROWS;
  // batchBytes is where a statement is cut (a bigger record still goes, alone); max_allowed_packet
  // is the server's hard limit on one statement.
  const hardLimit = session.maxAllowedPacket - PACKET_MARGIN - Buffer.byteLength(head) - Buffer.byteLength(tail);
  const limit = Math.min(options.batchBytes > 0 ? options.batchBytes : DEFAULT_BATCH_BYTES, hardLimit);

  const useLoad = loadChoice(session, options.mode, method).load;
  const typeOf = new Map(tableColumns.map((c) => [c.name.toLowerCase(), c.dbType]));
  const hex = bare.map((c) => BYTES_TYPE.test(typeOf.get(c.toLowerCase()) ?? ''));
  const bit = bare.map((c) => BIT_TYPE.test(typeOf.get(c.toLowerCase()) ?? ''));
  let loadSql = '';
  if (useLoad) {
    const targets: string[] = [];
    const sets: string[] = [];
    quoted.forEach((q, i) => {
      if (hex[i] || bit[i]) {
        targets.push(`@v${i}`);
        sets.push(hex[i] ? `${q} = UNHEX(@v${i})` : `${q} = CAST(@v${i} AS UNSIGNED)`);
      } else {
        targets.push(q);
      }
    });
    loadSql =
      `LOAD DATA LOCAL INFILE 'ferry-batch' ${options.mode === 'replace' ? 'REPLACE ' : ''}INTO TABLE ${table} CHARACTER SET utf8mb4 ` +
      `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(', ')})` +
      (sets.length ? ` SET ${sets.join(', ')}` : '');
  }

  const width = columns.length;
  const checkWidth = (row: Row, index: number): void => {
    if (row.length !== width) {
      throw new RecordError(`table ${options.table}: a record has ${row.length} fields for ${width} columns (${columns.join(', ')})`, { dbCode: 'FERRY_FIELD_COUNT', rowIndex: index });
    }
  };

  const tuple = (row: Row, index: number): string => {
    checkWidth(row, index);
    let s = '(';
    for (let c = 0; c < width; c++) {
      if (c > 0) s += ',';
      s += sqlLiteral(row[c]!, bare[c]!);
    }
    return s + ')';
  };

  /** The rows as LOAD DATA text, or undefined when a value cannot be one (INSERT takes the batch). */
  const loadText = (rows: Row[]): Buffer | undefined => {
    let s = '';
    for (const [index, row] of rows.entries()) {
      checkWidth(row, index);
      for (let c = 0; c < width; c++) {
        const f = tsvField(row[c]!, bare[c]!, hex[c]!);
        if (f === undefined) return undefined;
        s += c === 0 ? f : `\t${f}`;
      }
      s += '\n';
    }
    return Buffer.from(s, 'utf8');
  };

  /**
   * Pass-through lines as rows of their fields' text (bytes for a hex column): INSERT sends the
   * text quoted, and the server converts it to the column's type as LOAD DATA does.
   */
  const textRows = (text: Buffer, lines: number): Row[] => {
    const rows: Row[] = new Array(lines);
    let at = 0;
    for (let i = 0; i < lines; i++) {
      const nl = text.indexOf(10, at);
      const fields: Row = copyFields(text.toString('utf8', at, nl));
      for (let c = 0; c < fields.length; c++) {
        const f = fields[c];
        if (hex[c] && typeof f === 'string') fields[c] = Buffer.from(f, 'hex');
      }
      rows[i] = fields;
      at = nl + 1;
    }
    return rows;
  };

  async function insertRows(rows: Row[]): Promise<void> {
    let i = 0;
    // The next statement is built while the server runs the previous one.
    let pending: Promise<unknown> | undefined;
    try {
      while (i < rows.length) {
        const parts: string[] = [];
        let bytes = 0;
        const start = i;
        while (i < rows.length && parts.length < batchRows) {
          const t = tuple(rows[i]!, i);
          const b = Buffer.byteLength(t) + 1;
          if (parts.length > 0 && bytes + b > limit) break;
          if (b > hardLimit) {
            throw new RecordError(`table ${options.table}: a record of ${b} bytes does not fit in one statement: the server's max_allowed_packet is ${session.maxAllowedPacket} bytes`,
              { dbCode: 'FERRY_RECORD_TOO_LARGE', rowIndex: i });
          }
          parts.push(t);
          bytes += b;
          i++;
        }
        const sql = head + parts.join(',') + tail;
        if (pending) await pending;
        pending = session.run(sql).catch((err: unknown) => {
          throw queryError(session.label, `cannot write ${rows.length} rows to ${options.table}`, err, session.config.password, start);
        });
      }
      await pending;
    } finally {
      // Building a statement failed while the previous one ran: that one's outcome no longer matters.
      pending?.catch(() => undefined);
    }
  }


  /**
   * The open batch's LOAD DATA: started by the first rows sent, its data a stream the rows are
   * pushed into as they come; `result` settles when the server has read all of it (commit).
   */
  interface Load {
    xid: string;
    stream: Readable;
    result: Promise<OkResult>;
    lines: number;
    /** Set when the statement failed while its data still went out. */
    failed?: unknown;
  }
  let load: Load | undefined;

  /** The LOAD DATA of a batch whose XA transaction is open; its data is pushed into `stream`. */
  function loadOn(xid: string): Load {
    const stream = new Readable({ read() {} });
    const result = session.run(loadSql, undefined, { infileStreamFactory: () => stream }).then(({ rows: ok }) => ok as OkResult);
    const l: Load = { xid, stream, result, lines: 0 };
    result.catch((err: unknown) => (l.failed = err)); // endLoad throws it, or send as soon as it is known
    return l;
  }

  function push(l: Load, text: Buffer, lines: number): void {
    l.lines += lines;
    for (let o = 0; o < text.length; o += LOAD_CHUNK) l.stream.push(o === 0 && text.length <= LOAD_CHUNK ? text : text.subarray(o, o + LOAD_CHUNK));
  }

  /** Pushes LOAD DATA text (whole lines) into the open batch's stream, opening the batch first. */
  async function send(text: Buffer, lines: number): Promise<void> {
    if (!load) {
      const xid = begin();
      await startXa(xid);
      load = loadOn(xid);
    }
    const l = load;
    if (l.failed !== undefined) throw queryError(session.label, `cannot write ${l.lines} rows to ${options.table}`, l.failed, pw);
    push(l, text, lines);
    const socket = session.conn.stream;
    // Only the socket's backlog counts: before the server asks for the data it waits in the
    // stream (at most a batch), and the socket would never drain for it.
    if (socket && socket.writableLength > LOAD_BACKLOG) {
      // The server reads slower than rows come: wait for it, or for the LOAD's end (a failure).
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.removeListener('drain', done);
          socket.removeListener('close', done);
          resolve();
        };
        socket.once('drain', done);
        socket.once('close', done);
        l.result.then(done, done);
      });
    }
  }

  /**
   * Rolls back a streamed batch the batch writer gave up on (a row add() refused): its data is
   * ended rather than destroyed, which mysql2 would not notice before the server asks for it.
   */
  async function abandon(): Promise<void> {
    const l = load;
    load = undefined;
    if (!l) return;
    l.stream.push(null);
    await l.result.catch(() => undefined);
    await session.run(`XA END '${l.xid}'`).catch(() => undefined);
    await session.run(`XA ROLLBACK '${l.xid}'`).catch(() => undefined);
  }

  /** Ends the open batch's data and checks what the server made of it: every line in, no warning. */
  async function endLoad(l: Load): Promise<void> {
    l.stream.push(null);
    let result: OkResult;
    try {
      result = await l.result;
    } catch (err) {
      throw queryError(session.label, `cannot write ${l.lines} rows to ${options.table}`, err, pw);
    }
    if (result.warningStatus === 0 && result.affectedRows >= l.lines) return;
    const { rows: listed } = await session.run(`SHOW WARNINGS LIMIT ${WARNINGS_READ}`);
    const warnings = (listed as unknown[][]).map((w) => ({ level: String(w[0]), code: Number(w[1]), message: String(w[2]) }));
    // A note (a decimal rounded to the column's scale) is what INSERT takes without an error too.
    if (result.affectedRows >= l.lines && warnings.length === result.warningStatus && warnings.every((w) => w.level === 'Note')) return;
    // LOCAL made refused rows warnings and skipped or changed them: the batch is refused instead, as INSERT would be.
    const first = warnings.find((w) => w.level !== 'Note') ?? warnings[0];
    const row = first && /\b(?:at row|^Row) (\d+)/.exec(first.message);
    const text = warnings.slice(0, 3).map((w) => `${w.message} (${w.code})`).join('; ');
    throw new RecordError(
      `MySQL ${session.label}: LOAD DATA into ${options.table} loaded ${result.affectedRows} of ${l.lines} rows with ${result.warningStatus} warnings: ${text || 'no details'}`,
      { dbCode: first ? warningName(first.code) : 'FERRY_LOAD_WARNING', column: first && /\bcolumn [`'](?:[^`']*[`']\.[`'])*([^`']+)[`']/i.exec(first.message)?.[1], rowIndex: row ? Number(row[1]) - 1 : undefined },
    );
  }

  const pw = session.config.password;
  let batches = 0;
  const begin = (): string => `ferry-${session.threadId ?? 0}-${++batches}-${randomBytes(6).toString('hex')}`;

  async function startXa(xid: string): Promise<void> {
    try {
      await session.run(`XA START '${xid}'`);
    } catch (err) {
      throw queryError(session.label, `cannot begin a transaction on ${options.table}`, err, pw);
    }
  }

  /** The batch's rows are sent: the checkpoint goes in with them, then XA END, PREPARE, COMMIT. */
  async function finishXa(xid: string, rows: number, write: () => Promise<void>, checkpoint?: Checkpoint): Promise<void> {
    try {
      await write();
      if (checkpoint) await session.saveCheckpoint(checkpoint);
      await session.run(`XA END '${xid}'`);
    } catch (err) {
      // Not prepared: the server rolls it back, now or when the connection is gone.
      await session.run(`XA END '${xid}'`).catch(() => undefined);
      await session.run(`XA ROLLBACK '${xid}'`).catch(() => undefined);
      throw queryError(session.label, `cannot write ${rows} rows to ${options.table}`, err, pw);
    }
    for (const step of ['PREPARE', 'COMMIT'] as const) {
      try {
        await session.run(`XA ${step} '${xid}'`);
      } catch (err) {
        const e = queryError(session.label, `cannot commit ${rows} rows to ${options.table}`, err, pw);
        if (e.retryable) throw new CommitUnknownError(`${e.message} (during XA ${step})`, `${xid} ${session.threadId ?? 0} ${step}`, err);
        if (step === 'PREPARE') await session.run(`XA ROLLBACK '${xid}'`).catch(() => undefined);
        throw e;
      }
    }
  }

  let closed = false;
  const usable = (): void => {
    if (closed) throw new FerryError('FERRY_INTERNAL', `writer for ${options.table} used after close()`);
  };
  const streaming = useLoad
    ? {
        /** LOAD DATA: the rows go out as they come; a row LOAD cannot take (bytes into a text column) is refused here. */
        async add(rows: Row[]): Promise<void> {
          usable();
          const text = loadText(rows);
          if (!text) throw new RecordError(`table ${options.table}: bytes cannot be loaded into a text column with LOAD DATA`, { dbCode: 'FERRY_LOAD_BYTES' });
          await send(text, rows.length);
        },
        /** Pass-through: whole LOAD DATA lines as the reader wrote them (mysql-load-text). */
        async addText(text: Buffer, lines: number): Promise<void> {
          usable();
          await send(text, lines);
        },
        async commit(checkpoint?: Checkpoint): Promise<void> {
          usable();
          const l = load;
          load = undefined;
          if (!l) return;
          await finishXa(l.xid, l.lines, () => endLoad(l), checkpoint);
        },
      }
    : {};
  const this_: TableWriter = {
    ...streaming,
    /**
     * One batch is one XA transaction: XA START, the rows, XA END, XA PREPARE, XA COMMIT. A
     * prepared XA transaction outlives its connection (MariaDB ≥ 10.5, MySQL ≥ 5.7), so when the
     * connection is lost after XA PREPARE was sent, settle() finds out on a new one whether the
     * batch is in, instead of guessing — a plain COMMIT whose answer is lost cannot be told.
     */
    async writeBatch(rows: Row[], checkpoint?: Checkpoint): Promise<void> {
      usable();
      if (rows.length === 0) return;
      if (load) await abandon();
      const xid = begin();
      await startXa(xid);
      await finishXa(xid, rows.length, () => insertRows(rows), checkpoint);
    },
    ...(useLoad
      ? {
          /** Pass-through lines written again (a retry, or isolating a refused line): INSERT, as writeBatch. */
          writeText: (text: Buffer, lines: number, checkpoint?: Checkpoint): Promise<void> => this_.writeBatch(textRows(text, lines), checkpoint),
        }
      : {}),
    /** Ends the old connection if the server still runs it, then: a prepared xid is committed now; one that is gone was committed or never prepared. */
    async settle(token: string): Promise<boolean> {
      const [xid, thread, step] = token.split(' ');
      await session.run(`KILL CONNECTION ${Number(thread)}`).catch(() => undefined);
      for (let i = 0; i < 300; i++) {
        const { rows } = await session.run('SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?', [Number(thread)]);
        if (Number((rows as unknown[][])[0]?.[0]) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const { rows } = await session.run('XA RECOVER');
      if ((rows as unknown[][]).some((r) => String(r[3]) === xid)) {
        await session.run(`XA COMMIT '${xid}'`);
        return true;
      }
      // Not prepared: if the answer to XA COMMIT was lost, the prepared transaction can only have
      // gone by committing; if the answer to XA PREPARE was lost, it never was prepared.
      return step === 'COMMIT';
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
  return this_;
}
