/** Workers as `GET /api/workers` and the event stream show them. */

export type WorkerState = 'idle' | 'working' | 'disconnected' | 'excluded'

export interface WorkerView {
  peerId: string
  threads: number
  tasks: string[]
  state: WorkerState
  /** Chunks whose results were accepted, over the scheduler's whole history. */
  chunksDone: number
  chunksFailed: number
  /** Results outvoted by a quorum. */
  invalid: number
  /** Why the worker gets no more work, if it does not. */
  excluded?: string
  /** Why its pulls are being dropped for now (over its pull budget, or backed off after refusals), if they are. */
  throttled?: string
  /** ISO 8601 time of the last message from this worker. */
  lastSeen: string
}
