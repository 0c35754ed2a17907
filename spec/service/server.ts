/** A real `ferry serve` process on a random port with its own --data directory, for the service specs. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cliPath } from '../helpers.js';
import type { ClientOptions } from '../../lib/service/client.js';

export interface TestServer {
  url: string;
  client: ClientOptions;
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  kill9(): Promise<void>;
  /** SIGTERM, as a user's Ctrl-C or a service manager stops it. */
  stop(): Promise<void>;
}

/** `cwd` is where runs resolve relative paths and keep .ferry/state (default: the directory above --data). */
export async function startServer(o: { data: string; slots: number; token?: string; args?: string[]; cwd?: string }): Promise<TestServer> {
  const args = [cliPath, 'serve', '--port', '0', '--data', o.data, '--slots', String(o.slots), '--log-level', 'warn', ...(o.token ? ['--token', o.token] : []), ...(o.args ?? [])];
  const child = spawn(process.execPath, args, { cwd: o.cwd ?? dirname(o.data), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 20 s:\n${out}`)), 20_000);
    const check = (): void => {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', check);
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${out}`)));
  });
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return { url, client: { server: url, ...(o.token ? { token: o.token } : {}) }, child, output: () => out, kill9: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/** Polls `fn` until it returns a value other than undefined; fails after timeoutMs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A streamreader → streamwriter (print off) job that takes about records / recordsPerSecond seconds. */
export function streamJob(o: { records: number; channel: number; recordsPerSecond?: number }): Record<string, unknown> {
  return {
    job: {
      content: [{
        reader: { name: 'streamreader', parameter: { sliceRecordCount: Math.ceil(o.records / o.channel), column: [{ type: 'long', random: '1,1000' }, { type: 'string', value: 'ferry' }] } },
        writer: { name: 'streamwriter', parameter: { print: false } },
      }],
      setting: { speed: { channel: o.channel, ...(o.recordsPerSecond ? { record: o.recordsPerSecond } : {}) } },
    },
  };
}

/** The bytes of the store: the SQLite file and its WAL, which holds the latest commits until a checkpoint. */
export function storeBytes(data: string): string {
  return readdirSync(data)
    .filter((f) => f.startsWith('ferry.db'))
    .map((f) => readFileSync(join(data, f)).toString('latin1'))
    .join('\n');
}
