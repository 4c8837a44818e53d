/**
 * @cycleshare/api — the HTTP API's contract, written once as zod schemas: the shapes its routes
 * take and answer (the types are inferred from them, and the OpenAPI document at /api/docs is
 * generated from them), the event stream's frames, and the checks of request bodies and queries
 * (each throws `InvalidRequestError` naming the field). The coordinator and a group member's
 * local API serve these; `@cycleshare/client`, the CLI and the dashboard read them.
 */
export { blobViewSchema, type BlobView } from './blobs.js'
export { errorBodySchema, InvalidRequestError, type ErrorBody } from './errors.js'
export { EVENTS_UNAUTHORIZED, FINISHED_STATUSES, isFinished, JOB_PAGE, MAX_CHUNK_EVENTS_PER_FRAME } from './constants.js'
export { chunkEventKindSchema, chunkEventSchema, type ApiEvent, type ChunkEvent, type ChunkEventKind } from './events.js'
export { blobServerStatsSchema, dispatchStatsSchema, healthViewSchema, type BlobServerStats, type DispatchStats, type HealthView } from './health.js'
export { parseJobId } from './job-id.js'
export { parseJobPage, parseLimit, parseWorkersQuery } from './job-page.js'
export { jobRequestSchema, parseJobRequest, type JobRequest } from './job-request.js'
export {
  failureViewSchema, jobOptionsSchema, jobStatsSchema, jobStatusSchema, jobViewSchema, jsonResultSchema, submittedJobSchema,
  type FailureView, type JobOptions, type JobPage, type JobStats, type JobStatus, type JobView, type SubmittedJob
} from './jobs.js'
export { openApiSchema } from './openapi.js'
export { taskViewSchema, type TaskView } from './tasks.js'
export { workerStateSchema, workerViewSchema, type WorkerState, type WorkerView } from './workers.js'
