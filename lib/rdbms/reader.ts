/**
 * The reader plugins of every RDBMS (mysqlreader, postgresqlreader): DataX's keys — `column`
 * (names, "*", expressions, FlinkX constant objects), `where`, `splitPk`, `connection` with
 * `table` or `querySql` (several = a sharded source) — over one Dialect.
 */
import { configError, FerryError, isTransient, PluginError } from '../errors.js';
import { backoffMs, pause } from '../util/retry.js';
import type { Schema } from '../job/schema.js';
import type { JobContext, Logger, PassThroughOffer, ReaderJob, ReaderPlugin, ReaderTask, RecordSender, TaskContext } from '../plugin/spi.js';
import { Decimal, DateTime, type Row, type Value } from '../../channel/value.js';
// streamreader's constant parsing: one meaning of {type, value, format} across readers.
import { ColumnProblem, compileColumn } from '../plugins/streamreader/columns.js';
import { passThroughType } from './mysql/load-text.js';
import { columnEntry } from './column-names.js';
import { asList, initialised, columnSchema, connectionCandidates, credentials, readerConnectionSchema, type ConnectionCandidate } from './params.js';
import { rangeConditions } from './split-pk.js';
import { copyField, lastLine } from './postgresql/copy-text.js';
import { binaryKeyText, binaryPassThroughType, tupleEnd, tupleField } from './postgresql/copy-binary.js';
import type { ConnectionConfig, DbSession, Dialect, DialectName } from './dialect.js';

type ColumnParam = string | { name?: string; type?: string; value?: unknown };

export interface ReaderParams {
  username?: string;
  password?: string;
  column?: ColumnParam[];
  where?: string;
  splitPk?: string;
  splitFactor?: number;
  fetchSize?: number;
  session?: string[];
  customSql?: string;
  increColumn?: string;
  startLocation?: string | number;
  useMaxFunc?: boolean;
  polling?: boolean;
  pollingInterval?: number;
  connection: Array<{ jdbcUrl: string | string[]; table?: string | string[]; querySql?: string | string[]; username?: string; password?: string }>;
}

/** What one reader task runs: a query on one connection, plus constant columns filled in here. */
interface ReaderTaskParams {
  config: ConnectionConfig;
  session: string[];
  sql: string;
  fetchSize?: number | undefined;
  /** Output position and definition of each constant column; the query gives the other positions in order. */
  constants: Array<{ at: number; column: ConstantColumn }>;
  width: number;
  /** For a splitPk range: how to read again after the last key sent, when the connection is lost. */
  resume?: ResumeParams | undefined;
  /** Incremental: the last column of each fetched row is increColumn as text; the task reports its largest. */
  incre?: { table: string; kind: IncreKind } | undefined;
  /** Polling: after the first pass, every intervalMs, `select` the rows past the largest value read (or past `start`). */
  poll?: { select: string; conditions: string[]; column: string; intervalMs: number; start?: string | undefined } | undefined;
}

const DEFAULT_POLLING_INTERVAL_MS = 5000;

/** How increColumn values compare: integers exactly, other numbers as numbers, dates and strings as the database's text. */
type IncreKind = 'int' | 'number' | 'text';

function increKind(dbType: string): IncreKind {
  if (/^(tinyint\(1\)|bool)/.test(dbType)) return 'text';
  if (/^(tinyint|smallint|mediumint|int|integer|bigint|int2|int4|int8|serial|bigserial|smallserial|oid)\b/.test(dbType)) return 'int';
  if (/^(numeric|decimal|real|double|float|money)/.test(dbType)) return 'number';
  return 'text';
}

/** Whether increColumn value a (as text) comes after b. Dates and timestamps print in ISO order in both databases. */
function increAfter(kind: IncreKind, a: string, b: string): boolean {
  if (kind === 'int') return BigInt(a) > BigInt(b);
  if (kind === 'number') return Number(a) > Number(b);
  return a > b;
}

/**
 * A splitPk range task reads ordered by the key, so that after a lost connection the read goes
 * on with `key > last key sent` and no row is sent twice or skipped.
 */
