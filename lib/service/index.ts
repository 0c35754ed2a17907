/** `ferry serve` as a library: the server, the service it runs, and the typed client. */
export { RunService, type SubmitRequest, type PutJobRequest, type ServiceOptions } from './service.js';
export { createServer, checkBind, isLoopback, type ServerOptions } from './http.js';
export { submitRun, getRun, listRuns, runLog, followLog, cancelRun, putJob, listJobs, removeJob, runJobNow, backfill, getBackfill, cancelBackfill, rerunFailedBackfill, DEFAULT_SERVER, type ClientOptions, type RunEnd } from './client.js';
export { RUN_STATES, END_STATES, type RunState } from './states.js';
export type { RunView, RunDetail, RunTransition, LogLine, JobView } from './views.js';
export type { BackfillView, BackfillRequest } from './backfill.js';
