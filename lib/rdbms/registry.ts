/** The dialects by name, each loaded when first asked for: a PostgreSQL job never loads the MySQL driver. */
import type { Dialect, DialectName } from './dialect.js';

export async function dialectFor(name: DialectName): Promise<Dialect> {
  return name === 'mysql' ? (await import('./mysql/dialect.js')).mysqlDialect : (await import('./postgresql/dialect.js')).postgresqlDialect;
}
