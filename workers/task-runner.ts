/**
 * Runs one attempt of one task in the worker: the reader and the writer as paired async loops
 * over their own ring. DataX runs them as two threads; here they share the TaskGroup's thread
 * and the ring bounds the memory between them.
 */
import { createRingBuffer, ChannelClosedError, RingConsumer, RingProducer } from '../channel/ring.js';
import { ChannelReceiver, ChannelSender } from '../channel/channel.js';
import { F64 } from '../channel/slots.js';
import { importPlugin } from '../lib/plugin/registry.js';
import { FerryError, serializeError } from '../lib/errors.js';
import { valueToJson } from '../channel/value.js';
import { compileChain } from '../lib/transformer/chain.js';
import { TransformingSender } from '../lib/transformer/sender.js';
import type { DirtyRecord, Logger, ReaderPlugin, ReaderTask, TaskContext, WriterPlugin, WriterTask } from '../lib/plugin/spi.js';
import type { DirtyReport, TaskGroupSpec, TaskReport, TaskSpec, TaskStats } from './messages.js';

/** Dirty records are sent to the main thread in batches of this many, or after DIRTY_FLUSH_MS. */
const DIRTY_BATCH = 100;
const DIRTY_FLUSH_MS = 20;

const plugins = new Map<string, Promise<ReaderPlugin | WriterPlugin>>();

function loadPlugin(url: string, name: string): Promise<ReaderPlugin | WriterPlugin> {
  let p = plugins.get(url);
  if (!p) {
    p = importPlugin(url, name);
    plugins.set(url, p);
  }
  return p;
}

/** A running attempt: its live stats can be sampled for progress while it runs. */
export class TaskAttempt {
  readonly stats: Float64Array;
  private readonly sab: SharedArrayBuffer;
  private readonly abort = new AbortController();
  private readonly started = performance.now();
  writerSupportsFailover = false;
  private dirtyCount = 0;
  private transforming: TransformingSender | undefined;
  private dirtyBuffer: DirtyReport[] = [];
  private dirtyTimer: NodeJS.Timeout | undefined;
  /** The chain of dirty batches sent, in order; its failure (the dirty file cannot be written) fails the task. */
  private dirtySent: Promise<void> = Promise.resolve();

  constructor(
    readonly task: TaskSpec,
    readonly attempt: number,
    private readonly group: TaskGroupSpec,
    private readonly log: Logger,
    private readonly sendDirty: (records: DirtyReport[]) => Promise<void>,
    private readonly stopping: AbortSignal = new AbortController().signal,
  ) {
    this.sab = createRingBuffer(group.channelBytes);
    this.stats = new RingConsumer(this.sab).stats;
  }

  private dirty(record: DirtyRecord, plugin: string): void {
    this.dirtyCount++;
    this.dirtyBuffer.push({ ...record, values: record.values?.map(valueToJson), taskId: this.task.taskId, plugin });
    if (this.dirtyBuffer.length >= DIRTY_BATCH) void this.flushDirty().catch(() => {});
    else this.dirtyTimer ??= setTimeout(() => void this.flushDirty().catch(() => {}), DIRTY_FLUSH_MS);
  }

  /** Sends the buffered dirty records; resolves when the main thread has taken every one sent so far. */
  private flushDirty(): Promise<void> {
    clearTimeout(this.dirtyTimer);
    this.dirtyTimer = undefined;
    if (this.dirtyBuffer.length > 0) {
      const batch = this.dirtyBuffer;
      this.dirtyBuffer = [];
      this.dirtySent = this.dirtySent.then(() => this.sendDirty(batch));
    }
    return this.dirtySent;
  }

  snapshot(state: TaskStats['state']): TaskStats {
    const s = this.stats;
    return {
      taskId: this.task.taskId,
      state,
      attempt: this.attempt,
      // A filtered record was read; a dirty one is counted as dirty, as a reader's are.
      recordsRead: (s[F64.RECORDS_SENT] as number) + (this.transforming?.filtered ?? 0),
      bytesRead: s[F64.BYTES_SENT] as number,
      recordsWritten: s[F64.RECORDS_RECEIVED] as number,
      bytesWritten: s[F64.BYTES_RECEIVED] as number,
      readerWaitMs: s[F64.READER_WAIT_MS] as number,
      writerWaitMs: s[F64.WRITER_WAIT_MS] as number,
      dirtyRecords: this.dirtyCount,
      filteredRecords: this.transforming?.filtered ?? 0,
    };
  }

  cancel(reason: string): void {
    this.abort.abort(new FerryError('FERRY_ABORTED', reason));
  }

