/**
 * The taking side of a handoff: an idle worker offered leases by a peer stepping back presents
 * the transfers to the accumulation point before it answers, and takes exactly the leases it
 * moved, each as the accumulation point answers it (its input, epoch and the checkpoint to go on
 * from, which the offer's `resume` was presented as). The offering peer is not trusted: only
 * transfers it really signed over to this worker, at the lease's own epoch, are presented, and
 * only as many as this worker has room for.
 */
import { verifySignature } from '@cycleshare/peer'
import { transferStatement, type Lease, type LeaseCheckpoint, type OfferMessage } from '@cycleshare/protocol'
import type { Link } from './link.js'
import type { Logger } from './logger.js'

/** What taking an offer needs of the runtime. */
export interface OfferTaker {
  /** This worker's peer id. */
  readonly peerId: string
  readonly log: Logger
  /** The link to `coordinator`, when this worker works for it and may take leases now. */
  linkToTake(coordinator: string): Link | undefined
  /** Slots free for more leases, those promised to offers being taken left out. */
  room(): number
  canRun(task: string): boolean
  /** `n` more slots (less, when negative) are promised to an offer being taken. */
  promise(n: number): void
  /** These leases of `link` were moved to us and are in its book: run them (or give them back if we may no longer). */
  took(link: Link, leaseIds: string[]): void
}

/**
 * Answers `from`'s offer: refused whole unless the taker works for its accumulation point and may
 * take leases now, or when presenting the transfers fails; otherwise the leases the accumulation
 * point moved are queued in the link's book, with their new epochs, and are the ones accepted.
 */
export async function takeOffer (taker: OfferTaker, from: string, offer: OfferMessage): Promise<{ accepted: string[], refused: string[] }> {
  const offered = offer.leases.map(l => l.leaseId)
  const link = taker.linkToTake(offer.coordinator)
  if (link === undefined) return { accepted: [], refused: offered }
  const picked = pickOffered(offer, from, taker.peerId, taker.room(), l => taker.canRun(l.task) && link.book.state(l.leaseId) === undefined)
  if (picked.length === 0) return { accepted: [], refused: offered }
  taker.promise(picked.length)
  let moved: Map<string, Lease>
  try {
    const presented = await signedOver(offer, picked)
    moved = presented.length === 0
      ? new Map()
      : await link.transfer(presented.map(i => offer.transfers[i]), resumeStates(presented.map(i => offer.leases[i])))
  } catch (err) {
    taker.log.warn({ from, coordinator: offer.coordinator, err: (err as Error).message }, 'could not present transfers')
    return { accepted: [], refused: offered }
  } finally {
    taker.promise(-picked.length)
  }
  const accepted: string[] = []
  for (const i of picked) {
    // What runs is the accumulation point's lease, not the offer's description of it.
    const lease = moved.get(offer.leases[i].leaseId)
    if (lease === undefined) continue
    if (link.book.state(lease.leaseId) === undefined) link.book.accept(lease)
    link.renewals.noteTtl(lease.ttlMs)
    accepted.push(lease.leaseId)
  }
  if (accepted.length > 0) {
    taker.log.info({ from, leases: accepted.length }, 'took leases')
    taker.took(link, accepted)
  }
  const taken = new Set(accepted)
  return { accepted, refused: offered.filter(id => !taken.has(id)) }
}

/**
 * The indices of the offered leases worth presenting, at most `room`, in the order offered: each
 * with a transfer from `from` (the peer offering) to `self` at the lease's own epoch, the first of
 * its id in the offer, and `wanted`. Signatures are checked apart (`signedOver`).
 */
export function pickOffered (offer: OfferMessage, from: string, self: string, room: number, wanted: (lease: Lease) => boolean): number[] {
  const picked: number[] = []
  const seen = new Set<string>()
  offer.leases.forEach((lease, i) => {
    const t = offer.transfers[i]
    const fits = picked.length < room && !seen.has(lease.leaseId) && t.from === from && t.to === self && t.epoch === lease.epoch
    seen.add(lease.leaseId)
    if (fits && wanted(lease)) picked.push(i)
  })
  return picked
}

/**
 * Those of `picked` whose transfer its `from` really signed for the offer's accumulation point:
 * presenting a forged one would make this worker the one the accumulation point sees trying it.
 */
export async function signedOver (offer: OfferMessage, picked: number[]): Promise<number[]> {
  const valid = await Promise.all(picked.map(async (i) => {
    const t = offer.transfers[i]
    return await verifySignature(t.from, transferStatement(offer.coordinator, t), t.signature)
  }))
  return picked.filter((_, k) => valid[k])
}

/** The states the offered leases go on from, for the accumulation point to keep with their moves. */
export function resumeStates (leases: Lease[]): LeaseCheckpoint[] {
  return leases.filter(l => l.resume != null).map(l => ({ leaseId: l.leaseId, state: l.resume }))
}
