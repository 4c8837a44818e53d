/**
 * The worker runtime: one link per accumulation point (each with its own leases and outbox), one
 * executor and one pacing shared by all of them. Capacity is shared: the leases held for every
 * accumulation point together never exceed it, and an assign beyond it is refused; a pull offers
 * each accumulation point that hears it an equal part of the free slots. Free threads go round the
 * accumulation points in turn. Capacity follows the pace of the jobs held now, each measured apart
 * (pacing.ts): a worker that just ran tiny chunks does not take a whole job of long ones.
 *
 * A worker that must step back (the machine turns busy or goes on battery, the volunteer pauses
 * it, it stops) hands its queued and running leases to peers that pulled lately, and gives back
 * what they do not take; an idle worker takes what such a peer offers it, as far as it has room.
 */
import type { Peer } from '@cycleshare/peer'
import type { Lease, OfferMessage } from '@cycleshare/protocol'
import { createTaskPool, taskCapability, taskNames, WASM_CAPABILITY, type TaskPool } from '@cycleshare/tasks'
import { createBlobInputs, type BlobInputs } from './blob-inputs.js'
import { createCustomTasks, isCustomTask, type CustomTasks } from './custom-tasks.js'
import { NotAnAccumulationPointError } from './errors.js'
import { createExecutor, pickBatch, type Executor, type Run, type RunEnd } from './executor.js'
import { giveBack, handOff, takeOut } from './handoff-giver.js'
import { takeOffer } from './handoff-taker.js'
import { createHungryPeers, type HungryPeer, type HungryPeers } from './hungry-peers.js'
import type { IdleMonitor, IdleState } from './idle-monitor.js'
import { JobParts, logJobParts } from './job-parts.js'
import { LeaseState } from './lease-book.js'
import { deliver, leave } from './leaving.js'
import { createLink, jobKey, listenForWork, nextWithWork, publishPull, pullListeners, serveOffers, serveWorkerRequests, type Link } from './link.js'
import type { Logger } from './logger.js'
import { checkPeerId, workerRuntimeOptions, type WorkerRuntimeInit, type WorkerRuntimeOptions } from './options.js'
import { createPacing, type Pacing } from './pacing.js'
import { shareQueued, spareToShare } from './sharing.js'
import { describeStatus, ofLinks, type WorkerStatus } from './status.js'
import type { WorkerRuntime, WorkerRuntimeComponents } from './types.js'

export function createWorkerRuntime (components: WorkerRuntimeComponents, init: WorkerRuntimeInit = {}): WorkerRuntime {
  return new Runtime(components, workerRuntimeOptions(init, components.pool))
}

type DropReason = 'cancelled' | 'lost' | 'handed off'
type StepBackReason = 'busy' | 'on battery' | 'outside work hours' | 'paused' | 'stopping' // why the worker steps back

class Runtime implements WorkerRuntime {
  private readonly peer: Peer
  private readonly pool: TaskPool
  private readonly ownPool: boolean // the pool is ours to start and stop
  private readonly idle: IdleMonitor
  private readonly log: Logger
  private readonly hungry: HungryPeers
  private readonly executor: Executor
  private readonly pacing: Pacing
  private readonly inputs: BlobInputs
  private readonly custom: CustomTasks
  /** What this worker runs, as pulls name it: built-ins (those that read blobs only with a blob store) and `wasm/1` with one. */
  private readonly tasks: string[]
  private readonly canRun: Set<string>
  private readonly links = new Map<string, Link>()
  /** The links again, in the order free threads visit them. */
  private order: Link[] = []
  private turn = 0
  private started = false
  private stopping = false
  private pausedByVolunteer = false
  private reportingFirst = false // a pull waits for the results it would overtake (see maybePull)
  private sharing = false // an offer of queued chunks to a hungry peer is out (heardPull)
  private steppingBack = 0 // step-backs under way
  /** Slots promised to offers being taken, until the accumulation point has answered. */
  private incoming = 0
  private chunksDone = 0
  private readonly parts = new JobParts()
  private readonly unsubscribe: Array<() => void> = []

