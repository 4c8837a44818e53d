import { Announcer } from './announcer.js'
import { PeerBudgets } from './budgets.js'
import { Dispatcher } from './dispatcher.js'
import { cancelRevoked, createRequestHandlers } from './handlers.js'
import { accumulationPointOptions, checkComponents } from './options.js'
import { WorkerRegistry } from './registry.js'
import type {
  AccumulationPoint, AccumulationPointComponents, DispatchStats, AccumulationPointInit, AccumulationPointLog, WorkerChangeListener, WorkerView
} from './types.js'
import { createWire, type RequestHandlers, type Wire } from './wire.js'
import type { PullMessage } from '@cycleshare/protocol'

/** How often a peer group member dials a puller it is not connected to, at most. */
const DIAL_PULLER_EVERY_MS = 5_000

/**
 * Serves `components.scheduler` to the network through `components.peer`. Throws TypeError or
 * RangeError naming a bad component or option. Start the scheduler and the peer first, then
 * this; stop this first, then them.
 */
export function createAccumulationPoint (components: AccumulationPointComponents, init: AccumulationPointInit = {}): AccumulationPoint {
  checkComponents(components)
  return new DefaultAccumulationPoint(components, accumulationPointOptions(init))
}

const silent: AccumulationPointLog = () => {}

class DefaultAccumulationPoint implements AccumulationPoint {
  private readonly wire: Wire
  private readonly registry: WorkerRegistry
  private readonly dispatcher: Dispatcher
  private readonly announcer: Announcer
  private readonly handlers: RequestHandlers
  private readonly budgets: PeerBudgets
  /**
   * Peers with a direct connection. Gossip carries signals, not identity: a pull signed by a peer
   * we have no connection to (relayed by another) makes no worker record and gets no work.
   */
  private readonly connected = new Set<string>()
  /** Pullers dialled lately (`groupMember`). */
  private readonly dialled = new Set<string>()
  private started = false
  /** What `stop` undoes, in the order it was done. */
  private readonly stops: Array<() => void> = []

  constructor (private readonly components: AccumulationPointComponents, private readonly options: Required<AccumulationPointInit>) {
    const { scheduler, peer } = components
    const log = components.log ?? silent
    this.wire = createWire(peer, log, options.topics, options.groupMember)
    const clock = components.clock ?? Date.now
    this.budgets = new PeerBudgets(options, clock, (peerId, reason) => {
      if (reason !== undefined) log('warn', 'peer held back', { worker: peerId, reason })
      this.registry.throttleChanged(peerId)
    })
    this.registry = new WorkerRegistry(scheduler, clock, options.forgetWorkersAfterMs, (peerId) => this.budgets.restriction(peerId))
    this.dispatcher = new Dispatcher({ scheduler, wire: this.wire, log, budgets: this.budgets, threadsFor: (task) => this.registry.threadsFor(task) })
    this.announcer = new Announcer({ scheduler, wire: this.wire, log }, options.announceIntervalMs)
    this.handlers = createRequestHandlers({ scheduler, registry: this.registry, log, coordinator: peer.peerId })
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    const { scheduler } = this.components
    const log = this.components.log ?? silent
    try {
      this.stops.push(await this.wire.serve(this.handlers))
    } catch (err) {
      this.started = false
      throw err
    }
    // The dispatcher hears of new work before the announcer, so the hungry are served before
    // everyone else is told.
    for (const peerId of this.wire.connectedPeers()) this.connected.add(peerId)
    // A worker on this very peer (a group member's own) pulls over no connection at all.
    this.connected.add(this.components.peer.peerId)
    this.dispatcher.start()
    this.announcer.start()
    this.stops.push(
      () => { this.dispatcher.stop() },
      () => { this.announcer.stop() },
      this.registry.follow(),
      this.wire.onPull((pull, from) => {
        if (!this.connected.has(from)) {
          this.dialPuller(from, pull, log)
          return
        }
        this.registry.pulled(from, pull.capacity.threads, pull.tasks)
        this.dispatcher.pulled(from, pull)
      }, (from) => this.admitPull(from, log)),
      this.wire.onConnect((peerId) => { this.connected.add(peerId) }),
      this.wire.onOverBudget((peerId) => {
        if (this.budgets.bytesOverBudget(peerId)) this.disconnect(peerId, 'peer kept sending more request bytes than its budget; disconnected', log)
      }),
      this.wire.onDisconnect((peerId) => {
        this.connected.delete(peerId)
        this.budgets.forget(peerId)
        this.dispatcher.disconnected(peerId)
        this.registry.disconnected(peerId)
      }),
      scheduler.on('revoke', (worker, leaseIds) => { void cancelRevoked({ wire: this.wire, log }, worker, leaseIds) }),
      this.forgetGoneWorkers()
    )
  }

  /** Forgets workers gone for good now and then, so that churn over months does not add up here. */
  private forgetGoneWorkers (): () => void {
    const timer = setInterval(() => { this.registry.forget() }, Math.min(this.options.forgetWorkersAfterMs, 60_000))
    timer.unref()
    return () => { clearInterval(timer) }
  }

  /**
   * Whether a pull from `from` is heard at all: only from a connected peer within its budget; with
   * `groupMember`, a pull relayed from a peer not connected is heard too, to dial it back.
   */
  private admitPull (from: string, log: AccumulationPointLog): boolean {
    if (!this.connected.has(from)) return this.options.groupMember && !this.dialled.has(from)
    const verdict = this.budgets.pull(from)
    if (verdict === 'disconnect') this.disconnect(from, 'peer kept pulling over its budget; disconnected', log)
    return verdict === 'serve'
  }

  /**
   * In a peer group (`groupMember`), a member hears the pulls of members it is not connected to,
   * relayed by the others: it dials the puller at an address its pull names, at most once every
   * DIAL_PULLER_EVERY_MS, and serves its pulls once connected.
   */
  private dialPuller (from: string, pull: PullMessage, log: AccumulationPointLog): void {
    const addr = pull.addrs?.find(a => a.endsWith(`/p2p/${from}`))
    if (addr === undefined || this.dialled.has(from)) return
    this.dialled.add(from)
    setTimeout(() => { this.dialled.delete(from) }, DIAL_PULLER_EVERY_MS).unref()
    this.wire.dial(addr).catch((err: Error) => { log('debug', 'could not dial a puller', { worker: from, err: err.message }) })
  }

  private disconnect (peerId: string, why: string, log: AccumulationPointLog): void {
    log('warn', why, { worker: peerId })
    this.connected.delete(peerId)
    this.wire.disconnect(peerId).catch((err: unknown) => { log('warn', 'could not disconnect a peer', { worker: peerId, err: (err as Error).message }) })
  }

  async stop (): Promise<void> {
    this.started = false
    for (const stop of this.stops.splice(0).reverse()) stop()
  }

  workers (query: { all?: boolean } = {}): WorkerView[] {
    return this.registry.list(query.all === true)
  }

  onWorkerChange (listener: WorkerChangeListener): () => void {
    return this.registry.onChange(listener)
  }

  dispatchStats (): DispatchStats {
    return { ...this.dispatcher.stats }
  }
}
