/** Redis URLs as the command line takes them, and connections that fail plainly instead of retrying forever. */
import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import { configError, FerryError } from '../errors.js';
import { DEFAULT_QUEUE, QUEUE_NAME } from './protocol.js';
import { maskUrl } from '../rdbms/connection.js';

export interface RedisTarget {
  options: RedisOptions;
  /** The URL without its password: what logs and errors show. */
  label: string;
}

export function redisTarget(url: string, option: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw configError('FERRY_USAGE', option, `expected a Redis URL such as redis://127.0.0.1:6379, got "${maskUrl(url)}"`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw configError('FERRY_USAGE', option, `expected a redis:// URL, got "${u.protocol}//…"`);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw configError('FERRY_USAGE', option, `the database in a Redis URL is a number (redis://host:6379/0), got "${u.pathname.slice(1)}"`);
  const options: RedisOptions = {
    host: u.hostname || '127.0.0.1',
    port: u.port ? Number(u.port) : 6379,
    db,
    // BullMQ's blocking connections need it; our own commands fail through `connect` below instead.
    maxRetriesPerRequest: null,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  const label = `${u.protocol}//${u.username ? `${u.username}${u.password ? ':***' : ''}@` : u.password ? ':***@' : ''}${u.host}${u.pathname.length > 1 ? u.pathname : ''}`;
  return { options, label };
}

/** A connected client, or a FerryError naming the server (never its password) within `timeoutMs`. */
export async function connect(target: RedisTarget, timeoutMs = 5_000): Promise<Redis> {
  const client = new Redis({ ...target.options, lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null });
  let last: Error | undefined;
  client.on('error', (err: Error) => (last = err));
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    const why = (last ?? (err as Error)).message;
    throw new FerryError('FERRY_CLUSTER', `cannot reach Redis at ${target.label}: ${why}; is redis-server running there?`, { cause: err });
  }
  // Connected: from here on a dropped connection is retried (BullMQ's own connections do too).
  client.options.retryStrategy = (times: number) => Math.min(times * 200, 2_000);
  return client;
}

/** The same server for BullMQ's own connections (its RedisOptions type is a narrower copy of ioredis's). */
export function bullConnection(target: RedisTarget): ConnectionOptions {
  return { ...target.options } as ConnectionOptions;
}

/** A queue name as --queue takes it (default "default"). */
export function queueName(name: string | undefined, option: string): string {
  if (name === undefined) return DEFAULT_QUEUE;
  if (!QUEUE_NAME.test(name)) throw configError('FERRY_USAGE', option, `a queue name is 1-64 letters, digits, _ or -, got "${name}"`);
  return name;
}
