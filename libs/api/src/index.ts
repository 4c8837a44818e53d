/**
 * @cycleshare/api — the HTTP API's contract, written once: the shapes its routes take and
 * answer, the event stream's frames, and the checks of request bodies and queries (each throws
 * `InvalidRequestError` naming the field). The coordinator and a group member's local API serve
 * these; `@cycleshare/client`, the CLI and the dashboard read them.
 */
export type { BlobView } from './blobs.js'
export { InvalidRequestError, type ErrorBody } from './errors.js'
export { EVENTS_UNAUTHORIZED, type ApiEvent } from './events.js'
export type { BlobServerStats, DispatchStats, HealthView } from './health.js'
export { parseJobId } from './job-id.js'
export { parseJobPage } from './job-page.js'
export { parseJobRequest, type JobRequestBody } from './job-request.js'
export {
  FINISHED_STATUSES, isFinished, JOB_PAGE, type JobOptions, type JobPage, type JobRequest, type JobStats, type JobStatus, type JobView, type SubmittedJob
} from './jobs.js'
export type { TaskView } from './tasks.js'
export type { WorkerState, WorkerView } from './workers.js'
