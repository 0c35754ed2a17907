/**
 * The service's store: one SQLite file (better-sqlite3, WAL) under --data. A run row, each
 * state change in `transitions` with its time, and the run's log lines in `run_log`. Written
 * synchronously before anything is answered, so a server killed with -9 loses nothing it
 * acknowledged. The columns for stored jobs, schedules and backfills (job_name, job_version,
 * schedule_id, backfill_id, kind) are here already, empty for one-off runs, so that those
 * features add tables rather than rewrite this one.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RunState } from './states.js';

/** Each entry moves the schema one version on (PRAGMA user_version); append, never edit. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     kind TEXT NOT NULL DEFAULT 'once',
     job_name TEXT,
     job_version INTEGER,
     schedule_id INTEGER,
     backfill_id INTEGER,
     source TEXT NOT NULL,
     job_display TEXT NOT NULL,
     job_sealed BLOB NOT NULL,
     params_display TEXT NOT NULL,
     bizdate TEXT,
     slots INTEGER NOT NULL,
     restore INTEGER NOT NULL,
     wait_timeout_ms INTEGER,
     state TEXT NOT NULL,
     reason TEXT,
     exit_code INTEGER,
     resume INTEGER NOT NULL DEFAULT 0,
     progress TEXT,
     summary TEXT,
     created_at TEXT NOT NULL,
     started_at TEXT,
     ended_at TEXT
   );
   CREATE INDEX runs_state ON runs (state, id);
   CREATE TABLE transitions (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     run_id INTEGER NOT NULL REFERENCES runs (id),
     from_state TEXT,
     to_state TEXT NOT NULL,
     reason TEXT,
     at TEXT NOT NULL
   );
   CREATE INDEX transitions_run ON transitions (run_id, id);
   CREATE TABLE run_log (
     run_id INTEGER NOT NULL REFERENCES runs (id),
     seq INTEGER NOT NULL,
     at TEXT NOT NULL,
     level TEXT NOT NULL,
     message TEXT NOT NULL,
     PRIMARY KEY (run_id, seq)
   ) WITHOUT ROWID;`,
  // Stored jobs: a PUT adds a version and never rewrites an old one, so a run's job_version still says what it ran.
  `CREATE TABLE jobs (
     name TEXT PRIMARY KEY,
     version INTEGER NOT NULL,
     removed_at TEXT
   );
   CREATE TABLE job_versions (
     name TEXT NOT NULL,
     version INTEGER NOT NULL,
     job_display TEXT NOT NULL,
     job_sealed BLOB NOT NULL,
     params_display TEXT NOT NULL,
     cron TEXT,
     tz TEXT,
     created_at TEXT NOT NULL,
     PRIMARY KEY (name, version)
   );`,
  // The last firing acted on, so that a restart knows which firings it missed.
  `ALTER TABLE jobs ADD COLUMN last_fired_at TEXT;
   ALTER TABLE runs ADD COLUMN trigger TEXT;`,
  // A backfill: one row per business date; run_id NULL while the day waits for its turn.
  `CREATE TABLE backfills (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     job_name TEXT NOT NULL,
     from_date TEXT NOT NULL,
     to_date TEXT NOT NULL,
     parallel INTEGER NOT NULL,
     cancelled_at TEXT,
     created_at TEXT NOT NULL
   );
   CREATE TABLE backfill_days (
     backfill_id INTEGER NOT NULL REFERENCES backfills (id),
     bizdate TEXT NOT NULL,
     run_id INTEGER REFERENCES runs (id),
     PRIMARY KEY (backfill_id, bizdate)
   );`,
];

export interface BackfillRow {
  id: number;
  job_name: string;
  from_date: string;
  to_date: string;
  parallel: number;
  cancelled_at: string | null;
  created_at: string;
}

export interface BackfillDayRow {
  bizdate: string;
  run_id: number | null;
  state: RunState | null;
}

export interface NewJobVersion {
  name: string;
  jobDisplay: unknown;
  jobSealed: Buffer;
  paramsDisplay: Record<string, string>;
  cron: string | undefined;
  tz: string | undefined;
}

export interface JobRow {
  name: string;
  version: number;
  job_display: string;
  job_sealed: Buffer;
  params_display: string;
  cron: string | null;
  tz: string | null;
  created_at: string;
}

/** Who made a run: a stored job's version, and whether by hand, a schedule or a backfill. */
export interface RunOrigin {
  kind: 'once' | 'manual' | 'schedule' | 'backfill';
  jobName?: string;
  jobVersion?: number;
  backfillId?: number;
}

export interface NewRun {
  source: string;
  jobDisplay: unknown;
  jobSealed: Buffer;
  paramsDisplay: Record<string, string>;
  bizdate: string | undefined;
  slots: number;
  restore: boolean;
  waitTimeoutMs: number | undefined;
}

