/**
 * Help writing a job file: `ferry template -r -w` gives a skeleton that validates once the
 * obvious values are filled in, `ferry plugins <name>` lists a plugin's keys, and `ferry schema`
 * is a JSON Schema a good job passes and a bad one fails (checked with ajv, fastify's validator).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { runCli, tempDir } from '../helpers.js';

type Job = { job: { content: Array<{ reader: { name: string; parameter: Record<string, any> }; writer: { name: string; parameter: Record<string, any> } }> } };

test('ferry template -r mysqlreader -w postgresqlwriter: fill the blanks and ferry validate accepts it', async () => {
  const r = await runCli(['template', '-r', 'mysqlreader', '-w', 'postgresqlwriter']);
  assert.is(r.code, 0, r.stderr);
  const job = JSON.parse(r.stdout) as Job & { $schema?: string };
  const { reader, writer } = job.job.content[0]!;
  assert.equal([reader.name, writer.name], ['mysqlreader', 'postgresqlwriter']);
  assert.equal(Object.keys(reader.parameter).sort(), ['column', 'connection', 'password', 'username']);
  assert.equal(reader.parameter.connection, [{ jdbcUrl: '', table: [''] }]);
  assert.equal(writer.parameter.connection, [{ jdbcUrl: '', table: '' }]);
  reader.parameter.connection = [{ jdbcUrl: 'jdbc:mysql://127.0.0.1:3306/shop', table: ['orders'] }];
  writer.parameter.connection = [{ jdbcUrl: 'jdbc:postgresql://127.0.0.1:5432/shop', table: 'orders' }];
  reader.parameter.username = writer.parameter.username = 'etl';
  job.$schema = './job.schema.json';
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    const v = await runCli(['validate', join(dir, 'job.json')]);
    assert.is(v.code, 0, v.stderr);
    assert.not.match(v.stderr, /WARN|unknown key/, v.stderr);
  } finally {
    cleanup();
  }
});

test('ferry template with an unknown writer: one line, exit 2', async () => {
  const r = await runCli(['template', '-r', 'mysqlreader', '-w', 'mysqlreader']);
  assert.is(r.code, 2);
  assert.is(r.stderr.trim(), 'error: -w: unknown writer "mysqlreader"; known: mysqlwriter, postgresqlwriter, streamwriter, txtfilewriter');
});

test('ferry plugins mysqlreader: its keys with types and defaults; --json the same', async () => {
  const r = await runCli(['plugins', 'mysqlreader']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.is(lines[0], 'mysqlreader (reader): Reads MySQL / MariaDB tables or queries (DataX mysqlreader)');
  assert.ok(lines.some((l) => /^ {2}splitFactor +an integer of at least 1: ranges per channel with splitPk \(default 5\)$/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /^ {2}connection\[\]\.jdbcUrl +required {2}a string or a list of strings/.test(l)), r.stdout);
  const j = await runCli(['plugins', 'mysqlreader', '--json']);
  const info = JSON.parse(j.stdout) as { name: string; keys: Array<{ key: string; type: string; required: boolean }> };
  assert.is(info.name, 'mysqlreader');
  assert.equal(info.keys.find((k) => k.key === 'splitPk'), { key: 'splitPk', type: 'a string', required: false, description: 'an integer key: each table is read in ranges of it, in parallel' });
  assert.is(info.keys.find((k) => k.key === 'connection')?.required, true);
});

test('ferry schema -o job.schema.json: a good job passes, a misspelt key and a wrong type fail', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = join(dir, 'job.schema.json');
    const r = await runCli(['schema', '-o', file]);
    assert.is(r.code, 0, r.stderr);
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const Ajv = createRequire(import.meta.url)('ajv') as new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string; params: Record<string, unknown> }> } };
    const check = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const good = {
      $schema: './job.schema.json',
      job: {
        setting: { speed: { channel: 2 } },
        content: [{
          reader: { name: 'mysqlreader', parameter: { username: 'etl', column: ['*'], splitPk: 'id', connection: [{ jdbcUrl: ['jdbc:mysql://h:3306/db'], table: ['t'] }] } },
          writer: { name: 'streamwriter', parameter: { print: true } },
        }],
      },
    };
    assert.ok(check(good), JSON.stringify(check.errors));
    const typo = structuredClone(good);
    (typo.job.content[0]!.reader.parameter as Record<string, unknown>).splitPK = 'id';
    assert.not.ok(check(typo));
    assert.ok(check.errors!.some((e) => e.instancePath === '/job/content/0/reader/parameter' && e.params.additionalProperty === 'splitPK'), JSON.stringify(check.errors));
    const wrong = structuredClone(good);
    (wrong.job.setting.speed as Record<string, unknown>).channel = 'two';
    assert.not.ok(check(wrong));
    assert.ok(check.errors!.some((e) => e.instancePath === '/job/setting/speed/channel'), JSON.stringify(check.errors));
    const unknownReader = structuredClone(good);
    unknownReader.job.content[0]!.reader.name = 'mysqlreadr';
    assert.not.ok(check(unknownReader));
  } finally {
    cleanup();
  }
});

test.run();
