#!/usr/bin/env node
/**
 * ferry's command line. Exit codes: 0 success, 1 the job failed, 2 a bad job file or usage.
 * Errors are one line each (`error: <json path>: <what is wrong>`); --verbose adds the stack.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runJob, validateJob, listPlugins, jobState, explainJob, describePlugins } from '../api.js';
import { jobJsonSchema, jobTemplate, pluginKeys } from '../job/job-help.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, FerryError, JobConfigError, JobFailedError, configError } from '../errors.js';
import type { PluginInfo } from '../job/job-help.js';
import { parseParams } from '../job/params.js';
import { Console, formatSummary, progressPrinter } from './output.js';
import type { JobSummary } from '../container/summary.js';
import { serviceCommands } from './service-commands.js';
import { copyJob, maskedCopyJob } from './copy-job.js';
import { parseJobText } from '../job/read.js';
import { openSync, readFileSync, writeFileSync } from 'node:fs';

/** ferry's own version, from the package.json beside dist/ (not the one in the working directory). */
const version = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const wantsJson = process.argv.includes('--json');

interface CommonArgs {
  p?: string[];
  bizdate?: string;
  plugin?: string[];
  verbose?: boolean;
  strict?: boolean;
}

const console_ = new Console(process.stderr);

/**
 * A reader of our stdout went away (`ferry run job.json | head -2`): like any Unix tool, stop
 * quietly. A running job is stopped through its abort signal so writers still clean up;
 * anything else exits 0 at once.
 */
let stdoutClosed = false;
let onStdoutClosed: (() => void) | undefined;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  if (stdoutClosed) return;
  stdoutClosed = true;
  if (onStdoutClosed) onStdoutClosed();
  else process.exit(0);
});

function fail(err: unknown, verbose: boolean | undefined): never {
  console_.clearLive();
  if (wantsJson && err instanceof FerryError) {
    const issues = err instanceof JobConfigError ? err.issues : undefined;
    process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message, exitCode: err.exitCode, ...(issues ? { issues } : {}) } }) + '\n');
  }
  if (err instanceof JobConfigError) {
    for (const line of err.message.split('\n')) console_.error(`error: ${line}`);
  } else {
    console_.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (verbose && err instanceof Error && err.stack) console_.error(err.stack);
  const code = err instanceof FerryError ? err.exitCode : EXIT_FAILED;
  process.exit(code);
}

function common(args: CommonArgs): { params: Record<string, string>; bizdate?: string; plugins?: string[]; strict?: boolean } {
  const o: { params: Record<string, string>; bizdate?: string; plugins?: string[]; strict?: boolean } = { params: parseParams(args.p ?? []) };
  if (args.strict) o.strict = true;
  if (args.bizdate !== undefined) o.bizdate = args.bizdate;
  if (args.plugin?.length) o.plugins = args.plugin;
  return o;
}

async function run(args: CommonArgs & { job: string | object; channel?: number; json?: boolean; quiet?: boolean; stateFile?: string; resume?: boolean; explain?: boolean; logFile?: string; cluster?: string; queue?: string }): Promise<void> {
  const out = new Console(process.stderr, args.quiet);
  if (args.logFile !== undefined) {
    let fd: number;
    try {
      fd = openSync(args.logFile, 'a');
    } catch (err) {
      fail(configError('FERRY_USAGE', '--log-file', `cannot open ${args.logFile}: ${(err as Error).message}`), args.verbose);
    }
    out.logTo(fd);
    // errors after this (fail()) are in the file too
    console_.logTo(fd);
  }
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    out.clearLive();
    out.warn('interrupted: stopping (a polling job ends cleanly, any other stops every task and lets writers clean up); Ctrl-C again to quit at once');
    controller.abort();
  });
  onStdoutClosed = () => {
    controller.abort();
    // streamwriter's pending stdout write never settles once the pipe is gone, so its task
    // cannot see the abort; the only writer of stdout has nothing to clean up: give it 1 s
    setTimeout(() => process.exit(0), 1_000).unref();
  };
  const printSummary = (s: JobSummary): void => {
    if (stdoutClosed) return;
    out.clearLive();
    out.logged(formatSummary(s));
    if (args.json) process.stdout.write(JSON.stringify(s) + '\n');
  };
  try {
    const o = common(args);
    if (args.channel !== undefined && !Number.isInteger(args.channel)) throw configError('FERRY_USAGE', '--channel', 'expected a number (a whole number of channels, e.g. --channel 4)');
    if (args.queue !== undefined && args.cluster === undefined) throw configError('FERRY_USAGE', '--queue', 'names a queue of a cluster: give --cluster redis://host:6379 too');
    const job: string | object = args.job === '-' || (args.job === '' && argv.includes('-')) ? parseJobText(readFileSync(0, 'utf8'), 'stdin') : args.job;
    if (args.explain) {
      const paths = await explainJob(job, { ...o, ...(args.channel !== undefined ? { channel: args.channel } : {}), ...(args.resume ? { resume: true } : {}) });
      if (args.json) process.stdout.write(JSON.stringify(paths) + '\n');
      else for (const p of paths) process.stdout.write(`job.content[${p.content}] ${p.reader} → ${p.writer}: ${p.path}\n  ${p.why}\n`);
      return;
    }
    const printer = progressPrinter(out, 10_000);
    const summary = await runJob(job, {
      ...o,
      ...(args.channel !== undefined ? { channel: args.channel } : {}),
      ...(args.stateFile !== undefined ? { stateFile: args.stateFile } : {}),
      ...(args.resume ? { resume: true } : {}),
      ...(args.cluster !== undefined ? { cluster: { redis: args.cluster, queue: args.queue } } : {}),
      signal: controller.signal,
      log: out,
      onProgress: printer.onProgress,
      progressIntervalMs: printer.intervalMs,
    });
    printSummary(summary);
  } catch (err) {
    if (stdoutClosed) process.exit(0);
    if (err instanceof JobFailedError && err.summary) printSummary(err.summary as JobSummary);
    fail(err, args.verbose);
  }
}

