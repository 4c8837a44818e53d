/** A job that can take chunks, as the allocator sees it. */
export interface Candidate {
  /** The job's sequence number: ties go to the oldest (smallest). */
  key: number
  /** Its stride-scheduling pass: the job with the smallest pass gets the next chunk. */
  pass: number
  /** 1 to 100: each chunk it gets adds `1 / priority` to its pass. */
  priority: number
  /** Chunks it can hand out now. */
  available: number
}

export interface Allocation {
  /** Chunks to take from each job, by key, in the order they were first served. */
  counts: Map<number, number>
  /** Each served job's pass afterwards. */
  passes: Map<number, number>
  /** The pass of the last chunk dealt (before its step): the scheduler's virtual time. */
  last: number
}

/**
 * Deals `slots` out one at a time by stride scheduling: the candidate with the smallest pass gets
 * the next chunk and its pass grows by `1 / priority`. Over time each job gets chunks in proportion
 * to its priority, even when workers pull a single slot at a time, and a huge job never starves a
 * small one. Candidates are not changed.
 */
export function allocateStride (candidates: readonly Candidate[], slots: number): Allocation {
  const counts = new Map<number, number>()
  const passes = new Map<number, number>()
  let last = Number.NEGATIVE_INFINITY
  const open = candidates.filter(c => c.available > 0).map(c => ({ ...c, taken: 0 }))
  for (let left = slots; left > 0 && open.length > 0; left--) {
    let best = 0
    for (let i = 1; i < open.length; i++) {
      const c = open[i]
      const b = open[best]
      if (c.pass < b.pass || (c.pass === b.pass && c.key < b.key)) best = i
    }
    const chosen = open[best]
    last = chosen.pass
    chosen.pass += 1 / chosen.priority
    chosen.taken++
    counts.set(chosen.key, chosen.taken)
    passes.set(chosen.key, chosen.pass)
    if (chosen.taken === chosen.available) open.splice(best, 1)
  }
  return { counts, passes, last }
}
