/**
 * The API for ETL scripts: runJob resolves to the typed summary and rejects with typed errors
 * (JobConfigError: the job file is wrong, nothing ran; JobFailedError: it ran and failed, its
 * `summary` says how far it got).
 */
import { loadJob, validateJob as validateJobFile, type LoadOptions } from './job/load.js';
import { readStateFile, writeStateFile } from './job/state-file.js';
import { JobContainer, type ContentPath } from './container/job-container.js';
import { PluginRegistry } from './plugin/registry.js';
import type { JobProgress } from './container/progress.js';
import type { JobSummary } from './container/summary.js';
import type { Checkpoint, JobContext, Logger, WriterPlugin } from './plugin/spi.js';
import { jobHash, loadTasks, stateDirOf } from './container/restore.js';
import type { JobIssue } from './errors.js';
import { createMissingTables } from './rdbms/create-table.js';
import type { PluginInfo } from './job/job-help.js';
import type { JobConfig } from './job/job-config.js';
import type { ClusterOptions } from './cluster/protocol.js';

export interface RunOptions {
  /** Values for `${name}` variables (CLI: -p name=value). */
  params?: Record<string, string>;
  /** Business date yyyyMMdd for ${bizdate}, ${cyctime} and $[...] (default: yesterday). */
  bizdate?: string;
  /** Overrides setting.speed.channel. */
  channel?: number;
  /** Stops every task; runJob then rejects with a JobFailedError whose code is FERRY_ABORTED. */
  signal?: AbortSignal;
  /** Called about every progressIntervalMs (default 1000) while tasks run, and once at the end. */
  onProgress?: (progress: JobProgress) => void;
  progressIntervalMs?: number;
  /** Where plugin and runtime messages go (default: nowhere). */
  log?: Logger;
  /** User plugin modules (paths or file: URLs), each default-exporting a reader or writer plugin. */
  plugins?: string[];
  /** Directory that relative paths in the job (and plugin paths) are resolved against (default: cwd, as DataX). */
  baseDir?: string;
  /**
   * Incremental runs: a file that keeps where each read ended (CLI `--state-file`). The run
   * starts from it when it exists, and it is rewritten after a run that succeeded.
   */
  stateFile?: string;
  /** setting.restore: go on from the last run's checkpoints (CLI `--resume`). */
  resume?: boolean;
  /** An unknown key in the job file is an error (JobConfigError, exit 2) rather than a warning (CLI `--strict`). */
  strict?: boolean;
  /**
   * Run the task groups on `ferry worker` processes over this Redis (redis://host:6379; CLI
   * `--cluster`) instead of this machine's threads. The job is planned here as for a local run.
   */
  cluster?: string | ClusterOptions;
}

const SILENT: Logger = { info: () => {}, warn: () => {} };

async function registryWith(plugins: string[] | undefined, baseDir: string | undefined): Promise<PluginRegistry> {
  const registry = new PluginRegistry();
  for (const p of plugins ?? []) await registry.addModule(p, baseDir);
  return registry;
}

function loadOptions(options: RunOptions, registry: PluginRegistry): LoadOptions {
  const o: LoadOptions = { registry };
  if (options.params) o.params = options.params;
  if (options.bizdate !== undefined) o.bizdate = options.bizdate;
  if (options.channel !== undefined) o.channel = options.channel;
  if (options.baseDir !== undefined) o.baseDir = options.baseDir;
  if (options.strict) o.strict = true;
  return o;
}

/**
 * A job object typed as a job file, for completion and checks in an editor:
 * `runJob(defineJob({ job: { content: [...] } }))` (as vite's defineConfig). runJob itself also
 * takes a job built at run time as any object: the loader validates it either way.
 */
export function defineJob(job: JobConfig): JobConfig {
  return job;
}

export async function runJob(job: string | JobConfig | object, options: RunOptions = {}): Promise<JobSummary> {
  const log = options.log ?? SILENT;
  // A bad URL is a usage error before anything is loaded; Redis and its workers are checked once
  // the job is valid, before any database is touched. Imported here: BullMQ is loaded only by a
  // cluster run.
  const cluster = options.cluster === undefined ? undefined : (await import('./cluster/executor.js')).clusterPlan(options.cluster, log);
  const registry = await registryWith(options.plugins, options.baseDir);
  const spec = await loadJob(job, loadOptions(options, registry));
  for (const w of spec.warnings) log.warn(`${w.path}: ${w.message}`);
  await cluster?.check();
  const baseDir = options.baseDir ?? process.cwd();
  const state = options.stateFile === undefined ? undefined : readStateFile(options.stateFile, baseDir);
  await createMissingTables(spec.content, log);
  const container = new JobContainer(spec, {
    log,
    signal: options.signal,
    onProgress: options.onProgress,
    progressIntervalMs: options.progressIntervalMs ?? (options.onProgress ? 1000 : undefined),
    state,
    resume: options.resume,
    executor: cluster?.factory,
  });
  const summary = await container.run();
  if (options.stateFile !== undefined) {
    const file = writeStateFile(options.stateFile, baseDir, spec.source, summary.nextState ?? spec.content.map(() => null));
    log.info(`state for the next run written to ${file}`);
  }
  return summary;
}

