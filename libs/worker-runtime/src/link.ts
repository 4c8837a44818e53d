/**
 * Everything the worker says to and hears from its accumulation points and its peers, and one
 * `Link` per accumulation point, keyed by its peer id: its leases, its result outbox, its
 * renewals, its pull backoff and its typed calls (report, renew, release, transfer). Every wire
 * call of the runtime is in this file (and the pulls it hears in hungry-peers.ts), so that a
 * change of transport changes these files alone.
 */
import type { Peer } from '@cycleshare/peer'
import {
  MessageKind, coordinatorRpc, decodeGossip, encode, handoffRpc, isProtocolError, msg, workerRpc,
  type ChunkResult, type Lease, type LeaseCheckpoint, type OfferMessage, type Transfer
} from '@cycleshare/protocol'
import { defaultLinkInit, MAX_PULL_ADDRS } from './constants.js'
import { NotAnAccumulationPointError } from './errors.js'
import type { Run } from './executor.js'
import { createLeaseBook, LeaseState, type LeaseBook } from './lease-book.js'
import type { Logger } from './logger.js'
import { createRenewals, type RenewAnswer, type Renewals } from './renewals.js'
import { createResultOutbox, type ResultOutbox } from './result-outbox.js'

/** The part of a peer node the runtime uses. */
export type LinkPeer = Pick<Peer, 'call' | 'serve' | 'subscribe' | 'publish' | 'topicPeers' | 'multiaddrs' | 'dial' | 'connectedPeers'>

export interface LinkInit {
  /** The accumulation point's peer id. */
  peerId: string
  /** First wait for an answer to a pull; doubles up to `pullRetryMaxMs`. @defaultValue 250 */
  pullRetryMs?: number
  /** @defaultValue 5_000 */
  pullRetryMaxMs?: number
  /** How long results may wait to travel together while more are coming. @defaultValue 150 */
  reportCoalesceMs?: number
}

export interface LinkComponents {
  peer: LinkPeer
  log: Logger
  /** The accumulation point says these leases are no longer ours (from a renewal). */
  lost: (link: Link, leaseIds: string[]) => void
}

export interface Link {
  readonly peerId: string
  /** Its leases: queued, running, and reported until it answers. */
  readonly book: LeaseBook<Run>
  /** Its finished results, until it answers for them. */
  readonly outbox: ResultOutbox
  readonly renewals: Renewals
  /** True while a pull it may have heard is waiting for an answer. */
  readonly pullPending: boolean
  /** The slots that waiting pull offered (0 when none waits). */
  readonly pendingSlots: number
  /**
   * Whether its answer to our last pull came short of the `slots` offered, or never came: it has
   * no more to deal us for now (a job's end, or our share of it held).
   */
  readonly pullsShort: boolean
  /** This worker's credit at the accumulation point (CPU ms of validated results), as its last answer to a report said; undefined until one did. */
  readonly credit: number | undefined
  /**
   * A pull offering it `slots` went out: if neither an assign nor a `work` announcement comes from
   * this accumulation point within the backoff, the next wait doubles and `retry` is called.
   */
  pullSent(retry: () => void, slots: number): void
  /** It answered (assigned `accepted` leases, or announced work): the backoff starts over. */
  pullAnswered(accepted?: number): void
  /** Sends a batch of results; resolves with the lease ids it answered for (accepted or rejected). */
  report(results: ChunkResult[]): Promise<string[]>
  /** Renews leases, sending the latest checkpoints of some of them. */
  renew(leaseIds: string[], checkpoints?: LeaseCheckpoint[]): Promise<RenewAnswer>
  /**
   * Gives leases back unfinished, with the latest checkpoints of those that have one (their
   * reissued copies go on from there); a failure is logged (they expire on their own and are reissued).
   */
  release(leaseIds: string[], checkpoints: LeaseCheckpoint[], signal: AbortSignal): Promise<void>
  /**
   * Presents transfers signed over to this worker, with the checkpoints the leases go on from;
   * resolves with the leases the accumulation point moved to us, by id, as it has them (new epoch,
   * the chunk's own input, the checkpoint to go on from). Those it refused are logged. Rejects when
   * the call fails.
   */
  transfer(transfers: Transfer[], checkpoints: LeaseCheckpoint[]): Promise<Map<string, Lease>>
  /** Starts its renewals. */
  start(): void
  /** Stops renewing and pulling for it; its outbox is stopped on its own, after a last drain. */
  stop(): void
}