interface ResumeParams {
  /** SELECT ... FROM t, with the key appended when the job's columns do not hold it. */
  select: string;
  conditions: string[];
  /** The key column, quoted. */
  pk: string;
  /** Where the key is in a fetched row. */
  keyAt: number;
  /** The key was appended to the columns: drop it before sending. */
  dropKey: boolean;
  /** An integer key (splitPk, an integer restore column) or a text one (a string restore column). */
  kind: 'int' | 'text';
}

/** ` WHERE a AND b`, or nothing for no conditions. */
function whereClause(conditions: string[]): string {
  return conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
}

/** `after`: an SQL literal (keyLiteral). */
function resumeSql(r: ResumeParams, after?: string): string {
  const conditions = after === undefined ? r.conditions : [...r.conditions, `${r.pk} > ${after}`];
  return `${r.select}${whereClause(conditions)} ORDER BY ${r.pk}`;
}

/** A key's value as text: integers exactly; text as it is. */
function keyText(v: Value | undefined): string | undefined {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v))) return String(v);
  if (typeof v === 'string') return v;
  return undefined;
}

/** A key's text as an SQL literal: an integer checked to be one, or a quoted string. */
function keyLiteral(dialect: Dialect, kind: 'int' | 'text', text: string): string {
  if (kind === 'text') return dialect.quoteLiteral(text);
  if (!/^-?\d+$/.test(text)) throw new PluginError(`a restore or splitPk key ${JSON.stringify(text)} is not an integer`);
  return text;
}


export function readerSchema(dialect: DialectName): Schema {
  return {
    type: 'object',
    properties: {
      ...credentials,
      column: { ...columnSchema, description: '["*"], names, SQL expressions, or FlinkX {name, type} / {type, value} objects' },
      where: { type: 'string', description: 'a condition added to every table query' },
      splitPk: { type: 'string', description: 'an integer key: each table is read in ranges of it, in parallel' },
      splitFactor: { type: 'integer', min: 1, description: 'ranges per channel with splitPk (default 5)' },
      fetchSize: { type: 'integer', min: 1, description: 'rows per round trip' },
      connection: readerConnectionSchema,
      customSql: { type: 'string', description: 'FlinkX: a query, as querySql' },
      increColumn: { type: 'string', description: 'incremental reads: a column that grows with new rows (an id, a modification time)' },
      startLocation: { type: 'any', description: 'incremental reads: read rows whose increColumn is above this (number, string or timestamp text)' },
      useMaxFunc: { type: 'boolean', description: 'incremental reads: stop at MAX(increColumn) taken at the start; later rows wait for the next run' },
      polling: { type: 'boolean', description: 'keep reading the rows past increColumn\'s largest value every pollingInterval, until Ctrl-C / the AbortSignal ends the job cleanly' },
      pollingInterval: { type: 'integer', min: 1, description: 'ms between polls (default 5000)' },
      sourceIds: { type: 'any', warn: 'Taiga data source ids: not used, ignored' },
      ...(dialect === 'mysql' ? { useCursor: { type: 'boolean', warn: 'rows are always streamed; ignored' } } : {}),
    },
    required: ['connection'],
  };
}

/** A constant column as the job file gives it; plain data, so it crosses to the worker by structured clone (a Decimal or DateTime would arrive as a bare Object). */
interface ConstantColumn {
  type: string;
  value: string | number | boolean | null;
  format?: string | undefined;
}

/** The constant's value, parsed as streamreader parses its constants (types any case, DataX or FlinkX spelling, `format` for dates). */
function constantValue(c: ConstantColumn): Value {
  return (compileColumn(c) as { value: Value }).value;
}

/** Checks a constant column on the main thread, so a bad one stops the job before anything runs, with its JSON path. */
function constantColumn(c: { type?: string; value?: unknown; format?: string }, path: string): ConstantColumn {
  const v = c.value ?? null;
  if (v !== null && typeof v === 'object') throw configError('FERRY_JOB_INVALID', `${path}.value`, 'expected a string, number or boolean constant');
  const col: ConstantColumn = { type: c.type ?? 'string', value: v as ConstantColumn['value'], format: c.format };
  try {
    constantValue(col);
  } catch (err) {
    if (err instanceof ColumnProblem) throw configError('FERRY_JOB_INVALID', `${path}.${err.key}`, err.message);
    throw err;
  }
  return col;
}

