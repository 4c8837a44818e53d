/**
 * The giving side of a handoff: a worker that must step back signs each of its unfinished leases
 * over to a peer that pulled lately (a `Transfer`) and offers it, with its latest checkpoint as
 * `resume`; the taker presents the transfers to the accumulation point and answers with the
 * leases it moved (handoff-taker.ts). The giver trusts no answer beyond that: whatever is not taken
 * (refused, unanswered within the timeout, no hungry peer) is given back with its checkpoints.
 */
import type { Peer } from '@cycleshare/peer'
import { transferStatement, type Lease, type LeaseCheckpoint, type Transfer } from '@cycleshare/protocol'
import { taskCapability } from '@cycleshare/tasks'
import type { HungryPeer } from './hungry-peers.js'
import { offerLeases, type Link, type LinkPeer } from './link.js'
import type { Logger } from './logger.js'

/** The part of a peer node handing off uses. */
export type HandoffPeer = LinkPeer & Pick<Peer, 'peerId' | 'sign' | 'dial' | 'connectedPeers'>

/** Leases of one accumulation point leaving this worker. */
export interface Leaving {
  link: Link
  /** Each with the state it goes on from as `resume`. */
  leases: Lease[]
  /** The latest checkpoints of their runs: what giving them back carries. */
  checkpoints: LeaseCheckpoint[]
}

/** Leases offered to one peer. */
export interface OfferPlan {
  to: string
  /** Where to dial it, if we are not connected to it. */
  addrs: string[]
  leases: Lease[]
}

export interface GiverComponents {
  peer: HandoffPeer
  log: Logger
}

export interface GiverInit {
  /** How long an offer may go unanswered. */
  handoffTimeoutMs: number
  /** How long giving back may take. */
  shutdownGraceMs: number
}

/**
 * Takes `link`'s queued and running leases out of its book, running ones aborted first so that
 * their latest checkpoints are final. Each goes on from its latest checkpoint, or, when it has not
 * run since it came, from where it came from.
 */
export function takeOut (link: Link): Leaving {
  const ids = link.book.unfinished()
  for (const id of ids) link.book.runOf(id)?.abort()
  const checkpoints = link.book.latestCheckpoints(ids)
  const latest = new Map(checkpoints.map(c => [c.leaseId, c.state]))
  const leases = ids.map((id) => {
    const lease = link.book.lease(id) as Lease
    link.book.release(id)
    const resume = latest.get(id) ?? lease.resume
    return resume == null ? lease : { ...lease, resume }
  })
  return { link, leases, checkpoints }
}

/** Offers of what is left go to peers not yet offered it, at most this many times over. */
export const OFFER_ROUNDS = 3

/**
 * Offers the leaving leases to `peers` (most free slots first) and gives back what they do not
 * take. A lease a peer refuses (it may hold another copy of the chunk, or have turned busy) is
 * offered to the next peer with room, in rounds, all within one `handoffTimeoutMs`. `peers` share
 * their free slots between all the accumulation points' leases. Resolves with how many went each
 * way; never rejects.
 */
export async function handOff (
  components: GiverComponents, init: GiverInit, leaving: Leaving[], peers: HungryPeer[]
): Promise<{ handedOff: number, released: number }> {
  const room = new Map(peers.map(p => [p.peerId, p.slots]))
  const deadline = AbortSignal.timeout(init.handoffTimeoutMs)
  const counts = await Promise.all(leaving.map(async ({ link, leases, checkpoints }) => {
    const taken = new Set<string>()
    /** The peers each lease was offered to. */
    const offered = new Map<string, Set<string>>()
    let left = leases
    for (let round = 0; round < OFFER_ROUNDS && left.length > 0 && !deadline.aborted; round++) {
      const plans = planOffers(left, peers, room, offered)
      if (plans.length === 0) break
      const answers = await Promise.all(plans.map(async plan => await offerTo(components, link.peerId, plan, deadline)))
      for (const id of answers.flat()) taken.add(id)
      left = left.filter(l => !taken.has(l.leaseId))
    }
    const rest = left.map(l => l.leaseId)
    if (rest.length > 0) {
      await link.release(rest, checkpoints.filter(c => !taken.has(c.leaseId)), AbortSignal.timeout(init.shutdownGraceMs))
    }
    return { handedOff: taken.size, released: rest.length }
  }))
  return {
    handedOff: counts.reduce((n, c) => n + c.handedOff, 0),
    released: counts.reduce((n, c) => n + c.released, 0)
  }
}

