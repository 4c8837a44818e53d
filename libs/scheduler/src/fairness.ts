/** A job that can take chunks, as the allocator sees it. */
export interface Candidate {
  /** The job's sequence number: candidates come oldest (smallest) first. */
  key: number
  /** Chunks it can hand out now. */
  available: number
}

export interface Allocation {
  /** Chunks to take from each job, by key, in the order they were first served. */
  counts: Map<number, number>
  /** The key served last, where the next call's round starts after. */
  last: number
}

/**
 * Deals `slots` out one at a time round-robin over `candidates` (sorted oldest first), starting
 * after the job served last by the previous call. A huge job therefore never starves a small one,
 * even when workers pull a single slot at a time.
 */
export function allocateRoundRobin (candidates: readonly Candidate[], slots: number, after: number): Allocation {
  const counts = new Map<number, number>()
  let last = after
  if (candidates.length === 0 || slots <= 0) return { counts, last }

  let start = candidates.findIndex(c => c.key > after)
  if (start === -1) start = 0
  const order = [...candidates.slice(start), ...candidates.slice(0, start)]

  let left = slots
  while (left > 0) {
    let served = false
    for (const candidate of order) {
      const taken = counts.get(candidate.key) ?? 0
      if (taken >= candidate.available) continue
      counts.set(candidate.key, taken + 1)
      last = candidate.key
      served = true
      if (--left === 0) break
    }
    if (!served) break
  }
  return { counts, last }
}