export function createLink (components: LinkComponents, init: LinkInit): Link {
  return new AccumulationPointLink(components, { ...defaultLinkInit, ...init })
}

class AccumulationPointLink implements Link {
  readonly peerId: string
  readonly book = createLeaseBook<Run>()
  readonly outbox: ResultOutbox
  readonly renewals: Renewals
  private readonly peer: LinkPeer
  private readonly log: Logger
  private pullTimer?: NodeJS.Timeout
  private pullRetryMs: number
  private slotsAsked = 0
  private shortOf = false

  constructor (components: LinkComponents, private readonly init: Required<LinkInit>) {
    this.peerId = init.peerId
    this.peer = components.peer
    this.log = components.log
    this.pullRetryMs = init.pullRetryMs
    // While chunks are still running, results wait briefly to travel together; the last one of a
    // burst goes at once.
    this.outbox = createResultOutbox(async (results) => {
      const answered = await this.report(results)
      for (const id of answered) if (this.book.state(id) === LeaseState.Reported) this.book.acknowledge(id)
      return answered
    }, { coalesceMs: init.reportCoalesceMs, moreComing: () => this.book.held > 0 })
    this.renewals = createRenewals({
      unfinished: () => this.book.unfinished(),
      unsentCheckpoints: (ids) => this.book.unsentCheckpoints(ids),
      checkpointsSent: (checkpoints) => { this.book.checkpointsSent(checkpoints) },
      renew: async (ids, checkpoints) => await this.renew(ids, checkpoints),
      lost: (ids) => { components.lost(this, ids) },
      log: this.log
    })
  }

  credit: number | undefined

  get pullPending (): boolean {
    return this.pullTimer !== undefined
  }

  get pendingSlots (): number {
    return this.pullTimer === undefined ? 0 : this.slotsAsked
  }

  get pullsShort (): boolean {
    return this.shortOf
  }

  start (): void {
    this.renewals.start()
  }

  stop (): void {
    this.renewals.stop()
    clearTimeout(this.pullTimer)
    this.pullTimer = undefined
  }

  pullSent (retry: () => void, slots: number): void {
    clearTimeout(this.pullTimer)
    this.slotsAsked = slots
    this.pullTimer = setTimeout(() => {
      this.pullTimer = undefined
      this.shortOf = true
      this.pullRetryMs = Math.min(this.pullRetryMs * 2, this.init.pullRetryMaxMs)
      retry()
    }, this.pullRetryMs)
    this.pullTimer.unref()
  }

  pullAnswered (accepted?: number): void {
    clearTimeout(this.pullTimer)
    this.pullTimer = undefined
    this.pullRetryMs = this.init.pullRetryMs
    if (accepted !== undefined) this.shortOf = accepted < this.slotsAsked
  }

  /**
   * A batch the accumulation point refuses as a whole (a result too big or malformed) is split,
   * so that one bad result cannot hold back the others; a result refused on its own is dropped, as
   * resending it unchanged would be refused again.
   */
  async report (results: ChunkResult[]): Promise<string[]> {
    let answer
    try {
      answer = await this.peer.call(this.peerId, coordinatorRpc, msg.report(results))
    } catch (err) {
      if (!isProtocolError(err)) throw err // unreachable, restarting, or failing for now: retry later
      if (results.length === 1) {
        this.log.error({ leaseId: results[0].leaseId, err: (err as Error).message }, 'result refused by the coordinator; dropped')
        return [results[0].leaseId]
      }
      const answered: string[] = []
      for (const r of results) answered.push(...await this.report([r]))
      return answered
    }
    for (const r of answer.rejected) this.log.warn({ leaseId: r.leaseId, reason: r.reason }, 'result rejected')
    if (answer.credit !== undefined) this.credit = answer.credit
    return [...answer.accepted, ...answer.rejected.map(r => r.leaseId)]
  }

