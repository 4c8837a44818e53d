/** What a lease id stands for: one attempt at one chunk, and the random tag that proves it was issued. */
export interface LeaseRef {
  jobSeq: number
  index: number
  attempt: number
  tag: string
}

/** Length of a lease tag: a `newId()`, 72 random bits in base64url. */
export const TAG_LENGTH = 12

const PART = /^[0-9a-z]{1,11}$/
const TAG = /^[\w-]{12}$/

/**
 * A lease id names its chunk and attempt and carries a random tag: `1.2bi.3.Xq0_9aZkLm3e`.
 * The chunk's row keeps the tags of all its attempts, so a late result of an expired attempt is
 * still recognised without a table of every lease ever issued (random-key inserts into such a
 * table were most of the cost of leasing), and a worker cannot forge a lease it was never given.
 */
export function formatLeaseId ({ jobSeq, index, attempt, tag }: LeaseRef): string {
  return `${jobSeq.toString(36)}.${index.toString(36)}.${attempt.toString(36)}.${tag}`
}

/** The lease an id names, or undefined if it is not one of ours in shape. Whether it was issued is the store's to say. */
export function parseLeaseId (id: string): LeaseRef | undefined {
  if (typeof id !== 'string' || id.length > 3 * 12 + TAG_LENGTH) return undefined
  const parts = id.split('.')
  if (parts.length !== 4 || !PART.test(parts[0]) || !PART.test(parts[1]) || !PART.test(parts[2]) || !TAG.test(parts[3])) {
    return undefined
  }
  const ref = { jobSeq: parseInt(parts[0], 36), index: parseInt(parts[1], 36), attempt: parseInt(parts[2], 36), tag: parts[3] }
  if (!Number.isSafeInteger(ref.jobSeq) || !Number.isSafeInteger(ref.index) || ref.attempt < 1) return undefined
  // one spelling per lease: `01` is not `1`
  if (formatLeaseId(ref) !== id) return undefined
  return ref
}

/** The tag of `attempt` among a chunk's tags (attempt n at [(n-1)·12, n·12)). */
export function tagOf (tags: string, attempt: number): string {
  return tags.slice((attempt - 1) * TAG_LENGTH, attempt * TAG_LENGTH)
}
