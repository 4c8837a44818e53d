/**
 * Sharing queued chunks at a job's end. A worker holds a queue of chunks so that its threads never
 * wait on the network; once its accumulation point has no more to deal (its pulls come back short),
 * that queue may hold chunks an idle peer could be running now. When it hears such a peer pull, it
 * offers it half of what it holds queued beyond one more chunk per thread, taken from the end of
 * its queue (the chunks it would run last), signed over as in a handoff (handoff-giver.ts). The
 * peer presents the transfers; what it takes leaves this worker, what it refuses stays queued here.
 */
import type { Lease } from '@cycleshare/protocol'
import { SHARE_MIN_MS } from './constants.js'
import { offerTo, planOffers, type GiverComponents } from './handoff-giver.js'
import type { HungryPeer } from './hungry-peers.js'
import type { Link } from './link.js'

/**
 * The queued leases of `link` worth offering to a peer: half of those beyond `keep`, the last in
 * the queue first; none while fewer than two are beyond it.
 */
export function surplus (link: Link, keep: number): Lease[] {
  const queued = [...link.book.waiting()]
  const spare = Math.floor((queued.length - keep) / 2)
  return spare > 0 ? queued.slice(-spare).reverse() : []
}

/**
 * Whether `leases` hold enough work to be worth a move: at least SHARE_MIN_MS by their jobs'
 * pace. Moving chunks costs a dial, a signature each and a transfer; with many peers and tiny
 * chunks, offers for a few milliseconds of work cost more than they save.
 */
export function worthSharing (leases: Lease[], chunkMsOf: (lease: Lease) => number): boolean {
  let ms = 0
  for (const lease of leases) if ((ms += chunkMsOf(lease)) >= SHARE_MIN_MS) return true
  return false
}

/**
 * The first link whose accumulation point answered our pulls short and that holds spare queued
 * chunks worth a peer's while (`surplus`, `worthSharing`), with those chunks; or none.
 */
export function spareToShare (links: readonly Link[], threads: number, chunkMsOf: (link: Link, jobId: string) => number): { link: Link, spare: Lease[] } | undefined {
  for (const link of links) {
    const spare = link.pullsShort ? surplus(link, threads) : []
    if (worthSharing(spare, lease => chunkMsOf(link, lease.jobId))) return { link, spare }
  }
  return undefined
}

/**
 * Offers `hungry` the `spare` leases of `link` (as far as its pull named free slots, of tasks it
 * runs) and waits for its answer up to `timeoutMs`. Resolves with the ids it took; never rejects.
 */
export async function shareQueued (
  components: GiverComponents, link: Link, spare: Lease[], hungry: HungryPeer, timeoutMs: number
): Promise<string[]> {
  const [plan] = planOffers(spare, [hungry], new Map([[hungry.peerId, hungry.slots]]))
  if (plan === undefined) return []
  return await offerTo(components, link.peerId, plan, AbortSignal.timeout(timeoutMs))
}