/**
 * Which path each job.content entry's tasks would take (pass-through, COPY, INSERT, ...) and
 * why, without running anything: the plugins' init only (CLI `ferry run --explain`).
 */
export async function explainJob(job: string | object, options: Omit<RunOptions, 'signal' | 'onProgress' | 'progressIntervalMs' | 'stateFile'> = {}): Promise<ContentPath[]> {
  const registry = await registryWith(options.plugins, options.baseDir);
  const spec = await loadJob(job, loadOptions(options, registry));
  const container = new JobContainer(spec, { log: options.log ?? SILENT, explainOnly: true, resume: options.resume });
  await container.run();
  return container.paths;
}

export interface ValidationReport {
  /** The job after variable substitution, every secret masked: safe to print. */
  job: Record<string, unknown>;
  warnings: JobIssue[];
}

export interface ValidateOptions extends Omit<RunOptions, 'signal' | 'onProgress' | 'progressIntervalMs' | 'log'> {
  /**
   * Also connect and check what the plugins' init checks (CLI `validate --check`): tables,
   * columns, splitPk, where, querySql, the writer's target. A mistake there is a JobConfigError
   * (exit 2) with its JSON path; a server that cannot be reached is a FerryError (exit 1) naming the reader or writer.
   */
  check?: boolean;
}

export async function validateJob(job: string | object, options: ValidateOptions = {}): Promise<ValidationReport> {
  const { job: masked, warnings } = await inspectJob(job, options);
  if (options.check) await explainJob(job, options);
  return { job: masked, warnings };
}

/**
 * What a server needs to know of a job before it queues it: validateJob's report, the channels
 * it runs on (the slots it takes), whether it keeps checkpoints, and its secret values (to
 * scrub from what it logs). Not exported from the package: `secrets` is not safe to print.
 */
export async function inspectJob(job: string | object, options: Omit<RunOptions, 'signal' | 'onProgress' | 'progressIntervalMs' | 'log'> = {}): Promise<ValidationReport & { channel: number; restore: boolean; secrets: string[] }> {
  const registry = await registryWith(options.plugins, options.baseDir);
  const v = await validateJobFile(job, loadOptions(options, registry));
  return { job: v.job, warnings: v.warnings, channel: v.settings.channel, restore: v.settings.restore !== undefined, secrets: v.secrets };
}

export async function listPlugins(plugins?: string[]): Promise<Array<{ name: string; kind: string; description: string }>> {
  const registry = await registryWith(plugins, undefined);
  const out = [];
  for (const name of registry.names()) {
    const kind = name.endsWith('writer') ? 'writer' : 'reader';
    const { plugin } = await registry.get(name, kind, 'plugins');
    out.push({ name, kind: plugin.kind, description: plugin.description });
  }
  return out;
}

/** Every plugin with its parameter schema (ferry plugins <name>, template, schema). */
export async function describePlugins(plugins?: string[]): Promise<PluginInfo[]> {
  const registry = await registryWith(plugins, undefined);
  const out: PluginInfo[] = [];
  for (const name of registry.names()) {
    const { plugin } = await registry.get(name, name.endsWith('writer') ? 'writer' : 'reader', 'plugins');
    out.push({ name, kind: plugin.kind, description: plugin.description, parameter: plugin.parameter });
  }
  return out;
}

/** What `ferry state <job>` shows: where a restore job keeps its state, and each task's checkpoint. */
export interface JobState {
  job: string;
  hash: string;
  stateDir: string;
  /** Tasks the first run saved (undefined: the job never ran with setting.restore). */
  tasks: number | undefined;
  checkpoints: Checkpoint[];
}

export async function jobState(job: string | object, options: Omit<RunOptions, 'signal' | 'onProgress' | 'progressIntervalMs' | 'stateFile' | 'resume'> = {}): Promise<JobState> {
  const log = options.log ?? SILENT;
  const registry = await registryWith(options.plugins, options.baseDir);
  const spec = await loadJob(job, loadOptions(options, registry));
  const hash = jobHash(spec.resolved);
  const stateDir = stateDirOf(spec.baseDir, hash);
  const checkpoints: Checkpoint[] = [];
  const signal = new AbortController().signal;
  for (const c of spec.content) {
    const ctx: JobContext = { parameter: c.writer.parameter, path: c.writer.path, baseDir: spec.baseDir, runId: 'state', log, signal, restoreColumn: spec.settings.restore?.column };
    const writer = await (c.writer.plugin as WriterPlugin).createJob(ctx);
    try {
      if (writer.checkpoints) checkpoints.push(...(await writer.checkpoints(hash)).values());
    } finally {
      await writer.destroy?.();
    }
  }
  checkpoints.sort((a, b) => a.task - b.task);
  return { job: spec.source, hash, stateDir, tasks: loadTasks(stateDir)?.length, checkpoints };
}
