/**
 * Typed functions for scripts that talk to `ferry serve` (the CLI's submit, status, logs,
 * cancel and runs use them too). The server comes from `server`, else FERRY_SERVER, else
 * http://127.0.0.1:8765; the token from `token`, else FERRY_TOKEN. A refused job rejects with
 * the same JobConfigError (issues with path and message) that validateJob throws.
 */
import { configError, FerryError, JobConfigError, type ErrorCode, type JobIssue } from '../errors.js';
import type { RunState } from './states.js';
import type { PutJobRequest, SubmitRequest } from './service.js';
import type { JobView, LogLine, RunDetail, RunView } from './views.js';
import type { BackfillRequest, BackfillView } from './backfill.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8765';

export interface ClientOptions {
  server?: string | undefined;
  token?: string | undefined;
}

/** How a followed run ended (the `end` event). */
export interface RunEnd {
  id: number;
  state: RunState;
  exitCode: number | null;
  reason: string | null;
}

function serverOf(o: ClientOptions): string {
  return (o.server ?? process.env.FERRY_SERVER ?? DEFAULT_SERVER).replace(/\/+$/, '');
}

async function request(o: ClientOptions, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Response> {
  const server = serverOf(o);
  const token = o.token ?? process.env.FERRY_TOKEN;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${server}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new FerryError('FERRY_SERVER', `cannot reach the ferry server at ${server} (${cause?.code ?? cause?.message ?? (err as Error).message}): start it with ferry serve, or point --server / FERRY_SERVER at it`);
  }
  if (res.ok) return res;
  const answer = (await res.json().catch(() => ({}))) as { error?: string; code?: ErrorCode; issues?: JobIssue[] };
  if (res.status === 400 && answer.issues?.length) throw new JobConfigError(answer.code ?? 'FERRY_JOB_INVALID', answer.issues);
  if (res.status === 401) throw configError('FERRY_USAGE', '--token', `the server at ${server} refused the request: ${answer.error ?? 'unauthorized'}`);
  if (res.status === 404 || res.status === 409) throw configError('FERRY_USAGE', 'id', answer.error ?? res.statusText);
  throw new FerryError('FERRY_SERVER', `the server at ${server} answered ${res.status}: ${answer.error ?? res.statusText}`);
}

async function json<T>(o: ClientOptions, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return (await (await request(o, method, path, body)).json()) as T;
}

export function submitRun(req: SubmitRequest, o: ClientOptions = {}): Promise<RunView> {
  return json(o, 'POST', '/api/runs', req);
}

export function getRun(id: number, o: ClientOptions = {}): Promise<RunDetail> {
  return json(o, 'GET', `/api/runs/${id}`);
}

export async function listRuns(filter: { state?: RunState; limit?: number } = {}, o: ClientOptions = {}): Promise<RunView[]> {
  const q = new URLSearchParams();
  if (filter.state) q.set('state', filter.state);
  if (filter.limit !== undefined) q.set('limit', String(filter.limit));
  const qs = q.size > 0 ? `?${q.toString()}` : '';
  return (await json<{ runs: RunView[] }>(o, 'GET', `/api/runs${qs}`)).runs;
}

export async function runLog(id: number, o: ClientOptions = {}): Promise<LogLine[]> {
  return (await json<{ lines: LogLine[] }>(o, 'GET', `/api/runs/${id}/log`)).lines;
}

/** Stops a run (a queued one at once) and resolves with its state once it has ended, or after about 5 s. */
export function cancelRun(id: number, o: ClientOptions = {}): Promise<RunView> {
  return json(o, 'POST', `/api/runs/${id}/cancel`);
}

/**
 * The run's log lines as they are written, from the first, until the run ends: `onLine` for
 * each, and resolves with how it ended.
 */
export async function followLog(id: number, onLine: (line: LogLine) => void, o: ClientOptions = {}): Promise<RunEnd> {
  const res = await request(o, 'GET', `/api/runs/${id}/log?follow=1`);
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffered.indexOf('\n\n')) !== -1) {
      const event = buffered.slice(0, cut);
      buffered = buffered.slice(cut + 2);
      const type = /^event: (.*)$/m.exec(event)?.[1];
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (data === undefined) continue;
      if (type === 'line') onLine(JSON.parse(data) as LogLine);
      else if (type === 'end') return JSON.parse(data) as RunEnd;
    }
  }
  throw new FerryError('FERRY_SERVER', `the server closed the log of run ${id} before the run ended: see ferry status ${id}`);
}

/** Stores the job under `name` as its next version (with a schedule when given). */
export function putJob(name: string, req: PutJobRequest, o: ClientOptions = {}): Promise<JobView> {
  return json(o, 'PUT', `/api/jobs/${encodeURIComponent(name)}`, req);
}

export async function listJobs(o: ClientOptions = {}): Promise<JobView[]> {
  return (await json<{ jobs: JobView[] }>(o, 'GET', '/api/jobs')).jobs;
}

export async function removeJob(name: string, o: ClientOptions = {}): Promise<void> {
  await request(o, 'DELETE', `/api/jobs/${encodeURIComponent(name)}`);
}

/** A run of the stored job's current version now. */
export function runJobNow(name: string, req: { bizdate?: string } = {}, o: ClientOptions = {}): Promise<RunView> {
  return json(o, 'POST', `/api/jobs/${encodeURIComponent(name)}/run`, req);
}

/** One run per business date from..to, oldest first, at most `parallel` at once. */
export function backfill(name: string, req: BackfillRequest, o: ClientOptions = {}): Promise<BackfillView> {
  return json(o, 'POST', `/api/jobs/${encodeURIComponent(name)}/backfill`, req);
}

export function getBackfill(id: number, o: ClientOptions = {}): Promise<BackfillView> {
  return json(o, 'GET', `/api/backfills/${id}`);
}

/** Waiting days never start; running ones end CANCELLED. */
export function cancelBackfill(id: number, o: ClientOptions = {}): Promise<BackfillView> {
  return json(o, 'POST', `/api/backfills/${id}/cancel`);
}

export function rerunFailedBackfill(id: number, o: ClientOptions = {}): Promise<BackfillView> {
  return json(o, 'POST', `/api/backfills/${id}/rerun-failed`);
}
