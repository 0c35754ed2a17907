/**
 * The writer plugins of every RDBMS (mysqlwriter, postgresqlwriter): DataX's keys — `column`,
 * `connection` (jdbcUrl + table), `writeMode` insert | replace | update, `preSql` / `postSql`
 * with the `@table` placeholder, `session`, `batchSize` — over one Dialect. Each batch is one
 * transaction; batch-writer.ts retries lost connections and isolates refused records.
 */
import { mysqlTextInto } from './postgresql/from-mysql.js';
import { configError } from '../errors.js';
import type { Schema } from '../job/schema.js';
import type { Checkpoint, JobContext, PassThroughOffer, ReceivedFrame, RecordReceiver, TaskContext, WriterJob, WriterPlugin, WriterTask } from '../plugin/spi.js';
import { columnEntry } from './column-names.js';
import { asList, initialised, columnSchema, connectionConfigs, credentials, withTable, writerConnectionSchema } from './params.js';
import type { ConnectionConfig, DbSession, Dialect, DialectName, WriteMode, WriterOptions } from './dialect.js';
import { BatchWriter, type Connected } from './batch-writer.js';
import type { Row } from '../../channel/value.js';

export interface WriterParams {
  username?: string;
  password?: string;
  column?: Array<string | { name: string; type?: string }>;
  connection: Array<{ jdbcUrl: string | string[]; table: string | string[] }>;
  writeMode?: string;
  preSql?: string[];
  postSql?: string[];
  session?: string[];
  batchSize?: number;
  batchByteSize?: number;
  conflictColumns?: string[];
  updateKey?: Record<string, string[]>;
  createTable?: boolean;
}

/** A writer task: where to connect, and the TableWriter's options. */
interface WriterTaskParams extends WriterOptions {
  config: ConnectionConfig;
  session: string[];
  /** The job gave batchSize: a pass-through keeps it rather than its own default. */
  batchSizeGiven: boolean;
}

const DEFAULT_BATCH: Record<DialectName, number> = { mysql: 2048, postgresql: 5_000 };
/**
 * Rows per batch of MySQL's LOAD DATA path when the job gives no batchSize: a batch is streamed
 * and kept as the channel's encoded frames, not as rows, so it can be large, and each commit
 * (XA PREPARE and COMMIT, two log flushes) stalls the task. bench/RESULTS.md, 2026-12-06.
 */
const LOAD_BATCH = 50_000;
/**
 * Lines per batch of a COPY-text pass-through when the job gives no batchSize. A batch is kept
 * as its text (~100 bytes a row: 10 MB), not as rows, so it can be large; each commit waits for
 * the server's WAL flush with the task stalled. 2M rows PG→PG, channel 1, same run: 5,000 →
 * 15.6 s, 100,000 → 10.8 s (bench/RESULTS.md).
 */
const PASS_THROUGH_BATCH = 100_000;

export function writerSchema(dialect: DialectName): Schema {
  return {
    type: 'object',
    properties: {
      ...credentials,
      column: { ...columnSchema, description: '["*"] or the target columns, in the reader\'s order' },
      connection: writerConnectionSchema,
      writeMode: {
        type: 'string',
        description: dialect === 'mysql' ? 'insert (default), replace, or update (INSERT ... ON DUPLICATE KEY UPDATE)' : 'insert (default, through COPY), or update / replace (INSERT ... ON CONFLICT DO UPDATE)',
        check: (v: string) => (parseMode(v) ? undefined : `expected "insert", "replace" or "update", got ${JSON.stringify(v)}`),
      },
      preSql: { type: 'array', items: { type: 'string' }, description: 'run before any task; @table is the table' },
      postSql: { type: 'array', items: { type: 'string' }, description: 'run after every task succeeded; @table is the table' },
      batchSize: { type: 'integer', min: 1, description: `rows per batch and transaction (default ${DEFAULT_BATCH[dialect]})` },
      batchByteSize: { type: 'integer', min: 1024, description: 'bytes per batch (default 32 MB)' },
      conflictColumns: { type: 'array', items: { type: 'string' }, description: 'upsert keys (default: the primary key, else the first unique key)' },
      updateKey: { type: 'object', properties: {}, additional: { type: 'array', items: { type: 'string' } }, description: 'FlinkX: {"key": ["id"]}, as conflictColumns' },
      createTable: { type: 'boolean', description: 'create the table when it does not exist, from the reader\'s table (README: type mapping); keys and NOT NULL kept' },
      sourceIds: { type: 'any', warn: 'Taiga data source ids: not used, ignored' },
    },
    required: ['connection'],
  };
}

/** DataX writes "insert", "replace", "update", also "update (id)". */
function parseMode(v: string | undefined): WriteMode | undefined {
  const m = /^\s*(insert|replace|update)\b/i.exec(v ?? 'insert');
  return m ? (m[1]!.toLowerCase() as WriteMode) : undefined;
}

class RdbmsWriterJob implements WriterJob {
  private session: DbSession | undefined;
  private config!: ConnectionConfig;
  private table!: string;
  private quotedTable!: string;
  private columns: string[] = [];
  /** The database type of each column written. */
  private types: string[] = [];