  constructor (components: WorkerRuntimeComponents, private readonly options: WorkerRuntimeOptions) {
    this.peer = components.peer
    this.idle = components.idle
    this.log = components.log
    this.hungry = createHungryPeers({ peer: this.peer, topic: options.topics.pull, log: this.log, heard: (hungry) => { this.heardPull(hungry) } })
    this.ownPool = components.pool === undefined
    this.pool = components.pool ?? createTaskPool({ threads: options.threads, maxMemoryMb: options.maxMemoryMb })
    this.pacing = createPacing({ threads: options.threads, prefetch: options.prefetch })
    this.executor = createExecutor({ pool: this.pool, log: this.log, threadFree: () => { this.pump() } }, options)
    this.custom = createCustomTasks({ peer: this.peer, store: components.blobs, maxMemoryMb: options.maxMemoryMb, log: this.log })
    this.inputs = createBlobInputs({ peer: this.peer, store: components.blobs, custom: this.custom, log: this.log })
    this.tasks = [...taskNames(), WASM_CAPABILITY].filter(task => this.inputs.canRun(task))
    this.canRun = new Set(this.tasks)
    for (const peerId of options.accumulationPoints) this.addLink(peerId)
  }

  get accumulationPoints (): string[] {
    return [...this.links.keys()]
  }

  /** How many chunks to hold, at the pace of the jobs held now (the runtime.ts header says why per job). */
  get capacity (): number {
    return this.pacing.capacity(this.heldJobs())
  }

  /** The jobs of every lease queued or running, as pacing keys. */
  private * heldJobs (): Generator<string> {
    for (const link of this.order) for (const job of link.book.jobs()) yield jobKey(link, job)
  }

  get held (): number {
    return this.order.reduce((held, link) => held + link.book.held, 0)
  }
  get paused (): boolean { return this.pausedByVolunteer }

  status (): WorkerStatus {
    return describeStatus({ idle: this.idle.state, paused: this.pausedByVolunteer, stopping: this.stopping, threads: this.options.threads, chunksDone: this.chunksDone, ...ofLinks(this.order) })
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    if (this.ownPool) await this.pool.start()
    const worksFor = (peerId: string): boolean => this.links.has(peerId)
    await serveWorkerRequests(this.peer, {
      worksFor,
      assign: (from, leases) => this.assign(this.linkOf(from), leases),
      cancel: (from, leaseIds) => this.drop(this.linkOf(from), leaseIds, 'cancelled')
    }, this.log)
    await serveOffers(this.peer, async (from, offer) => await this.take(from, offer), this.log)
    this.hungry.start()
    this.unsubscribe.push(
      () => { this.hungry.stop() },
      listenForWork(this.peer, this.options.topics.work, worksFor, (from) => {
        // Work is pending and we may have free slots: our last pull may have been lost.
        this.links.get(from)?.pullAnswered()
        this.maybePull()
      // In a peer group, whoever announces work (only members can connect) is worked for.
      }, this.log, this.options.workForAnnouncers ? (from) => { this.addAccumulationPoint(from) } : undefined),
      this.peer.on('subscription-change', () => { this.maybePull() }),
      this.peer.on('peer:connect', (peerId) => {
        const link = this.links.get(peerId)
        if (link === undefined) return
        link.outbox.retryNow()
        this.maybePull()
      }),
      this.idle.onChange((state) => { this.onIdleChange(state) }),
      logJobParts(this.parts, (point, job) => [...this.links.get(point)?.book.jobs() ?? []].includes(job), this.log)
    )
    for (const link of this.order) link.start()
    const { peer, options: { threads }, capacity, idle } = this
    this.log.info({ peerId: peer.peerId, multiaddrs: peer.multiaddrs(), accumulationPoints: this.accumulationPoints, threads, capacity, idle: idle.state.reason }, 'worker ready')
    this.maybePull()
  }

