/**
 * The API's plain values, apart from its schemas: a page's bundle (the dashboard) that needs
 * these and the types alone takes none of zod.
 */
import type { JobStatus } from './jobs.js'

/** Statuses a job never leaves. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['done', 'failed', 'cancelled']

export const isFinished = (status: JobStatus): boolean => FINISHED_STATUSES.includes(status)

/** Limits of one page of `GET /api/jobs`. */
export const JOB_PAGE = { defaultLimit: 50, maxLimit: 500 } as const

/** The close code the event stream uses when it needs an API token it was not given. */
export const EVENTS_UNAUTHORIZED = 4401

/** The most chunk events one frame carries: past it the oldest of the window are dropped (and counted). */
export const MAX_CHUNK_EVENTS_PER_FRAME = 2_000
