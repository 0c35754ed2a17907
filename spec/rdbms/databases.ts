/**
 * The databases the rdbms specs loop over (kysely style): each spec runs once per dialect
 * against a real server. Servers come from FERRY_PG_URL and FERRY_MYSQL_URL; a missing server
 * prints a loud SKIP line, or fails the run when REQUIRE_DB=1.
 */
import { randomBytes } from 'node:crypto';
import { parseConnectionUrl } from '../../lib/rdbms/connection.js';
import { dialectFor } from '../../lib/rdbms/registry.js';
import type { DbSession, Dialect, DialectName } from '../../lib/rdbms/dialect.js';

export interface TestDatabase {
  name: DialectName;
  url: string;
  /** jdbc URL as a DataX job would write it, plus the user, for job files. */
  jdbcUrl: string;
  username: string;
  password: string;
  dialect: Dialect;
  /** A connected session for seeding and checking; closed by closeAll(). */
  session: DbSession;
  /** A table name no other spec uses. */
  table(prefix: string): string;
}

export const PG_URL = process.env.FERRY_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.FERRY_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

async function open(name: DialectName, url: string, opened: DbSession[]): Promise<TestDatabase | undefined> {
  const cfg = parseConnectionUrl(url, name, name === 'mysql' ? 'FERRY_MYSQL_URL' : 'FERRY_PG_URL');
  const dialect = await dialectFor(name);
  let session: DbSession;
  try {
    session = await dialect.connect(cfg);
  } catch (err) {
    const line = `SKIP ${name} specs: cannot connect to ${cfg.label}: ${(err as Error).message}`;
    if (process.env.REQUIRE_DB === '1') throw new Error(`REQUIRE_DB=1 and ${line}`);
    console.error(`\n!!!!!!!! ${line} !!!!!!!!\n`);
    return undefined;
  }
  opened.push(session);
  const jdbcUrl = `jdbc:${name === 'mysql' ? 'mysql' : 'postgresql'}://${cfg.host}:${cfg.port}/${cfg.database}`;
  return {
    name, url, jdbcUrl, username: cfg.user ?? '', password: cfg.password ?? '', dialect, session,
    table: (prefix) => `ferry_${prefix}_${randomBytes(4).toString('hex')}`,
  };
}

/**
 * Every reachable database, PostgreSQL first, with its own sessions; each file opens and closes
 * its own (`test.after(close)`), so that it also runs alone or beside another in one process.
 */
export async function databases(): Promise<{ dbs: TestDatabase[]; close: () => Promise<void> }> {
  const opened: DbSession[] = [];
  const all = await Promise.all([open('postgresql', PG_URL, opened), open('mysql', MYSQL_URL, opened)]);
  return {
    dbs: all.filter((d): d is TestDatabase => d !== undefined),
    close: async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    },
  };
}
