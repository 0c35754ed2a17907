export { runJob, explainJob, validateJob, listPlugins, jobState, type RunOptions, type ValidationReport, type JobState } from './api.js';
export type { JobSummary, PhaseTimes } from './container/summary.js';
export type { ContentPath } from './container/job-container.js';
export type { JobProgress } from './container/progress.js';
export { FerryError, JobConfigError, JobFailedError, PluginError, EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, type ErrorCode, type JobIssue } from './errors.js';
export { submitRun, getRun, listRuns, runLog, followLog, cancelRun, putJob, listJobs, removeJob, runJobNow, backfill, getBackfill, cancelBackfill, rerunFailedBackfill, RUN_STATES, type ClientOptions, type RunEnd, type RunState, type RunView, type RunDetail, type RunTransition, type LogLine, type SubmitRequest, type PutJobRequest, type JobView, type BackfillView } from './service/index.js';