/**
 * Which peer is offered which of `leases`: the peers in the order given, each the leases of tasks
 * it runs and was not offered before (`offered`: the peers each lease went to, by lease id, which
 * this adds to) up to its `room` (free slots not yet offered, by peer id), which is taken down by
 * what is planned. A lease goes to one peer at most.
 */
export function planOffers (
  leases: Lease[], peers: HungryPeer[], room: Map<string, number>, offered = new Map<string, Set<string>>()
): OfferPlan[] {
  const plans: OfferPlan[] = []
  let left = leases
  for (const peer of peers) {
    let slots = room.get(peer.peerId) ?? 0
    if (slots <= 0 || left.length === 0) continue
    const tasks = new Set(peer.tasks)
    const picked: Lease[] = []
    const kept: Lease[] = []
    for (const lease of left) {
      if (slots > 0 && tasks.has(taskCapability(lease.task)) && offered.get(lease.leaseId)?.has(peer.peerId) !== true) {
        picked.push(lease)
        slots--
      } else {
        kept.push(lease)
      }
    }
    if (picked.length === 0) continue
    room.set(peer.peerId, slots)
    for (const lease of picked) {
      let to = offered.get(lease.leaseId)
      if (to === undefined) offered.set(lease.leaseId, to = new Set())
      to.add(peer.peerId)
    }
    plans.push({ to: peer.peerId, addrs: peer.addrs, leases: picked })
    left = kept
  }
  return plans
}

/**
 * Offers `plan.leases` of accumulation point `coordinator` to `plan.to`, each signed over to it at
 * its current epoch, and waits for the answer until `deadline` aborts. Resolves with the offered
 * ids it took; a failed or late answer took none (logged). Never rejects.
 */
export async function offerTo (components: GiverComponents, coordinator: string, plan: OfferPlan, deadline: AbortSignal): Promise<string[]> {
  const { peer, log } = components
  const { to, addrs, leases } = plan
  try {
    const transfers = await Promise.all(leases.map(async ({ leaseId, epoch }): Promise<Transfer> => {
      const transfer = { leaseId, epoch, from: peer.peerId, to }
      return { ...transfer, signature: await peer.sign(transferStatement(coordinator, transfer)) }
    }))
    log.info({ to, leases: leases.length, coordinator }, 'offering leases')
    const accepted = new Set(await offerLeases(peer, { peerId: to, addrs }, coordinator, leases, transfers, deadline))
    // A taker may name what it was never offered: only ours count.
    const taken = leases.filter(l => accepted.has(l.leaseId)).map(l => l.leaseId)
    if (taken.length > 0) log.info({ to, leases: taken.length, coordinator }, 'handed off')
    if (taken.length < leases.length) log.info({ to, leases: leases.length - taken.length, coordinator }, 'offer refused')
    return taken
  } catch (err) {
    log.warn({ to, leases: leases.length, coordinator, err: (err as Error).message }, 'could not offer leases')
    return []
  }
}

/**
 * Gives the named unfinished leases of `link` back to its accumulation point, with the latest
 * checkpoint of each that has one (its reissued copy goes on from there), and stops those running
 * alone; a batch runs on, and its results are forgotten.
 */
export async function giveBack (link: Link, leaseIds: string[], graceMs: number): Promise<void> {
  const checkpoints = link.book.latestCheckpoints(leaseIds)
  for (const id of leaseIds) {
    const run = link.book.release(id)
    if (run !== undefined && !run.batched) run.abort()
  }
  await link.release(leaseIds, checkpoints, AbortSignal.timeout(graceMs))
}