export interface RunRow {
  id: number;
  kind: string;
  job_name: string | null;
  job_version: number | null;
  schedule_id: number | null;
  backfill_id: number | null;
  trigger: string | null;
  source: string;
  job_display: string;
  job_sealed: Buffer;
  params_display: string;
  bizdate: string | null;
  slots: number;
  restore: number;
  wait_timeout_ms: number | null;
  state: RunState;
  reason: string | null;
  exit_code: number | null;
  resume: number;
  progress: string | null;
  summary: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface TransitionRow {
  from_state: RunState | null;
  to_state: RunState;
  reason: string | null;
  at: string;
}

export interface LogRow {
  seq: number;
  at: string;
  level: string;
  message: string;
}

export interface MoveOptions {
  reason?: string | undefined;
  exitCode?: number | undefined;
  summary?: unknown;
  resume?: boolean;
}

export class Store {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly nextSeq = new Map<number, number>();

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'ferry.db');
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL keeps every commit across a killed process (WAL); only an OS crash may lose the last ones.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  insertRun(run: NewRun, reason: string | undefined, origin: RunOrigin = { kind: 'once' }): number {
    const at = new Date().toISOString();
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare(
          `INSERT INTO runs (trigger, kind, job_name, job_version, backfill_id, source, job_display, job_sealed, params_display, bizdate, slots, restore, wait_timeout_ms, state, reason, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'QUEUED', ?, ?)`,
        )
        .run(reason ?? null, origin.kind, origin.jobName ?? null, origin.jobVersion ?? null, origin.backfillId ?? null, run.source, JSON.stringify(run.jobDisplay), run.jobSealed, JSON.stringify(run.paramsDisplay), run.bizdate ?? null, run.slots, run.restore ? 1 : 0, run.waitTimeoutMs ?? null, reason ?? null, at);
      const id = Number(lastInsertRowid);
      this.db.prepare(`INSERT INTO transitions (run_id, from_state, to_state, reason, at) VALUES (?, NULL, 'QUEUED', ?, ?)`).run(id, reason ?? null, at);
      return id;
    })();
  }

  /** Changes a run's state and records the transition, in one transaction. */
  move(id: number, from: RunState, to: RunState, o: MoveOptions = {}): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      const sets: string[] = [];
      const values: unknown[] = [];
      const set = (column: string, value: unknown): void => {
        sets.push(`${column} = ?`);
        values.push(value);
      };
      set('state', to);
      set('reason', o.reason ?? null);
      if (to === 'RUNNING') set('started_at', at);
      else if (to !== 'QUEUED') set('ended_at', at);
      if (o.exitCode !== undefined) set('exit_code', o.exitCode);
      if (o.summary !== undefined) set('summary', JSON.stringify(o.summary));
      if (o.resume !== undefined) set('resume', o.resume ? 1 : 0);
      this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      this.db.prepare(`INSERT INTO transitions (run_id, from_state, to_state, reason, at) VALUES (?, ?, ?, ?, ?)`).run(id, from, to, o.reason ?? null, at);
    })();
  }

  /** Why a queued run waits: it changes as runs ahead of it start, and is no transition. */
  setReason(id: number, reason: string): void {
    this.db.prepare('UPDATE runs SET reason = ? WHERE id = ?').run(reason, id);
  }

  setProgress(id: number, progress: unknown): void {
    this.db.prepare('UPDATE runs SET progress = ? WHERE id = ?').run(JSON.stringify(progress), id);
  }

  appendLog(id: number, level: string, message: string): LogRow {
    let seq = this.nextSeq.get(id);
    if (seq === undefined) seq = ((this.db.prepare('SELECT MAX(seq) AS n FROM run_log WHERE run_id = ?').get(id) as { n: number | null }).n ?? 0) + 1;
    this.nextSeq.set(id, seq + 1);
    const row = { seq, at: new Date().toISOString(), level, message };
    this.db.prepare('INSERT INTO run_log (run_id, seq, at, level, message) VALUES (?, ?, ?, ?, ?)').run(id, row.seq, row.at, row.level, row.message);
    return row;
  }

  forgetLogSeq(id: number): void {
    this.nextSeq.delete(id);
  }

  log(id: number, afterSeq = 0): LogRow[] {
    return this.db.prepare('SELECT seq, at, level, message FROM run_log WHERE run_id = ? AND seq > ? ORDER BY seq').all(id, afterSeq) as LogRow[];
  }

  get(id: number): RunRow | undefined {
    return this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
  }

  transitions(id: number): TransitionRow[] {
    return this.db.prepare('SELECT from_state, to_state, reason, at FROM transitions WHERE run_id = ? ORDER BY id').all(id) as TransitionRow[];
  }

  /** Newest first. */
  list(state: RunState | undefined, limit: number): RunRow[] {
    if (state === undefined) return this.db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit) as RunRow[];
    return this.db.prepare('SELECT * FROM runs WHERE state = ? ORDER BY id DESC LIMIT ?').all(state, limit) as RunRow[];
  }

  /** Stores a new version of the job (1 for a new name, also after a removal) and returns it. */
  putJob(v: NewJobVersion): JobRow {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      const last = (this.db.prepare('SELECT MAX(version) AS n FROM job_versions WHERE name = ?').get(v.name) as { n: number | null }).n ?? 0;
      const version = last + 1;
      this.db
        .prepare('INSERT INTO job_versions (name, version, job_display, job_sealed, params_display, cron, tz, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
        .run(v.name, version, JSON.stringify(v.jobDisplay), v.jobSealed, JSON.stringify(v.paramsDisplay), v.cron ?? null, v.tz ?? null, at);
      this.db.prepare('INSERT INTO jobs (name, version, removed_at) VALUES (?, ?, NULL) ON CONFLICT (name) DO UPDATE SET version = excluded.version, removed_at = NULL').run(v.name, version);
    })();
    return this.job(v.name)!;
  }

  /** The current version of a job that has not been removed. */
  job(name: string): JobRow | undefined {
    return this.db.prepare('SELECT v.* FROM jobs j JOIN job_versions v ON v.name = j.name AND v.version = j.version WHERE j.name = ? AND j.removed_at IS NULL').get(name) as JobRow | undefined;
  }

  jobs(): JobRow[] {
    return this.db.prepare('SELECT v.* FROM jobs j JOIN job_versions v ON v.name = j.name AND v.version = j.version WHERE j.removed_at IS NULL ORDER BY j.name').all() as JobRow[];
  }

  lastFiredAt(name: string): string | null {
    return (this.db.prepare('SELECT last_fired_at FROM jobs WHERE name = ?').get(name) as { last_fired_at: string | null } | undefined)?.last_fired_at ?? null;
  }

  setLastFiredAt(name: string, at: string): void {
    this.db.prepare('UPDATE jobs SET last_fired_at = ? WHERE name = ?').run(at, name);
  }

  /** Whether a run the schedule made for this job has not ended yet (concurrency 1). */
  scheduledUnfinished(name: string): number | undefined {
    return (this.db.prepare(`SELECT id FROM runs WHERE job_name = ? AND kind = 'schedule' AND state IN ('QUEUED', 'RUNNING') ORDER BY id LIMIT 1`).get(name) as { id: number } | undefined)?.id;
  }

  insertBackfill(jobName: string, days: string[], parallel: number): number {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO backfills (job_name, from_date, to_date, parallel, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(jobName, days[0], days[days.length - 1], parallel, new Date().toISOString());
      const id = Number(lastInsertRowid);
      const add = this.db.prepare('INSERT INTO backfill_days (backfill_id, bizdate) VALUES (?, ?)');
      for (const d of days) add.run(id, d);
      return id;
    })();
  }

  backfill(id: number): BackfillRow | undefined {
    return this.db.prepare('SELECT * FROM backfills WHERE id = ?').get(id) as BackfillRow | undefined;
  }

  backfills(limit: number): BackfillRow[] {
    return this.db.prepare('SELECT * FROM backfills ORDER BY id DESC LIMIT ?').all(limit) as BackfillRow[];
  }

  /** Oldest day first. */
  backfillDays(id: number): BackfillDayRow[] {
    return this.db.prepare('SELECT d.bizdate, d.run_id, r.state FROM backfill_days d LEFT JOIN runs r ON r.id = d.run_id WHERE d.backfill_id = ? ORDER BY d.bizdate').all(id) as BackfillDayRow[];
  }

  setBackfillDayRun(id: number, bizdate: string, runId: number | null): void {
    this.db.prepare('UPDATE backfill_days SET run_id = ? WHERE backfill_id = ? AND bizdate = ?').run(runId, id, bizdate);
  }

  cancelBackfill(id: number): void {
    this.db.prepare('UPDATE backfills SET cancelled_at = ? WHERE id = ? AND cancelled_at IS NULL').run(new Date().toISOString(), id);
  }

  /** Keeps its versions (old runs name them) but it no longer runs or fires. */
  removeJob(name: string): boolean {
    return this.db.prepare('UPDATE jobs SET removed_at = ? WHERE name = ? AND removed_at IS NULL').run(new Date().toISOString(), name).changes > 0;
  }

  /** Runs that had not ended when the server last stopped, oldest first. */
  unfinished(): RunRow[] {
    return this.db.prepare(`SELECT * FROM runs WHERE state IN ('QUEUED', 'RUNNING') ORDER BY id`).all() as RunRow[];
  }
}