  async renew (leaseIds: string[], checkpoints: LeaseCheckpoint[] = []): Promise<RenewAnswer> {
    const { ttlMs, lost, refused = [] } = await this.peer.call(this.peerId, coordinatorRpc, msg.renew(leaseIds, checkpoints))
    return { ttlMs, lost, refused }
  }

  async release (leaseIds: string[], checkpoints: LeaseCheckpoint[], signal: AbortSignal): Promise<void> {
    try {
      await this.peer.call(this.peerId, coordinatorRpc, msg.release(leaseIds, checkpoints), { signal })
    } catch (err) {
      // The leases expire on their own and are reissued; nothing is lost, only delayed.
      this.log.warn({ leases: leaseIds.length, err: (err as Error).message }, 'could not release leases')
    }
  }

  async transfer (transfers: Transfer[], checkpoints: LeaseCheckpoint[]): Promise<Map<string, Lease>> {
    const { moved, refused } = await this.peer.call(this.peerId, coordinatorRpc, msg.transfer(transfers, checkpoints))
    for (const r of refused) this.log.warn({ leaseId: r.leaseId, reason: r.reason }, 'transfer refused')
    return new Map(moved.map(lease => [lease.leaseId, lease]))
  }
}

/** What the worker's side of the wire asks the runtime. */
export interface WorkerRequestHandlers {
  /** Whether `peerId` is an accumulation point this worker works for. */
  worksFor(peerId: string): boolean
  /** Leases offered by accumulation point `from`: the ids taken and refused. */
  assign(from: string, leases: Lease[]): { accepted: string[], refused: string[] }
  /** `from` calls these leases off: the ids we held. */
  cancel(from: string, leaseIds: string[]): string[]
}

/**
 * Answers assign and cancel requests. A peer this worker does not work for is refused before its
 * request is read; a request that does not decode, or that fails, is refused and logged. Each is
 * answered with an `error`, never thrown past the handler.
 */
export async function serveWorkerRequests (peer: LinkPeer, handlers: WorkerRequestHandlers, log: Logger): Promise<void> {
  await peer.serve(workerRpc, {
    assign: ({ leases }, from) => {
      const { accepted, refused } = handlers.assign(from, leases)
      return msg.assigned(accepted, refused)
    },
    cancel: ({ leaseIds }, from) => msg.cancelled(handlers.cancel(from, leaseIds))
  }, {
    admit: (from) => { if (!handlers.worksFor(from)) throw new NotAnAccumulationPointError(from) },
    onError: (err, from, request) => {
      // Refusing a stranger is routine; what is worth a line is a bad request from one of ours.
      if (request === undefined && err instanceof NotAnAccumulationPointError) return
      log.warn({ from, err: (err as Error).message }, 'refused a bad request')
    }
  })
}

/** How often a group member dials an announcer it is not connected to, at most. */
const DIAL_ANNOUNCER_EVERY_MS = 5_000

/**
 * Calls `heard(from)` for each `work` announcement from an accumulation point this worker works
 * for; gossip from anyone else is ignored unread, and gossip that does not decode is dropped.
 * With `join` (a peer group, where only members can connect), work from any announcer is heard:
 * `join(from)` first, and an announcer not connected here is dialled at the addresses it names.
 * Returns a function that stops listening.
 */
