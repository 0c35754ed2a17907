/**
 * JobSettings from `job.setting`, the top-level `core` block and the CLI's channel override.
 * Expects a job that passed validateJobStructure (wrong types are not checked again here).
 */
import { configError } from '../errors.js';
import type { JobSettings, SpeedCaps } from './types.js';
import { RETRY_DEFAULTS } from '../util/retry.js';

export const SETTING_DEFAULTS = {
  taskGroupChannels: 5,
  maxRetryTimes: 1,
  retryIntervalMs: 10_000,
  reportIntervalMs: 10_000,
  channelBytes: 4 * 1024 * 1024,
  batchRecords: 256,
  workerHeapMb: 1024,
} as const;

/**
 * Channels a job may ask for. Past the thread bound channels are concurrent tasks inside the
 * groups, each with its own ring and connections: beyond this many that is no longer a speed-up
 * but a machine brought down (DataX's threads were cheap; a job of 10^9 channels was a typo).
 */
export const MAX_CHANNELS = 1024;

/** FERRY_JOB_INVALID naming job.setting.speed.channel (also for --channel) when `channel` is past MAX_CHANNELS. */
function checkChannelBound(channel: number): void {
  if (channel > MAX_CHANNELS) {
    throw configError('FERRY_JOB_INVALID', 'job.setting.speed.channel', `${channel} channels is more than ferry runs (at most ${MAX_CHANNELS}); set it to ${MAX_CHANNELS} or fewer`);
  }
}

export interface SettingsOverrides {
  /** `--channel`: wins over everything in the file. */
  channel?: number | undefined;
}

/** The value at a key path, or undefined when any step is missing or not an object. */
function at(root: unknown, ...keys: string[]): unknown {
  let v = root;
  for (const key of keys) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** A cap: 0 and -1 (and any value below 1) mean none. */
const cap = (v: unknown): number | undefined => {
  const n = num(v);
  return n !== undefined && n > 0 ? n : undefined;
};

/** FERRY_USAGE unless the `--channel` value is an integer of at least 1. */
export function checkChannelOverride(channel: number | undefined): void {
  if (channel !== undefined && !(Number.isInteger(channel) && channel >= 1)) {
    throw configError('FERRY_USAGE', '--channel', `expected an integer of at least 1, got ${String(channel)}`);
  }
}

export function jobSettings(root: Record<string, unknown>, overrides: SettingsOverrides = {}): JobSettings {
  checkChannelOverride(overrides.channel);
  const setting = at(root, 'job', 'setting');
  const speed = at(setting, 'speed');
  const core = at(root, 'core');

  const jobSpeed: SpeedCaps = {
    byte: cap(at(speed, 'byte')) ?? cap(at(speed, 'bytes')),
    record: cap(at(speed, 'record')),
  };
  const channelSpeed: SpeedCaps = {
    byte: cap(at(core, 'transport', 'channel', 'speed', 'byte')),
    record: cap(at(core, 'transport', 'channel', 'speed', 'record')),
  };

  const errorLimit: JobSettings['errorLimit'] = {};
  const record = num(at(setting, 'errorLimit', 'record'));
  const percentage = num(at(setting, 'errorLimit', 'percentage'));
  if (record !== undefined) errorLimit.record = record;
  if (percentage !== undefined) errorLimit.percentage = percentage;

  const dirty = at(setting, 'dirty', 'path');
  const restoreColumn = at(setting, 'restore', 'restoreColumnName');
  const retry = {
    maxRetries: num(at(setting, 'retry', 'maxRetries')) ?? RETRY_DEFAULTS.maxRetries,
    initialIntervalMs: num(at(setting, 'retry', 'initialIntervalMs')) ?? RETRY_DEFAULTS.initialIntervalMs,
    maxIntervalMs: num(at(setting, 'retry', 'maxIntervalMs')) ?? RETRY_DEFAULTS.maxIntervalMs,
  };
  const channel = overrides.channel ?? channelFrom(speed, jobSpeed, channelSpeed);
  checkChannelBound(channel);
  const maxThreads = num(at(core, 'container', 'maxThreads'));
  return {
    channel,
    ...(maxThreads !== undefined ? { maxThreads } : {}),
    jobSpeed,
    channelSpeed,
    errorLimit,
    dirtyPath: typeof dirty === 'string' && dirty !== '' ? dirty : undefined,
    retry: { ...retry, maxIntervalMs: Math.max(retry.maxIntervalMs, retry.initialIntervalMs) },
    ...(at(setting, 'restore', 'isRestore') === true
      ? {
          restore: {
            column: typeof restoreColumn === 'string' && restoreColumn !== '' ? restoreColumn : undefined,
            index: num(at(setting, 'restore', 'restoreColumnIndex')),
            every: cap(at(setting, 'restore', 'maxRowNumForCheckpoint')),
          },
        }
      : {}),
    workerHeapMb: num(at(core, 'container', 'workerHeapMb')) ?? SETTING_DEFAULTS.workerHeapMb,
    taskGroupChannels: num(at(core, 'container', 'taskGroup', 'channel')) ?? SETTING_DEFAULTS.taskGroupChannels,
    maxRetryTimes: num(at(core, 'container', 'task', 'failover', 'maxRetryTimes')) ?? SETTING_DEFAULTS.maxRetryTimes,
    retryIntervalMs: num(at(core, 'container', 'task', 'failover', 'retryIntervalInMsec')) ?? SETTING_DEFAULTS.retryIntervalMs,
    reportIntervalMs: num(at(core, 'container', 'job', 'reportInterval')) ?? SETTING_DEFAULTS.reportIntervalMs,
    channelBytes: num(at(core, 'transport', 'channel', 'byteCapacity')) ?? SETTING_DEFAULTS.channelBytes,
    batchRecords: num(at(core, 'transport', 'exchanger', 'bufferSize')) ?? SETTING_DEFAULTS.batchRecords,
  };
}

/**
 * setting.speed.channel; else FlinkX's readerChannel/writerChannel (the larger); else, when a
 * job cap and the matching per-channel cap are both set, DataX's rule: for byte and for record,
 * floor(job cap / channel cap), the smaller of the two, at least 1; else 1.
 */
function channelFrom(speed: unknown, jobSpeed: SpeedCaps, channelSpeed: SpeedCaps): number {
  const explicit = num(at(speed, 'channel'));
  if (explicit !== undefined) return explicit;
  const sides = [num(at(speed, 'readerChannel')), num(at(speed, 'writerChannel'))].filter((n): n is number => n !== undefined && n >= 1);
  if (sides.length > 0) return Math.max(...sides);
  const derived: number[] = [];
  if (jobSpeed.byte !== undefined && channelSpeed.byte !== undefined) derived.push(Math.floor(jobSpeed.byte / channelSpeed.byte));
  if (jobSpeed.record !== undefined && channelSpeed.record !== undefined) derived.push(Math.floor(jobSpeed.record / channelSpeed.record));
  return derived.length > 0 ? Math.max(1, Math.min(...derived)) : 1;
}
