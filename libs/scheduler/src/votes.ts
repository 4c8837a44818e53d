import { MAX_ERROR_TEXT, MAX_RESULT_TEXT } from './constants.js'

/** One ok result of a chunk, by the worker that sent it. */
export interface Vote<T = unknown> {
  worker: string
  output: T
}

/** Results that agree with each other, by the workers that sent them. */
export interface VoteGroup<T = unknown> {
  output: T
  workers: string[]
}

/**
 * Groups agreeing results, largest group first (ties: the group seen first). `same` is the task's
 * comparison; each result joins the first group whose representative it agrees with.
 */
export function groupVotes<T> (votes: ReadonlyArray<Vote<T>>, same: (a: T, b: T) => boolean): Array<VoteGroup<T>> {
  const groups: Array<VoteGroup<T>> = []
  for (const vote of votes) {
    const group = groups.find(g => same(g.output, vote.output))
    if (group === undefined) groups.push({ output: vote.output, workers: [vote.worker] })
    else group.workers.push(vote.worker)
  }
  return groups
    .map((group, order) => ({ group, order }))
    .sort((a, b) => b.group.workers.length - a.group.workers.length || a.order - b.order)
    .map(({ group }) => group)
}

/** A failed result of a chunk. */
export interface FailedVote {
  worker: string
  reason: string
}

/**
 * The error of a chunk that collected `results` without `quorum` agreeing, naming the conflicting
 * results and who sent them, kept under ~1 KiB:
 * `chunk 17 of primes: no 2 of 5 results agree: {"count":3} from 12D3KooA…(×2), {"count":4} from 12D3KooB…, …`.
 */
export function describeConflict (
  index: number, task: string, quorum: number, results: number, groups: ReadonlyArray<VoteGroup>, failed: readonly FailedVote[]
): string {
  const parts = groups.map(g => `${clip(json(g.output), MAX_RESULT_TEXT)} from ${workersText(g.workers)}`)
  for (const f of failed) parts.push(`${clip(f.reason, MAX_RESULT_TEXT)} from ${shortPeer(f.worker)}`)
  let text = `chunk ${index} of ${task}: no ${quorum} of ${results} results agree: `
  for (let i = 0; i < parts.length; i++) {
    const part = (i === 0 ? '' : ', ') + parts[i]
    if (text.length + part.length > MAX_ERROR_TEXT - 3) return `${text}, …`
    text += part
  }
  return text
}

function workersText (workers: readonly string[]): string {
  const first = shortPeer(workers[0])
  return workers.length === 1 ? first : `${first}(×${workers.length})`
}

/** Peer ids are long (`12D3KooW…`, 52 characters); eight characters tell them apart in a message. */
export function shortPeer (worker: string): string {
  return worker.length > 10 ? `${worker.slice(0, 8)}…` : worker
}

function json (value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (v instanceof Uint8Array) return `<${v.length} bytes>`
      if (typeof v === 'bigint') return v.toString()
      return v
    }) ?? String(value)
  } catch {
    return String(value)
  }
}

function clip (text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}
