import { randomFillSync } from 'node:crypto'

const ID_BYTES = 9 // 72 random bits → 12 base64url characters: unguessable, short on the wire
const POOL_IDS = 512

const pool = Buffer.allocUnsafe(ID_BYTES * POOL_IDS)
let next = POOL_IDS

/**
 * A short random id for jobs and leases. Lease ids are unguessable on purpose: holding one is the
 * only thing that lets a worker report a chunk's result. Drawn from a pooled buffer because a lease
 * batch asks for hundreds at once.
 */
export function newId (): string {
  if (next === POOL_IDS) {
    randomFillSync(pool)
    next = 0
  }
  const start = next++ * ID_BYTES
  return pool.toString('base64url', start, start + ID_BYTES)
}

/**
 * A job's id: `newId` with no leading "-", which a command line would take for a flag
 * (`cycleshare watch -x…`); the first character is drawn again from the other 63.
 */
export function newJobId (): string {
  const id = newId()
  return id.startsWith('-') ? `${'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_'[id.charCodeAt(1) % 63]}${id.slice(1)}` : id
}
