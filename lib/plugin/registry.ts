/**
 * One registry for every plugin: the built-in ones by name, plus modules a user names with
 * `--plugin ./my-plugin.js` (API: `plugins: [...]`). A plugin module's default export is a
 * ReaderPlugin or WriterPlugin (see spi.ts); the worker imports the same module by URL.
 */
import { pathToFileURL } from 'node:url';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { configError, FerryError } from '../errors.js';
import type { Plugin } from './spi.js';
import { nearest } from '../util/nearest.js';

const BUILTIN: Record<string, string> = {
  streamreader: '../plugins/streamreader/index.js',
  streamwriter: '../plugins/streamwriter/index.js',
  txtfilereader: '../plugins/txtfilereader/index.js',
  txtfilewriter: '../plugins/txtfilewriter/index.js',
  mysqlreader: '../plugins/mysqlreader/index.js',
  mysqlwriter: '../plugins/mysqlwriter/index.js',
  postgresqlreader: '../plugins/postgresqlreader/index.js',
  postgresqlwriter: '../plugins/postgresqlwriter/index.js',
};

export interface LoadedPlugin {
  plugin: Plugin;
  moduleUrl: string;
}

export class PluginRegistry {
  private readonly modules = new Map<string, string>();
  private readonly loaded = new Map<string, LoadedPlugin>();

  constructor() {
    for (const [name, rel] of Object.entries(BUILTIN)) this.modules.set(name, new URL(rel, import.meta.url).href);
  }

  /** Adds a user plugin module (a path or a file: URL); returns its name. */
  async addModule(specifier: string, baseDir = process.cwd()): Promise<string> {
    const url = /^[a-z]+:/i.test(specifier) ? specifier : pathToFileURL(resolve(baseDir, specifier)).href;
    const plugin = await importPlugin(url, specifier);
    this.modules.set(plugin.name, url);
    this.loaded.set(plugin.name, { plugin, moduleUrl: url });
    return plugin.name;
  }

  names(): string[] {
    return [...this.modules.keys()].sort();
  }

  has(name: string): boolean {
    return this.modules.has(name);
  }

  /** Loads a plugin by name; `path` is the JSON path that named it, for the error message. */
  async get(name: string, kind: 'reader' | 'writer', path: string): Promise<LoadedPlugin> {
    const cached = this.loaded.get(name);
    const url = this.modules.get(name);
    if (!url) {
      const known = this.names().filter((n) => n.endsWith(kind));
      const near = nearest(name, known);
      const hint = near ? `did you mean "${near}"? ` : '';
      throw configError('FERRY_PLUGIN_UNKNOWN', path, `unknown ${kind} "${name}"; ${hint}known ${kind}s: ${known.join(', ')}`);
    }
    const entry = cached ?? { plugin: await importPlugin(url, name), moduleUrl: url };
    this.loaded.set(name, entry);
    if (entry.plugin.kind !== kind) {
      throw configError('FERRY_PLUGIN_UNKNOWN', path, `"${name}" is a ${entry.plugin.kind}, not a ${kind}`);
    }
    return entry;
  }
}

let selfResolving = false;

/** Once per thread (hooks do not reach worker threads in Node 20): 'ferry/plugin' resolves to this ferry. */
function resolveSelf(): void {
  if (selfResolving) return;
  selfResolving = true;
  register(new URL('./resolve-hook.js', import.meta.url));
}

/** Imports a plugin module and checks its shape. Used by the registry and by the worker. */
export async function importPlugin(url: string, label = url): Promise<Plugin> {
  let mod: { default?: unknown };
  if (!url.startsWith(new URL('../plugins/', import.meta.url).href)) resolveSelf();
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (err) {
    throw new FerryError('FERRY_PLUGIN_LOAD', `cannot load plugin ${label}: ${(err as Error).message}`, { cause: err });
  }
  const plugin = mod.default as Partial<Plugin> | undefined;
  if (!plugin || typeof plugin.name !== 'string' || (plugin.kind !== 'reader' && plugin.kind !== 'writer') || typeof plugin.createTask !== 'function' || typeof plugin.createJob !== 'function') {
    throw new FerryError('FERRY_PLUGIN_LOAD', `plugin ${label} must default-export a reader or writer plugin (name, kind, parameter, createJob, createTask)`);
  }
  return plugin as Plugin;
}