  /**
   * Stops pulling, aborts running chunks, hands unfinished leases to hungry peers or gives them
   * back, and delivers finished results.
   */
  async stop (): Promise<void> {
    if (!this.started || this.stopping) return
    this.stopping = true
    for (const u of this.unsubscribe.splice(0)) u()
    this.executor.stop()
    for (const link of this.order) link.stop()
    const [{ handedOff, released }] = await Promise.all([
      this.stepBack('stopping'),
      ...this.order.map(async link => { await deliver(link, this.options.shutdownGraceMs) })
    ])
    const unreported = this.order.reduce((n, link) => n + link.outbox.size, 0)
    this.log.info({ handedOff, released, unreported, chunksDone: this.chunksDone }, 'worker stopped')
    if (this.ownPool) await this.pool.stop()
  }

  async pause (): Promise<void> {
    if (this.pausedByVolunteer || this.stopping) return
    this.pausedByVolunteer = true
    this.log.info({}, 'paused')
    await this.stepBack('paused')
  }

  resume (): void {
    if (!this.pausedByVolunteer) return
    this.pausedByVolunteer = false
    this.log.info({}, 'resumed')
    for (const link of this.order) link.pullAnswered()
    this.maybePull()
  }

  addAccumulationPoint (peerId: string): void {
    checkPeerId(peerId, 'peerId')
    if (this.links.has(peerId) || this.stopping) return
    const link = this.addLink(peerId)
    this.log.info({ accumulationPoint: peerId }, 'working for an accumulation point')
    if (!this.started) return
    link.start()
    this.maybePull()
  }

  async removeAccumulationPoint (peerId: string): Promise<void> {
    const link = this.links.get(peerId)
    if (link === undefined) return
    this.links.delete(peerId)
    this.order = this.order.filter(l => l !== link)
    const { released, unreported } = await leave(link, this.options.shutdownGraceMs)
    this.log.info({ accumulationPoint: peerId, released, unreported }, 'left an accumulation point')
    setImmediate(() => { this.pump(); this.maybePull() })
  }

  private addLink (peerId: string): Link {
    const link = createLink({ peer: this.peer, log: this.log, lost: (l, ids) => { this.drop(l, ids, 'lost') } }, { peerId })
    this.links.set(peerId, link)
    this.order.push(link)
    return link
  }

  private linkOf (peerId: string): Link {
    const link = this.links.get(peerId)
    if (link === undefined) throw new NotAnAccumulationPointError(peerId)
    return link
  }

  /** Whether it may take more leases now: idle, and neither paused, stepping back nor stopping. */
  private mayTake (): boolean {
    return this.started && !this.stopping && !this.pausedByVolunteer && this.steppingBack === 0 && this.idle.state.idle
  }

  private assign (link: Link, leases: Lease[]): { accepted: string[], refused: string[] } {
    const accepted: string[] = []
    const refused: string[] = []
    // A job not yet run here holds the least: a worker fast on one job does not take another
    // job's chunks by the dozen before it knows how long they take.
    const jobs = new Set(this.heldJobs())
    for (const lease of leases) jobs.add(jobKey(link, lease.jobId))
    const capacity = this.pacing.capacity(jobs)
    const mayTake = this.mayTake()
    let held = this.held + this.incoming
    for (const lease of leases) {
      if (link.book.state(lease.leaseId) !== undefined) {
        accepted.push(lease.leaseId) // an assign sent again: we hold it already
        continue
      }
      if (mayTake && held < capacity && this.canRun.has(taskCapability(lease.task))) {
        link.book.accept(lease)
        held++
        accepted.push(lease.leaseId)
        link.renewals.noteTtl(lease.ttlMs)
        this.inputs.prefetch(lease, link.peerId)
      } else {
        refused.push(lease.leaseId)
      }
    }
    link.pullAnswered(leases.length)
    this.log.debug({ from: link.peerId, accepted: accepted.length, refused: refused.length }, 'assigned')
    setImmediate(() => {
      this.pump()
      this.maybePull()
    })
    return { accepted, refused }
  }