  constructor(private readonly dialect: Dialect, private readonly ctx: JobContext<WriterParams>) {}

  async init(): Promise<void> {
    const p = this.ctx.parameter;
    const path = this.ctx.path;
    const conn = p.connection[0]!;
    if (p.connection.length > 1 || asList(conn.table).length > 1) {
      throw configError('FERRY_JOB_INVALID', `${path}.connection`, 'a writer takes one table; write each target with its own job.content entry');
    }
    const configs = connectionConfigs(this.dialect.name, conn.jdbcUrl, `${path}.connection[0].jdbcUrl`, p.username, p.password);
    this.config = configs[0]!;
    this.table = asList(conn.table)[0]!;
    this.quotedTable = this.dialect.quoteIdent(this.table);
    this.session = await this.dialect.connect(this.config);
    for (const sql of p.session ?? []) await this.session.execute(sql);
    const info = await this.session.columns(this.table).catch((err: Error) => {
      throw configError('FERRY_JOB_INVALID', `${path}.connection[0].table`, err.message);
    });
    const wanted = (p.column ?? ['*']).map((c) => (typeof c === 'string' ? c : c.name));
    this.columns = [];
    for (const [i, name] of wanted.entries()) {
      if (name === '*') {
        this.columns.push(...info.map((c) => c.name));
        continue;
      }
      const entry = columnEntry(name, info.map((c) => c.name));
      if (entry.kind !== 'column') {
        const what = entry.kind === 'missing' ? `column "${entry.name}" does not exist in ${this.table}` : `"${name}" is not a column name (a writer takes names, not expressions)`;
        throw configError('FERRY_JOB_INVALID', `${path}.column[${i}]`, `${what}; its columns are: ${info.map((c) => c.name).join(', ')}`);
      }
      this.columns.push(entry.name);
    }
    const typeOf = new Map(info.map((c) => [c.name, c.dbType]));
    this.types = this.columns.map((c) => typeOf.get(c)!);
  }

  writePath(): { path: string; why: string } {
    const mode = parseMode(this.ctx.parameter.writeMode)!;
    if (this.dialect.name === 'postgresql') {
      return mode === 'insert'
        ? { path: 'COPY', why: 'writeMode insert: one COPY … FROM STDIN per batch' }
        : { path: 'INSERT … ON CONFLICT', why: `writeMode ${mode}: multi-row INSERT … ON CONFLICT DO UPDATE, prepared` };
    }
    const what = mode === 'insert' ? 'INSERT' : mode === 'replace' ? 'REPLACE' : 'INSERT … ON DUPLICATE KEY UPDATE';
    const load = this.session!.loadChoice?.(mode);
    if (load?.load) {
      return { path: 'LOAD DATA', why: `writeMode ${mode}: one LOAD DATA LOCAL INFILE${mode === 'replace' ? ' … REPLACE' : ''} per batch of ${this.batchSize()} rows, streamed as they come (${load.why})` };
    }
    return { path: what, why: `writeMode ${mode}: multi-row ${what} statements${load ? `, not LOAD DATA: ${load.why}` : ''}` };
  }

  /** Rows per batch and transaction: the job's batchSize, else the path's default. */
  private batchSize(): number {
    const p = this.ctx.parameter;
    if (p.batchSize !== undefined) return p.batchSize;
    return this.session!.loadChoice?.(parseMode(p.writeMode)!).load ? LOAD_BATCH : DEFAULT_BATCH[this.dialect.name];
  }

  /**
   * COPY text goes in as it is when the writer COPYs, LOAD DATA text when it loads, and each
   * column has the reader's type.
   */
  acceptPassThrough(offer: PassThroughOffer): string | undefined {
    const own = this.dialect.name === 'postgresql' ? ['postgresql-copy-text', 'postgresql-copy-binary', 'mysql-load-text'] : ['mysql-load-text'];
    if (!own.includes(offer.format)) return `${offer.format} cannot go into ${this.dialect.name}`;
    const mode = parseMode(this.ctx.parameter.writeMode)!;
    if (this.dialect.name === 'postgresql' && mode !== 'insert') return `writeMode ${mode} writes with INSERT, not COPY`;
    const load = this.session!.loadChoice?.(mode);
    if (this.dialect.name === 'mysql' && !load?.load) return `the writer inserts, not LOAD DATA: ${load?.why ?? 'no LOAD DATA'}`;
    if (offer.types.length !== this.types.length) return `the reader sends ${offer.types.length} columns, the writer takes ${this.types.length}`;
    // MySQL's text into PostgreSQL's COPY: the types differ by name, the text must be read as the same value (from-mysql.ts).
    const across = this.dialect.name === 'postgresql' && offer.format === 'mysql-load-text';
    for (const [i, t] of this.types.entries()) {
      const from = offer.types[i]!;
      if (across) {
        const why = mysqlTextInto(from, t);
        if (why) return `column ${this.columns[i]}: ${why}`;
      } else if (t !== from) return `column ${this.columns[i]} is ${t} in the target and ${from} in the source: the value is converted on the way`;
    }
    return undefined;
  }

