/**
 * Writer option `createTable: true` (and `ferry copy --create`): before any task runs, a target
 * table that does not exist is created from the reader's table, with the README's type mapping,
 * its primary key and NOT NULL kept. Only a reader that names a table can give the columns.
 */
import { configError, FerryError } from '../errors.js';
import type { ContentSpec } from '../job/types.js';
import type { Logger } from '../plugin/spi.js';
import { asList, connectionConfigs } from './params.js';
import { dialectFor } from './registry.js';
import type { ColumnInfo, DbSession, DialectName } from './dialect.js';

const DIALECT_OF: Record<string, DialectName> = {
  mysqlreader: 'mysql', mysqlwriter: 'mysql', postgresqlreader: 'postgresql', postgresqlwriter: 'postgresql',
};

/** A MySQL COLUMN_TYPE as PostgreSQL's type (README "Type mapping"). */
export function mysqlToPostgres(t: string): string {
  const type = t.toLowerCase().trim();
  const unsigned = /\bunsigned\b/.test(type);
  const base = type.replace(/\s*(unsigned|zerofill)\b/g, '').trim();
  const m = /^([a-z]+)(?:\(([^)]*)\))?/.exec(base);
  const name = m?.[1] ?? base;
  const args = m?.[2];
  switch (name) {
    case 'tinyint': return args === '1' ? 'boolean' : 'smallint';
    case 'smallint': return unsigned ? 'integer' : 'smallint';
    case 'year': return 'smallint';
    case 'mediumint': return 'integer';
    case 'int': case 'integer': return unsigned ? 'bigint' : 'integer';
    case 'bigint': return unsigned ? 'numeric(20,0)' : 'bigint';
    case 'decimal': case 'numeric': return `numeric(${args ?? '10,0'})`;
    case 'float': return 'real';
    case 'double': case 'real': return 'double precision';
    case 'bit': return args === undefined || args === '1' ? 'boolean' : 'bytea';
    case 'char': return `char(${args ?? '1'})`;
    case 'varchar': return `varchar(${args})`;
    case 'json': return 'jsonb';
    case 'binary': case 'varbinary': case 'tinyblob': case 'blob': case 'mediumblob': case 'longblob': case 'geometry': return 'bytea';
    case 'date': return 'date';
    case 'datetime': return `timestamp(${args ?? '0'})`;
    case 'timestamp': return `timestamptz(${args ?? '0'})`;
    case 'time': return `time(${args ?? '0'})`;
    default: return 'text'; // text family, enum, set and the rest: their text form
  }
}

/** A PostgreSQL type as format_type prints it, as MySQL's (README "Type mapping"). */
export function postgresToMysql(t: string): string {
  const type = t.toLowerCase().trim();
  const m = /^([a-z ]+?)\s*(?:\(([^)]*)\))?(\s+with(?:out)? time zone)?$/.exec(type);
  const name = m?.[1] ?? type;
  const args = m?.[2];
  const tz = m?.[3]?.includes('without') === false;
  switch (name) {
    case 'smallint': return 'smallint';
    case 'integer': return 'int';
    case 'bigint': return 'bigint';
    case 'numeric': return args ? `decimal(${args})` : 'decimal(65,30)';
    case 'real': return 'float';
    case 'double precision': return 'double';
    case 'boolean': return 'tinyint(1)';
    case 'character varying': return args ? `varchar(${args})` : 'longtext';
    case 'character': return `char(${args ?? '1'})`;
    case 'uuid': return 'char(36)';
    case 'json': case 'jsonb': return 'json';
    case 'bytea': return 'longblob';
    case 'date': return 'date';
    case 'timestamp': return tz ? `timestamp(${args ?? '6'})` : `datetime(${args ?? '6'})`;
    case 'time': return `time(${args ?? '6'})`;
    default: return 'longtext';
  }
}

function mapType(from: DialectName, to: DialectName, t: string): string {
  if (from === to) return t;
  return from === 'mysql' ? mysqlToPostgres(t) : postgresToMysql(t);
}

