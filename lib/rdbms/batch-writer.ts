/**
 * How an RDBMS writer task turns records into committed batches without losing or doubling one:
 *
 * - Batches of exactly batchSize rows, one transaction each. A streaming TableWriter (COPY)
 *   gets the rows as frames arrive; the batch is also kept here until it commits (as the
 *   channel's encoded frames when given), because a failed batch has to be written again.
 * - A transient failure (lost connection, deadlock, serialization failure, too many
 *   connections) rolled the batch back: reconnect with backoff (setting.retry) and write the
 *   batch again. When the connection was lost while the batch committed (CommitUnknownError),
 *   the new connection first asks the database whether it is in (TableWriter.settle).
 * - A refused record (RecordError: a constraint, a value too long, NUL in PostgreSQL text)
 *   rolled the batch back too: isolate it. Where the database names the row (COPY's line,
 *   MySQL's "at row N"), the rows before it go in as one batch and the row is tried alone;
 *   otherwise the batch is halved until the refused rows stand alone. Each try is its own
 *   transaction, so every good row is written once and every refused row becomes a dirty
 *   record with the database's reason.
 */
import { CommitUnknownError, FerryError, RecordError, isTransient } from '../errors.js';
import type { Checkpoint, Logger, RetryPolicy, TaskContext } from '../plugin/spi.js';
import { valueToKeyText, type Row } from '../../channel/value.js';
import { decodeFrameBytes } from '../../channel/codec.js';
import { recordsAfter, splitRecords, textLines, type RecordCodec } from './pass-through.js';
import { TextArena } from './text-arena.js';
import { backoffMs, pause } from '../util/retry.js';
import type { DbSession, TableWriter } from './dialect.js';

/**
 * What a batch holds: records, or — pass-through — COPY text lines (one Buffer a line, its
 * newline included, once a refused batch has been cut into lines).
 */
type Item = Row | Buffer;

export interface Connected {
  session: DbSession;
  writer: TableWriter;
}

export class BatchWriter {
  /**
   * The open batch: rows, or — for a streaming writer given the channel's encoded frames —
   * frames with the range of their rows in the batch, decoded again only if the batch must be
   * written again (holding thousands of row objects until commit doubled the writer's GC time).
   */
  private pending: Array<{ rows: Row[] } | { bytes: Uint8Array; from: number; to: number } | { text: Buffer; lines: number }> = [];
  private pendingCount = 0;
  /** The batch's last record, or the text whose last line is the batch's last row. */
  private pendingLast: Item | undefined;
  /** Why the streaming attempt of the open batch failed; the rest of the batch is only kept. */
  private broken: unknown;
  private current: Connected | undefined;
  /** Rows committed so far, for messages. */
  committed = 0;
  /** Retries since the last commit that succeeded: setting.retry.maxRetries bounds them. */
  private retries = 0;
  /** setting.restore: the restore value of the last row committed. */
  private lastValue: string | undefined;

  constructor(
    private readonly connect: () => Promise<Connected>,
    private readonly batchSize: number,
    private readonly ctx: Pick<TaskContext, 'dirty' | 'signal' | 'log' | 'retry' | 'restore' | 'taskId'>,
    private readonly table: string,
  ) {
    this.lastValue = ctx.restore?.after;
  }

  /** setting.restore: the checkpoint to save with a commit that ends with `last`. */
  private checkpoint(last: Item | undefined, rows: number, done = false): Checkpoint | undefined {
    const r = this.ctx.restore;
    if (!r) return undefined;
    const value = last === undefined ? (this.lastValue ?? '') : this.keyOf(last, r.index);
    return { job: r.job, task: this.ctx.taskId, value, rows: r.rows + this.committed + rows, done };
  }

  private committedUpTo(last: Item | undefined, rows: number): void {
    this.committed += rows;
    this.retries = 0;
    const r = this.ctx.restore;
    if (r && last !== undefined) this.lastValue = this.keyOf(last, r.index);
  }

  private get log(): Logger {
    return this.ctx.log;
  }

  private get policy(): RetryPolicy {
    return this.ctx.retry;
  }

  /** How pass-through records are cut and read: the writer's format (the same on every reconnect). */
  private records: RecordCodec = textLines;

  async open(): Promise<void> {
    this.current = await this.connect();
    this.records = this.current.writer.records ?? textLines;
  }

  private get writer(): TableWriter {
    if (!this.current) throw new FerryError('FERRY_INTERNAL', 'BatchWriter used before open()');
    return this.current.writer;
  }

  private get streaming(): boolean {
    return this.writer.add !== undefined && this.writer.commit !== undefined;
  }