  async run(): Promise<TaskReport> {
    const { task, group } = this;
    const sender = new ChannelSender(new RingProducer(this.sab), { batchRecords: group.batchRecords, caps: group.caps });
    const receiver = new ChannelReceiver(new RingConsumer(this.sab));
    const onAbort = (): void => {
      const reason = (this.abort.signal.reason as Error).message;
      sender.fail(reason);
      receiver.fail(reason);
    };
    this.abort.signal.addEventListener('abort', onAbort, { once: true });

    const ctx = (parameter: TaskContext['parameter'], side: string, plugin: string): TaskContext => ({
      parameter,
      dirty: (record) => this.dirty(record, plugin),
      stopping: this.stopping,
      restore: task.restore,
      passThrough: task.passThrough,
      retry: group.retry,
      taskId: task.taskId,
      taskGroupId: group.taskGroupId,
      attempt: this.attempt,
      baseDir: group.baseDir,
      runId: group.runId,
      signal: this.abort.signal,
      log: {
        info: (m) => this.log.info(`task ${task.taskId} ${side}: ${m}`),
        warn: (m) => this.log.warn(`task ${task.taskId} ${side}: ${m}`),
      },
    });

    let reader: ReaderTask | undefined;
    let writer: WriterTask | undefined;
    let readerReport: object | undefined;
    let failure: { error: unknown; side: 'reader' | 'writer' } | undefined;
    const fail = (error: unknown, side: 'reader' | 'writer'): void => {
      // The first error is the cause; the other side then fails with ChannelClosedError.
      if (!failure || (failure.error instanceof ChannelClosedError && !(error instanceof ChannelClosedError))) failure = { error, side };
    };

    let setupSide: 'reader' | 'writer' = 'writer';
    try {
      // Writer first, as DataX starts it first: a reader must never run with nowhere to write.
      const writerPlugin = (await loadPlugin(task.writer.moduleUrl, task.writer.name)) as WriterPlugin;
      writer = await writerPlugin.createTask(ctx(task.writer.parameter, 'writer', task.writer.name));
      await writer.prepare?.();
      setupSide = 'reader';
      const readerPlugin = (await loadPlugin(task.reader.moduleUrl, task.reader.name)) as ReaderPlugin;
      reader = await readerPlugin.createTask(ctx(task.reader.parameter, 'reader', task.reader.name));
      await reader.prepare?.();
      const chain = task.transformers ? await compileChain(task.transformers) : undefined;
      if (chain) this.transforming = new TransformingSender(sender, chain, (record) => this.dirty(record, task.transformers!.map((t) => t.name).join(',')));
      const readerSender = this.transforming ?? sender;

      const r = reader;
      const w = writer;
      const readLoop = (async () => {
        try {
          await r.startRead(readerSender);
          await sender.end();
        } catch (err) {
          fail(err, 'reader');
          sender.fail(messageOf(err));
        }
      })();
      const writeLoop = (async () => {
        try {
          await w.startWrite(receiver);
          // A writer that returns early would drop records: make sure it took everything.
          if ((await receiver.read()) !== null) throw new FerryError('FERRY_PLUGIN_ERROR', `writer ${task.writer.name} returned before reading every record`);
        } catch (err) {
          fail(err, 'writer');
          receiver.fail(messageOf(err));
        }
      })();
      await Promise.all([readLoop, writeLoop]);
      if (!failure) {
        setupSide = 'writer';
        await writer.post?.();
        setupSide = 'reader';
        await reader.post?.();
        readerReport = reader.report?.();
      }
    } catch (err) {
      fail(err, setupSide);
    } finally {
      this.abort.signal.removeEventListener('abort', onAbort);
      if (failure && writer) {
        try {
          this.writerSupportsFailover = writer.supportsFailover?.() ?? false;
        } catch {
          this.writerSupportsFailover = false;
        }
      }
      for (const [side, p] of [['reader', reader], ['writer', writer]] as const) {
        try {
          await p?.destroy?.();
        } catch (err) {
          fail(err, side);
        }
      }
      // The task has not ended until the main thread holds every dirty record it found.
      try {
        await this.flushDirty();
      } catch (err) {
        fail(new FerryError('FERRY_PLUGIN_ERROR', `cannot record dirty records: ${messageOf(err)}`, { cause: err }), 'writer');
      }
    }

    const aborted = this.abort.signal.aborted;
    const state = failure ? (aborted ? 'aborted' : 'failed') : 'succeeded';
    const report: TaskReport = { ...this.snapshot(state), elapsedMs: performance.now() - this.started };
    if (!failure && readerReport !== undefined) report.readerReport = readerReport;
    if (failure) {
      report.error = serializeError(aborted ? this.abort.signal.reason : failure.error);
      report.side = failure.side;
      report.rolledBack = this.writerSupportsFailover;
      const target = writer?.target?.();
      if (!aborted && !this.writerSupportsFailover && target && this.stats[F64.RECORDS_RECEIVED]! > 0) {
        report.error.message += `; ${target} holds the rows this task committed before it failed (up to ${this.stats[F64.RECORDS_RECEIVED]}): running the job again would write them twice unless the target is emptied first (preSql) or written with writeMode update`;
      }
    }
    return report;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
