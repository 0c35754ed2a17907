import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobConfigError } from '../../lib/errors.js';
import { collectSecrets, maskSecrets, maskText, maskUrlPasswords, secretKeysOf } from '../../lib/job/mask.js';
import { loadJob, validateJob } from '../../lib/job/load.js';
import { PluginRegistry } from '../../lib/plugin/registry.js';
import { fixture } from '../helpers.js';

test('maskSecrets: values of secret keys, at any depth and of any type', () => {
  const job = {
    job: {
      content: [
        {
          reader: { parameter: { username: 'etl', password: 's3cret!', connection: [{ passwd: 'p2', table: ['t'] }] } },
          writer: { parameter: { accessKey: 'AK', secretKey: 'SK', token: { value: 'tk' }, pwd: 12345 } },
        },
      ],
    },
  };
  const masked = maskSecrets(job);
  assert.equal(masked, {
    job: {
      content: [
        {
          reader: { parameter: { username: 'etl', password: '******', connection: [{ passwd: '******', table: ['t'] }] } },
          writer: { parameter: { accessKey: '******', secretKey: '******', token: '******', pwd: '******' } },
        },
      ],
    },
  });
  // A copy: the original keeps its values.
  assert.is(job.job.content[0]!.reader.parameter.password, 's3cret!');
});

test('maskSecrets: passwords inside URLs, also in jdbcUrl lists', () => {
  const masked = maskSecrets({
    connection: [
      { jdbcUrl: ['mysql://etl:pa55@db1:3306/shop', 'jdbc:mysql://h:3306/db', 'jdbc:postgresql://u:p%40ss@h:5432/db?ssl=true'] },
      { jdbcUrl: 'postgres://u:p@ss@h/db' },
    ],
    note: 'see postgresql://a:b@c/d and jdbc:mysql://h/db?user=x&password=y&ssl=1',
    oracle: 'jdbc:oracle:thin:scott/tiger@db:1521:orcl',
    plain: 'mysql://user@h/db',
  });
  assert.equal(masked, {
    connection: [
      { jdbcUrl: ['mysql://etl:******@db1:3306/shop', 'jdbc:mysql://h:3306/db', 'jdbc:postgresql://u:******@h:5432/db?ssl=true'] },
      { jdbcUrl: 'postgres://u:******@h/db' },
    ],
    note: 'see postgresql://a:******@c/d and jdbc:mysql://h/db?user=x&password=******&ssl=1',
    oracle: 'jdbc:oracle:thin:scott/******@db:1521:orcl',
    plain: 'mysql://user@h/db',
  });
});

test('maskSecrets: extra secret keys (a plugin marks them), non-objects pass through', () => {
  assert.equal(maskSecrets({ signature: 'abc', name: 'x' }, ['signature']), { signature: '******', name: 'x' });
  assert.is(maskSecrets('mysql://u:p@h/db'), 'mysql://u:******@h/db');
  assert.is(maskSecrets(5), 5);
  assert.equal(maskSecrets([null, { password: null }]), [null, { password: '******' }]);
});

test('collectSecrets and maskText scrub a message', () => {
  const job = { p: { password: 'hunter2', n: { pwd: 4242 } }, url: 'mysql://u:pw9@h/db', other: 'hunter' };
  const secrets = collectSecrets(job);
  assert.equal(secrets, ['hunter2', '4242', 'pw9']);
  assert.is(maskText('login failed for u/hunter2 (code 4242) at mysql://u:zzz@h', secrets), 'login failed for u/****** (code ******) at mysql://u:******@h');
  assert.is(maskText('bad "quote\\"d"', ['quote"d']), 'bad "******"');
  const long = 'x'.repeat(70);
  assert.is(maskText(`got "${long.slice(0, 57)}..."`, [long]), 'got "******..."');
  assert.is(maskUrlPasswords('no url here'), 'no url here');
});

test('secretKeysOf: keys a parameter schema marks secret', () => {
  const keys = secretKeysOf({
    type: 'object',
    properties: {
      signature: { type: 'string', secret: true },
      list: { type: 'array', items: { type: 'object', properties: { apiKey: { type: 'string', secret: true }, name: { type: 'string' } } } },
    },
  });
  assert.equal([...keys].sort(), ['apiKey', 'signature']);
});

async function registry(): Promise<PluginRegistry> {
  const r = new PluginRegistry();
  await r.addModule(fixture('plugins', 'dbtestreader.js'));
  return r;
}

const dbJob = (parameter: Record<string, unknown>) => ({
  job: {
    content: [{ reader: { name: 'dbtestreader', parameter }, writer: { name: 'streamwriter', parameter: { print: false } } }],
  },
});

async function errorOf(job: object): Promise<JobConfigError> {
  try {
    await loadJob(job, { registry: await registry() });
  } catch (err) {
    if (err instanceof JobConfigError) return err;
    throw err;
  }
  throw new Error('expected a JobConfigError');
}

test('an error about a wrong-typed password does not print it', async () => {
  const err = await errorOf(dbJob({ username: 'etl', password: 98765431, connection: [{ jdbcUrl: 'jdbc:mysql://h/db', table: ['t'] }] }));
  assert.is(err.message, 'job.content[0].reader.parameter.password: expected a string, got "******"');
  assert.not.ok(err.message.includes('98765431'));
});

test('errors elsewhere do not print a password either', async () => {
  // The password sits in a URL that is the wrong type, and is repeated in a check's message.
  const err = await errorOf(dbJob({ password: 'T0p$ecret', connection: [{ jdbcUrl: 'jdbc:mysql://h/db', table: 'mysql://u:T0p$ecret@h/db' }] }));
  assert.is(err.message, 'job.content[0].reader.parameter.connection[0].table: expected an array, got "mysql://u:******@h/db"');
  // The password pasted into the wrong key: the message quotes the value, masked.
  const err2 = await errorOf(dbJob({ password: 'T0p$ecret', connection: [{ jdbcUrl: { url: 'x' } }], column: 'T0p$ecret' }));
  assert.equal(err2.issues, [
    { path: 'job.content[0].reader.parameter.connection[0].jdbcUrl', message: 'expected a URL or a list of URLs, got an object' },
    { path: 'job.content[0].reader.parameter.column', message: 'expected an array, got "******"' },
  ]);
  assert.not.ok(err2.message.includes('T0p$ecret'));
});

test('validateJob gives the resolved job with every secret masked', async () => {
  const { job, warnings } = await validateJob(
    dbJob({ username: 'etl', password: '${pw}', signature: 'sig', connection: [{ jdbcUrl: ['mysql://etl:${pw}@h:3306/db'], table: ['t_${bizdate}'] }] }),
    { registry: await registry(), params: { pw: 'hunter2' }, bizdate: '20240131' },
  );
  assert.equal(warnings, []);
  assert.equal((job as any).job.content[0].reader.parameter, {
    username: 'etl',
    password: '******',
    signature: '******',
    connection: [{ jdbcUrl: ['mysql://etl:******@h:3306/db'], table: ['t_20240131'] }],
  });
  assert.not.ok(JSON.stringify(job).includes('hunter2'));
  // loadJob keeps the real values: the run needs them.
  const spec = await loadJob(dbJob({ password: '${pw}', connection: [{ jdbcUrl: 'mysql://etl:${pw}@h/db' }] }), { registry: await registry(), params: { pw: 'hunter2' } });
  assert.equal(spec.content[0]!.reader.parameter, { password: 'hunter2', connection: [{ jdbcUrl: 'mysql://etl:hunter2@h/db' }] });
});

test.run();
