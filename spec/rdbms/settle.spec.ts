/**
 * When the connection is lost while a batch commits, the writer asks the database on a new
 * connection whether the batch is in (TableWriter.settle) instead of guessing: a batch that
 * committed must not be written again, one that did not must be. Each case leaves a
 * transaction in the state a lost connection would, on the real servers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { databases, type TestDatabase } from './databases.js';
import { parseConnectionUrl } from '../../lib/rdbms/connection.js';
import type { DbSession, TableWriter } from '../../lib/rdbms/dialect.js';
import type { PgSession } from '../../lib/rdbms/postgresql/dialect.js';
import type { MysqlSession } from '../../lib/rdbms/mysql/dialect.js';

const { dbs, close } = await databases();

async function withTable(db: TestDatabase, fn: (table: string, other: DbSession, writer: TableWriter) => Promise<void>): Promise<void> {
  const table = db.table('settle');
  await db.session.execute(`CREATE TABLE ${db.dialect.quoteIdent(table)} (id int)`);
  const other = await db.dialect.connect(parseConnectionUrl(db.url, db.name, 'url'));
  try {
    const writer = await db.session.writer({ table, columns: ['id'], mode: 'insert', batchSize: 10, batchBytes: 1 << 20 });
    await fn(table, other, writer);
  } finally {
    await other.close();
    await db.session.execute(`DROP TABLE IF EXISTS ${db.dialect.quoteIdent(table)}`);
  }
}

async function count(db: TestDatabase, table: string): Promise<number> {
  const [[n]] = (await db.session.query(`SELECT COUNT(*) FROM ${db.dialect.quoteIdent(table)}`)) as [[unknown]];
  return Number(n);
}

for (const db of dbs) {
  if (db.name === 'postgresql') {
    test('postgresql: a transaction that committed is settled as in; one still open on a live backend is ended and settled as rolled back', async () => {
      await withTable(db, async (table, other, writer) => {
        const pg = other as unknown as PgSession;
        const token = await pg.begin();
        await other.execute(`INSERT INTO "${table}" VALUES (1)`);
        await other.execute('COMMIT');
        assert.is(await writer.settle!(token), true);

        const open = await pg.begin();
        await other.execute(`INSERT INTO "${table}" VALUES (2)`);
        // As if COMMIT had been sent and its answer lost while the old backend still runs.
        assert.is(await writer.settle!(open), false);
        assert.is(await count(db, table), 1, 'only the committed row');
      });
    });
  } else {
    test('mysql: a prepared XA batch whose connection is gone is committed by settle; one never prepared is rolled back; one committed stays', async () => {
      await withTable(db, async (table, other, writer) => {
        const thread = (other as unknown as MysqlSession).threadId;
        const t = `\`${table}\``;
        // Prepared, then the connection dies before XA COMMIT's answer: the batch is in after settle.
        const lost = await db.dialect.connect(parseConnectionUrl(db.url, db.name, 'url'));
        const lostThread = (lost as unknown as MysqlSession).threadId;
        for (const sql of ["XA START 'ferry-spec-a'", `INSERT INTO ${t} VALUES (1)`, "XA END 'ferry-spec-a'", "XA PREPARE 'ferry-spec-a'"]) await lost.execute(sql);
        await lost.close();
        assert.is(await writer.settle!(`ferry-spec-a ${lostThread} COMMIT`), true);
        // Never prepared, its connection still open: settle ends it and says rolled back.
        for (const sql of ["XA START 'ferry-spec-b'", `INSERT INTO ${t} VALUES (2)`]) await other.execute(sql);
        assert.is(await writer.settle!(`ferry-spec-b ${thread} PREPARE`), false);
        // Committed before its answer was lost: gone from XA RECOVER, and in.
        assert.is(await writer.settle!(`ferry-spec-c 0 COMMIT`), true);
        assert.is(await count(db, table), 1, 'only the prepared batch, committed once');
      });
    });
  }
}

test.after(close);
test.run();
