#!/usr/bin/env node
/**
 * ferry's command line. Exit codes: 0 success, 1 the job failed, 2 a bad job file or usage.
 * Errors are one line each (`error: <json path>: <what is wrong>`); --verbose adds the stack.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runJob, validateJob, listPlugins, jobState, explainJob } from '../api.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, FerryError, JobConfigError, JobFailedError } from '../errors.js';
import { parseParams } from '../job/params.js';
import { Console, formatSummary, progressPrinter } from './output.js';
import type { JobSummary } from '../container/summary.js';
import { serviceCommands } from './service-commands.js';

interface CommonArgs {
  p?: string[];
  bizdate?: string;
  plugin?: string[];
  verbose?: boolean;
  strict?: boolean;
}

const console_ = new Console(process.stderr);

function fail(err: unknown, verbose: boolean | undefined): never {
  console_.clearLive();
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

async function run(args: CommonArgs & { job: string; channel?: number; json?: boolean; quiet?: boolean; stateFile?: string; resume?: boolean; explain?: boolean }): Promise<void> {
  const out = new Console(process.stderr, args.quiet);
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    out.clearLive();
    out.warn('interrupted: stopping (a polling job ends cleanly, any other stops every task and lets writers clean up); Ctrl-C again to quit at once');
    controller.abort();
  });
  const printSummary = (s: JobSummary): void => {
    out.clearLive();
    if (!args.quiet) out.error(formatSummary(s));
    if (args.json) process.stdout.write(JSON.stringify(s) + '\n');
  };
  try {
    const o = common(args);
    if (args.explain) {
      const paths = await explainJob(args.job, { ...o, ...(args.channel !== undefined ? { channel: args.channel } : {}), ...(args.resume ? { resume: true } : {}) });
      if (args.json) process.stdout.write(JSON.stringify(paths) + '\n');
      else for (const p of paths) process.stdout.write(`job.content[${p.content}] ${p.reader} → ${p.writer}: ${p.path}\n  ${p.why}\n`);
      return;
    }
    const printer = progressPrinter(out, 10_000);
    const summary = await runJob(args.job, {
      ...o,
      ...(args.channel !== undefined ? { channel: args.channel } : {}),
      ...(args.stateFile !== undefined ? { stateFile: args.stateFile } : {}),
      ...(args.resume ? { resume: true } : {}),
      signal: controller.signal,
      log: out,
      onProgress: printer.onProgress,
      progressIntervalMs: printer.intervalMs,
    });
    printSummary(summary);
  } catch (err) {
    if (err instanceof JobFailedError && err.summary) printSummary(err.summary as JobSummary);
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

/** The job file and what resolves it, as `validate` and `state` take them. */
function jobArgs<T>(y: Argv<T>) {
  return y
    .positional('job', { type: 'string', demandOption: true })
    .option('p', { type: 'string', array: true })
    .option('bizdate', { type: 'string' })
    .option('plugin', { type: 'string', array: true })
    .option('strict', { type: 'boolean', describe: 'an unknown key in the job file is an error, not a warning' });
}

const commands = yargs(datax(hideBin(process.argv)))
  .scriptName('ferry')
  .usage('$0 <command> [options]')
  .option('verbose', { type: 'boolean', describe: 'print stack traces with errors' })
  .command(
    'run <job>',
    'run a DataX / FlinkX job file',
    (y) =>
      y
        .positional('job', { type: 'string', demandOption: true, describe: 'the job file (JSON; // comments allowed)' })
        .option('p', { type: 'string', array: true, describe: 'a variable: -p name=value, or DataX\'s -p "-Dname=value -Dother=x"' })
        .option('bizdate', { type: 'string', describe: 'business date yyyyMMdd for ${bizdate} and $[...] (default: yesterday)' })
        .option('channel', { type: 'number', describe: 'override setting.speed.channel' })
        .option('json', { type: 'boolean', describe: 'print the summary as one JSON object on stdout' })
        .option('quiet', { type: 'boolean', describe: 'no log lines or summary on stderr' })
        .option('plugin', { type: 'string', array: true, describe: 'load a plugin module (repeatable)' })
        .option('strict', { type: 'boolean', describe: 'an unknown key in the job file is an error, not a warning' })
        .option('resume', { type: 'boolean', describe: 'setting.restore: go on from the checkpoints of the last run of this job' })
        .option('explain', { type: 'boolean', describe: 'print the path each job.content entry takes (pass-through, COPY, INSERT) and why; run nothing' })
        .option('state-file', { type: 'string', describe: 'incremental runs: start where the last successful run with this file ended, and record where this one ends' }),
    (a) => run(a as never),
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
    'plugins',
    'list the readers and writers',
    (y) => y.option('plugin', { type: 'string', array: true }),
    async (a) => {
      try {
        for (const p of await listPlugins(a.plugin as string[] | undefined)) process.stdout.write(`${p.name.padEnd(18)} ${p.kind.padEnd(7)} ${p.description}\n`);
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
  .demandCommand(1, 'name a command: run, validate, state, plugins, bench, serve, submit, status, logs, cancel or runs')
  .strict()
  .help()
  .fail((msg, err) => {
    if (err) fail(err, process.argv.includes('--verbose'));
    console_.error(`error: ${msg}; see ferry --help`);
    process.exit(EXIT_BAD_INPUT);
  });

await cli.parseAsync();