  columnCount(): number {
    return this.columns.length;
  }

  async prepare(): Promise<void> {
    for (const sql of this.ctx.parameter.preSql ?? []) await this.session!.execute(withTable(sql, this.quotedTable));
    if (this.ctx.restoreColumn !== undefined) await this.session!.ensureCheckpointTable();
  }

  async checkpoints(job: string): Promise<Map<number, Checkpoint>> {
    return this.session!.checkpoints(job);
  }

  async resetCheckpoints(job: string): Promise<void> {
    await this.session!.ensureCheckpointTable();
    await this.session!.resetCheckpoints(job);
  }

  split(readerTaskCount: number): WriterTaskParams[] {
    const p = this.ctx.parameter;
    const task: WriterTaskParams = {
      config: this.config,
      session: p.session ?? [],
      table: this.table,
      columns: this.columns,
      mode: parseMode(p.writeMode)!,
      conflictColumns: p.conflictColumns ?? p.updateKey?.key,
      batchSize: this.batchSize(),
      batchSizeGiven: p.batchSize !== undefined,
      batchBytes: p.batchByteSize ?? 32 * 1024 * 1024,
    };
    return Array.from({ length: readerTaskCount }, () => task);
  }

  async post(): Promise<void> {
    for (const sql of this.ctx.parameter.postSql ?? []) await this.session!.execute(withTable(sql, this.quotedTable));
  }

  async destroy(): Promise<void> {
    await this.session?.close();
  }
}

class RdbmsWriterTask implements WriterTask {
  private batches: BatchWriter | undefined;
  constructor(private readonly dialect: Dialect, private readonly ctx: TaskContext<WriterTaskParams>) {}

  async startWrite(receiver: RecordReceiver): Promise<void> {
    const p = this.ctx.parameter;
    const { config: _config, session: _session, batchSizeGiven, ...options } = p;
    const batchSize = this.ctx.passThrough && !batchSizeGiven ? PASS_THROUGH_BATCH : p.batchSize;
    const connect = async (): Promise<Connected> => {
      const session = await this.dialect.connect(p.config);
      try {
        for (const sql of p.session) await session.execute(sql);
        return { session, writer: await session.writer({ ...options, passThrough: this.ctx.passThrough }) };
      } catch (err) {
        await session.close();
        throw err;
      }
    };
    const batches = new BatchWriter(connect, this.ctx.restore?.every ?? batchSize, this.ctx, `${p.table} at ${p.config.label}`);
    this.batches = batches;
    await batches.open();
    // A batch is committed when it is full, or when the reader has sent nothing for
    // IDLE_COMMIT_MS (a polling reader between polls): rows never wait in an open batch.
    // Frames with their encoded bytes where the channel gives them: the batch keeps those, not the rows.
    const keepText = (view: Buffer): Buffer => batches.keepText(view);
    const read = (): Promise<Frame | null> => (receiver.readFrame ? receiver.readFrame(true, keepText) : receiver.read().then((rows) => rows && { rows }));
    let next: Promise<Frame | null> | undefined;
    for (;;) {
      if (!next) {
        next = read();
        next.catch(() => {}); // a failure still reaches the await below; this only keeps it from being unhandled meanwhile
      }
      const frame = batches.pendingRows > 0 ? await withinIdle(next) : await next;
      if (frame === IDLE) {
        await batches.commitNow();
        continue;
      }
      next = undefined;
      if (frame === null) break;
      if (frame.text) await batches.pushText(frame.text, frame.lines);
      else await batches.push(frame.rows, frame.bytes);
    }
    await batches.finish();
  }

  // Committed batches cannot be taken back: a failed task is not run again from the start.
  supportsFailover(): boolean {
    return false;
  }

  target(): string {
    return `table ${this.ctx.parameter.table} at ${this.ctx.parameter.config.label}`;
  }

  async destroy(): Promise<void> {
    await this.batches?.close();
  }
}

const IDLE_COMMIT_MS = 200;
const IDLE = Symbol('idle');

type Frame = ReceivedFrame;

/** The frame, or IDLE when none came within IDLE_COMMIT_MS (the read stays pending). */
async function withinIdle(read: Promise<Frame | null>): Promise<Frame | null | typeof IDLE> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([read, new Promise<typeof IDLE>((resolve) => (timer = setTimeout(resolve, IDLE_COMMIT_MS, IDLE)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A writer plugin over one dialect: the plugin's module imports only its own driver. */
export function makeWriter(name: string, dialect: Dialect): WriterPlugin<WriterParams> {
  const dialectName = dialect.name;
  return {
    name,
    kind: 'writer',
    description: `Writes into a ${dialectName === 'mysql' ? 'MySQL / MariaDB' : 'PostgreSQL'} table (DataX ${name})`,
    parameter: writerSchema(dialectName),
    createJob: (ctx) => initialised(new RdbmsWriterJob(dialect, ctx)),
    createTask: (ctx) => new RdbmsWriterTask(dialect, ctx as TaskContext<WriterTaskParams>),
  };
}
