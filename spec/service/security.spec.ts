import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli, tempDir } from '../helpers.js';
import { databases } from '../rdbms/databases.js';
import { startServer, storeBytes, streamJob, until } from './server.js';

const { dbs, close } = await databases();
const pg = dbs.find((d) => d.name === 'postgresql');
test.after(close);

test('with a token every request needs it (401 otherwise); without one the server refuses a non-loopback host', async () => {
  const { dir, cleanup } = tempDir();
  const token = `tok-${randomBytes(8).toString('hex')}`;
  const server = await startServer({ data: join(dir, 'data'), slots: 2, token });
  try {
    const call = (path: string, authorization?: string) => fetch(`${server.url}${path}`, authorization ? { headers: { authorization } } : {});
    for (const path of ['/api/runs', '/api/runs/1', '/api/runs/1/log?follow=1', '/api/health']) {
      const none = await call(path);
      assert.is(none.status, 401, path);
      assert.equal(await none.json(), { error: "no token: send the server's token as Authorization: Bearer <token>" });
      assert.is((await call(path, 'Bearer wrong')).status, 401, path);
      assert.is((await call(path, `Bearer ${token}x`)).status, 401, path);
    }
    assert.is((await call('/api/runs', `Bearer ${token}`)).status, 200);
    const wrong = await runCli(['runs', '--server', server.url, '--token', 'nope']);
    assert.is(wrong.code, 2);
    assert.is(wrong.stderr, `error: --token: the server at ${server.url} refused the request: a wrong token: send the server's token as Authorization: Bearer <token>\n`);
    const right = await runCli(['runs', '--server', server.url], { env: { ...process.env, FERRY_TOKEN: token } });
    assert.is(right.code, 0, right.stderr);
  } finally {
    await server.stop();
    cleanup();
  }
  const open = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data', join(dir, 'never')], { env: { ...process.env, FERRY_TOKEN: '' } });
  assert.is(open.code, 2);
  assert.is(open.stderr, 'error: --host: 0.0.0.0 is reachable from other machines and the server has no token: set --token (or FERRY_TOKEN) so that every request must carry it, or bind to 127.0.0.1\n');
});

