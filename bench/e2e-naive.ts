/**
 * The naive Node baseline of bench/e2e.ts, PostgreSQL → PostgreSQL, as one would write it
 * without ferry: one process, no workers, pg + pg-query-stream reading the source, parameterized
 * multi-row INSERTs of 1000 rows writing the target, one at a time.
 *
 * Run by bench/e2e.ts as a child process (so its memory is its own):
 *   node dist/bench/e2e-naive.js '{"url":"postgresql://postgres@127.0.0.1:5432/test","source":"t1","target":"t2","columns":["id",...]}'
 * Prints one JSON line: { rows, ms, peakRssBytes }.
 *
 * Two choices, both in the baseline's favour: timestamps are kept as text (pg turns them into a
 * JS Date by default, which drops the microseconds and would fail the checksum; it also saves
 * the Date parsing), and the INSERTs run in one transaction (no commit, no WAL flush, per batch).
 */
import pg from 'pg';
import QueryStream from 'pg-query-stream';

interface NaiveArgs {
  url: string;
  source: string;
  target: string;
  columns: string[];
  batchRows?: number;
}

const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;

export async function copyNaive(a: NaiveArgs): Promise<number> {
  const batchRows = a.batchRows ?? 1000;
  const q = (id: string): string => `"${id.replaceAll('"', '""')}"`;
  const cols = a.columns.map(q).join(', ');
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === TIMESTAMP_OID || oid === TIMESTAMPTZ_OID ? (v: string) => v : pg.types.getTypeParser(oid, format ?? 'text'),
  };
  const reader = new pg.Client({ connectionString: a.url, types });
  const writer = new pg.Client({ connectionString: a.url });
  await reader.connect();
  try {
    await writer.connect();
    try {
      const insertSql = (n: number): string => {
        const rows: string[] = [];
        for (let r = 0; r < n; r++) rows.push(`(${a.columns.map((_, c) => `$${r * a.columns.length + c + 1}`).join(', ')})`);
        return `INSERT INTO ${q(a.target)} (${cols}) VALUES ${rows.join(', ')}`;
      };
      const fullSql = insertSql(batchRows);
      const stream = reader.query(new QueryStream(`SELECT ${cols} FROM ${q(a.source)}`, [], { batchSize: batchRows }));
      let params: unknown[] = [];
      let inBatch = 0;
      let rows = 0;
      await writer.query('BEGIN');
      for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
        for (const c of a.columns) params.push(row[c]);
        if (++inBatch === batchRows) {
          await writer.query(fullSql, params);
          rows += inBatch;
          params = [];
          inBatch = 0;
        }
      }
      if (inBatch > 0) {
        await writer.query(insertSql(inBatch), params);
        rows += inBatch;
      }
      await writer.query('COMMIT');
      return rows;
    } finally {
      await writer.end();
    }
  } finally {
    await reader.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const args = JSON.parse(process.argv[2] ?? '') as NaiveArgs;
    const t = performance.now();
    const rows = await copyNaive(args);
    const ms = performance.now() - t;
    process.stdout.write(JSON.stringify({ rows, ms, peakRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n');
  } catch (err) {
    process.stderr.write(`naive baseline failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
