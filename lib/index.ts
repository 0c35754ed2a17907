export { runJob, defineJob, describePlugins, explainJob, validateJob, listPlugins, jobState, type RunOptions, type ValidateOptions, type ValidationReport, type JobState } from './api.js';
export type { JobConfig, ContentConfig, SettingConfig, PluginConfig, ReaderName, WriterName } from './job/job-config.js';
export type { JobSummary, PhaseTimes } from './container/summary.js';
export type { ContentPath } from './container/job-container.js';
export type { JobProgress } from './container/progress.js';
export { FerryError, JobConfigError, JobFailedError, ErrorLimitError, PluginError, EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_ERROR_LIMIT, type ErrorCode, type JobIssue } from './errors.js';
export { submitRun, getRun, listRuns, runLog, followLog, cancelRun, putJob, listJobs, removeJob, runJobNow, backfill, getBackfill, cancelBackfill, rerunFailedBackfill, RUN_STATES, type ClientOptions, type RunEnd, type RunState, type RunView, type RunDetail, type RunTransition, type LogLine, type SubmitRequest, type PutJobRequest, type JobView, type BackfillView } from './service/index.js';
