/**
 * COPY-text vs cursor reading, and COPY vs upsert writing, on a 6-column table (bigint, int,
 * double precision, varchar(40), timestamp, numeric(12,2)), side by side in one run:
 *   npm run build && node dist/bench/pg-paths.js [rows] [reps]
 */
import { parseConnectionUrl } from '../lib/rdbms/connection.js';
import { postgresqlDialect } from '../lib/rdbms/postgresql/dialect.js';
import type { PgSession } from '../lib/rdbms/postgresql/dialect.js';
import type { Row } from '../channel/value.js';

const PG_URL = process.env.FERRY_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROWS = Number(process.argv[2] ?? 1_000_000);
const REPS = Number(process.argv[3] ?? 3);
const TABLE = 'ferry_bench_pg_stream';

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function main(): Promise<void> {
  const session = (await postgresqlDialect.connect(parseConnectionUrl(PG_URL, 'postgresql', 'FERRY_PG_URL'))) as PgSession;
  try {
    await session.execute(`DROP TABLE IF EXISTS ${TABLE}, ${TABLE}_w`);
    await session.execute(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY, n integer, x double precision, s varchar(40), t timestamp, d numeric(12,2))`);
    await session.execute(`INSERT INTO ${TABLE}
      SELECT g, g % 100000, g * 1.0001, 'name-' || md5(g::text), timestamp '2020-01-01' + g * interval '1.000123 second', (g % 1000000) / 100.0
        FROM generate_series(1, ${ROWS}) g`);
    await session.execute(`VACUUM ANALYZE ${TABLE}`);
    const sql = `SELECT id, n, x, s, t, d FROM ${TABLE}`;
    console.log(`reading ${fmt(ROWS)} rows, ${REPS} interleaved runs each, median shown (Node ${process.version})`);
    const cases: [string, (fetch: number) => AsyncIterable<Row[]>, number][] = [
      ['COPY text, batches of 2048', (f) => session.streamCopy(sql, { fetchSize: f }), 2048],
      ['cursor, FETCH 2048', (f) => session.streamCursor(sql, { fetchSize: f }), 2048],
      ['cursor, FETCH 10000', (f) => session.streamCursor(sql, { fetchSize: f }), 10000],
    ];
    const times = new Map<string, number[]>();
    let kept: Row[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      for (const [name, run, fetch] of cases) {
        const t0 = performance.now();
        let n = 0;
        for await (const batch of run(fetch)) {
          n += batch.length;
          kept = batch;
        }
        const ms = performance.now() - t0;
        if (n !== ROWS) throw new Error(`${name}: ${n} rows`);
        times.set(name, [...(times.get(name) ?? []), ms]);
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [name] of cases) {
      const ms = median(times.get(name)!);
      console.log(`  ${name.padEnd(28)} ${fmt((ROWS / ms) * 1000).padStart(10)} rows/s  (${fmt(ms)} ms)`);
    }

    // Writing: the rows read back, through the COPY writer and the upsert writer.
    const rows: Row[] = [];
    for await (const batch of session.stream(sql, { fetchSize: 2048 })) rows.push(...batch);
    await session.execute(`CREATE TABLE ${TABLE}_w (LIKE ${TABLE} INCLUDING ALL)`);
    const columns = ['id', 'n', 'x', 's', 't', 'd'];
    for (const mode of ['insert', 'update'] as const) {
      await session.execute(`TRUNCATE ${TABLE}_w`);
      const w = await session.writer({ table: `${TABLE}_w`, columns, mode, batchSize: 2048, batchBytes: 32 << 20 });
      const t0 = performance.now();
      for (let i = 0; i < rows.length; i += 8192) await w.writeBatch(rows.slice(i, i + 8192));
      const ms = performance.now() - t0;
      await w.close();
      console.log(`  write ${mode.padEnd(22)} ${fmt((rows.length / ms) * 1000).padStart(10)} rows/s  (${fmt(ms)} ms, batches of 8192)`);
    }
    const [check] = await session.query(`SELECT count(*) FROM ${TABLE}_w w JOIN ${TABLE} t USING (id, n, x, s, t, d)`);
    console.log(`  written rows equal to the source: ${String(check?.[0])} of ${fmt(ROWS)}; last batch had ${kept.length} rows`);
  } finally {
    await session.execute(`DROP TABLE IF EXISTS ${TABLE}, ${TABLE}_w`).catch(() => {});
    await session.close();
  }
}

await main();
