/**
 * Every pair of databases (PG→PG, MySQL→MySQL, MySQL→PG, PG→MySQL), and CSV↔PG, through
 * `runJob` with DataX job files: row counts and every value equal on both sides, NULL vs
 * empty string kept.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runJob } from '../../lib/index.js';
import { databases, type TestDatabase } from './databases.js';
import { COLUMNS, createAllTypes, dropAllTypes, seedAllTypes, tableText } from './fixtures.js';
import { tempDir } from '../helpers.js';
import { readerOf, writerOf } from './jobs.js';

const { dbs, close } = await databases();

async function run(db: TestDatabase, sql: string[]): Promise<void> {
  for (const s of sql) await db.session.execute(s);
}

for (const src of dbs) {
  for (const dst of dbs) {
    test(`${src.name} → ${dst.name}: every type, edge values, NULL vs empty, counts and values equal`, async () => {
      const from = src.table('src');
      const to = dst.table('dst');
      try {
        await run(src, [...createAllTypes(src, from), seedAllTypes(src, from)]);
        await run(dst, createAllTypes(dst, to));
        const summary = await runJob({
          job: {
            content: [{ reader: readerOf(src, { column: COLUMNS, connection: [{ jdbcUrl: [src.jdbcUrl], table: [from] }] }), writer: writerOf(dst, to, { column: COLUMNS }) }],
            setting: { speed: { channel: 2 } },
          },
        });
        assert.is(summary.recordsWritten, 4);
        assert.equal(await tableText(dst, to), await tableText(src, from));
      } finally {
        await run(src, dropAllTypes(src, from));
        await run(dst, dropAllTypes(dst, to));
      }
    });
  }
}

const pg = dbs.find((d) => d.name === 'postgresql');
if (pg) {
  test('CSV → PostgreSQL → CSV: the file comes back byte for byte', async () => {
    const table = pg.table('csv');
    const { dir, cleanup } = tempDir();
    const csv = ['1,plain,12.50,2024-01-05 10:00:00,true', '2,"comma, and ""quote""",-0.01,1999-12-31 23:59:59,false', '3,,0.00,\\N,\\N', '4,\\N,\\N,2024-02-29 00:00:00,true', '5,"multi', 'line 漢字 😀",1e3,2000-01-01 00:00:00,false', ''].join('\n');
    try {
      writeFileSync(join(dir, 'in.csv'), csv.replace('1e3', '1000.00'));
      await run(pg, [`CREATE TABLE ${pg.dialect.quoteIdent(table)} (id bigint primary key, name text, amount numeric(12,2), created timestamp, flag boolean)`]);
      const typed = [{ index: 0, type: 'long' }, { index: 1, type: 'string' }, { index: 2, type: 'decimal' }, { index: 3, type: 'date' }, { index: 4, type: 'bool' }];
      const s1 = await runJob({
        job: { content: [{ reader: { name: 'txtfilereader', parameter: { path: [join(dir, 'in.csv')], column: typed } }, writer: writerOf(pg, table) }] },
      });
      assert.is(s1.recordsWritten, 5);
      const s2 = await runJob({
        job: { content: [{ reader: readerOf(pg, { connection: [{ jdbcUrl: pg.jdbcUrl, querySql: [`SELECT * FROM ${pg.dialect.quoteIdent(table)} ORDER BY id`] }] }), writer: { name: 'txtfilewriter', parameter: { path: dir, fileName: 'out.csv', writeMode: 'truncate' } } }] },
      });
      assert.is(s2.recordsWritten, 5);
      assert.is(readFileSync(join(dir, 'out.csv'), 'utf8'), csv.replace('1e3', '1000.00'));
    } finally {
      await run(pg, [`DROP TABLE IF EXISTS ${pg.dialect.quoteIdent(table)}`]);
      cleanup();
    }
  });
}

test.after(close);
test.run();
