/**
 * The job file as a TypeScript type, for `runJob({ job: ... })` from code: the settings ferry
 * knows and the built-in plugin names (any other name still type-checks: a `--plugin` one).
 * Parameter blocks are each plugin's business (`ferry plugins <name>` lists their keys).
 */

export type ReaderName = 'mysqlreader' | 'postgresqlreader' | 'streamreader' | 'txtfilereader' | (string & {});
export type WriterName = 'mysqlwriter' | 'postgresqlwriter' | 'streamwriter' | 'txtfilewriter' | (string & {});

export interface PluginConfig<N extends string> {
  name: N;
  parameter?: Record<string, unknown>;
}

export interface ContentConfig {
  reader: PluginConfig<ReaderName>;
  writer: PluginConfig<WriterName>;
  transformer?: Array<{ name: string; parameter?: Record<string, unknown> }>;
}

export interface SettingConfig {
  speed?: { channel?: number; byte?: number; bytes?: number; record?: number; readerChannel?: number; writerChannel?: number };
  errorLimit?: { record?: number; percentage?: number };
  dirty?: { path?: string };
  retry?: { maxRetries?: number; initialIntervalMs?: number; maxIntervalMs?: number };
  restore?: { isRestore?: boolean; isStream?: boolean; restoreColumnName?: string; restoreColumnIndex?: number; restoreColumnType?: string; maxRowNumForCheckpoint?: number };
  log?: Record<string, unknown>;
}

export interface JobConfig {
  /** For editors (`ferry schema`); ignored. */
  $schema?: string;
  job: { content: ContentConfig[]; setting?: SettingConfig };
  /** DataX's core.json block. */
  core?: Record<string, unknown>;
}
