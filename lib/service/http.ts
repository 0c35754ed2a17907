/**
 * The HTTP JSON API on Fastify: bodies checked by JSON schema, a pino log, bearer-token auth on
 * every request when the server has a token, and server-sent events for following a log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { configError, JobConfigError, type JobIssue } from '../errors.js';
import { RunConflict, RunNotFound, RunService } from './service.js';
import { isEnd, parseState, RUN_STATES } from './states.js';
import type { LogRow } from './store.js';

export interface ServerOptions {
  service: RunService;
  /** Every request must carry `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** pino level for the server's own log (default info). */
  logLevel?: string;
}

const submitBody = {
  type: 'object',
  required: ['job'],
  additionalProperties: false,
  properties: {
    job: { type: ['object', 'string'] },
    params: { type: 'object', additionalProperties: { type: 'string' } },
    bizdate: { type: 'string', pattern: '^[0-9]{8}$' },
    waitTimeoutMs: { type: 'integer', minimum: 0 },
    source: { type: 'string', maxLength: 500 },
  },
} as const;

/** The page lives in lib/service/page beside the sources (dist/lib/service → ../../../lib/service/page). */
const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'lib', 'service', 'page');
const PAGE: Array<[string, string, string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/page/app.css', 'app.css', 'text/css; charset=utf-8'],
  ['/page/app.js', 'app.js', 'text/javascript; charset=utf-8'],
];

const jobName = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' } as const;
const nameParams = { type: 'object', required: ['name'], properties: { name: jobName } } as const;

const putJobBody = {
  type: 'object',
  required: ['job'],
  additionalProperties: false,
  properties: {
    job: { type: ['object', 'string'] },
    params: { type: 'object', additionalProperties: { type: 'string' } },
    schedule: { type: 'object', required: ['cron'], additionalProperties: false, properties: { cron: { type: 'string', maxLength: 200 }, tz: { type: 'string', maxLength: 100 } } },
  },
} as const;

const runNowBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { bizdate: { type: 'string', pattern: '^[0-9]{8}$' } },
} as const;

const backfillBody = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: { from: { type: 'string', pattern: '^[0-9]{8}$' }, to: { type: 'string', pattern: '^[0-9]{8}$' }, parallel: { type: 'integer', minimum: 1, maximum: 64 } },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { state: { type: 'string', enum: [...RUN_STATES, ...RUN_STATES.map((s) => s.toLowerCase())] }, limit: { type: 'integer', minimum: 1, maximum: 1000 } },
} as const;

const logQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { follow: { type: 'string', enum: ['1', 'true', '0', 'false'] }, after: { type: 'integer', minimum: 0 } },
} as const;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Whether `host` can only be reached from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** FERRY_USAGE unless the server is on loopback or has a token: a job holds database passwords. */
export function checkBind(host: string, token: string | undefined): void {
  if (token === undefined && !isLoopback(host)) {
    throw configError('FERRY_USAGE', '--host', `${host} is reachable from other machines and the server has no token: set --token (or FERRY_TOKEN) so that every request must carry it, or bind to 127.0.0.1`);
  }
}

