export { runJob, validateJob, listPlugins, type RunOptions, type ValidationReport } from './api.js';
export type { JobSummary, PhaseTimes } from './container/summary.js';
export type { JobProgress } from './container/progress.js';
export { FerryError, JobConfigError, JobFailedError, PluginError, EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, type ErrorCode, type JobIssue } from './errors.js';
