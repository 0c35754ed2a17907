/**
 * End to end: ferry moving a real table between real databases, against the tools people use
 * for the same move, every case timed in the same run:
 *
 *   pg-pg        ferry postgresqlreader → postgresqlwriter   vs  psql \copy ... TO STDOUT | psql \copy ... FROM STDIN
 *   mysql-pg     ferry mysqlreader → postgresqlwriter         vs  pgloader (load file, data only, into the pre-created target)
 *   mysql-mysql  ferry mysqlreader → mysqlwriter              vs  mariadb --quick -N -e SELECT | mariadb LOAD DATA LOCAL INFILE '/dev/stdin'
 *   naive        ferry PG→PG (the pg-pg run)                  vs  pg + pg-query-stream, 1000-row INSERTs, one process (bench/e2e-naive.ts)
 *
 * The source is a table of N rows × 6 columns (id bigint pk, n int, x double, s varchar(40),
 * ts timestamp(6), amount numeric(12,2)) with the same values in both servers, seeded once
 * (ferry_bench_src_<N>, kept for the next run). Each measurement writes into a fresh empty
 * target (same DDL, primary key included) that is dropped afterwards; the target is then
 * checked: row count and a checksum (sums of id, n, amount, floor(x*1000), char_length(s) and
 * ts in microseconds) equal to the source's. Every tool runs as a child process and is timed
 * wall clock from spawn to exit; ferry runs as `node dist/lib/cli/main.js run job.json --json
 * --quiet`, and its peak RSS is the one in its own summary. MB/s counts the same bytes for
 * both sides of a case: the size of the source table as CSV.
 *
 *   npm run bench:e2e [-- --rows 2000000] [-- --reps 1] [-- --only pg-pg,mysql-pg,mysql-mysql,naive] [-- --json]
 *
 * --json: the report goes to stderr and stdout is one JSON object with every figure. Exit code
 * 0 when every tool that could run ran and verified (a missing pgloader/psql/mariadb is a skip),
 * 1 when one failed or a server was down, 2 for a wrong command line. Targets not met do not fail.
 *
 * Servers: PostgreSQL at 127.0.0.1:5432 (user postgres, database test, trust auth) and
 * MySQL/MariaDB at 127.0.0.1:3306 (root, empty password, database test).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import mysql from 'mysql2/promise';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const MY = { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'test' };
const PG_URL = `postgresql://${PG.user}@${PG.host}:${PG.port}/${PG.database}`;
const MY_URL = `mysql://${MY.user}@${MY.host}:${MY.port}/${MY.database}`;
const COLUMNS = ['id', 'n', 'x', 's', 'ts', 'amount'] as const;
const COLS = COLUMNS.join(', ');
const CHANNEL = 2;
const CASE_IDS = ['pg-pg', 'mysql-pg', 'mysql-mysql', 'naive'] as const;
type CaseId = (typeof CASE_IDS)[number];
type DbKind = 'pg' | 'mysql';

const DIST = fileURLToPath(new URL('../', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(DIST, 'lib', 'cli', 'main.js');
const NAIVE = join(DIST, 'bench', 'e2e-naive.js');

// ---------------------------------------------------------------------------------------
// Child processes: every one awaited, killable as a group on Ctrl-C.

export interface Exec {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const running = new Set<ChildProcess>();
let interrupted = false;

/** Keeps the last `max` characters of a stream's text. */
function tail(max: number): { add(s: string): void; text(): string } {
  let buf = '';
  return {
    add(s) {
      buf += s;
      if (buf.length > 2 * max) buf = buf.slice(-max);
    },
    text: () => buf.slice(-max),
  };
}