  /**
   * Takes a frame of records: streams them into the open batch and commits every batchSize rows.
   * `bytes`: the frame as the channel encoded it (ChannelReceiver.readFrame), kept instead of the rows.
   */
  async push(frame: Row[], bytes?: Uint8Array): Promise<void> {
    const keepBytes = bytes !== undefined && this.streaming;
    let at = 0;
    while (at < frame.length) {
      const room = this.batchSize - this.pendingCount;
      const take = Math.min(room, frame.length - at);
      const part = at === 0 && take === frame.length ? frame : frame.slice(at, at + take);
      this.pending.push(keepBytes ? { bytes: bytes!, from: at, to: at + take } : { rows: part });
      this.pendingCount += take;
      this.pendingLast = part[part.length - 1];
      at += take;
      if (this.streaming && this.broken === undefined) {
        try {
          await this.writer.add!(part);
        } catch (err) {
          this.broken = this.expected(err);
        }
      }
      if (this.pendingCount >= this.batchSize) await this.commit();
    }
  }

  /** Pass-through text of the uncommitted batches (text-arena.ts). */
  private readonly arena = new TextArena();
  /** The open batch's number: it goes up as a batch is taken to commit. */
  private batch = 0;

  /** A copy of a pass-through frame's text, kept until the batches it goes into have committed. */
  keepText(view: Buffer): Buffer {
    return this.arena.keep(view, this.batch);
  }

  /**
   * Pass-through: takes `lines` whole COPY text lines, streams them into the open batch as they
   * are, and commits every batchSize lines (a piece is cut at a newline to fill a batch exactly).
   */
  async pushText(text: Buffer, lines: number): Promise<void> {
    if (!this.writer.addText) throw new FerryError('FERRY_INTERNAL', `the writer of ${this.table} takes no pass-through text`);
    let from = 0;
    let left = lines;
    while (left > 0) {
      const take = Math.min(this.batchSize - this.pendingCount, left);
      const end = take === left ? text.length : from + recordsAfter(this.records, text.subarray(from), take);
      const part = from === 0 && end === text.length ? text : text.subarray(from, end);
      this.pending.push({ text: part, lines: take });
      this.arena.belongsTo(part, this.batch);
      this.pendingCount += take;
      this.pendingLast = part;
      from = end;
      left -= take;
      if (this.broken === undefined) {
        try {
          await this.writer.addText(part, take);
        } catch (err) {
          this.broken = this.expected(err);
        }
      }
      if (this.pendingCount >= this.batchSize) await this.commit();
    }
  }

  /** The open batch's rows (decoding kept frames again), or its records cut one by one. */
  private rowsOf(pending: BatchWriter['pending']): Item[] {
    const rows: Item[] = [];
    for (const p of pending) {
      if ('text' in p) {
        for (const record of splitRecords(this.records, p.text)) rows.push(record);
        continue;
      }
      const part = 'rows' in p ? p.rows : decodeFrameBytes(p.bytes).slice(p.from, p.to);
      for (const r of part) rows.push(r);
    }
    return rows;
  }

  /** Commits what is left; with setting.restore, marks the task done in its checkpoint. */
  async finish(): Promise<void> {
    await this.commit();
    const done = this.checkpoint(undefined, 0, true);
    if (done) await this.current!.session.saveCheckpoint(done);
  }

  /** Rows of the open batch, not committed yet. */
  get pendingRows(): number {
    return this.pendingCount;
  }

  /** Commits the open batch now, short of batchSize: the reader has gone quiet (polling). */
  async commitNow(): Promise<void> {
    await this.commit();
  }

  async close(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    await c?.writer.close().catch(() => {});
    await c?.session.close();
    // Only now: a failed batch's bytes may have been in a socket's queue until it closed.
    this.arena.close();
  }

  private async commit(): Promise<void> {
    // A frame read while this batch commits (the reader went quiet with a read pending) goes into the next.
    const batch = this.batch++;
    await this.commitPending();
    this.arena.committed(batch);
  }

  private async commitPending(): Promise<void> {
    const pending = this.pending;
    const count = this.pendingCount;
    const last = this.pendingLast;
    let failed = this.broken;
    this.pending = [];
    this.pendingCount = 0;
    this.pendingLast = undefined;
    this.broken = undefined;
    if (count === 0) return;
    if (this.streaming && failed === undefined) {
      try {
        await this.writer.commit!(this.checkpoint(last, count));
        this.committedUpTo(last, count);
        return;
      } catch (err) {
        failed = this.expected(err);
      }
    }
    if (failed !== undefined && !(failed instanceof RecordError)) {
      await this.recover(failed);
      if (await this.settled(failed)) {
        this.committedUpTo(last, count);
        return;
      }
      failed = undefined;
    }
    // A single row refused by the streamed try is tried once more the writer's own way
    // (MySQL: INSERT after LOAD DATA), so that its reason is that way's, as for a row isolated from a larger batch.
    const refused = count === 1 && this.streaming ? undefined : (failed as RecordError | undefined);
    await this.writeRows(this.rowsOf(pending), refused);
  }