test('a bad job → 400 with the issues ferry validate gives, nothing stored; a bad request body → 400 with its path; a job path only under --jobs', async () => {
  const { dir, cleanup } = tempDir();
  mkdirSync(join(dir, 'jobs'));
  writeFileSync(join(dir, 'jobs', 'ok.json'), JSON.stringify(streamJob({ records: 10, channel: 1 })));
  const server = await startServer({ data: join(dir, 'data'), slots: 2, args: ['--jobs', join(dir, 'jobs')] });
  try {
    const bad = { job: { content: [{ reader: { name: 'streamreader', parameter: { sliceRecordCount: 'ten' } }, writer: { name: 'nosuchwriter' } }] } };
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify(bad));
    const validated = await runCli(['validate', path]);
    assert.is(validated.code, 2);
    const post = (body: unknown) => fetch(`${server.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post({ job: bad });
    assert.is(res.status, 400);
    const answer = (await res.json()) as { issues: Array<{ path: string; message: string }> };
    assert.ok(answer.issues.some((i) => i.path === 'job.content[0].writer.name'), JSON.stringify(answer.issues));
    assert.is(answer.issues.map((i) => `error: ${i.path}: ${i.message}\n`).join(''), validated.stderr);
    const list = await (await fetch(`${server.url}/api/runs`)).json();
    assert.equal(list, { runs: [] }, 'nothing was stored');
    const cli = await runCli(['submit', path, '--server', server.url]);
    assert.is(cli.code, 2);
    assert.is(cli.stderr, validated.stderr, 'ferry submit prints them as ferry validate does');

    const badBody = await post({ job: streamJob({ records: 1, channel: 1 }), bizdate: '2024-01-01', extra: 1 });
    assert.is(badBody.status, 400);
    const issues = ((await badBody.json()) as { issues: Array<{ path: string }> }).issues.map((i) => i.path).sort();
    assert.equal(issues, ['body.bizdate', 'body.extra']);

    const outside = await post({ job: '../bad.json' });
    assert.is(outside.status, 400);
    assert.equal(((await outside.json()) as { issues: unknown }).issues, [{ path: 'job', message: `"../bad.json" is outside the jobs directory ${join(dir, 'jobs')}: name a file under it` }]);
    const byPath = await post({ job: 'ok.json' });
    assert.is(byPath.status, 201);
    assert.is(((await byPath.json()) as { source: string }).source, 'ok.json');
  } finally {
    await server.stop();
    cleanup();
  }
});

test('the password never appears in a response, the server output or the store file', async () => {
  if (!pg) return;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const src = pg.table('svc_secret_src');
  const dst = pg.table('svc_secret_dst');
  await pg.session.execute(`CREATE TABLE ${src} (id bigint PRIMARY KEY, name text)`);
  await pg.session.execute(`INSERT INTO ${src} SELECT g, 'name ' || g FROM generate_series(1, 50) g`);
  await pg.session.execute(`CREATE TABLE ${dst} (id bigint PRIMARY KEY, name text)`);
  const { dir, cleanup } = tempDir();
  const data = join(dir, 'data');
  const server = await startServer({ data, slots: 2 });
  const responses: string[] = [];
  const call = async (method: string, path: string, body?: unknown): Promise<string> => {
    const res = await fetch(`${server.url}${path}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    responses.push(text);
    return text;
  };
  try {
    // The server trusts local connections, so any password logs in: the point is where it goes.
    const job = {
      job: {
        content: [{
          reader: { name: 'postgresqlreader', parameter: { username: pg.username, password: '${pw}', column: ['id', 'name'], connection: [{ jdbcUrl: [pg.jdbcUrl], table: [src] }] } },
          writer: { name: 'postgresqlwriter', parameter: { username: pg.username, password, column: ['id', 'name'], connection: [{ jdbcUrl: `${pg.jdbcUrl}?password=${password}`, table: [dst] }] } },
        }],
      },
    };
    const { id } = JSON.parse(await call('POST', '/api/runs', { job, params: { pw: password } })) as { id: number };
    const followed = await call('GET', `/api/runs/${id}/log?follow=1`);
    assert.match(followed, /event: end\ndata: \{"id":\d+,"state":"SUCCEEDED"/);
    const detail = JSON.parse(await call('GET', `/api/runs/${id}`)) as { job: { job: { content: Array<{ writer: { parameter: { password: string } } }> } }; params: Record<string, string> };
    assert.is(detail.job.job.content[0]!.writer.parameter.password, '******');
    assert.equal(detail.params, { pw: '******' });
    await call('GET', '/api/runs');
    await call('GET', `/api/runs/${id}/log`);
    await call('POST', `/api/runs/${id}/cancel`);
    // A failing run: its error and summary are stored and answered too.
    const failing = JSON.parse(await call('POST', '/api/runs', { job: { job: { content: [{ ...job.job.content[0], writer: { ...job.job.content[0]!.writer, parameter: { ...job.job.content[0]!.writer.parameter, table: undefined, connection: [{ jdbcUrl: pg.jdbcUrl, table: [`${dst}_missing`] }] } } }] } }, params: { pw: password } })) as { id: number };
    await until('the failing run to end', async () => ((JSON.parse(await call('GET', `/api/runs/${failing.id}`)) as { state: string }).state === 'FAILED' ? true : undefined));
    await call('GET', `/api/runs/${failing.id}/log`);
    assert.is(Number((await pg.session.query(`SELECT count(*) FROM ${dst}`))[0]![0]), 50);
    for (const text of responses) assert.not.ok(text.includes(password), `a response holds the password: ${text.slice(0, 300)}`);
    assert.not.ok(server.output().includes(password), 'the server log holds the password');
    assert.not.ok(storeBytes(data).includes(password), 'the store file holds the password');
    assert.ok(storeBytes(data).includes('******'), 'the store holds the masked copies');
  } finally {
    await server.stop();
    cleanup();
    await pg.session.execute(`DROP TABLE IF EXISTS ${src}, ${dst}`);
  }
});

test.run();
