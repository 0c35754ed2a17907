/**
 * The parameter blocks of the RDBMS plugins as DataX (mysqlreader, postgresqlwriter, ...) and
 * FlinkX write them, and how they become connections.
 */
import type { Schema } from '../job/schema.js';
import { configError, FerryError } from '../errors.js';
import { parseConnectionUrl } from './connection.js';
import type { ConnectionConfig, DialectName } from './dialect.js';

const stringOrList: Schema = {
  type: 'oneOf',
  expected: 'a string or a list of strings',
  options: [{ type: 'string', nonEmpty: true }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
};

/** Columns: names, expressions or "*" (DataX), or objects with name/type/value (FlinkX). */
export const columnSchema: Schema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'oneOf',
    expected: 'a column name, an expression, or {"name", "type"}',
    options: [
      { type: 'string', nonEmpty: true },
      {
        type: 'object',
        properties: {
          name: { type: 'string' },
          type: { type: 'string' },
          value: { type: 'any', description: 'a constant column (FlinkX)' },
          format: { type: 'string' },
          key: { type: 'string' },
          index: { type: 'integer' },
        },
        check: (c: { name?: string; value?: unknown }) => (c.name === undefined && c.value === undefined ? 'needs "name" (or "value" for a constant)' : undefined),
      },
    ],
  },
};

export const credentials: Record<string, Schema> = {
  username: { type: 'string', description: 'user name (or in the URL)' },
  password: { type: 'string', secret: true, description: 'never printed' },
  session: { type: 'array', items: { type: 'string' }, description: 'SQL run on every connection first, e.g. "SET time_zone = \'+08:00\'"' },
};

export const readerConnectionSchema: Schema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    properties: {
      jdbcUrl: { ...stringOrList, description: 'one URL, or a list: the first that connects is used' },
      table: { ...stringOrList, description: 'tables (several: a sharded source, at least one task each)' },
      querySql: { ...stringOrList, description: 'queries, instead of table/column/where' },
      sourceId: { type: 'any', warn: 'a Taiga data source id: not used, ignored' },
      type: { type: 'any', warn: 'not used, ignored' },
      username: { type: 'string' },
      password: { type: 'string', secret: true },
    },
    required: ['jdbcUrl'],
    check: (c: { table?: unknown; querySql?: unknown }) => (c.table === undefined && c.querySql === undefined ? 'needs "table" or "querySql"' : undefined),
  },
};

export const writerConnectionSchema: Schema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    properties: {
      jdbcUrl: { ...stringOrList, description: 'the target database' },
      table: { ...stringOrList, description: 'the target table' },
      sourceId: { type: 'any', warn: 'a Taiga data source id: not used, ignored' },
      type: { type: 'any', warn: 'not used, ignored' },
    },
    required: ['jdbcUrl', 'table'],
  },
};

export function asList(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string];
}

/** Every URL of a connection entry parsed; errors name the JSON path. */
export function connectionConfigs(dialect: DialectName, jdbcUrl: unknown, path: string, username?: string, password?: string): ConnectionConfig[] {
  return asList(jdbcUrl).map((url, i) => {
    try {
      return parseConnectionUrl(url, dialect, Array.isArray(jdbcUrl) ? `${path}[${i}]` : path, username, password);
    } catch (err) {
      // parseConnectionUrl's message starts with the path: keep it as one config issue.
      const msg = (err as Error).message;
      const at = msg.indexOf(': ');
      throw configError('FERRY_JOB_INVALID', msg.slice(0, at), msg.slice(at + 2));
    }
  });
}

/** A reader's jdbcUrl list (DataX: candidates tried in order): each one's JSON path, and its config or the config error that names it. */
export type ConnectionCandidate = { path: string; config: ConnectionConfig; error?: undefined } | { path: string; error: FerryError };

export function connectionCandidates(dialect: DialectName, jdbcUrl: unknown, path: string, username?: string, password?: string): ConnectionCandidate[] {
  return asList(jdbcUrl).map((url, i) => {
    const at = Array.isArray(jdbcUrl) ? `${path}[${i}]` : path;
    try {
      return { path: at, config: connectionConfigs(dialect, url, at, username, password)[0]! };
    } catch (err) {
      if (err instanceof FerryError) return { path: at, error: err };
      throw err;
    }
  });
}

/** `@table` in preSql/postSql, as DataX: the table's name. */
export function withTable(sql: string, quotedTable: string): string {
  return sql.replaceAll('@table', quotedTable);
}

/** Runs a Job side's init; on failure releases what it opened and rethrows as a FerryError. */
export async function initialised<J extends { init(): Promise<void>; destroy(): Promise<void> }>(job: J): Promise<J> {
  try {
    await job.init();
  } catch (err) {
    await job.destroy();
    throw err instanceof FerryError ? err : new FerryError('FERRY_PLUGIN_ERROR', (err as Error).message, { cause: err });
  }
  return job;
}