  /** A failure that is a refused record or transient passes; any other is thrown at once. */
  private expected(err: unknown): unknown {
    if (err instanceof RecordError || isTransient(err)) return err;
    throw err;
  }

  /**
   * Writes `rows`, each try in its own transaction, isolating refused records.
   * `refused`: the failure of a try of these same rows that already happened.
   */
  private async writeRows(rows: Item[], refused?: RecordError): Promise<void> {
    let pos = 0;
    let err = refused;
    while (pos < rows.length) {
      const rest = pos === 0 ? rows : rows.slice(pos);
      err ??= await this.attempt(rest);
      if (err === undefined) return;
      const e = err;
      err = undefined;
      if (rest.length === 1) {
        this.reject(rest[0]!, e);
        return;
      }
      const at = e.rowIndex;
      if (at !== undefined && at >= 0 && at < rest.length) {
        // The database named the row: the rows before it are good (one more transaction), the
        // row itself is tried alone, and the rest go on as one batch.
        if (at > 0) await this.writeRows(rest.slice(0, at));
        const alone = await this.attempt([rest[at]!]);
        if (alone) this.reject(rest[at]!, alone);
        pos += at + 1;
      } else {
        const half = Math.ceil(rest.length / 2);
        await this.writeRows(rest.slice(0, half));
        await this.writeRows(rest.slice(half));
        return;
      }
    }
  }

  /** One try of `rows` as one transaction, retried on transient failures; a refused record is returned. */
  private async attempt(rows: Item[]): Promise<RecordError | undefined> {
    const last = rows[rows.length - 1];
    for (;;) {
      try {
        const checkpoint = this.checkpoint(last, rows.length);
        if (Array.isArray(rows[0])) await this.writer.writeBatch(rows as Row[], checkpoint);
        else if (this.writer.writeText) await this.writer.writeText(Buffer.concat(rows as Buffer[]), rows.length, checkpoint);
        else {
          await this.writer.addText!(Buffer.concat(rows as Buffer[]), rows.length);
          await this.writer.commit!(checkpoint);
        }
        this.committedUpTo(last, rows.length);
        return undefined;
      } catch (err) {
        if (err instanceof RecordError) return err;
        await this.recover(err);
        if (await this.settled(err)) {
          this.committedUpTo(last, rows.length);
          return undefined;
        }
      }
    }
  }

  /**
   * After a transient failure (the batch was rolled back): waits, reconnects, and returns so the
   * caller writes the batch again. Throws the failure when it is not transient, retries are used
   * up, or the job is stopping.
   */
  private async recover(err: unknown): Promise<void> {
    for (;;) {
      if (!isTransient(err) || this.ctx.signal.aborted) throw err;
      const retry = ++this.retries;
      if (retry > this.policy.maxRetries) {
        throw new FerryError('FERRY_PLUGIN_ERROR', `${(err as Error).message} (gave up after ${this.policy.maxRetries} retries; ${this.committed} rows of this task were committed to ${this.table})`, { cause: err });
      }
      const wait = backoffMs(this.policy, retry);
      this.log.warn(`${(err as Error).message}; reconnecting in ${wait} ms to write the batch again (retry ${retry} of ${this.policy.maxRetries})`);
      await pause(wait, this.ctx.signal);
      if (this.ctx.signal.aborted) throw err;
      await this.close();
      try {
        this.current = await this.connect();
        return;
      } catch (e) {
        err = e;
      }
    }
  }

  /**
   * After a reconnect: whether the batch whose commit answer was lost with the connection is
   * in the target (then it must not be written again).
   */
  private async settled(err: unknown): Promise<boolean> {
    if (!(err instanceof CommitUnknownError)) return false;
    if (!this.writer.settle) {
      throw new FerryError('FERRY_PLUGIN_ERROR', `${err.message}; the batch may or may not be in ${this.table}, and this writer cannot tell: stopped rather than risk writing it twice`, { cause: err });
    }
    const committed = await this.writer.settle(err.token);
    this.log.warn(`the connection was lost while a batch committed: it ${committed ? 'is in the target, so it is not written again' : 'was rolled back, so it is written again'}`);
    return committed;
  }

  /** The restore value of a batch's last record, or of the last record of its last text. */
  private keyOf(last: Item, index: number): string {
    return Array.isArray(last) ? valueToKeyText(last[index]) : this.records.lastKey(last, index);
  }

  private reject(row: Item, err: RecordError): void {
    // A pass-through record is decoded only now, into the text of each field.
    const values = Array.isArray(row) ? row : this.records.fields(row);
    this.ctx.dirty({ phase: 'write', values, column: err.column, code: err.dbCode, message: err.message });
  }
}


