import type { JobView } from './jobs.js'
import type { WorkerView } from './workers.js'

/**
 * A frame of the event stream (`ws://host:port/api/events`), JSON: a job's view when its status
 * changes (at once) or its progress moves (at most every 100 ms), and a worker's view when it
 * changes (at most every 100 ms each).
 */
export type ApiEvent =
  | { event: 'job', data: JobView }
  | { event: 'worker', data: WorkerView }

/** The close code the stream uses when it needs an API token it was not given. */
export const EVENTS_UNAUTHORIZED = 4401
