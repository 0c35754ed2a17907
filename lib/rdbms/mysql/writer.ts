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
 * The 'load' method (LOAD DATA LOCAL INFILE from an in-memory stream, for insert and replace)
 * is kept for comparison: it measured slower than multi-row INSERT here (see the spec's figures),
 * and LOCAL turns errors into warnings, so it has to check the warnings to stay as strict.
 */
import { Readable } from 'node:stream';
import type { Row } from '../../../channel/value.js';
import { randomBytes } from 'node:crypto';
import { CommitUnknownError, FerryError, RecordError } from '../../errors.js';
import type { TableWriter, WriterOptions } from '../dialect.js';
import type { Checkpoint } from '../../plugin/spi.js';
import { sqlLiteral, tsvField } from './convert.js';
import type { MysqlSession, OkResult } from './dialect.js';
import { queryError } from './errors.js';
import { quoteIdent, splitIdent } from './ident.js';

export type WriteMethod = 'insert' | 'load';

/** The method writer() uses for mode 'insert' (and 'replace'): the faster one measured. */
export const DEFAULT_WRITE_METHOD: WriteMethod = 'insert';

const DEFAULT_BATCH_ROWS = 2048;
const DEFAULT_BATCH_BYTES = 32 * 1024 * 1024;
/** Room left in max_allowed_packet for the packet header and anything mysql2 adds. */
const PACKET_MARGIN = 1024;
/** LOAD DATA: bytes per data packet sent. */
const LOAD_CHUNK = 1024 * 1024;

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

  const useLoad = method === 'load' && options.mode !== 'update' && session.localInfile;
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

  /** The rows as LOAD DATA lines, or undefined when a value cannot be one (INSERT takes the batch). */
  const lines = (rows: Row[]): string[] | undefined => {
    const out: string[] = [];
    for (const [index, row] of rows.entries()) {
      checkWidth(row, index);
      let s = '';
      for (let c = 0; c < width; c++) {
        const f = tsvField(row[c]!, bare[c]!, hex[c]!);
        if (f === undefined) return undefined;
        s += c === 0 ? f : `\t${f}`;
      }
      out.push(s);
    }
    return out;
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

  async function loadRows(rows: Row[], data: string[]): Promise<void> {
    const stream = Readable.from(chunks(data), { objectMode: false });
    const { rows: ok } = await session.run(loadSql, undefined, { infileStreamFactory: () => stream });
    const result = ok as OkResult;
    if (result.warningStatus > 0 || result.affectedRows < rows.length) {
      // LOCAL makes duplicate keys and bad values warnings: treat them as INSERT would, as errors.
      const { rows: warnings } = await session.run('SHOW WARNINGS LIMIT 3');
      const text = (warnings as unknown[][]).map((w) => `${String(w[2])} (${String(w[1])})`).join('; ');
      throw new FerryError('FERRY_PLUGIN_ERROR',
        `MySQL ${session.label}: LOAD DATA into ${options.table} loaded ${result.affectedRows} of ${rows.length} rows with ${result.warningStatus} warnings: ${text || 'no details'}`);
    }
  }

  let closed = false;
  let batches = 0;
  const pw = session.config.password;
  return {
    /**
     * One batch is one XA transaction: XA START, the rows, XA END, XA PREPARE, XA COMMIT. A
     * prepared XA transaction outlives its connection (MariaDB ≥ 10.5, MySQL ≥ 5.7), so when the
     * connection is lost after XA PREPARE was sent, settle() finds out on a new one whether the
     * batch is in, instead of guessing — a plain COMMIT whose answer is lost cannot be told.
     */
    async writeBatch(rows: Row[], checkpoint?: Checkpoint): Promise<void> {
      if (closed) throw new FerryError('FERRY_INTERNAL', `writer for ${options.table} used after close()`);
      if (rows.length === 0) return;
      const data = useLoad ? lines(rows) : undefined;
      const xid = `ferry-${session.threadId ?? 0}-${++batches}-${randomBytes(6).toString('hex')}`;
      try {
        await session.run(`XA START '${xid}'`);
      } catch (err) {
        throw queryError(session.label, `cannot begin a transaction on ${options.table}`, err, pw);
      }
      try {
        if (data) await loadRows(rows, data);
        else await insertRows(rows);
        if (checkpoint) await session.saveCheckpoint(checkpoint);
        await session.run(`XA END '${xid}'`);
      } catch (err) {
        // Not prepared: the server rolls it back, now or when the connection is gone.
        await session.run(`XA END '${xid}'`).catch(() => undefined);
        await session.run(`XA ROLLBACK '${xid}'`).catch(() => undefined);
        throw queryError(session.label, `cannot write ${rows.length} rows to ${options.table}`, err, pw);
      }
      for (const step of ['PREPARE', 'COMMIT'] as const) {
        try {
          await session.run(`XA ${step} '${xid}'`);
        } catch (err) {
          const e = queryError(session.label, `cannot commit ${rows.length} rows to ${options.table}`, err, pw);
          if (e.retryable) throw new CommitUnknownError(`${e.message} (during XA ${step})`, `${xid} ${session.threadId ?? 0} ${step}`, err);
          if (step === 'PREPARE') await session.run(`XA ROLLBACK '${xid}'`).catch(() => undefined);
          throw e;
        }
      }
    },
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
}

/** Lines joined and cut into data packets of at most LOAD_CHUNK bytes (the server joins them again). */
function* chunks(lines: string[]): Generator<Buffer> {
  let parts: string[] = [];
  let size = 0;
  function* flush(): Generator<Buffer> {
    const buf = Buffer.from(parts.join('\n') + '\n', 'utf8');
    for (let o = 0; o < buf.length; o += LOAD_CHUNK) yield buf.subarray(o, o + LOAD_CHUNK);
    parts = [];
    size = 0;
  }
  for (const line of lines) {
    parts.push(line);
    size += line.length + 1;
    if (size >= LOAD_CHUNK / 3) yield* flush(); // at most 3 UTF-8 bytes per UTF-16 unit
  }
  if (parts.length > 0) yield* flush();
}
