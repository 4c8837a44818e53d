/**
 * What a worker is doing, in a volunteer's words: the one line it shows in a terminal, the file
 * `cycleshare-worker status` reads, and what it logs now and then.
 */
import type { IdleState } from './idle-monitor.js'
import type { Link } from './link.js'

export type WorkerActivity = 'working' | 'waiting for work' | 'owner busy' | 'on battery' | 'outside work hours' | 'paused' | 'stopping'

export interface WorkerStatus {
  activity: WorkerActivity
  /** Why, in words (the idle test's reason while the machine is not lent). */
  reason: string
  threads: number
  /** Chunks queued or running. */
  held: number
  /** Chunks this worker finished since it started. */
  chunksDone: number
  /** CPU-seconds of validated results, summed over the accumulation points that told us (each keeps its own). */
  credit: number
  /** The tasks of the chunks held now. */
  tasks: string[]
  accumulationPoints: number
  /** ISO 8601. */
  at: string
}

export interface StatusParts {
  idle: IdleState
  paused: boolean
  stopping: boolean
  threads: number
  held: number
  chunksDone: number
  /** Each accumulation point's last word on our credit, in CPU ms (undefined: none yet). */
  creditsMs: Array<number | undefined>
  tasks: Iterable<string>
  accumulationPoints: number
}

/** What the links say for a status: chunks held, credits, the tasks of the chunks held, how many. */
export function ofLinks (links: readonly Link[]): Pick<StatusParts, 'held' | 'creditsMs' | 'tasks' | 'accumulationPoints'> {
  return {
    held: links.reduce((held, link) => held + link.book.held, 0),
    creditsMs: links.map(link => link.credit),
    tasks: links.flatMap(link => link.book.unfinished().map(id => link.book.lease(id)?.task ?? '').filter(task => task !== '')),
    accumulationPoints: links.length
  }
}

export function describeStatus (p: StatusParts, now = new Date()): WorkerStatus {
  const [activity, reason] = activityOf(p)
  return {
    activity,
    reason,
    threads: p.threads,
    held: p.held,
    chunksDone: p.chunksDone,
    credit: p.creditsMs.reduce<number>((sum, ms) => sum + (ms ?? 0), 0) / 1000,
    tasks: [...new Set(p.tasks)].sort(),
    accumulationPoints: p.accumulationPoints,
    at: now.toISOString()
  }
}

function activityOf (p: StatusParts): [WorkerActivity, string] {
  if (p.stopping) return ['stopping', 'handing over or giving back its chunks']
  if (p.paused) return ['paused', 'paused by its volunteer (resume: cycleshare-worker resume, or SIGUSR1)']
  if (!p.idle.idle) {
    if (p.idle.onBattery) return ['on battery', p.idle.reason]
    if (p.idle.offHours === true) return ['outside work hours', p.idle.reason]
    return ['owner busy', p.idle.reason]
  }
  if (p.held > 0) return ['working', `${p.held} chunk${p.held === 1 ? '' : 's'} held`]
  return ['waiting for work', p.accumulationPoints === 0 ? 'no accumulation point yet' : 'nothing to do at the moment']
}

/** The one line a terminal shows: `working · 2 chunks held · 14 done · credit 32.5 s · primes`. */
export function statusLine (s: WorkerStatus): string {
  const parts = [s.activity, s.activity === 'working' ? `${s.held} held` : s.reason, `${s.chunksDone} done`, `credit ${s.credit.toFixed(1)} CPU-s`]
  if (s.tasks.length > 0) parts.push(s.tasks.join(', '))
  return parts.join(' · ')
}
