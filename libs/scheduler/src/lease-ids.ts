import { createHmac, timingSafeEqual } from 'node:crypto'

/** What a lease id stands for: one attempt at one chunk. */
export interface LeaseRef {
  jobSeq: number
  index: number
  attempt: number
}

export interface LeaseIds {
  mint(ref: LeaseRef): string
  /** The lease an id names, or undefined if we never minted it (forged, garbled, another coordinator's). */
  parse(id: string): LeaseRef | undefined
}

const TAG_BYTES = 9 // 72 bits: 12 base64url characters
const PART = /^[0-9a-z]{1,11}$/
const MAX_ID_LENGTH = 3 * 12 + TAG_BYTES * 2

/**
 * Lease ids that carry their own (job, chunk, attempt), signed with an HMAC under the store's
 * secret key: `1.2bi.3.<tag>`. The scheduler recognises any lease it ever issued, late results of
 * expired attempts included, without a table of every lease ever issued (random-key inserts into
 * such a table were most of the cost of leasing), and a worker cannot forge one for a chunk it was
 * never given.
 */
export function createLeaseIds (key: Uint8Array): LeaseIds {
  const tag = (body: string): Buffer => createHmac('sha256', key).update(body).digest().subarray(0, TAG_BYTES)

  return {
    mint ({ jobSeq, index, attempt }) {
      const body = `${jobSeq.toString(36)}.${index.toString(36)}.${attempt.toString(36)}`
      return `${body}.${tag(body).toString('base64url')}`
    },

    parse (id) {
      if (typeof id !== 'string' || id.length > MAX_ID_LENGTH) return undefined
      const parts = id.split('.')
      if (parts.length !== 4 || !PART.test(parts[0]) || !PART.test(parts[1]) || !PART.test(parts[2])) return undefined
      const given = Buffer.from(parts[3], 'base64url')
      if (given.length !== TAG_BYTES || given.toString('base64url') !== parts[3]) return undefined
      if (!timingSafeEqual(given, tag(`${parts[0]}.${parts[1]}.${parts[2]}`))) return undefined
      return { jobSeq: parseInt(parts[0], 36), index: parseInt(parts[1], 36), attempt: parseInt(parts[2], 36) }
    }
  }
}