  /** Starts queued chunks while threads are free, visiting the accumulation points in turn. */
  private pump (): void {
    while (!this.stopping && this.executor.freeThreads > 0) {
      const next = nextWithWork(this.order, this.turn)
      if (next === undefined) return
      const link = next.link
      this.turn = next.turn
      const leases = pickBatch(link.book.waiting(), link.book.queued, (lease) => this.pacing.chunkMs(jobKey(link, lease.jobId)), this.options.threads, l => this.inputs.reads(l, link.peerId))
      // A checkpoint that arrives once its lease has left this run (cancelled, lost, given back) is nobody's.
      const checkpoint = (leaseId: string, state: unknown): void => { if (link.book.runOf(leaseId) === run) link.book.checkpoint(leaseId, state) }
      const inputs = this.inputs.reads(leases[0], link.peerId) ? async () => await this.inputs.read(leases[0], link.peerId) : undefined
      const code = isCustomTask(leases[0].task) ? async () => (await this.custom.resolve(leases[0].task, link.peerId)).code : undefined
      const run: Run = this.executor.run(leases, (end) => { this.ended(link, leases, run, end) },
        this.pacing.checkpointed(jobKey(link, leases[0].jobId)) ? checkpoint : undefined, inputs, code)
      for (const lease of leases) link.book.start(lease.leaseId, run)
    }
  }

  /**
   * A run ended (its thread is already free, so the outbox sees how much more is coming): the
   * results of leases still held in this run become owed; one cancelled, lost or given back
   * meanwhile is gone, and nobody wants its result.
   */
  private ended (link: Link, leases: Lease[], run: Run, end: RunEnd): void {
    const { results } = end
    leases.forEach((lease, i) => {
      if (link.book.runOf(lease.leaseId) !== run) return
      if (results === undefined) {
        // Aborted while still ours: nothing will come of it, so it goes back.
        void giveBack(link, [lease.leaseId], this.options.shutdownGraceMs)
        return
      }
      link.book.finish(lease.leaseId)
      this.chunksDone++
      this.parts.ran(link.peerId, lease.jobId, lease.task, results[i], Date.now())
      link.outbox.add(results[i])
    })
    // A batch is of one task, and nearly always of one job: its first lease's job is credited.
    if (results !== undefined && end.paced) this.pacing.record(jobKey(link, leases[0].jobId), end.occupiedMs, leases.length)
    this.maybePull()
  }

  /** Stops the named leases of `link` wherever they are; returns those it held unfinished. */
  private drop (link: Link, leaseIds: string[], why: DropReason): string[] {
    const dropped: string[] = []
    for (const id of leaseIds) {
      const state = link.book.state(id)
      if (state !== LeaseState.Queued && state !== LeaseState.Running) continue
      const run = why === 'cancelled' ? link.book.cancel(id) : link.book.lose(id)
      if (run !== undefined && !run.batched) run.abort()
      dropped.push(id)
    }
    if (dropped.length > 0) {
      this.log.info({ from: link.peerId, leases: dropped.length }, `leases ${why}`)
      setImmediate(() => { this.pump(); this.maybePull() })
    }
    return dropped
  }

