/** DataX reader/writer blocks for a test database. */
import type { TestDatabase } from './databases.js';

export function readerOf(db: TestDatabase, parameter: Record<string, unknown>): Record<string, unknown> {
  return { name: `${db.name}reader`, parameter: { username: db.username, password: db.password, ...parameter } };
}

export function writerOf(db: TestDatabase, table: string, parameter: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: `${db.name}writer`, parameter: { username: db.username, password: db.password, connection: [{ jdbcUrl: db.jdbcUrl, table: [table] }], ...parameter } };
}