/**
 * The first jdbcUrl candidate that connects, as DataX tries them: one that does not parse
 * (DataX's example lists `jdbc:mysql://127.0.0.1:bad_port/database` first) or does not connect
 * is a failed candidate, warned about; an error only when none works (the last one's).
 */
async function connectFirst(dialect: Dialect, candidates: ConnectionCandidate[], log: Logger): Promise<{ session: DbSession; config: ConnectionConfig }> {
  let last: unknown;
  for (const [i, c] of candidates.entries()) {
    const more = i < candidates.length - 1;
    if (c.error) {
      last = c.error;
      if (more) log.warn(`${c.error.message}; trying the next jdbcUrl`);
      continue;
    }
    try {
      return { session: await dialect.connect(c.config), config: c.config };
    } catch (err) {
      last = err;
      if (more) log.warn(`${c.path}: ${(err as Error).message}; trying the next jdbcUrl`);
    }
  }
  throw last;
}

async function runSession(session: DbSession, statements: string[]): Promise<void> {
  for (const sql of statements) await session.execute(sql);
}

/**
 * Runs a query that reads no row (`WHERE 1 = 0`), so that a where, querySql or column expression the server
 * refuses is a job-file mistake at init (exit 2 with its path), not a task's failure mid-run.
 */
async function probe(dialect: Dialect, session: DbSession, sql: string, path: string): Promise<void> {
  try {
    await session.query(sql);
  } catch (err) {
    const why = isTransient(err) ? undefined : dialect.refusal(err);
    if (why === undefined) throw err;
    throw configError('FERRY_JOB_INVALID', path, why);
  }
}

/** A table or query found at init, with what splitPk needs to cut it. */
interface Source {
  task: ReaderTaskParams;
  session: DbSession;
  table?: string;
  /** SELECT ... FROM table, without WHERE */
  base?: string;
  /** The select list's items and the FROM part of base. */
  select?: string[];
  from?: string;
  /** increColumn quoted, and how its values compare. */
  incre?: { column: string; kind: IncreKind } | undefined;
  /** setting.restore's column, quoted: tasks read ordered by it. */
  restore?: { column: string; kind: 'int' | 'text' } | undefined;
  where?: string | undefined;
}

class RdbmsReaderJob implements ReaderJob {
  private readonly sessions: DbSession[] = [];
  private sources: Source[] = [];
  private width: number | undefined;
  private names: string[] | undefined;
  /** The database types of the columns read, or why the tasks cannot send COPY text as it is. */
  private offer: string[] | string | undefined;
  /** Incremental: each table's state key, how its values compare, and where its read started. */
  private starts: Array<{ key: string; kind: IncreKind; start: string | undefined }> = [];
  /** Each source's row estimate for the progress line: the catalog's, else the splitPk range's width. */
  private estimates: Array<number | undefined> = [];

  constructor(private readonly dialect: Dialect, private readonly ctx: JobContext<ReaderParams>) {}

