/** The dialects by name. */
import type { Dialect, DialectName } from './dialect.js';
import { mysqlDialect } from './mysql/dialect.js';
import { postgresqlDialect } from './postgresql/dialect.js';

export function dialectFor(name: DialectName): Dialect {
  return name === 'mysql' ? mysqlDialect : postgresqlDialect;
}