export function listenForWork (peer: LinkPeer, topic: string, worksFor: (peerId: string) => boolean, heard: (from: string) => void, log: Logger, join?: (from: string) => void): () => void {
  const dialled = new Set<string>()
  return peer.subscribe(topic, (data, from) => {
    if (join === undefined && !worksFor(from)) return
    let work
    try {
      work = decodeGossip(data)
      if (work.kind !== MessageKind.Work) return
    } catch (err) {
      log.warn({ from, err: (err as Error).message }, 'dropped a bad gossip message')
      return
    }
    if (join !== undefined) {
      join(from)
      const addr = work.addrs?.find(a => a.endsWith(`/p2p/${from}`))
      if (addr !== undefined && !dialled.has(from) && !peer.connectedPeers().includes(from)) {
        dialled.add(from)
        setTimeout(() => { dialled.delete(from) }, DIAL_ANNOUNCER_EVERY_MS).unref()
        peer.dial(addr).catch((err: Error) => { log.debug({ from, err: err.message }, 'could not dial an announcer') })
      }
    }
    heard(from)
  })
}

/** Peers that would hear a pull now: those subscribed to the pull topic. */
export function pullListeners (peer: LinkPeer, topic: string): Set<string> {
  return new Set(peer.topicPeers(topic))
}

/**
 * Publishes a pull: gossip, so every accumulation point on the topic hears the same one, and so do
 * the other workers, which may hand this one leases at the addresses it names.
 */
export function publishPull (peer: LinkPeer, topic: string, slots: number, tasks: string[], threads: number, log: Logger): void {
  const addrs = peer.multiaddrs().slice(0, MAX_PULL_ADDRS)
  peer.publish(topic, encode(msg.pull({ slots, tasks, capacity: { threads }, addrs }))).catch((err: Error) => {
    log.warn({ err: err.message }, 'could not publish a pull')
  })
}

/** What a worker stepping back offers this one: the ids taken (the accumulation point moved them to us) and the rest. */
export type OfferHandler = (from: string, offer: OfferMessage) => Promise<{ accepted: string[], refused: string[] }>

/**
 * Answers offers from peers stepping back. Any peer may offer (the handler judges what it is
 * offered); a request that does not decode, or that fails, is refused and logged at debug level,
 * as any peer can send one.
 */
export async function serveOffers (peer: LinkPeer, take: OfferHandler, log: Logger): Promise<void> {
  await peer.serve(handoffRpc, {
    offer: async (offer, from) => {
      const { accepted, refused } = await take(from, offer)
      return msg.taken(accepted, refused)
    }
  }, {
    onError: (err, from) => { log.debug({ from, err: (err as Error).message }, 'refused a bad offer') }
  })
}

/**
 * Offers `leases` of accumulation point `coordinator` to peer `to`, `transfers[i]` moving
 * `leases[i]`; resolves with the ids it says it took. Not connected to it, dials it first at
 * `addrs` (from its pull), the first that answers. Rejects when the call fails or `signal` aborts.
 */
export async function offerLeases (
  peer: LinkPeer & Pick<Peer, 'dial' | 'connectedPeers'>, to: { peerId: string, addrs: string[] },
  coordinator: string, leases: Lease[], transfers: Transfer[], signal: AbortSignal
): Promise<string[]> {
  if (!peer.connectedPeers().includes(to.peerId)) {
    let dialled = false
    for (const addr of to.addrs) {
      signal.throwIfAborted()
      try {
        await peer.dial(addr)
        dialled = true
        break
      } catch {}
    }
    if (!dialled && to.addrs.length > 0) throw new Error(`could not dial ${to.peerId} at ${to.addrs.join(', ')}`)
  }
  const { accepted } = await peer.call(to.peerId, handoffRpc, msg.offer(coordinator, leases, transfers), { signal })
  return accepted
}

/** The next link with queued chunks, the links visited in turn from `turn`; and the turn after it. */
export function nextWithWork (order: Link[], turn: number): { link: Link, turn: number } | undefined {
  const n = order.length
  for (let i = 0; i < n; i++) {
    const link = order[(turn + i) % n]
    if (link.book.queued > 0) return { link, turn: (turn + i + 1) % n }
  }
  return undefined
}

/** A job's pacing key: job ids are the accumulation point's, so they are kept apart per link. */
export function jobKey (link: Pick<Link, 'peerId'>, jobId: string): string {
  return `${link.peerId}/${jobId}`
}