  /** Connects to every connection entry and checks tables and columns: what DataX's init + preCheck do. */
  async init(): Promise<void> {
    const p = this.ctx.parameter;
    const path = this.ctx.path;
    const columns = p.column ?? ['*'];
    this.sources = [];
    for (const [i, conn] of p.connection.entries()) {
      const cpath = `${path}.connection[${i}]`;
      const candidates = connectionCandidates(this.dialect.name, conn.jdbcUrl, `${cpath}.jdbcUrl`, conn.username ?? p.username, conn.password ?? p.password);
      const { session, config } = await connectFirst(this.dialect, candidates, this.ctx.log);
      this.sessions.push(session);
      await runSession(session, p.session ?? []);
      const queries = [...asList(conn.querySql), ...(i === 0 && p.customSql ? [p.customSql] : [])];
      if ((config.params.ferryStream ?? '').toLowerCase() === 'cursor') this.offer = 'the reader reads with a cursor (ferryStream=cursor)';
      if (queries.length > 0) {
        this.offer = 'a querySql is read as records';
        for (const [j, sql] of queries.entries()) {
          const qpath = j < asList(conn.querySql).length ? `${cpath}.querySql${Array.isArray(conn.querySql) ? `[${j}]` : ''}` : `${path}.customSql`;
          await probe(this.dialect, session, `SELECT * FROM (${sql}) ferry_probe WHERE 1 = 0`, qpath);
          this.sources.push({ session, task: { config, session: p.session ?? [], sql, fetchSize: p.fetchSize, constants: [], width: 0 } });
        }
        continue;
      }
      for (const [t, table] of asList(conn.table).entries()) {
        const tpath = `${cpath}.table${Array.isArray(conn.table) ? `[${t}]` : ''}`;
        const info = await session.columns(table).catch((err: Error) => {
          throw configError('FERRY_JOB_INVALID', tpath, err.message);
        });
        const known = new Map(info.map((c) => [c.name.toLowerCase(), c.name]));
        const select: string[] = [];
        const types: string[] = [];
        const constants: ReaderTaskParams['constants'] = [];
        let at = 0;
        for (const [k, col] of columns.entries()) {
          if (col === '*') {
            for (const c of info) {
              select.push(this.dialect.quoteIdent(c.name));
              types.push(c.dbType);
            }
            at += info.length;
            continue;
          }
          const c = typeof col === 'string' ? { name: col } : col;
          if (c.value !== undefined || c.name === undefined) {
            this.offer ??= `column ${k} is a constant`;
            constants.push({ at: at++, column: constantColumn(c, `${path}.column[${k}]`) });
            continue;
          }
          const entry = columnEntry(c.name, info.map((x) => x.name));
          if (entry.kind === 'missing') {
            throw configError('FERRY_JOB_INVALID', `${path}.column[${k}]`, `column "${entry.name}" does not exist in ${table}; its columns are: ${info.map((x) => x.name).join(', ')}`);
          }
          if (entry.kind === 'column') {
            select.push(this.dialect.quoteIdent(entry.name));
            types.push(info.find((x) => x.name === entry.name)!.dbType);
          } else {
            this.offer ??= `column ${k} is an expression (${c.name})`;
            // An expression (DataX allows "id + 1", "now()"): the user's SQL, as in querySql.
            select.push(c.name);
            await probe(this.dialect, session, `SELECT ${c.name} FROM ${this.dialect.quoteIdent(table)} WHERE 1 = 0`, `${path}.column[${k}]`);
          }
          at++;
        }
        const from = ` FROM ${this.dialect.quoteIdent(table)}`;
        const base = `SELECT ${select.join(', ')}${from}`;
        if (p.splitPk && !known.has(p.splitPk.replace(/^[`"]|[`"]$/g, '').toLowerCase())) {
          throw configError('FERRY_JOB_INVALID', `${path}.splitPk`, `column "${p.splitPk}" does not exist in ${table}; its columns are: ${info.map((x) => x.name).join(', ')}`);
        }
        const where = p.where?.trim() ? `(${p.where})` : undefined;
        // The user's text last, so that the server's "near ..." points into it.
        if (where) await probe(this.dialect, session, `SELECT 1${from} WHERE 1 = 0 AND ${where}`, `${path}.where`);
        const task = { config, session: p.session ?? [], sql: where ? `${base} WHERE ${where}` : base, fetchSize: p.fetchSize, constants, width: at };
        let incre: Source['incre'];
        if (p.increColumn) {
          const col = info.find((c) => c.name.toLowerCase() === p.increColumn!.replace(/^[`"]|[`"]$/g, '').toLowerCase());
          if (!col) throw configError('FERRY_JOB_INVALID', `${path}.increColumn`, `column "${p.increColumn}" does not exist in ${table}; its columns are: ${info.map((x) => x.name).join(', ')}`);
          incre = { column: this.dialect.quoteIdent(col.name), kind: increKind(col.dbType) };
        }
        let restore: Source['restore'];
        const rc = this.ctx.restoreColumn;
        if (rc !== undefined) {
          const col = info.find((c) => c.name.toLowerCase() === rc.toLowerCase());
          const kind = col ? increKind(col.dbType) : undefined;
          if (!col || (kind !== 'int' && !/char|text|string/.test(col.dbType))) {
            throw configError('FERRY_JOB_INVALID', 'job.setting.restore.restoreColumnName',
              col ? `column "${rc}" of ${table} is ${col.dbType}: a restore column must be an integer or a string that orders the rows (a key)` : `column "${rc}" does not exist in ${table}; its columns are: ${info.map((x) => x.name).join(', ')}`);
          }
          restore = { column: this.dialect.quoteIdent(col.name), kind: kind === 'int' ? 'int' : 'text' };
        }
        this.sources.push({ task, session, table, base, where, select, from, incre, restore });
        if (incre) this.offer ??= 'an incremental read takes its increColumn from each record';
        const key = restore?.column ?? (p.splitPk ? this.dialect.quoteIdent(p.splitPk) : undefined);
        if (key !== undefined && !select.includes(key)) this.offer ??= `the read is ordered by ${key}, which is not among the columns sent`;
        if (this.offer === undefined) this.offer = types;
        else if (Array.isArray(this.offer) && this.offer.join() !== types.join()) this.offer = 'the tables read have different column types';
        if (this.names === undefined) {
          this.names = [];
          for (const col of columns) {
            if (col === '*') this.names.push(...info.map((c) => c.name));
            else this.names.push(typeof col === 'string' ? col : (col.name ?? ''));
          }
        }
        if (this.width === undefined) this.width = at;
      }
    }
  }

  columnCount(): number | undefined {
    return this.width;
  }

  /** Tables read column by column can be sent as text: PostgreSQL's COPY text, MySQL's LOAD DATA text. */
  passThrough(): PassThroughOffer | string {
    if (this.offer === undefined) return 'no table to read';
    if (typeof this.offer === 'string') return this.offer;
    if (this.dialect.name === 'postgresql') {
      // Binary where every type is one whose binary form both ends share; text otherwise.
      return { format: this.offer.every(binaryPassThroughType) ? 'postgresql-copy-binary' : 'postgresql-copy-text', types: this.offer };
    }
    for (const t of this.offer) {
      const why = passThroughType(t);
      if (why) return why;
    }
    return { format: 'mysql-load-text', types: this.offer };
  }

  columnNames(): string[] | undefined {
    return this.names;
  }

  async split(adviceNumber: number): Promise<ReaderTaskParams[]> {
    const p = this.ctx.parameter;
    if (p.increColumn && this.sources.some((s) => !s.table)) {
      throw configError('FERRY_JOB_INVALID', `${this.ctx.path}.increColumn`, 'incremental reads need table (not querySql): ferry adds the increColumn condition to the table query');
    }
    if (p.polling && !p.increColumn) {
      throw configError('FERRY_JOB_INVALID', `${this.ctx.path}.polling`, 'polling needs increColumn: the column whose largest value read says where the next poll starts');
    }
    if (p.polling && p.splitPk) this.ctx.log.warn('polling reads each table with one task: splitPk is ignored');
    const splitPk = p.polling ? undefined : p.splitPk;
    this.estimates = [];
    for (const src of this.sources) {
      // A where or an incremental start reads part of the table: the catalog's count would mislead.
      const whole = src.table !== undefined && !src.where && !p.increColumn && !p.polling;
      this.estimates.push(whole ? await src.session.estimatedRows(src.table!).catch(() => undefined) : undefined);
    }
    if (!splitPk && !p.increColumn && this.ctx.restoreColumn === undefined) return this.sources.map((s) => s.task);
    const perTable = Math.max(1, Math.ceil(adviceNumber / Math.max(1, this.sources.length))) * (p.splitFactor ?? 5);
    const out: ReaderTaskParams[] = [];
    this.starts = [];
    for (const [i, s] of this.sources.entries()) {
      if (!s.table || !s.base || !s.select || !s.from) {
        out.push(s.task); // a querySql is read as it is
        continue;
      }
      const key = this.stateKey(s.table, i);
      const conditions = s.where ? [s.where] : [];
      let hidden: string[] = [];
      let incre: ReaderTaskParams['incre'];
      let start: string | undefined;
      if (s.incre) {
        const found = await this.increConditions(s, key);
        const c = found.conditions;
        start = found.start;
        conditions.push(...c);
        this.starts.push({ key, kind: s.incre.kind, start });
        // Aliased: PostgreSQL names a cast's column after the column, which makes ORDER BY pk ambiguous.
        hidden = [`${this.dialect.asText(s.incre.column)} AS ferry_incre_text`];
        incre = { table: key, kind: s.incre.kind };
      }
      const where = (extra: string[] = []): string => whereClause([...conditions, ...extra]);
      // The job's columns and increColumn's text, for the tasks that need no key order.
      const plainSelect = `SELECT ${[...s.select, ...hidden].join(', ')}${s.from}`;
      /** A task read in the order of `col`, so that it can go on after the last value sent. */
      const ordered = (col: string, kind: 'int' | 'text', extra: string[]): ReaderTaskParams => {
        const keyAt = s.select!.indexOf(col);
        // Hidden columns after the job's: the key when the job does not select it, then increColumn's text.
        const select = `SELECT ${[...s.select!, ...(keyAt >= 0 ? [] : [col]), ...hidden].join(', ')}${s.from!}`;
        const resume: ResumeParams = { select, conditions: [...conditions, ...extra], pk: col, keyAt: keyAt >= 0 ? keyAt : s.select!.length, dropKey: keyAt < 0, kind };
        return { ...s.task, sql: resumeSql(resume), resume, incre };
      };
      if (!splitPk && s.restore) {
        out.push(ordered(s.restore.column, s.restore.kind, []));
        continue;
      }
      if (!splitPk) {
        const poll = p.polling && s.incre
          ? { select: plainSelect, conditions: s.where ? [s.where] : [], column: s.incre.column, intervalMs: p.pollingInterval ?? DEFAULT_POLLING_INTERVAL_MS, start }
          : undefined;
        out.push({ ...s.task, sql: `${plainSelect}${where()}`, incre, poll });
        continue;
      }
      const pk = this.dialect.quoteIdent(splitPk);
      const [row] = await s.session.query(`SELECT MIN(${pk}), MAX(${pk})${s.from}${where()}`);
      const min = toBigInt(row?.[0]);
      const max = toBigInt(row?.[1]);
      if (min === undefined || max === undefined) {
        this.ctx.log.warn(`splitPk ${p.splitPk} of ${s.table} is not an integer column: the table is read by one task`);
        out.push({ ...s.task, sql: `${plainSelect}${where()}`, incre });
        continue;
      }
      // Keys may have gaps: the range's width is an upper bound, still better than no estimate.
      if (this.estimates[i] === undefined && max !== null && min !== null) this.estimates[i] = Number(max - min + 1n);
      for (const cond of rangeConditions(pk, min, max, perTable)) {
        if (s.restore) out.push(ordered(s.restore.column, s.restore.kind, [cond]));
        else if (/ IS NULL$/.test(cond)) out.push({ ...s.task, sql: `${plainSelect}${where([cond])}`, incre }); // no key to resume after
        else out.push(ordered(pk, 'int', [cond]));
      }
    }
    return out;
  }

  /** Where each table's incremental read starts: the state file's end, else startLocation; and its conditions. */
  private async increConditions(s: Source, key: string): Promise<{ conditions: string[]; start: string | undefined }> {
    const p = this.ctx.parameter;
    const { column, kind } = s.incre!;
    const ends = this.ctx.state?.endLocation as Record<string, unknown> | undefined;
    const saved = ends?.[key];
    const start = typeof saved === 'string' ? saved : p.startLocation === undefined || p.startLocation === null || p.startLocation === '' ? undefined : String(p.startLocation);
    const conditions = start === undefined ? [] : [`${column} > ${this.dialect.quoteLiteral(start)}`];
    if (p.useMaxFunc) {
      const filter = [...(s.where ? [s.where] : []), ...conditions];
      const [row] = await s.session.query(`SELECT ${this.dialect.asText(`MAX(${column})`)}${s.from!}${whereClause(filter)}`);
      const max = row?.[0];
      // Integers are unique as they grow: read up to MAX itself. Times may repeat: rows at MAX
      // wait for the next run, since more rows with that same time may still arrive.
      conditions.push(max === null || max === undefined ? '1 = 0' : `${column} ${kind === 'int' ? '<=' : '<'} ${this.dialect.quoteLiteral(String(max))}`);
    }
    return { conditions, start };
  }

  estimatedRecords(): number | undefined {
    if (this.estimates.length === 0 || this.estimates.includes(undefined)) return undefined;
    return this.estimates.reduce<number>((n, e) => n + e!, 0);
  }

  polls(): boolean {
    return this.ctx.parameter.polling === true;
  }

  private stateKey(table: string, index: number): string {
    return this.sources.findIndex((x) => x.table === table) === index ? table : `${table}#${index}`;
  }

  /** Each table's endLocation: the largest increColumn value its tasks read, else where it started. */
  nextState(reports: Array<object | undefined>): Record<string, unknown> | undefined {
    if (!this.ctx.parameter.increColumn) return undefined;
    const endLocation: Record<string, string> = {};
    for (const { key, kind, start } of this.starts) {
      let end = start;
      for (const r of reports) {
        const rep = r as { table?: string; max?: string } | undefined;
        if (rep?.table === key && rep.max !== undefined && (end === undefined || increAfter(kind, rep.max, end))) end = rep.max;
      }
      if (end !== undefined) endLocation[key] = end;
    }
    return { endLocation };
  }

  async destroy(): Promise<void> {
    await Promise.all(this.sessions.splice(0).map((s) => s.close()));
  }
}

/** MIN/MAX as a bigint, null for an empty table, undefined when the key is not an integer. */
function toBigInt(v: unknown): bigint | null | undefined {
  if (v === null) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return undefined;
}

class RdbmsReaderTask implements ReaderTask {
  private session: DbSession | undefined;
  /** Incremental: the largest increColumn value sent, as the database's text. */
  private increMax: string | undefined;
  constructor(private readonly dialect: Dialect, private readonly ctx: TaskContext<ReaderTaskParams>) {}

  report(): object | undefined {
    return this.ctx.parameter.incre ? { table: this.ctx.parameter.incre.table, max: this.increMax } : undefined;
  }

  /**
   * Streams the query into the sender. A lost connection (or another transient failure) is
   * retried with backoff: from the start when nothing was sent yet, after the last key sent
   * for a splitPk range, and otherwise not at all — the rows already sent cannot be told apart.
   */
  async startRead(sender: RecordSender): Promise<void> {
    const p = this.ctx.parameter;
    await this.readPass(p.sql, sender, p.resume);
    const poll = p.poll;
    if (!poll) return;
    // Polling: the rows past the largest increColumn value read, every interval, until the job
    // is asked to stop (then the task ends like a finished one: the writer commits, the job succeeds).
    const { stopping, signal } = this.ctx;
    const quote = this.dialect.quoteLiteral;
    const wake = AbortSignal.any([stopping, signal]);
    for (;;) {
      await sender.flush();
      await pause(poll.intervalMs, wake);
      if (wake.aborted) return;
      const after = this.increMax ?? poll.start;
      const conditions = after === undefined ? poll.conditions : [...poll.conditions, `${poll.column} > ${quote(after)}`];
      await this.readPass(`${poll.select}${whereClause(conditions)}`, sender, undefined);
    }
  }

  /** One query streamed into the sender, with retries (see startRead). */
  private async readPass(sqlText: string, sender: RecordSender, resume: ResumeParams | undefined): Promise<void> {
    const p = this.ctx.parameter;
    const { retry, signal, log } = this.ctx;
    const dialect = this.dialect;
    const constants = p.constants.map((c) => ({ at: c.at, value: constantValue(c.column) }));
    const incre = p.incre;
    let sent = 0;
    // A resumed run (setting.restore) starts after the value the writer last committed.
    let lastKey: string | undefined = resume ? this.ctx.restore?.after || undefined : undefined;
    for (let n = 1; ; n++) {
      try {
        if (!this.session) {
          this.session = await dialect.connect(p.config);
          await runSession(this.session, p.session);
        }
        const sql = resume && lastKey !== undefined ? resumeSql(resume, keyLiteral(dialect, resume.kind, lastKey)) : sqlText;
        if (this.ctx.passThrough && sender.sendText && this.session.streamText) {
          // Whole records, never parsed: the key to go on after is read from each piece's last record only.
          const binary = this.ctx.passThrough === 'postgresql-copy-binary';
          for await (const { text, lines, last } of this.session.streamText(sql, { signal, binary })) {
            if (resume) {
              lastKey = binary ? binaryKeyText(tupleField(text.subarray(last), resume.keyAt), resume.kind) : (copyField(lastLine(text), resume.keyAt) ?? undefined);
            }
            sent += lines;
            const w = sender.sendText(text, lines, binary ? tupleEnd : undefined);
            if (w) await w;
          }
          return;
        }
        for await (const batch of this.session.stream(sql, { fetchSize: p.fetchSize, signal })) {
          for (const fetched of batch) {
            if (incre) {
              // increColumn's text is the last column: taken off before the key and the job's columns.
              const v = fetched.pop();
              if (typeof v === 'string' && (this.increMax === undefined || increAfter(incre.kind, v, this.increMax))) this.increMax = v;
            }
            if (resume) {
              lastKey = keyText(fetched[resume.keyAt]);
              if (resume.dropKey) fetched.pop();
            }
            let row: Row = fetched;
            if (constants.length > 0) {
              row = new Array(p.width);
              let f = 0;
              let c = 0;
              for (let i = 0; i < p.width; i++) row[i] = constants[c]?.at === i ? constants[c++]!.value : (fetched[f++] as Value);
            }
            sent++;
            const w = sender.send(row);
            if (w) await w;
          }
        }
        return;
      } catch (err) {
        if (!isTransient(err) || signal.aborted) throw err;
        const message = (err as Error).message;
        if (sent > 0 && (!resume || lastKey === undefined)) {
          throw new PluginError(`${message}; the read cannot go on where it stopped after ${sent} rows: give the reader a splitPk (an integer key) so that it can`, { cause: err });
        }
        if (n > retry.maxRetries) throw new PluginError(`${message} (gave up after ${retry.maxRetries} retries)`, { cause: err });
        const wait = backoffMs(retry, n);
        log.warn(`${message}; reconnecting in ${wait} ms to read ${sent > 0 ? `on after ${resume!.pk} ${lastKey}` : 'from the start'} (retry ${n} of ${retry.maxRetries})`);
        await this.session?.close().catch(() => {});
        this.session = undefined;
        await pause(wait, signal);
        if (signal.aborted) throw err;
      }
    }
  }

  async destroy(): Promise<void> {
    await this.session?.close();
  }
}

/** A reader plugin over one dialect: the plugin's module imports only its own driver. */
export function makeReader(name: string, dialect: Dialect): ReaderPlugin<ReaderParams> {
  const dialectName = dialect.name;
  return {
    name,
    kind: 'reader',
    description: `Reads ${dialectName === 'mysql' ? 'MySQL / MariaDB' : 'PostgreSQL'} tables or queries (DataX ${name})`,
    parameter: readerSchema(dialectName),
    createJob: (ctx) => initialised(new RdbmsReaderJob(dialect, ctx)),
    createTask: (ctx) => new RdbmsReaderTask(dialect, ctx as TaskContext<ReaderTaskParams>),
  };
}
