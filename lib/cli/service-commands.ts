/** The CLI of `ferry serve` and of the commands that talk to it: submit, status, logs, cancel, runs. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { configError, FerryError } from '../errors.js';
import { parseParams } from '../job/params.js';
import { parseJobText, readJobText } from '../job/read.js';
import { formatLiveLine } from '../container/progress.js';
import { backfill, cancelBackfill, rerunFailedBackfill, cancelRun, followLog, getRun, listJobs, listRuns, putJob, removeJob, runJobNow, runLog, submitRun, type ClientOptions } from '../service/client.js';
import { parseState, RUN_STATES } from '../service/states.js';
import type { JobView, LogLine, RunView } from '../service/views.js';
import { formatSummary } from './output.js';

type Fail = (err: unknown, verbose: boolean | undefined) => never;

interface ClientArgs {
  server?: string;
  token?: string;
  verbose?: boolean;
}

function clientArgs<T>(y: Argv<T>) {
  return y
    .option('server', { type: 'string', describe: 'the ferry server (default: FERRY_SERVER, else http://127.0.0.1:8765)' })
    .option('token', { type: 'string', describe: 'the server\'s token (default: FERRY_TOKEN)' });
}

function client(a: ClientArgs): ClientOptions {
  return { server: a.server, token: a.token };
}

function runId(value: unknown): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1) throw configError('FERRY_USAGE', 'id', `expected a run id (a whole number from ferry submit or ferry runs), got ${JSON.stringify(String(value))}`);
  return id;
}

const formatLine = (l: LogLine): string => `${l.at.replace('T', ' ').replace('Z', '')} ${l.level.padEnd(5)} ${l.message}`;

function describeRun(v: RunView & { transitions?: Array<{ to: string; at: string; reason: string | null }> }): string {
  const rows: Array<[string, string]> = [
    ['Run', `${v.id} (${v.state})`],
    ...(v.reason ? [['Reason', v.reason] as [string, string]] : []),
    ['Source', v.source],
    ['Slots', String(v.slots)],
    ['Submitted', v.createdAt],
    ...(v.startedAt ? [['Started', v.startedAt] as [string, string]] : []),
    ...(v.endedAt ? [['Ended', v.endedAt] as [string, string]] : []),
    ...(v.exitCode !== null ? [['Exit code', String(v.exitCode)] as [string, string]] : []),
    ...(v.progress && !v.summary ? [['Progress', formatLiveLine(v.progress)] as [string, string]] : []),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const head = rows.map(([k, value]) => `  ${k.padEnd(width)} : ${value}`).join('\n');
  return v.summary ? `${head}\n${formatSummary(v.summary)}` : head;
}

function runsTable(runs: RunView[]): string {
  const rows = [['ID', 'STATE', 'SLOTS', 'SUBMITTED', 'JOB', 'REASON'], ...runs.map((r) => [String(r.id), r.state, String(r.slots), r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ''), r.source, r.reason ?? ''])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

function jobsTable(jobs: JobView[]): string {
  const rows = [['NAME', 'VERSION', 'SCHEDULE', 'NEXT FIRING', 'UPDATED'], ...jobs.map((j) => [j.name, String(j.version), j.cron ? `${j.cron}${j.tz ? ` (${j.tz})` : ''}` : '-', j.nextFiring ?? '-', j.updatedAt.replace('T', ' ').replace(/\.\d+Z$/, '')])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function serviceCommands<T>(y: Argv<T>, fail: Fail): Argv<T> {
  const guard = <A extends { verbose?: boolean }>(fn: (a: A) => Promise<void>) => async (a: A) => {
    try {
      await fn(a);
    } catch (err) {
      fail(err, a.verbose);
    }
  };
  return y
    .command(
      'serve',
      'run jobs for clients: an HTTP API with a queue, slots, status and logs',
      (c) =>
        c
          .option('port', { type: 'number', default: 8765, describe: 'port to listen on (0: any free one)' })
          .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to bind; other than loopback only with a token' })
          .option('data', { type: 'string', default: '.ferry/service', describe: 'directory of the run store (SQLite)' })
          .option('slots', { type: 'number', describe: 'channel slots shared by all runs (default: cores × 2)' })
          .option('jobs', { type: 'string', describe: 'a directory whose job files may be submitted by path' })
          .option('token', { type: 'string', describe: 'every request must carry Authorization: Bearer <token> (default: FERRY_TOKEN)' })
          .option('log-level', { type: 'string', default: 'info', describe: 'the server log (pino JSON on stdout): info, warn, error, silent' })
          .option('cluster', { type: 'string', describe: 'run the jobs\' task groups on `ferry worker` processes over this Redis (redis://host:6379)' })
          .option('queue', { type: 'string', describe: 'with --cluster: the queue whose workers run them (default "default")' }),
      guard(async (a: { port: number; host: string; data: string; slots?: number; jobs?: string; token?: string; logLevel: string; cluster?: string; queue?: string; verbose?: boolean }) => {
        // Loaded here, not with the CLI: fastify and the SQLite store cost every `ferry run` ~150 ms of start-up.
        const [{ checkBind, createServer }, { RunService }] = await Promise.all([import('../service/http.js'), import('../service/service.js')]);
        const token = a.token ?? (process.env.FERRY_TOKEN || undefined);
        checkBind(a.host, token);
        const slots = a.slots ?? availableParallelism() * 2;
        if (!Number.isInteger(slots) || slots < 1) throw configError('FERRY_USAGE', '--slots', `expected an integer of at least 1, got ${String(a.slots)}`);
        if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw configError('FERRY_USAGE', '--port', `expected a port number 0-65535, got ${String(a.port)}`);
        if (a.cluster !== undefined) {
          const { queueName, redisTarget } = await import('../cluster/redis.js');
          redisTarget(a.cluster, '--cluster');
          queueName(a.queue, '--queue');
        }
        const data = resolve(a.data);
        // The service logs through the server's pino logger, made with the server below.
        const log = { info: (m: string) => app.log.info(m), warn: (m: string) => app.log.warn(m) };
        const service = new RunService({ dataDir: data, slots, jobsDir: a.jobs === undefined ? undefined : resolve(a.jobs), log, cluster: a.cluster === undefined ? undefined : { redis: a.cluster, queue: a.queue } });
        const app = createServer({ service, token, logLevel: a.logLevel });
        service.start();
        const address = await app.listen({ port: a.port, host: a.host });
        process.stderr.write(`ferry serve: listening on ${address} (${slots} slots, store ${service.store.file}${token ? ', token required' : ''})\n`);
        let stopping = false;
        const stop = (): void => {
          if (stopping) process.exit(130);
          stopping = true;
          process.stderr.write('ferry serve: stopping: running runs are stopped (a restore job resumes on the next start)\n');
          void app.close().then(() => service.stop()).then(() => process.exit(0));
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      }),
    )
    .command(
      'submit <job>',
      'send a job to a ferry server; prints the run id',
      (c) =>
        clientArgs(c)
          .positional('job', { type: 'string', demandOption: true, describe: 'the job file (read here, sent to the server)' })
          .option('p', { type: 'string', array: true, describe: 'a variable: -p name=value' })
          .option('bizdate', { type: 'string', describe: 'business date yyyyMMdd' })
          .option('wait-timeout', { type: 'number', describe: 'fail the run when it waits longer than this many ms for slots' })
          .option('wait', { type: 'boolean', describe: 'follow its log and exit with its exit code, as ferry run would' })
          .option('json', { type: 'boolean', describe: 'with --wait: print the summary as one JSON object on stdout' }),
      guard(async (a: ClientArgs & { job: string; p?: string[]; bizdate?: string; waitTimeout?: number; wait?: boolean; json?: boolean }) => {
        const job = parseJobText(await readJobText(a.job), a.job);
        const view = await submitRun({ job, source: a.job, params: parseParams(a.p ?? []), ...(a.bizdate !== undefined ? { bizdate: a.bizdate } : {}), ...(a.waitTimeout !== undefined ? { waitTimeoutMs: a.waitTimeout } : {}) }, client(a));
        if (!a.wait) {
          process.stdout.write(`${view.id}\n`);
          return;
        }
        process.stderr.write(`run ${view.id} ${view.state}${view.reason ? `: ${view.reason}` : ''}\n`);
        const end = await followLog(view.id, (l) => process.stderr.write(formatLine(l) + '\n'), client(a));
        if (a.json) {
          const run = await getRun(view.id, client(a));
          if (run.summary) process.stdout.write(JSON.stringify(run.summary) + '\n');
        }
        process.stderr.write(`run ${end.id} ${end.state}${end.reason ? `: ${end.reason}` : ''}\n`);
        process.exit(end.exitCode ?? 1);
      }),
    )
    .command(
      'status <id>',
      'a run\'s state, progress and summary',
      (c) => clientArgs(c).positional('id', { type: 'string', demandOption: true }).option('json', { type: 'boolean' }),
      guard(async (a: ClientArgs & { id: string; json?: boolean }) => {
        const run = await getRun(runId(a.id), client(a));
        process.stdout.write((a.json ? JSON.stringify(run) : describeRun(run)) + '\n');
      }),
    )
    .command(
      'logs <id>',
      'a run\'s log lines',
      (c) => clientArgs(c).positional('id', { type: 'string', demandOption: true }).option('f', { alias: 'follow', type: 'boolean', describe: 'go on printing lines until the run ends' }),
      guard(async (a: ClientArgs & { id: string; f?: boolean }) => {
        const id = runId(a.id);
        if (a.f) await followLog(id, (l) => process.stdout.write(formatLine(l) + '\n'), client(a));
        else for (const l of await runLog(id, client(a))) process.stdout.write(formatLine(l) + '\n');
      }),
    )
    .command(
      'cancel <id>',
      'stop a run (a queued one never starts)',
      (c) => clientArgs(c).positional('id', { type: 'string', demandOption: true }),
      guard(async (a: ClientArgs & { id: string }) => {
        const run = await cancelRun(runId(a.id), client(a));
        process.stdout.write(`run ${run.id} ${run.state}${run.reason ? `: ${run.reason}` : ''}\n`);
        if (run.state !== 'CANCELLED') throw new FerryError('FERRY_SERVER', `run ${run.id} is still ${run.state}: see ferry status ${run.id}`);
      }),
    )
    .command(
      'jobs <action> [name] [job]',
      'stored jobs on the server: add (a new version when the name exists), ls, rm',
      (c) =>
        clientArgs(c)
          .positional('action', { type: 'string', choices: ['add', 'ls', 'rm'], demandOption: true })
          .positional('name', { type: 'string', describe: 'the job\'s name (letters, digits, . _ -)' })
          .positional('job', { type: 'string', describe: 'add: the job file (read here, sent to the server)' })
          .option('cron', { type: 'string', describe: 'add: fire a run on this cron expression (5 fields, or 6 with seconds)' })
          .option('tz', { type: 'string', describe: 'add: the schedule\'s time zone, e.g. Asia/Shanghai (default: the server\'s)' })
          .option('p', { type: 'string', array: true, describe: 'add: a variable every run gets: -p name=value' })
          .option('json', { type: 'boolean' }),
      guard(async (a: ClientArgs & { action: string; name?: string; job?: string; cron?: string; tz?: string; p?: string[]; json?: boolean }) => {
        if (a.action === 'ls') {
          const jobs = await listJobs(client(a));
          process.stdout.write((a.json ? JSON.stringify(jobs) : jobsTable(jobs)) + '\n');
          return;
        }
        if (a.name === undefined) throw configError('FERRY_USAGE', 'name', `ferry jobs ${a.action} needs the job's name: ferry jobs ${a.action} <name>${a.action === 'add' ? ' job.json' : ''}`);
        if (a.action === 'rm') {
          await removeJob(a.name, client(a));
          process.stdout.write(`job ${a.name} removed (its runs and versions are kept)\n`);
          return;
        }
        if (a.job === undefined) throw configError('FERRY_USAGE', 'job', `ferry jobs add needs the job file: ferry jobs add ${a.name} job.json`);
        if (a.tz !== undefined && a.cron === undefined) throw configError('FERRY_USAGE', '--tz', 'a time zone belongs to a schedule: give --cron too');
        const job = parseJobText(await readJobText(a.job), a.job);
        const view = await putJob(a.name, { job, params: parseParams(a.p ?? []), ...(a.cron !== undefined ? { schedule: { cron: a.cron, ...(a.tz !== undefined ? { tz: a.tz } : {}) } } : {}) }, client(a));
        process.stdout.write(a.json ? JSON.stringify(view) + '\n' : `job ${view.name} version ${view.version}${view.nextFiring ? `, next firing ${view.nextFiring}` : ''}\n`);
      }),
    )
    .command(
      'run-now <name>',
      'run a stored job now; prints the run id',
      (c) => clientArgs(c).positional('name', { type: 'string', demandOption: true }).option('bizdate', { type: 'string', describe: 'business date yyyyMMdd (default: yesterday)' }),
      guard(async (a: ClientArgs & { name: string; bizdate?: string }) => {
        const view = await runJobNow(a.name, a.bizdate !== undefined ? { bizdate: a.bizdate } : {}, client(a));
        process.stdout.write(`${view.id}\n`);
      }),
    )
    .command(
      'backfill <target>',
      'one run of a stored job per business date (补数据); or, given a backfill id, --cancel / --rerun-failed',
      (c) =>
        clientArgs(c)
          .positional('target', { type: 'string', demandOption: true, describe: 'the job name, or a backfill id with --cancel / --rerun-failed' })
          .option('from', { type: 'string', describe: 'the oldest bizdate yyyyMMdd' })
          .option('to', { type: 'string', describe: 'the newest bizdate yyyyMMdd' })
          .option('parallel', { type: 'number', default: 1, describe: 'days running at once' })
          .option('cancel', { type: 'boolean', describe: 'stop the backfill: running days are cancelled, waiting ones never start' })
          .option('rerun-failed', { type: 'boolean', describe: 'run its failed days again' })
          .option('json', { type: 'boolean' }),
      guard(async (a: ClientArgs & { target: string; from?: string; to?: string; parallel: number; cancel?: boolean; rerunFailed?: boolean; json?: boolean }) => {
        let v;
        if (a.cancel || a.rerunFailed) {
          const id = Number(a.target);
          if (!Number.isInteger(id) || id < 1) throw configError('FERRY_USAGE', 'id', `--${a.cancel ? 'cancel' : 'rerun-failed'} takes a backfill id (ferry backfill <job> printed it), got ${JSON.stringify(a.target)}`);
          v = a.cancel ? await cancelBackfill(id, client(a)) : await rerunFailedBackfill(id, client(a));
        } else {
          if (a.from === undefined || a.to === undefined) throw configError('FERRY_USAGE', a.from === undefined ? '--from' : '--to', `give both dates: ferry backfill ${a.target} --from 20240101 --to 20240131`);
          v = await backfill(a.target, { from: a.from, to: a.to, parallel: a.parallel }, client(a));
        }
        const c = v.counts;
        process.stdout.write(a.json ? JSON.stringify(v) + '\n' : `backfill ${v.id} ${v.state}: ${v.days.length} days ${v.from}..${v.to}, ${c.succeeded} succeeded, ${c.failed} failed, ${c.running + c.queued} running, ${c.waiting} waiting, ${c.cancelled} cancelled\n`);
      }),
    )
    .command(
      'runs',
      'the server\'s runs, newest first',
      (c) =>
        clientArgs(c)
          .option('state', { type: 'string', describe: `only runs in this state: ${RUN_STATES.join(', ').toLowerCase()}` })
          .option('limit', { type: 'number', default: 50 })
          .option('json', { type: 'boolean', describe: 'print them as a JSON array' }),
      guard(async (a: ClientArgs & { state?: string; limit: number; json?: boolean }) => {
        const state = a.state === undefined ? undefined : parseState(a.state);
        if (a.state !== undefined && state === undefined) throw configError('FERRY_USAGE', '--state', `expected one of ${RUN_STATES.join(', ').toLowerCase()}, got ${JSON.stringify(a.state)}`);
        const runs = await listRuns({ ...(state ? { state } : {}), limit: a.limit }, client(a));
        process.stdout.write((a.json ? JSON.stringify(runs) : runsTable(runs)) + '\n');
      }),
    );
}