async function worker(args: { redis: string; queue?: string; slots?: number; name?: string; lockMs?: number; verbose?: boolean }): Promise<void> {
  const out = new Console(process.stderr);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    out.warn('stopping: no new task groups; the running ones end first (Ctrl-C again to quit at once: their jobs then go on elsewhere or fail)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const [option, v] of [['--slots', args.slots], ['--lock-ms', args.lockMs]] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw configError('FERRY_USAGE', option, `expected a whole number above 0, got ${String(v)}`);
    }
    const { runWorker } = await import('../cluster/worker.js');
    await runWorker({ redis: args.redis, queue: args.queue, slots: args.slots, name: args.name, lockMs: args.lockMs, log: out, signal: controller.signal });
  } catch (err) {
    fail(err, args.verbose);
  }
}

/**
 * DataX passes variables as `-p "-Dname=value -Dother=x"`: a value that starts with a dash,
 * which a parser takes for more options. Glue such a value to its -p first.
 */
function datax(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if ((a === '-p' || a === '--p') && next !== undefined && /^-D/.test(next)) {
      out.push(`-p=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** A plugin by name; an unknown one is a usage error listing the known. */
function findPlugin(all: PluginInfo[], name: string, option: string, kind?: 'reader' | 'writer'): PluginInfo {
  const p = all.find((x) => x.name === name.toLowerCase() && (kind === undefined || x.kind === kind));
  if (p) return p;
  const known = all.filter((x) => kind === undefined || x.kind === kind).map((x) => x.name);
  throw configError('FERRY_USAGE', option, `unknown ${kind ?? 'plugin'} "${name}"; known: ${known.join(', ')}`);
}

/** The job file and what resolves it, as `validate` and `state` take them. */
function jobArgs<T>(y: Argv<T>) {
  return y
    .positional('job', { type: 'string', demandOption: true })
    .option('p', { type: 'string', array: true })
    .option('bizdate', { type: 'string' })
    .option('plugin', { type: 'string', array: true })
    .option('strict', { type: 'boolean', describe: 'an unknown key in the job file is an error, not a warning' });
}

const argv = datax(hideBin(process.argv));
const commandNames = new Set(['run', 'validate', 'state', 'plugins', 'bench', 'worker', 'serve', 'submit', 'status', 'logs', 'cancel', 'runs']);
// DataX's habit is `datax.py job.json`: name the command it meant
if (argv[0] !== undefined && !argv[0].startsWith('-') && !commandNames.has(argv[0]) && /\.json5?$/i.test(argv[0])) {
  console_.error(`error: "${argv[0]}" is not a command; to run a job file: ferry run ${argv[0]}`);
  process.exit(EXIT_BAD_INPUT);
}

const commands = yargs(argv)
  .scriptName('ferry')
  .usage('$0 <command> [options]')
  .option('verbose', { type: 'boolean', describe: 'print stack traces with errors' })
  .command(
    'run <job>',
    'run a DataX / FlinkX job file',
    (y) =>
      y
        .positional('job', { type: 'string', demandOption: true, describe: 'the job file (JSON; // comments allowed; - reads it from stdin)' })
        .option('p', { type: 'string', array: true, describe: 'a variable: -p name=value, or DataX\'s -p "-Dname=value -Dother=x"' })
        .option('bizdate', { type: 'string', describe: 'business date yyyyMMdd for ${bizdate} and $[...] (default: yesterday)' })
        .option('channel', { type: 'string', describe: 'override setting.speed.channel' })
        .coerce('channel', (v: string) => Number(v))
        .option('json', { type: 'boolean', describe: 'print the summary as one JSON object on stdout' })
        .option('quiet', { type: 'boolean', describe: 'no log lines (INFO and WARN) or summary on stderr; errors still show' })
        .option('log-file', { type: 'string', describe: 'also append the log lines, errors and summary to this file (--quiet or not)' })
        .option('plugin', { type: 'string', array: true, describe: 'load a plugin module (repeatable)' })
        .option('strict', { type: 'boolean', describe: 'an unknown key in the job file is an error, not a warning' })
        .option('resume', { type: 'boolean', describe: 'setting.restore: go on from the checkpoints of the last run of this job' })
        .option('explain', { type: 'boolean', describe: 'print the path each job.content entry takes (pass-through, COPY, INSERT) and why; run nothing' })
        .option('state-file', { type: 'string', describe: 'incremental runs: start where the last successful run with this file ended, and record where this one ends' })
        .option('cluster', { type: 'string', describe: 'run the task groups on `ferry worker` processes over this Redis (redis://host:6379)' })
        .option('queue', { type: 'string', describe: 'with --cluster: the queue whose workers run it (default "default")' }),
    (a) => run(a as never),
  )
  .command(
    'worker',
    'take task groups of `ferry run --cluster` jobs from Redis and run them on this machine\'s threads',
    (y) =>
      y
        .option('redis', { type: 'string', demandOption: true, describe: 'the Redis the jobs are submitted to: redis://host:6379' })
        .option('slots', { type: 'number', describe: 'task groups run at once (default: the cores)' })
        .option('queue', { type: 'string', describe: 'the queue to take groups from (default "default"): ferry run --cluster ... --queue names the same' })
        .option('name', { type: 'string', describe: 'this worker\'s name in summaries (default: host:pid)' })
        .option('lock-ms', { type: 'number', describe: 'a worker silent this long is taken for dead and its groups go elsewhere (default 10000)' }),
    (a) => worker(a as never),
  )
  .command(
    'copy <source> <target>',
    'copy tables between databases without a job file: ferry copy mysql://u:p@h/db postgres://u@h/db --table t',
    (y) =>
      y
        .positional('source', { type: 'string', demandOption: true, describe: 'mysql://user:pass@host:3306/db or postgres://user@host:5432/db' })
        .positional('target', { type: 'string', demandOption: true, describe: 'the same forms' })
        .option('table', { type: 'string', array: true, demandOption: true, describe: 'a table to copy (repeatable); the target table has the same name' })
        .option('channel', { type: 'number', describe: 'parallel tasks (default 1)' })
        .option('create', { type: 'boolean', describe: 'create a missing target table from the source\'s columns (README: type mapping)' })
        .option('print-job', { type: 'boolean', describe: 'print the job it builds (passwords masked) and run nothing' })
        .option('json', { type: 'boolean', describe: 'print the summary as one JSON object on stdout' })
        .option('quiet', { type: 'boolean', describe: 'no log lines or summary on stderr' }),
    async (a) => {
      let job: Record<string, unknown>;
      try {
        job = copyJob(a.source as string, a.target as string, { tables: (a.table as string[]) ?? [], channel: a.channel as number | undefined, create: a.create as boolean | undefined });
      } catch (err) {
        fail(err, a.verbose as boolean | undefined);
      }
      if (a.printJob) {
        process.stdout.write(maskedCopyJob(job) + '\n');
        return;
      }
      await run({ ...(a as unknown as CommonArgs), job, ...(a.json ? { json: true } : {}), ...(a.quiet ? { quiet: true } : {}) });
    },
  )
  .command(
    'validate <job>',
    'check a job file; print it resolved, secrets masked',
    (y) => jobArgs(y).option('check', { type: 'boolean', describe: 'also connect: check tables, columns, splitPk, where, querySql and the writer\'s target' }),
    async (a) => {
      try {
        const report = await validateJob(a.job as string, { ...common(a as CommonArgs), check: a.check === true });
        for (const w of report.warnings) console_.warn(`${w.path}: ${w.message}`);
        process.stdout.write(JSON.stringify(report.job, null, 2) + '\n');
      } catch (err) {
        fail(err, a.verbose as boolean | undefined);
      }
    },
  )
  .command(
    'state <job>',
    'setting.restore: where a job keeps its state, and each task\'s checkpoint',
    (y) => jobArgs(y).option('json', { type: 'boolean', describe: 'print it as one JSON object' }),
    async (a) => {
      try {
        const st = await jobState(a.job as string, common(a as CommonArgs));
        if (a.json) {
          process.stdout.write(JSON.stringify(st) + '\n');
          return;
        }
        const lines = [
          `job        ${st.job}`,
          `state dir  ${st.stateDir}${st.tasks === undefined ? ' (no run with setting.restore yet)' : ` (${st.tasks} tasks saved by the first run)`}`,
          ...st.checkpoints.map((c) => `task ${String(c.task).padStart(4)}  ${c.done ? 'done    ' : 'stopped '}  ${c.rows.toLocaleString('en-US').padStart(13)} rows  last ${c.value}`),
        ];
        if (st.tasks !== undefined && st.checkpoints.length < st.tasks) lines.push(`${st.tasks - st.checkpoints.length} tasks have no checkpoint yet (they start from the beginning)`);
        process.stdout.write(lines.join('\n') + '\n');
      } catch (err) {
        fail(err, a.verbose as boolean | undefined);
      }
    },
  )
  .command(
    'plugins [name]',
    'list the readers and writers; with a name: its parameter keys, types and defaults',
    (y) =>
      y
        .positional('name', { type: 'string', describe: 'a plugin: list its keys' })
        .option('json', { type: 'boolean', describe: 'print it as JSON' })
        .option('plugin', { type: 'string', array: true }),
    async (a) => {
      try {
        const all = await describePlugins(a.plugin as string[] | undefined);
        if (a.name === undefined) {
          if (a.json) process.stdout.write(JSON.stringify(all.map(({ name, kind, description }) => ({ name, kind, description }))) + '\n');
          else for (const p of await listPlugins(a.plugin as string[] | undefined)) process.stdout.write(`${p.name.padEnd(18)} ${p.kind.padEnd(7)} ${p.description}\n`);
          return;
        }
        const p = findPlugin(all, a.name as string, 'name');
        const keys = pluginKeys(p.parameter);
        if (a.json) {
          process.stdout.write(JSON.stringify({ name: p.name, kind: p.kind, description: p.description, keys }) + '\n');
          return;
        }
        const width = Math.max(...keys.map((k) => k.key.length)) + 2;
        process.stdout.write(`${p.name} (${p.kind}): ${p.description}\n`);
        for (const k of keys) process.stdout.write(`  ${k.key.padEnd(width)}${k.required ? 'required  ' : '          '}${k.type}${k.description ? `: ${k.description}` : ''}\n`);
      } catch (err) {
        fail(err, a.verbose as boolean | undefined);
      }
    },
  )
  .command(
    'template',
    'print a job skeleton for a reader and a writer (datax.py -r -w)',
    (y) =>
      y
        .option('r', { alias: 'reader', type: 'string', demandOption: true, describe: 'the reader, e.g. mysqlreader' })
        .option('w', { alias: 'writer', type: 'string', demandOption: true, describe: 'the writer, e.g. postgresqlwriter' })
        .option('plugin', { type: 'string', array: true }),
    async (a) => {
      try {
        const all = await describePlugins(a.plugin as string[] | undefined);
        const job = jobTemplate(findPlugin(all, a.r as string, '-r', 'reader'), findPlugin(all, a.w as string, '-w', 'writer'));
        process.stdout.write(JSON.stringify(job, null, 2) + '\n');
      } catch (err) {
        fail(err, a.verbose as boolean | undefined);
      }
    },
  )
  .command(
    'schema',
    'print (or write with -o) a JSON Schema of the job file, for "$schema": "./job.schema.json" in editors',
    (y) => y.option('o', { alias: 'output', type: 'string', describe: 'write it to this file' }).option('plugin', { type: 'string', array: true }),
    async (a) => {
      try {
        const text = JSON.stringify(jobJsonSchema(await describePlugins(a.plugin as string[] | undefined)), null, 2) + '\n';
        if (a.o !== undefined) writeFileSync(a.o as string, text);
        else process.stdout.write(text);
      } catch (err) {
        fail(err, a.verbose as boolean | undefined);
      }
    },
  )
  .command(
    'bench <what>',
    'run a benchmark: channel',
    (y) =>
      y
        .positional('what', { type: 'string', choices: ['channel'] as const, demandOption: true })
        .option('json', { type: 'boolean' })
        .option('rows', { type: 'number', describe: 'rows per case' }),
    async (a) => {
      const { main } = await import('../../bench/channel.js');
      await main({ json: a.json === true, ...(a.rows !== undefined ? { rows: a.rows } : {}) });
    },
  );

const cli = serviceCommands(commands, fail)
  .demandCommand(1, 'name a command: run, copy, template, schema, validate, state, plugins, bench, worker, serve, submit, status, logs, cancel or runs')
  .strict()
  .help()
  .alias('h', 'help')
  .version(version)
  .alias('v', 'version')
  .fail((msg, err) => {
    if (err) fail(err, process.argv.includes('--verbose'));
    console_.error(`error: ${msg}; see ferry --help`);
    process.exit(EXIT_BAD_INPUT);
  });

if (argv.length === 0) {
  cli.showHelp((text) => process.stdout.write(text + '\n'));
  process.exit(0);
}
await cli.parseAsync();
