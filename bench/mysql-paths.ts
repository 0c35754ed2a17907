/**
 * The MySQL dialect's own paths, side by side: multi-row INSERT against LOAD DATA LOCAL INFILE
 * on a 6-column table, same run, same rows, and reading the table back with stream() over the
 * binary and the text protocol; prints rows/s for each.
 *
 *   npm run build && node dist/bench/mysql-paths.js [rows] [batch]     (default 1000000 rows, batches of 2048)
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { DateTime, Decimal, type Row } from '../channel/value.js';
import { parseConnectionUrl } from '../lib/rdbms/connection.js';
import { mysqlDialect, type MysqlSession } from '../lib/rdbms/mysql/dialect.js';
import type { WriteMethod } from '../lib/rdbms/mysql/writer.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH = Number(process.argv[3] ?? 2048);

function makeBatch(start: number, n: number): Row[] {
  const rows: Row[] = [];
  const base = Date.UTC(2024, 0, 1);
  for (let i = start; i < start + n; i++) {
    rows.push([
      i,
      (i * 7919) % 2147483647,
      i / 7,
      `name-${i}-${(i * 2654435761) % 1000000}`,
      new DateTime(base + i * 1000 + (i % 1000), i % 1000, 'timestamp'),
      new Decimal(`${i % 10000000}.${String(i % 100).padStart(2, '0')}`),
    ]);
  }
  return rows;
}

/** Writes ROWS rows with the method; returns the ms spent in writeBatch. keep: leave the table (its name) for reading. */
async function run(session: MysqlSession, method: WriteMethod, keep?: (table: string) => Promise<void>): Promise<number> {
  const table = `ferry_bench_${method}_${randomBytes(3).toString('hex')}`;
  await session.execute(`CREATE TABLE ${table} (id bigint PRIMARY KEY, n int, x double, s varchar(40), t datetime(6), d decimal(12,2))`);
  try {
    const writer = await session.writerWith({ table, columns: ['id', 'n', 'x', 's', 't', 'd'], mode: 'insert', batchSize: BATCH, batchBytes: 32 << 20 }, method);
    let spent = 0;
    for (let i = 0; i < ROWS; i += BATCH) {
      const batch = makeBatch(i, Math.min(BATCH, ROWS - i));
      const t0 = performance.now();
      // LOAD DATA as the batch writer uses it, streamed; writeBatch is INSERT for either method.
      if (method === 'load') {
        await writer.add!(batch);
        await writer.commit!();
      } else await writer.writeBatch(batch);
      spent += performance.now() - t0;
    }
    await writer.close();
    const [[count]] = (await session.query(`SELECT COUNT(*) FROM ${table}`)) as [[number]];
    assert.equal(Number(count), ROWS);
    await keep?.(table);
    return spent;
  } finally {
    await session.execute(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** stream() over the table, binary and text protocol alternately. */
async function readBoth(session: MysqlSession, table: string): Promise<void> {
  for (const protocol of ['binary', 'text', 'binary', 'text'] as const) {
    session.protocol = protocol;
    const t0 = performance.now();
    let n = 0;
    for await (const batch of session.stream(`SELECT id, n, x, s, t, d FROM ${table}`, {})) n += batch.length;
    const ms = performance.now() - t0;
    assert.equal(n, ROWS);
    console.log(`  read  ${protocol.padEnd(6)} ${ROWS} rows in ${(ms / 1000).toFixed(2)} s: ${Math.round(ROWS / (ms / 1000))} rows/s`);
  }
  session.protocol = 'binary';
}

{
  const cfg = parseConnectionUrl(process.env.FERRY_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test', 'mysql', 'FERRY_MYSQL_URL');
  const session = await mysqlDialect.connect(cfg);
  try {
    const order: WriteMethod[] = (process.env.FERRY_MYSQL_BENCH_ORDER ?? 'insert,load,insert,load').split(',') as WriteMethod[];
    for (const [i, method] of order.entries()) {
      const ms = await run(session, method, i === 0 ? (table) => readBoth(session, table) : undefined);
      console.log(`  write ${method.padEnd(6)} ${ROWS} rows in ${(ms / 1000).toFixed(2)} s: ${Math.round(ROWS / (ms / 1000))} rows/s`);
    }
  } finally {
    await session.close();
  }
}