export function createServer(options: ServerOptions): FastifyInstance {
  const { service } = options;
  const app = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true, allowUnionTypes: true } },
  });

  if (options.token !== undefined) {
    const expected = sha256(`Bearer ${options.token}`);
    app.addHook('onRequest', async (req, reply) => {
      const given = req.headers.authorization;
      if (given === undefined || !timingSafeEqual(sha256(given), expected)) {
        await reply.code(401).header('www-authenticate', 'Bearer').send({ error: `${given === undefined ? 'no' : 'a wrong'} token: send the server's token as Authorization: Bearer <token>` });
      }
    });
  }

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof JobConfigError) return reply.code(400).send({ error: err.issues[0]?.message ?? err.message, code: err.code, issues: err.issues });
    if (err instanceof RunNotFound) return reply.code(404).send({ error: err.message });
    if (err instanceof RunConflict) return reply.code(409).send({ error: err.message });
    const e = err as { validation?: Array<{ instancePath: string; message?: string; params?: Record<string, unknown> }>; validationContext?: string; statusCode?: number; message: string };
    if (e.validation) {
      const issues: JobIssue[] = e.validation.map((v) => {
        const extra = v.params?.additionalProperty;
        const path = [e.validationContext ?? 'body', ...v.instancePath.split('/').filter(Boolean), ...(typeof extra === 'string' ? [extra] : [])].join('.');
        return { path, message: typeof extra === 'string' ? 'is not a field of this request' : (v.message ?? 'is not valid') };
      });
      return reply.code(400).send({ error: issues.map((i) => `${i.path} ${i.message}`).join('; '), code: 'FERRY_USAGE', issues });
    }
    if (e.statusCode !== undefined && e.statusCode < 500) return reply.code(e.statusCode).send({ error: e.message });
    reply.log.error(err);
    return reply.code(500).send({ error: 'the server failed to answer; its log has the reason' });
  });

  // The status page: three static files read once at start, no build step and nothing from a CDN.
  for (const [route, file, type] of PAGE) {
    const body = readFileSync(join(PAGE_DIR, file));
    app.get(route, async (_req, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }

  app.get('/api/health', async () => ({ ok: true, slots: service.slots }));

  app.post('/api/runs', { schema: { body: submitBody } }, async (req, reply) => {
    const view = await service.submit(req.body as Parameters<RunService['submit']>[0]);
    return reply.code(201).send(view);
  });

  app.get('/api/runs', { schema: { querystring: listQuery } }, async (req) => {
    const q = req.query as { state?: string; limit?: number };
    return { runs: service.list(q.state === undefined ? undefined : parseState(q.state), q.limit ?? 50) };
  });

  app.get('/api/runs/:id', { schema: { params: idParams } }, async (req) => service.detail((req.params as { id: number }).id));

  app.post('/api/runs/:id/cancel', { schema: { params: idParams } }, async (req) => service.cancel((req.params as { id: number }).id));

  app.get('/api/runs/:id/log', { schema: { params: idParams, querystring: logQuery } }, async (req, reply) => {
    const id = (req.params as { id: number }).id;
    const q = req.query as { follow?: string; after?: number };
    const lastEventId = Number(req.headers['last-event-id']);
    const after = Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : (q.after ?? 0);
    const lines = service.log(id, after);
    if (q.follow !== '1' && q.follow !== 'true') return { id, state: service.view(id).state, lines };
    follow(service, id, after, reply);
    return reply;
  });

  app.put('/api/jobs/:name', { schema: { params: nameParams, body: putJobBody } }, async (req) => service.putJob((req.params as { name: string }).name, req.body as Parameters<RunService['putJob']>[1]));

  app.get('/api/jobs', async () => ({ jobs: service.jobs() }));

  app.get('/api/jobs/:name', { schema: { params: nameParams } }, async (req) => service.jobView((req.params as { name: string }).name));

  app.delete('/api/jobs/:name', { schema: { params: nameParams } }, async (req, reply) => {
    service.removeJob((req.params as { name: string }).name);
    return reply.code(204).send();
  });

  app.post('/api/jobs/:name/run', { schema: { params: nameParams, body: runNowBody } }, async (req, reply) => {
    const body = (req.body ?? {}) as { bizdate?: string };
    return reply.code(201).send(await service.runNow((req.params as { name: string }).name, body.bizdate));
  });

  app.post('/api/jobs/:name/backfill', { schema: { params: nameParams, body: backfillBody } }, async (req, reply) => {
    return reply.code(201).send(await service.backfill((req.params as { name: string }).name, req.body as { from: string; to: string; parallel?: number }));
  });

  app.get('/api/backfills', async () => ({ backfills: service.backfills() }));

  app.get('/api/backfills/:id', { schema: { params: idParams } }, async (req) => service.backfillView((req.params as { id: number }).id));

  app.post('/api/backfills/:id/cancel', { schema: { params: idParams } }, async (req) => service.cancelBackfill((req.params as { id: number }).id));

  app.post('/api/backfills/:id/rerun-failed', { schema: { params: idParams } }, async (req) => service.rerunFailed((req.params as { id: number }).id));

  return app;
}

/** Server-sent events: `line` per log line (its seq as the event id), then one `end` with the run's outcome. */
function follow(service: RunService, id: number, after: number, reply: FastifyReply): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let last = after;
  const send = (row: LogRow): void => {
    if (row.seq <= last) return;
    last = row.seq;
    raw.write(`id: ${row.seq}\nevent: line\ndata: ${JSON.stringify(row)}\n\n`);
  };
  const onLine = (runId: number, row: LogRow): void => {
    if (runId === id) send(row);
  };
  const onEnd = (runId: number): void => {
    if (runId === id) finish();
  };
  // Proxies close a quiet connection: a comment every 15 s keeps it open.
  const ping = setInterval(() => raw.write(': ping\n\n'), 15_000).unref();
  const unsubscribe = (): void => {
    clearInterval(ping);
    service.events.off('line', onLine);
    service.events.off('end', onEnd);
  };
  const finish = (): void => {
    unsubscribe();
    for (const row of service.log(id, last)) send(row);
    const v = service.view(id);
    raw.end(`event: end\ndata: ${JSON.stringify({ id, state: v.state, exitCode: v.exitCode, reason: v.reason })}\n\n`);
  };
  service.events.on('line', onLine);
  service.events.on('end', onEnd);
  raw.on('close', unsubscribe);
  for (const row of service.log(id, last)) send(row);
  if (isEnd(service.view(id).state)) finish();
}
