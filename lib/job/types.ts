/** What job loading hands to the JobContainer: the job resolved, validated and normalised. */
import type { JobIssue } from '../errors.js';
import type { Plugin, RetryPolicy } from '../plugin/spi.js';
import type { TransformerSpec } from '../transformer/spi.js';

export interface PluginRef<P extends Plugin = Plugin> {
  name: string;
  plugin: P;
  /** Module the worker imports to run the Task side. */
  moduleUrl: string;
  parameter: Record<string, unknown>;
  /** JSON path of the parameter block, e.g. job.content[0].reader.parameter */
  path: string;
}

export interface ContentSpec {
  index: number;
  reader: PluginRef;
  writer: PluginRef;
  /** job.content[].transformer, checked: run in order on every record between reader and writer. */
  transformers: TransformerSpec[];
}

export interface SpeedCaps {
  /** bytes per second; undefined = no cap */
  byte?: number | undefined;
  /** records per second; undefined = no cap */
  record?: number | undefined;
}

export interface JobSettings {
  /** Channels (concurrent reader/writer pairs) the job asks for: setting.speed.channel, else derived from caps, else 1. */
  channel: number;
  /** Job-wide caps (setting.speed.byte / bytes, setting.speed.record), divided evenly over channels at run time. */
  jobSpeed: SpeedCaps;
  /** Per-channel caps from core.transport.channel.speed. */
  channelSpeed: SpeedCaps;
  errorLimit: { record?: number | undefined; percentage?: number | undefined };
  /** setting.dirty.path: where dirty records go (a directory, or a .jsonl file name); the run id is added. */
  dirtyPath?: string | undefined;
  /** setting.retry: transient failures (lost connection, deadlock) retried inside a task, with backoff. */
  retry: RetryPolicy;
  /** setting.restore with isRestore true: checkpoints, and `--resume`. */
  restore?: { column?: string | undefined; index?: number | undefined; every?: number | undefined } | undefined;
  /** Worker threads at most (core.container.maxThreads); undefined: the machine's cores. */
  maxThreads?: number | undefined;
  /**
   * Heap of each worker thread in MB (core.container.workerHeapMb), as DataX's -Xmx1g: V8 lets
   * a heap grow in proportion to its limit before it collects, so the default of a big machine
   * (~4 GB) held ~50 MB of garbage a thread.
   */
  workerHeapMb: number;
  /** At most this many channels in one TaskGroup (core.container.taskGroup.channel, DataX: 5). */
  taskGroupChannels: number;
  /** Retries of a failed task after its first attempt (core.container.task.failover.maxRetryTimes). */
  maxRetryTimes: number;
  /** Pause before a retry (core.container.task.failover.retryIntervalInMsec, DataX: 10000). */
  retryIntervalMs: number;
  /** Progress reports (core.container.job.reportInterval, ms). */
  reportIntervalMs: number;
  /** Ring capacity per channel in bytes (core.transport.channel.byteCapacity). */
  channelBytes: number;
  /** Records per batch frame in the ring (core.transport.exchanger.bufferSize). */
  batchRecords: number;
}

export interface JobSpec {
  /** The job file's path, or "<object>" for a job given as an object. */
  source: string;
  baseDir: string;
  content: ContentSpec[];
  settings: JobSettings;
  /** The job after variable substitution, secrets still in (never print this: see maskSecrets). */
  resolved: Record<string, unknown>;
  warnings: JobIssue[];
}