  /**
   * Publishes a pull for the free slots, if the machine is idle and an accumulation point due one
   * can hear it. A pull is gossip that every accumulation point on the topic hears, so the slots
   * are split between those that hear it; each link waits for its own answer. One not yet on the
   * topic is pulled for when its subscription arrives.
   */
  private maybePull (resultsSent = false): void {
    if (!this.mayTake() || this.reportingFirst) return
    const held = this.held
    const capacity = this.capacity
    if (this.pacing.slotsToPull(held, capacity) === 0) return
    const listening = pullListeners(this.peer, this.options.topics.pull)
    const hearing = this.order.filter(link => listening.has(link.peerId))
    const slots = this.pacing.slotsToPull(held, capacity, hearing.length)
    // A pull still waiting that offered more than we want now (a job ended; the next one's pace is
    // unknown) goes again smaller: the newest is answered, the old one would bring chunks to refuse.
    const due = hearing.filter(link => !link.pullPending || link.pendingSlots > slots)
    if (due.length === 0) return
    // Results first: a finished chunk counts as held until its result arrives, so a pull that overtook
    // a waiting report could come back short of our share, or empty. Any hearing the pull may answer.
    const unreported = resultsSent ? [] : hearing.filter(link => link.outbox.size > 0)
    if (unreported.length > 0) {
      this.reportingFirst = true
      void Promise.all(unreported.map(async link => { await link.outbox.sendNow() })).finally(() => { this.reportingFirst = false; this.maybePull(true) })
      return
    }
    for (const link of due) link.pullSent(() => { this.maybePull() }, slots)
    publishPull(this.peer, this.options.topics.pull, slots, this.tasks, this.options.threads, this.log)
  }

  /** A peer pulled: it is offered queued chunks it could run now, if any are spare (sharing.ts). */
  private heardPull (hungry: HungryPeer): void {
    if (!this.mayTake() || this.sharing) return
    const pick = spareToShare(this.order, this.options.threads, (link, jobId) => this.pacing.chunkMs(jobKey(link, jobId)))
    if (pick === undefined) return
    this.sharing = true
    void shareQueued({ peer: this.peer, log: this.log }, pick.link, pick.spare, hungry, this.options.handoffTimeoutMs)
      .then((taken) => { this.drop(pick.link, taken, 'handed off') }).finally(() => { this.sharing = false })
  }

  private onIdleChange (state: IdleState): void {
    if (state.idle) {
      this.log.info({ idle: true, reason: state.reason }, this.pausedByVolunteer ? 'machine idle: paused, not pulling' : 'machine idle: pulling work')
      for (const link of this.order) link.pullAnswered()
      this.maybePull()
      return
    }
    this.log.info({ idle: false, reason: state.reason }, 'machine busy: stepping back')
    // The owner wants the machine: what we hold goes to idle peers, or back.
    void this.stepBack(state.onBattery ? 'on battery' : state.offHours === true ? 'outside work hours' : 'busy')
  }

  /**
   * Steps back from all work: every queued and running lease of every accumulation point is
   * offered to peers that pulled lately, and what they do not take is given back with its
   * checkpoints (handoff-giver.ts). No pulls and no new leases meanwhile. Resolves with how many
   * went each way.
   */
  private async stepBack (reason: StepBackReason): Promise<{ handedOff: number, released: number }> {
    this.steppingBack++
    try {
      // All out of the books before anything is awaited: a run aborted here then ends as nobody's.
      const leaving = this.order.map(link => takeOut(link)).filter(l => l.leases.length > 0)
      const moved = await handOff({ peer: this.peer, log: this.log }, this.options, leaving, this.hungry.fresh())
      if (moved.handedOff + moved.released > 0) this.log.info({ reason, ...moved }, 'stepped back')
      return moved
    } finally {
      this.steppingBack--
      this.maybePull()
    }
  }

  /** A peer stepping back offers us leases (handoff-taker.ts). */
  private async take (from: string, offer: OfferMessage): Promise<{ accepted: string[], refused: string[] }> {
    return await takeOffer({
      peerId: this.peer.peerId,
      log: this.log,
      linkToTake: (coordinator) => this.mayTake() ? this.links.get(coordinator) : undefined,
      room: () => this.capacity - this.held - this.incoming,
      canRun: (task) => this.canRun.has(taskCapability(task)),
      promise: (n) => { this.incoming += n },
      took: (link, leaseIds) => {
        // Ours now, whatever happened meanwhile: if we may no longer run them, they go back.
        if (!this.mayTake() || this.links.get(link.peerId) !== link) void giveBack(link, leaseIds, this.options.shutdownGraceMs)
        setImmediate(() => { this.pump(); this.maybePull() })
      }
    }, from, offer)
  }
}
