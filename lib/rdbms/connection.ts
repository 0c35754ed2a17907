/**
 * Connection settings from what DataX and FlinkX jobs write: `jdbc:mysql://h:3306/db?...`,
 * `jdbc:postgresql://h:5432/db?currentSchema=s`, or (extension) `mysql://user:pass@h/db` and
 * `postgres://user:pass@h/db`, with `username`/`password` from the plugin's parameter.
 */
import { FerryError } from '../errors.js';
import type { ConnectionConfig, DialectName } from './dialect.js';

const DEFAULT_PORT: Record<DialectName, number> = { mysql: 3306, postgresql: 5432 };

const SCHEMES: Record<string, DialectName> = {
  'jdbc:mysql:': 'mysql',
  'jdbc:mariadb:': 'mysql',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'jdbc:postgresql:': 'postgresql',
  'postgres:': 'postgresql',
  'postgresql:': 'postgresql',
};

/** Parses one URL; `path` names it in errors. Credentials in the URL win over username/password. */
export function parseConnectionUrl(url: string, expected: DialectName, path: string, username?: string, password?: string): ConnectionConfig {
  const m = /^((?:jdbc:)?[a-z]+:)\/\/(.*)$/i.exec(url.trim());
  const dialect = m ? SCHEMES[m[1]!.toLowerCase()] : undefined;
  if (!m || !dialect) {
    const want = expected === 'mysql' ? 'jdbc:mysql://host:3306/database' : 'jdbc:postgresql://host:5432/database';
    throw new FerryError('FERRY_JOB_INVALID', `${path}: expected a URL such as ${want}, got ${JSON.stringify(maskUrl(url))}`);
  }
  if (dialect !== expected) {
    throw new FerryError('FERRY_JOB_INVALID', `${path}: a ${dialect} URL given to a ${expected} plugin: ${maskUrl(url)}`);
  }
  let parsed: URL;
  try {
    // WHATWG URL parses any scheme's authority; jdbc: is dropped first.
    parsed = new URL(`ferry://${m[2]}`);
  } catch {
    throw new FerryError('FERRY_JOB_INVALID', `${path}: cannot read host and database from ${JSON.stringify(maskUrl(url))}`);
  }
  const params: Record<string, string> = {};
  parsed.searchParams.forEach((v, k) => (params[k] = v));
  // MySQL's JDBC driver also takes user/password as query parameters.
  const user = decodeURIComponent(parsed.username) || params.user || username;
  const pass = parsed.password ? decodeURIComponent(parsed.password) : (params.password ?? password);
  delete params.password;
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost';
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORT[dialect];
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new FerryError('FERRY_JOB_INVALID', `${path}: the URL names no database: ${maskUrl(url)}`);
  return { dialect, host, port, database, user, password: pass, params, label: `${host}:${port}/${database}` };
}

/** The URL with any password replaced by ******. */
export function maskUrl(url: string): string {
  return url.replace(/(\/\/[^/:@]*:)[^@/]*@/, '$1******@').replace(/([?&]password=)[^&]*/i, '$1******');
}
