/**
 * `ferry copy <source-url> <target-url> --table t`: the job file a one-line copy stands for,
 * one job.content entry per table, columns ["*"] on both sides.
 */
import { configError } from '../errors.js';
import { maskUrl } from '../rdbms/connection.js';

const PLUGIN_OF: Record<string, string> = { 'mysql:': 'mysql', 'jdbc:mysql:': 'mysql', 'postgres:': 'postgresql', 'postgresql:': 'postgresql', 'jdbc:postgresql:': 'postgresql' };

function pluginPrefix(url: string, what: 'source' | 'target'): string {
  const scheme = /^((?:jdbc:)?[a-z]+:)\/\//i.exec(url)?.[1]?.toLowerCase();
  const prefix = scheme ? PLUGIN_OF[scheme] : undefined;
  if (!prefix) throw configError('FERRY_USAGE', `<${what}-url>`, `expected mysql://user:pass@host:3306/db or postgres://user@host:5432/db, got ${JSON.stringify(maskUrl(url))}`);
  return prefix;
}

export interface CopyOptions { tables: string[]; channel?: number | undefined; create?: boolean | undefined }

export function copyJob(source: string, target: string, o: CopyOptions): Record<string, unknown> {
  const from = pluginPrefix(source, 'source');
  const to = pluginPrefix(target, 'target');
  if (o.tables.length === 0) throw configError('FERRY_USAGE', '--table', 'name at least one table to copy: --table t');
  return {
    job: {
      setting: { speed: { channel: o.channel ?? 1 }, errorLimit: { record: 0 } },
      content: o.tables.map((t) => ({
        reader: { name: `${from}reader`, parameter: { column: ['*'], connection: [{ jdbcUrl: [source], table: [t] }] } },
        writer: { name: `${to}writer`, parameter: { column: ['*'], connection: [{ jdbcUrl: target, table: t }], ...(o.create ? { createTable: true } : {}) } },
      })),
    },
  };
}

/** The job with every URL's password masked, for --print-job. */
export function maskedCopyJob(job: Record<string, unknown>): string {
  return maskUrl(JSON.stringify(job, null, 2)).replace(/(\/\/[^/:@"\s]*:)[^@/"\s]*@/g, '$1******@');
}