/** The CREATE TABLE statement for `columns` (already in the target's types). */
export function createTableSql(q: (name: string) => string, table: string, columns: ColumnInfo[], keys: string[]): string {
  const defs = columns.map((c) => `${q(c.name)} ${c.dbType}${c.nullable ? '' : ' NOT NULL'}`);
  if (keys.length) defs.push(`PRIMARY KEY (${keys.map(q).join(', ')})`);
  return `CREATE TABLE ${q(table)} (${defs.join(', ')})`;
}

interface Side { dialect: DialectName; table: string; session: DbSession }

async function open(ref: ContentSpec['reader'], what: 'reader' | 'writer', dialect: DialectName): Promise<Side> {
  const p = ref.parameter as { connection?: Array<{ jdbcUrl: unknown; table?: unknown }>; username?: string; password?: string; querySql?: unknown };
  const conn = p.connection?.[0];
  const table = asList(conn?.table)[0];
  if (!conn || table === undefined || p.querySql !== undefined) {
    throw configError('FERRY_JOB_INVALID', `${ref.path}.connection`, `createTable needs the ${what} to name one table (not querySql)`);
  }
  const config = connectionConfigs(dialect, conn.jdbcUrl, `${ref.path}.connection[0].jdbcUrl`, p.username, p.password)[0]!;
  return { dialect, table, session: await (await dialectFor(dialect)).connect(config) };
}

async function exists(side: Side): Promise<boolean> {
  try {
    await side.session.columns(side.table);
    return true;
  } catch (err) {
    if (/does not exist/.test((err as Error).message)) return false;
    throw err;
  }
}

/** Creates each missing target table whose writer has `createTable: true`. */
export async function createMissingTables(content: ContentSpec[], log: Logger): Promise<void> {
  for (const entry of content) {
    if (entry.writer.parameter.createTable !== true) continue;
    const toDialect = DIALECT_OF[entry.writer.name];
    const fromDialect = DIALECT_OF[entry.reader.name];
    if (!toDialect) continue;
    if (!fromDialect) throw configError('FERRY_JOB_INVALID', `${entry.writer.path}.createTable`, `createTable needs a mysqlreader or postgresqlreader that names a table, not ${entry.reader.name}`);
    const target = await open(entry.writer, 'writer', toDialect);
    try {
      if (await exists(target)) continue;
      const source = await open(entry.reader, 'reader', fromDialect);
      try {
        const all = await source.session.columns(source.table);
        const keys = await source.session.keyColumns(source.table);
        const wanted = asList((entry.reader.parameter as { column?: unknown }).column).map((c) => (typeof c === 'string' ? c : (c as { name: string }).name));
        const byName = new Map(all.map((c) => [c.name.toLowerCase(), c]));
        const picked = wanted.length === 0 || wanted.includes('*')
          ? all
          : wanted.map((w, i) => {
            const c = byName.get(w.replace(/^[`"]|[`"]$/g, '').toLowerCase());
            if (!c) throw configError('FERRY_JOB_INVALID', `${entry.reader.path}.column[${i}]`, `createTable takes the reader's plain column names; ${JSON.stringify(w)} is not a column of ${source.table}`);
            return c;
          });
        const names = new Set(picked.map((c) => c.name));
        // A unique key over nullable columns is no primary key: then none is made.
        const pk = keys.length > 0 && keys.every((k) => names.has(k) && !byName.get(k.toLowerCase())!.nullable) ? keys : [];
        const columns = picked.map((c) => ({ ...c, dbType: mapType(fromDialect, toDialect, c.dbType) }));
        const sql = createTableSql((await dialectFor(toDialect)).quoteIdent, target.table, columns, pk);
        await target.session.execute(sql);
        log.info(`${entry.writer.path}.createTable: created ${target.table}: ${sql}`);
      } finally {
        await source.session.close();
      }
    } catch (err) {
      if (err instanceof FerryError) throw err;
      throw new FerryError('FERRY_PLUGIN_ERROR', `${entry.writer.path}.createTable: ${(err as Error).message}`, { cause: err });
    } finally {
      await target.session.close();
    }
  }
}