export function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Exec> {
  return new Promise((resolve, reject) => {
    if (interrupted) return reject(new Error('interrupted'));
    const t = performance.now();
    // Its own process group, so a shell pipeline can be stopped as a whole.
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    const out = tail(1 << 20);
    const err = tail(64 << 10);
    child.stdout.setEncoding('utf8').on('data', (s: string) => out.add(s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => err.add(s));
    child.once('error', (e) => {
      running.delete(child);
      reject(new Error(`cannot start ${cmd}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout: out.text(), stderr: err.text(), ms: performance.now() - t });
    });
  });
}

export function onSigint(): void {
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\ninterrupted: stopping the running tool, dropping targets (Ctrl-C again to quit at once)\n');
  for (const c of running) {
    try {
      process.kill(-c.pid!, 'SIGINT');
    } catch {
      /* already gone */
    }
    setTimeout(() => {
      if (running.has(c)) {
        try {
          process.kill(-c.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }, 10_000).unref();
  }
}

/** The last lines of a tool's stderr, for an error message. */
export function lastLines(s: string, n = 6): string {
  const lines = s.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  return lines.slice(-n).join(' | ');
}

function which(cmd: string): string | undefined {
  const r = spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

/** Single-quotes a string for /bin/sh. */
function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------
// The two servers, behind one small interface.

export interface Db {
  kind: DbKind;
  name: string;
  version: string;
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const dbName = (kind: DbKind): string => (kind === 'pg' ? 'PostgreSQL' : 'MySQL/MariaDB');

function unreachable(what: string, err: unknown): Error {
  const e = err as { code?: string; message?: string };
  const why = e.code && !String(e.message).includes(e.code) ? `${e.code}: ${e.message}` : String(e.message ?? err);
  return new Error(`${what} is not reachable (${why}); start it, or leave its cases out with --only`);
}

export async function connectPg(): Promise<Db> {
  const client = new pg.Client({ ...PG, connectionTimeoutMillis: 5000 });
  client.on('error', (err) => process.stderr.write(`PostgreSQL connection error: ${err.message}\n`));
  try {
    await client.connect();
  } catch (err) {
    throw unreachable(`PostgreSQL at ${PG.host}:${PG.port} (user ${PG.user}, database ${PG.database})`, err);
  }
  const v = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return {
    kind: 'pg',
    name: 'PostgreSQL',
    version: v.rows[0]?.v ?? '?',
    query: async (sql) => (await client.query(sql)).rows as Array<Record<string, unknown>>,
    close: () => client.end(),
  };
}

async function connectMysql(): Promise<Db> {
  let conn: mysql.Connection;
  try {
    conn = await mysql.createConnection({ ...MY, connectTimeout: 5000, supportBigNumbers: true, bigNumberStrings: true });
  } catch (err) {
    throw unreachable(`MySQL/MariaDB at ${MY.host}:${MY.port} (user ${MY.user}, database ${MY.database})`, err);
  }
  conn.on('error', (err: Error) => process.stderr.write(`MySQL connection error: ${err.message}\n`));
  const [rows] = await conn.query('SELECT VERSION() AS v');
  const version = String((rows as Array<{ v: string }>)[0]?.v ?? '?');
  return {
    kind: 'mysql',
    name: /mariadb/i.test(version) ? 'MariaDB' : 'MySQL',
    version,
    query: async (sql) => {
      const [r] = await conn.query(sql);
      return Array.isArray(r) ? (r as Array<Record<string, unknown>>) : [];
    },
    close: () => conn.end(),
  };
}

// ---------------------------------------------------------------------------------------
// Source and targets

const PG_DDL = 'id bigint PRIMARY KEY, n int, x double precision, s varchar(40), ts timestamp(6), amount numeric(12,2)';
const MY_DDL = 'id bigint PRIMARY KEY, n int, x double, s varchar(40), ts datetime(6), amount decimal(12,2)';

/** Row g: the same values in both dialects (checked by the checksums matching across servers). */
function seedSql(kind: DbKind, table: string, rows: number, source: string): string {
  if (kind === 'pg') {
    return `INSERT INTO ${table} SELECT g, ((g * 7919) % 1000003 - 500000)::int, (g % 100000)::double precision / 7,
      substr(md5(g::text) || md5((g * 31)::text), 1, 20 + (g % 21)::int),
      timestamp '2020-01-01 00:00:00' + g * interval '1 second' + (g % 1000000) * interval '1 microsecond',
      (((g * 37) % 10000000) - 5000000)::numeric / 100
    FROM generate_series(1::bigint, ${rows}) AS g`;
  }
  return `INSERT INTO ${table} SELECT g, (g * 7919) % 1000003 - 500000, (g % 100000) / 7e0,
      SUBSTR(CONCAT(MD5(g), MD5(g * 31)), 1, 20 + g % 21),
      TIMESTAMP('2020-01-01 00:00:00') + INTERVAL g SECOND + INTERVAL (g % 1000000) MICROSECOND,
      ((g * 37) % 10000000 - 5000000) / 100
    FROM (${source}) AS t`;
}

async function tableRows(db: Db, table: string): Promise<number | undefined> {
  const exists =
    db.kind === 'pg'
      ? await db.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '${table}'`)
      : await db.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '${table}'`);
  if (exists.length === 0) return undefined;
  const r = await db.query(`SELECT count(*) AS c FROM ${table}`);
  return Number(r[0]?.c);
}

export interface Source {
  table: string;
  rows: number;
  /** The table as CSV: what MB/s counts, for ferry and the peer alike. */
  bytes: number;
  seeded: boolean;
  seedMs: number;
  checksum: Checksum;
}

export async function ensureSource(db: Db, rows: number, log: (s: string) => void): Promise<Source> {
  const table = `ferry_bench_src_${rows}`;
  const have = await tableRows(db, table);
  let seeded = false;
  let seedMs = 0;
  if (have !== rows) {
    log(`seeding ${table} in ${db.name}${have === undefined ? '' : ` (it had ${have.toLocaleString('en-US')} rows)`} ...`);
    const t = performance.now();
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    if (db.kind === 'pg') {
      // The primary key after the rows: faster than maintaining it row by row.
      await db.query(`CREATE TABLE ${table} (${PG_DDL.replace(' PRIMARY KEY', '')})`);
      await db.query(seedSql('pg', table, rows, ''));
      await db.query(`ALTER TABLE ${table} ADD PRIMARY KEY (id)`);
      await db.query(`VACUUM (ANALYZE) ${table}`);
    } else {
      await db.query(`CREATE TABLE ${table} (${MY_DDL}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
      let source = `SELECT CAST(seq AS SIGNED) AS g FROM seq_1_to_${rows}`;
      try {
        await db.query('SELECT seq FROM seq_1_to_1');
      } catch {
        // No SEQUENCE engine (MySQL, or MariaDB without it): a recursive CTE.
        await db.query(`SET SESSION max_recursive_iterations = ${rows + 1}`).catch(() => db.query(`SET SESSION cte_max_recursion_depth = ${rows + 1}`));
        source = `WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM c WHERE g < ${rows}) SELECT g FROM c`;
      }
      await db.query(seedSql('mysql', table, rows, source));
      await db.query(`ANALYZE TABLE ${table}`);
    }
    seedMs = performance.now() - t;
    seeded = true;
    const now = await tableRows(db, table);
    if (now !== rows) throw new Error(`seeding ${table} in ${db.name} left ${now} rows, not ${rows}`);
  }
  const b = await db.query(`SELECT sum(${db.kind === 'pg' ? 'octet_length' : 'LENGTH'}(concat_ws(',', ${COLS})) + 1) AS b FROM ${table}`);
  const checksum = await checksumOf(db, table);
  return { table, rows, bytes: Number(b[0]?.b), seeded, seedMs, checksum };
}

export type Checksum = Record<string, string>;

/** Order-independent sums that every column contributes to; equal text across servers for equal data. */
export async function checksumOf(db: Db, table: string): Promise<Checksum> {
  const sql =
    db.kind === 'pg'
      ? `SELECT count(*) AS rows, sum(id) AS id, sum(n) AS n, sum(floor(x * 1000)::bigint) AS x, sum(char_length(s)) AS s,
           sum(extract(epoch FROM ts) * 1000000) AS ts, sum(amount) AS amount FROM ${table}`
      : `SELECT count(*) AS \`rows\`, sum(id) AS id, sum(n) AS n, sum(CAST(floor(x * 1000) AS SIGNED)) AS x, sum(char_length(s)) AS s,
           sum(timestampdiff(MICROSECOND, '1970-01-01 00:00:00', ts)) AS ts, sum(amount) AS amount FROM ${table}`;
  const r = (await db.query(sql))[0] ?? {};
  const out: Checksum = {};
  for (const k of ['rows', ...COLUMNS]) {
    let v = r[k] === null || r[k] === undefined ? 'null' : String(r[k]);
    if (v.includes('.')) v = v.replace(/0+$/, '').replace(/\.$/, '');
    out[k] = v;
  }
  return out;
}

export async function createTarget(db: Db, name: string, source: string): Promise<void> {
  await db.query(`DROP TABLE IF EXISTS ${name}`);
  if (db.kind === 'pg') await db.query(`CREATE TABLE ${name} (${PG_DDL})`);
  else await db.query(`CREATE TABLE ${name} LIKE ${source}`);
}

// ---------------------------------------------------------------------------------------
// The tools

export interface RunResult {
  ms: number;
  peakRssBytes?: number;
  /** ferry's own figures from its summary (runJob: without process start-up). */
  ferry?: FerryFigures;
}

export interface FerryFigures {
  elapsedSeconds: number;
  /** Summed over tasks: readers waiting for the writer side, writers for the reader side. */
  readerWaitSeconds: number;
  writerWaitSeconds: number;
  tasks: number;
  /** Task attempts that failed and ran again (each costs DataX's retry pause): a slow run if not 0. */
  retries: number;
  peakRssBytes: number;
}

export interface Ctx {
  rows: number;
  tmp: string;
  mysqlClient: string | undefined;
  sources: Partial<Record<DbKind, Source>>;
}

export interface Runner {
  tool: string;
  label: string;
  ferry: boolean;
  /** Why this runner cannot run here (a missing program), or undefined. */
  unavailable?: string;
  run(ctx: Ctx, target: string): Promise<RunResult>;
}

function ferryJob(src: DbKind, dst: DbKind, srcTable: string, dstTable: string): object {
  const side = (kind: DbKind) =>
    kind === 'pg'
      ? { db: 'postgresql', username: PG.user, url: `jdbc:postgresql://${PG.host}:${PG.port}/${PG.database}` }
      : { db: 'mysql', username: MY.user, url: `jdbc:mysql://${MY.host}:${MY.port}/${MY.database}` };
  const r = side(src);
  const w = side(dst);
  return {
    job: {
      content: [
        {
          reader: {
            name: `${r.db}reader`,
            parameter: { username: r.username, password: '', column: [...COLUMNS], splitPk: 'id', connection: [{ jdbcUrl: [r.url], table: [srcTable] }] },
          },
          writer: {
            name: `${w.db}writer`,
            parameter: { username: w.username, password: '', column: [...COLUMNS], connection: [{ jdbcUrl: w.url, table: [dstTable] }] },
          },
        },
      ],
      setting: { speed: { channel: CHANNEL } },
    },
  };
}

interface FerrySummary {
  state?: string;
  recordsWritten?: number;
  elapsedMs?: number;
  peakRssBytes?: number;
  readerWaitMs?: number;
  writerWaitMs?: number;
  tasks?: { total?: number; retries?: number };
  error?: { message?: string };
}

/** How a bench runs the same move differently: its job's shape and extra `ferry run` arguments (bench/cluster.ts). */
export interface FerryVariant {
  tool: string;
  label: string;
  job?: (job: object) => object;
  args?: string[];
}

export function ferryRunner(src: DbKind, dst: DbKind, variant?: FerryVariant): Runner {
  const plugins = [`${src === 'pg' ? 'postgresql' : 'mysql'}reader`, `${dst === 'pg' ? 'postgresql' : 'mysql'}writer`];
  return {
    tool: variant?.tool ?? 'ferry',
    label: variant?.label ?? `ferry ${plugins.join(' → ')}, channel ${CHANNEL}, splitPk id`,
    ferry: true,
    async run(ctx, target) {
      for (const p of plugins) {
        if (!existsSync(join(DIST, 'lib', 'plugins', p, 'index.js'))) {
          throw new Error(`ferry plugin ${p} is missing: no dist/lib/plugins/${p}/index.js (lib/plugins/${p}/ not written or not built yet)`);
        }
      }
      const file = join(ctx.tmp, `ferry-${src}-${dst}.json`);
      const job = ferryJob(src, dst, ctx.sources[src]!.table, target);
      await writeFile(file, JSON.stringify(variant?.job ? variant.job(job) : job, null, 2));
      try {
        const r = await exec(process.execPath, [CLI, 'run', file, '--json', '--quiet', ...(variant?.args ?? [])]);
        const last = r.stdout.trim().split('\n').pop() ?? '';
        let s: FerrySummary | undefined;
        try {
          s = JSON.parse(last) as FerrySummary;
        } catch {
          s = undefined;
        }
        if (r.code !== 0 || s?.state !== 'succeeded') {
          const why = lastLines(r.stderr) || s?.error?.message || `state ${s?.state ?? 'unknown'}`;
          throw new Error(`ferry exited ${r.code ?? r.signal}: ${why}`);
        }
        if (s.recordsWritten !== ctx.rows) throw new Error(`ferry reported ${s.recordsWritten} records written, not ${ctx.rows}`);
        const out: RunResult = { ms: r.ms };
        if (s.peakRssBytes !== undefined) out.peakRssBytes = s.peakRssBytes;
        out.ferry = {
          elapsedSeconds: (s.elapsedMs ?? NaN) / 1000,
          readerWaitSeconds: (s.readerWaitMs ?? NaN) / 1000,
          writerWaitSeconds: (s.writerWaitMs ?? NaN) / 1000,
          tasks: s.tasks?.total ?? NaN,
          retries: s.tasks?.retries ?? 0,
          peakRssBytes: s.peakRssBytes ?? NaN,
        };
        return out;
      } finally {
        await rm(file, { force: true });
      }
    },
  };
}

async function shell(script: string, what: string): Promise<RunResult> {
  const r = await exec('/bin/bash', ['-o', 'pipefail', '-c', script], { PGCONNECT_TIMEOUT: '5' });
  if (r.code !== 0) throw new Error(`${what} exited ${r.code ?? r.signal}: ${lastLines(r.stderr) || lastLines(r.stdout)}`);
  return { ms: r.ms };
}

function psqlPipe(): Runner {
  const psql = which('psql');
  const cmd = (c: string): string => `psql -h ${PG.host} -p ${PG.port} -U ${PG.user} -d ${PG.database} -X -q -v ON_ERROR_STOP=1 -c ${shq(c)}`;
  const r: Runner = {
    tool: 'psql pipe',
    label: 'psql \\copy (SELECT ...) TO STDOUT | psql \\copy target FROM STDIN',
    ferry: false,
    run: (ctx, target) =>
      shell(`${cmd(`\\copy (SELECT ${COLS} FROM ${ctx.sources.pg!.table}) TO STDOUT`)} | ${cmd(`\\copy ${target} (${COLS}) FROM STDIN`)}`, 'psql pipe'),
  };
  if (!psql) r.unavailable = 'psql not found: apt-get install postgresql-client';
  return r;
}

function mysqlPipe(client: string | undefined): Runner {
  const cmd = (extra: string, sql: string): string =>
    `${client} --no-defaults -h ${MY.host} -P ${MY.port} -u ${MY.user} --connect-timeout=5 ${extra} ${MY.database} -e ${shq(sql)}`;
  const r: Runner = {
    tool: `${client ?? 'mariadb'} pipe`,
    label: `${client ?? 'mariadb'} --quick -N -e SELECT | ${client ?? 'mariadb'} LOAD DATA LOCAL INFILE '/dev/stdin'`,
    ferry: false,
    run: (ctx, target) =>
      shell(
        `${cmd('--quick -N -B', `SELECT ${COLS} FROM ${ctx.sources.mysql!.table}`)} | ` +
          cmd('--local-infile=1', `LOAD DATA LOCAL INFILE '/dev/stdin' INTO TABLE ${target} (${COLS})`),
        `${client} pipe`,
      ),
  };
  if (!client) r.unavailable = 'mariadb/mysql client not found: apt-get install mariadb-client';
  return r;
}

function pgloaderRunner(): Runner {
  const r: Runner = {
    tool: 'pgloader',
    label: 'pgloader, data only, truncate, its default workers/batches',
    ferry: false,
    async run(ctx, target) {
      const src = ctx.sources.mysql!.table;
      const dir = join(ctx.tmp, 'pgloader');
      const file = join(ctx.tmp, 'mysql-pg.load');
      // The target exists with the source's types; pgloader only moves the data into it.
      await writeFile(
        file,
        [
          'LOAD DATABASE',
          `  FROM ${MY_URL}`,
          `  INTO ${PG_URL}`,
          '  WITH data only, truncate',
          `  INCLUDING ONLY TABLE NAMES MATCHING '${src}'`,
          `  ALTER TABLE NAMES MATCHING '${src}' RENAME TO '${target}'`,
          `  ALTER SCHEMA '${MY.database}' RENAME TO 'public';`,
          '',
        ].join('\n'),
      );
      try {
        const res = await exec('pgloader', ['--root-dir', dir, '--on-error-stop', file]);
        if (res.code !== 0) throw new Error(`pgloader exited ${res.code ?? res.signal}: ${lastLines(res.stderr) || lastLines(res.stdout)}`);
        return { ms: res.ms };
      } finally {
        await rm(file, { force: true });
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
  if (!which('pgloader')) r.unavailable = 'pgloader not found: apt-get install pgloader';
  return r;
}

function naiveRunner(): Runner {
  return {
    tool: 'naive node',
    label: 'pg + pg-query-stream, 1000-row parameterized INSERTs, one process, no workers',
    ferry: false,
    async run(ctx, target) {
      const args = { url: PG_URL, source: ctx.sources.pg!.table, target, columns: [...COLUMNS], batchRows: 1000 };
      const r = await exec(process.execPath, [NAIVE, JSON.stringify(args)]);
      if (r.code !== 0) throw new Error(`naive baseline exited ${r.code ?? r.signal}: ${lastLines(r.stderr)}`);
      const s = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { rows?: number; peakRssBytes?: number };
      if (s.rows !== ctx.rows) throw new Error(`naive baseline copied ${s.rows} rows, not ${ctx.rows}`);
      const out: RunResult = { ms: r.ms };
      if (s.peakRssBytes !== undefined) out.peakRssBytes = s.peakRssBytes;
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------
// Cases

interface Case {
  id: CaseId;
  title: string;
  source: DbKind;
  target: DbKind;
  runners: Runner[];
  /** ferry / peer ≥ this, from the issue. */
  goal?: number;
}

interface Measured {
  case: CaseId;
  tool: string;
  label: string;
  ferry: boolean;
  runsMs: number[];
  rss: number[];
  ferryRuns: FerryFigures[];
  error?: string;
  skipped?: string;
}

export interface Result {
  case: CaseId;
  tool: string;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  mbPerSecond: number;
  peakRssBytes?: number;
  runsSeconds: number[];
  /** ferry's own summary, per run. */
  ferryRuns?: FerryFigures[];
  verified: string;
}

/** 200 MB as ferry's summary counts them (formatBytes: MB = 2^20 bytes). */
const RSS_GOAL = 200 * 1024 * 1024;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMB = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
export const fmtRss = (b: number): string => `${(b / (1024 * 1024)).toFixed(1)} MB`;

export interface Options {
  rows?: number;
  reps?: number;
  only?: CaseId[];
  json?: boolean;
}

export async function main(options: Options = {}): Promise<number> {
  const rows = options.rows ?? 2_000_000;
  const reps = options.reps ?? 1;
  const only = new Set<CaseId>(options.only ?? CASE_IDS);
  // With --json the report goes to stderr, so stdout is the one JSON line.
  const log = (line: string): void => {
    if (options.json) process.stderr.write(line + '\n');
    else console.log(line);
  };
  const note = log;
  const notes: string[] = [];
  const addNote = (s: string): void => {
    notes.push(s);
    note(s);
  };

  const needPg = only.has('pg-pg') || only.has('mysql-pg') || only.has('naive');
  const needMy = only.has('mysql-pg') || only.has('mysql-mysql');
  const mysqlClient = which('mariadb') ? 'mariadb' : which('mysql') ? 'mysql' : undefined;

  log(`e2e bench: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ` +
    `${rows.toLocaleString('en-US')} rows × 6 columns, ferry channel ${CHANNEL} splitPk id, ${reps === 1 ? 'one run' : `median of ${reps} interleaved runs`} per tool`);

  const dbs: Partial<Record<DbKind, Db>> = {};
  const down: Partial<Record<DbKind, string>> = {}; // server not reachable
  const noSource: Partial<Record<DbKind, string>> = {}; // server up, source table not prepared
  const tmp = await mkdtemp(join(tmpdir(), 'ferry-e2e-'));
  const ctx: Ctx = { rows, tmp, mysqlClient, sources: {} };
  const measured: Measured[] = [];
  const targetsMade = new Set<string>();
  let restoreLocalInfile = false;
  process.on('SIGINT', onSigint);
  try {
    // Servers
    if (needPg) {
      try {
        dbs.pg = await connectPg();
      } catch (err) {
        down.pg = (err as Error).message;
        addNote(`error: ${down.pg}`);
      }
    }
    if (needMy) {
      try {
        dbs.mysql = await connectMysql();
      } catch (err) {
        down.mysql = (err as Error).message;
        addNote(`error: ${down.mysql}`);
      }
    }
    log(
      [dbs.pg ? `PostgreSQL ${dbs.pg.version} at ${PG.host}:${PG.port}` : '', dbs.mysql ? `${dbs.mysql.name} ${dbs.mysql.version} at ${MY.host}:${MY.port}` : '']
        .filter(Boolean)
        .join('; '),
    );
    if (dbs.mysql && only.has('mysql-mysql') && mysqlClient) {
      const v = await dbs.mysql.query('SELECT @@GLOBAL.local_infile AS v');
      if (Number(v[0]?.v) !== 1) {
        try {
          await dbs.mysql.query('SET GLOBAL local_infile = 1');
          restoreLocalInfile = true;
          addNote(`note: local_infile was OFF on ${dbs.mysql.name}: set ON for this run with SET GLOBAL local_infile=1 (set back to OFF at the end)`);
        } catch (err) {
          addNote(`warning: local_infile is OFF on ${dbs.mysql.name} and SET GLOBAL local_infile=1 failed (${(err as Error).message}): the ${mysqlClient} pipe will fail`);
        }
      } else {
        log(`${dbs.mysql.name}: local_infile is ON (LOAD DATA LOCAL INFILE allowed)`);
      }
    }

    // Sources, seeded once and kept
    const sourceNeeded: Record<DbKind, boolean> = { pg: only.has('pg-pg') || only.has('naive'), mysql: needMy };
    for (const kind of ['pg', 'mysql'] as const) {
      const db = dbs[kind];
      if (!db || !sourceNeeded[kind]) continue;
      try {
        const s = await ensureSource(db, rows, log);
        ctx.sources[kind] = s;
        log(`source ${db.name} ${s.table}: ${s.seeded ? `seeded in ${(s.seedMs / 1000).toFixed(1)} s` : 'already there'}, ` +
          `${fmtInt(s.rows)} rows, ${fmtMB(s.bytes)} as CSV (${(s.bytes / s.rows).toFixed(1)} bytes/row)`);
      } catch (err) {
        noSource[kind] = `cannot prepare the source table in ${db.name}: ${(err as Error).message}`;
        addNote(`error: ${noSource[kind]}`);
      }
    }
    if (ctx.sources.pg && ctx.sources.mysql) {
      const a = JSON.stringify(ctx.sources.pg.checksum);
      const b = JSON.stringify(ctx.sources.mysql.checksum);
      if (a !== b) addNote(`warning: the two sources differ: PostgreSQL ${a}, MySQL ${b}`);
      else log('sources: same checksum in both servers');
    }

    // Cases (the naive baseline is compared with the pg-pg ferry run; run ferry PG→PG alone if pg-pg was left out)
    const cases: Case[] = [];
    if (only.has('pg-pg') || only.has('naive')) {
      cases.push({ id: 'pg-pg', title: 'PG→PG', source: 'pg', target: 'pg', runners: [ferryRunner('pg', 'pg'), ...(only.has('pg-pg') ? [psqlPipe()] : [])], goal: 1.0 });
    }
    if (only.has('mysql-pg')) cases.push({ id: 'mysql-pg', title: 'MySQL→PG', source: 'mysql', target: 'pg', runners: [ferryRunner('mysql', 'pg'), pgloaderRunner()], goal: 4 });
    if (only.has('mysql-mysql')) cases.push({ id: 'mysql-mysql', title: 'MySQL→MySQL', source: 'mysql', target: 'mysql', runners: [ferryRunner('mysql', 'mysql'), mysqlPipe(mysqlClient)], goal: 0.9 });
    if (only.has('naive')) cases.push({ id: 'naive', title: 'PG→PG, naive Node baseline', source: 'pg', target: 'pg', runners: [naiveRunner()], goal: 5 });

    for (const c of cases) {
      for (const r of c.runners) {
        const m: Measured = { case: c.id, tool: r.tool, label: r.label, ferry: r.ferry, runsMs: [], rss: [], ferryRuns: [] };
        const dbWhy =
          (down[c.source] && `not run: ${dbName(c.source)} is not reachable`) ??
          (noSource[c.source] && `not run: no source table in ${dbName(c.source)}`) ??
          (down[c.target] && `not run: ${dbName(c.target)} is not reachable`);
        const why = dbWhy ?? r.unavailable;
        if (why) {
          if (!dbWhy) {
            m.skipped = why;
            addNote(`SKIP ${c.id} ${r.tool}: ${why}`);
          } else m.error = why;
        }
        measured.push(m);
      }
    }

    const pid = process.pid;
    const progress = !options.json && process.stdout.isTTY === true;
    for (let rep = 0; rep < reps && !interrupted; rep++) {
      for (const c of cases) {
        for (const r of c.runners) {
          const m = measured.find((x) => x.case === c.id && x.tool === r.tool)!;
          if (m.error || m.skipped || interrupted) continue;
          const src = ctx.sources[c.source]!;
          const dstDb = dbs[c.target]!;
          const target = `ferry_bench_dst_${pid}`;
          if (progress) process.stdout.write(`\r\x1b[K  ${c.id} ${r.tool}: run ${rep + 1} of ${reps} ...`);
          try {
            targetsMade.add(`${c.target}:${target}`);
            await createTarget(dstDb, target, src.table);
            if (c.target === 'pg' || c.source === 'pg') await dbs.pg!.query('CHECKPOINT'); // nobody pays for the previous run's dirty pages
            const res = await r.run(ctx, target);
            const got = await checksumOf(dstDb, target);
            const bad = Object.keys(src.checksum).filter((k) => got[k] !== src.checksum[k]);
            if (bad.length) {
              throw new Error(`target differs from the source: ${bad.map((k) => `${k} ${got[k]} (source ${src.checksum[k]})`).join(', ')}`);
            }
            m.runsMs.push(res.ms);
            if (res.peakRssBytes !== undefined) m.rss.push(res.peakRssBytes);
            if (res.ferry) m.ferryRuns.push(res.ferry);
            if (res.ferry?.retries) addNote(`warning: ${c.id} ferry run ${rep + 1}: ${res.ferry.retries} task retries (the time includes retry pauses)`);
          } catch (err) {
            m.error = interrupted ? 'interrupted' : (err as Error).message;
          } finally {
            await dstDb.query(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined);
            targetsMade.delete(`${c.target}:${target}`);
          }
        }
      }
    }
    if (progress) process.stdout.write('\r\x1b[K');

    // Report
    const results: Result[] = [];
    const failures: Array<{ case: CaseId; tool: string; error: string }> = [];
    const skipped: Array<{ case: CaseId; tool: string; reason: string }> = [];
    const resultOf = (id: CaseId, tool: string): Result | undefined => results.find((r) => r.case === id && r.tool === tool);
    for (const m of measured) {
      if (m.skipped) skipped.push({ case: m.case, tool: m.tool, reason: m.skipped });
      else if (m.error || m.runsMs.length === 0) failures.push({ case: m.case, tool: m.tool, error: m.error ?? 'not run' });
      else {
        const src = ctx.sources[cases.find((c) => c.id === m.case)!.source]!;
        const ms = median(m.runsMs);
        const r: Result = {
          case: m.case,
          tool: m.tool,
          rows: src.rows,
          bytes: src.bytes,
          seconds: ms / 1000,
          rowsPerSecond: (src.rows * 1000) / ms,
          mbPerSecond: (src.bytes * 1000) / ms / 1e6,
          runsSeconds: m.runsMs.map((x) => Math.round(x) / 1000),
          verified: 'row count and checksum equal to the source',
        };
        if (m.rss.length) r.peakRssBytes = Math.max(...m.rss);
        if (m.ferryRuns.length) r.ferryRuns = m.ferryRuns;
        results.push(r);
      }
    }

    interface Ratio {
      ratio: number;
      ferry: string;
      peer: string;
      goal?: number;
      met?: boolean;
    }
    const ratios: Partial<Record<CaseId, Ratio>> = {};
    for (const c of cases) {
      const ferry = resultOf(c.id === 'naive' ? 'pg-pg' : c.id, 'ferry');
      const peerRunner = c.runners.find((r) => !r.ferry);
      const peer = peerRunner ? resultOf(c.id, peerRunner.tool) : undefined;
      if (ferry && peer && peerRunner) {
        const x: Ratio = { ratio: ferry.rowsPerSecond / peer.rowsPerSecond, ferry: `${c.id === 'naive' ? 'pg-pg' : c.id} ferry`, peer: peerRunner.tool };
        if (c.goal !== undefined) {
          x.goal = c.goal;
          x.met = x.ratio >= c.goal;
        }
        ratios[c.id] = x;
      }
    }
    const rssAll = results.filter((r) => r.tool === 'ferry' && r.peakRssBytes !== undefined).map((r) => r.peakRssBytes!);
    const rss = rssAll.length ? { maxBytes: Math.max(...rssAll), goalBytes: RSS_GOAL, met: Math.max(...rssAll) < RSS_GOAL } : undefined;

    for (const c of cases) {
      const src = ctx.sources[c.source];
      log(`\n${c.title}: ${src ? `${fmtInt(src.rows)} rows, ${fmtMB(src.bytes)}` : 'no source'}${c.id === 'naive' ? ' (ferry: the PG→PG run above)' : ''}`);
      for (const r of c.runners) {
        const res = resultOf(c.id, r.tool);
        const fail = failures.find((f) => f.case === c.id && f.tool === r.tool);
        const skip = skipped.find((f) => f.case === c.id && f.tool === r.tool);
        const name = `  ${r.tool.padEnd(12)}`;
        if (res) {
          const extra = [
            res.peakRssBytes !== undefined ? `peak RSS ${fmtRss(res.peakRssBytes)}` : '',
            res.ferryRuns
              ? `(job ${median(res.ferryRuns.map((f) => f.elapsedSeconds)).toFixed(2)} s, ${res.ferryRuns[0]!.tasks} tasks; ` +
                `readers waited ${median(res.ferryRuns.map((f) => f.readerWaitSeconds)).toFixed(1)} s, writers ${median(res.ferryRuns.map((f) => f.writerWaitSeconds)).toFixed(1)} s)`
              : '',
          ].filter(Boolean).join(' ');
          log(`${name} ${fmtInt(res.rowsPerSecond).padStart(11)} rows/s ${res.mbPerSecond.toFixed(1).padStart(7)} MB/s ${res.seconds.toFixed(2).padStart(7)} s  ${extra}`.trimEnd());
        } else if (skip) log(`${name} skipped: ${skip.reason}`);
        else log(`${name} ${fail?.error.startsWith('not run:') ? fail.error : `FAILED: ${fail?.error ?? 'not run'}`}`);
        log(`  ${''.padEnd(12)}   ${r.label}`);
      }
      const x = ratios[c.id];
      if (x) {
        log(`  ratio ferry / ${x.peer} = ${x.ratio.toFixed(2)}x` + (x.goal !== undefined ? `   (target ≥ ${x.goal}x: ${x.met ? 'met' : 'NOT met'})` : '   (no target)'));
      }
    }
    if (results.length || failures.length) {
      log('\ntargets (issue):');
      const line = (what: string, goal: string, value: string, met: boolean | undefined): void =>
        log(`  ${what.padEnd(34)} ${goal.padEnd(10)} ${value.padStart(10)}   ${met === undefined ? 'not measured' : met ? 'met' : 'NOT met'}`);
      const rline = (id: CaseId, what: string, goal: number): void => {
        if (!cases.some((c) => c.id === id && c.runners.some((r) => !r.ferry))) return;
        const x = ratios[id];
        line(what, `≥ ${goal}x`, x ? `${x.ratio.toFixed(2)}x` : '—', x?.met);
      };
      rline('pg-pg', 'PG→PG ferry / psql pipe', 1.0);
      rline('mysql-pg', 'MySQL→PG ferry / pgloader', 4);
      rline('mysql-mysql', 'MySQL→MySQL ferry / mariadb pipe', 0.9);
      rline('naive', 'PG→PG ferry / naive Node', 5);
      line('ferry peak RSS, every case', '< 200 MB', rss ? fmtRss(rss.maxBytes) : '—', rss?.met);
    }
    for (const n of notes) log(n);
    for (const f of failures) if (!f.error.startsWith('not run:')) note(`error: ${f.case} ${f.tool}: ${f.error}`);

    if (options.json) {
      console.log(
        JSON.stringify({
          bench: 'e2e',
          node: process.version,
          cores: availableParallelism(),
          cpu: cpus()[0]?.model ?? 'unknown',
          rows,
          reps,
          channel: CHANNEL,
          servers: { postgresql: dbs.pg?.version ?? null, mysql: dbs.mysql ? `${dbs.mysql.name} ${dbs.mysql.version}` : null },
          sources: ctx.sources,
          results,
          ratios,
          rss: rss ?? null,
          skipped,
          failures,
          notes,
        }),
      );
    }
    return failures.length > 0 || interrupted ? 1 : 0;
  } finally {
    for (const t of targetsMade) {
      const [kind, name] = t.split(':') as [DbKind, string];
      await dbs[kind]?.query(`DROP TABLE IF EXISTS ${name}`).catch(() => undefined);
    }
    if (restoreLocalInfile) await dbs.mysql?.query('SET GLOBAL local_infile = 0').catch(() => undefined);
    for (const db of Object.values(dbs)) await db.close().catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    process.off('SIGINT', onSigint);
  }
}

function usage(msg: string): never {
  process.stderr.write(`error: ${msg}\nusage: npm run bench:e2e -- [--rows N] [--reps N] [--only ${CASE_IDS.join(',')}] [--json]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const o: Options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    const count = (v: string): number => {
      const n = Number(v.replaceAll('_', ''));
      if (!Number.isSafeInteger(n) || n < 1) usage(`${flag}: expected a positive whole number, got "${v}"`);
      return n;
    };
    if (flag === '--json') o.json = true;
    else if (flag === '--rows') o.rows = count(value());
    else if (flag === '--reps') o.reps = count(value());
    else if (flag === '--only') {
      const ids = value().split(',').map((s) => s.trim()).filter(Boolean);
      const bad = ids.filter((s) => !(CASE_IDS as readonly string[]).includes(s));
      if (bad.length || ids.length === 0) usage(`--only: unknown case ${bad.join(', ') || '(none)'}; known: ${CASE_IDS.join(', ')}`);
      o.only = ids as CaseId[];
    } else usage(`unknown option ${a}`);
  }
  return o;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = await main(parseArgs(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
