import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common'
import { createPeer, type Peer } from '@cycleshare/peer'
import {
  MessageKind, PROTOCOL_COORDINATOR, PROTOCOL_WORKER, TOPIC_PULL, TOPIC_WORK,
  decodeGossip, decodeRequest, decodeResponse, encode, msg,
  type CoordinatorRequest, type PullMessage
} from '@cycleshare/protocol'
import type { Scheduler } from '@cycleshare/scheduler'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { LOGGER, type Logger } from '../logger.js'
import { SCHEDULER } from '../scheduler/scheduler.module.js'
import { WorkersService } from '../workers/workers.service.js'

/**
 * The coordinator's side of the wire: announces work on gossipsub, answers pulls by leasing
 * chunks and sending them to the puller over a direct stream, and takes reports, renewals and
 * releases on its own stream protocol. Every inbound message is decoded with limits first; a bad
 * one is answered with an error (streams) or dropped (gossip), never thrown past the handler.
 */
@Injectable()
export class NetworkService implements OnModuleInit, OnApplicationShutdown {
  private peer!: Peer
  private announceTimer?: NodeJS.Timeout
  private announceQueued = false
  /**
   * Workers with an assign in flight, and the pull that came in meanwhile (the newest wins: its
   * slot count is the worker's latest word). One assign at a time per worker keeps the worker's
   * count of free slots and ours in step.
   */
  private readonly assigning = new Map<string, PullMessage | undefined>()
  /**
   * Workers whose last pull found nothing: when work arrives they are sent it at once, without
   * waiting for the announcement and a fresh pull (two fewer hops on the first chunk of a job).
   */
  private readonly hungry = new Map<string, PullMessage>()
  private readonly unsubscribe: Array<() => void> = []

  constructor (
    @Inject(CONFIG) private readonly config: CoordinatorConfig,
    @Inject(SCHEDULER) private readonly scheduler: Scheduler,
    @Inject(LOGGER) private readonly log: Logger,
    private readonly workers: WorkersService
  ) {}

  get peerId (): string {
    return this.peer.peerId
  }

  multiaddrs (): string[] {
    return this.peer.multiaddrs()
  }

  async onModuleInit (): Promise<void> {
    this.peer = createPeer({
      dataDir: this.config.dataDir,
      listen: this.config.listen,
      log: (level, message, err) => { this.log[level]({ err }, `peer: ${message}`) }
    })
    await this.peer.start()
    this.peer.subscribe(TOPIC_PULL, (data, from) => { this.onPull(data, from) })
    await this.peer.handle(PROTOCOL_COORDINATOR, async (data, from) => await this.onRequest(data, from))
    this.unsubscribe.push(
      this.scheduler.on('work', () => { this.announceSoon() }),
      this.scheduler.on('revoke', (worker, leaseIds) => { void this.revoke(worker, leaseIds) }),
      this.peer.on('peer:disconnect', (peerId) => {
        this.hungry.delete(peerId)
        this.workers.disconnected(peerId)
      })
    )
    this.announceTimer = setInterval(() => { void this.announce() }, this.config.announceIntervalMs)
    this.announceTimer.unref()
  }

  async onApplicationShutdown (): Promise<void> {
    clearInterval(this.announceTimer)
    for (const u of this.unsubscribe) u()
    await this.peer?.stop()
  }

  /** Coalesces bursts of `work` events (a batch of reissues, say) into one announcement. */
  private announceSoon (): void {
    if (this.announceQueued) return
    this.announceQueued = true
    setImmediate(() => {
      this.announceQueued = false
      for (const [worker, pull] of [...this.hungry]) void this.assign(worker, pull)
      void this.announce()
    })
  }

  private async announce (): Promise<void> {
    const { pending, tasks } = this.scheduler.pending()
    if (pending === 0) return
    try {
      await this.peer.publish(TOPIC_WORK, encode(msg.work({ pending, tasks })))
    } catch (err) {
      this.log.warn({ err }, 'could not announce work')
    }
  }

  private onPull (data: Uint8Array, from: string): void {
    let pull: PullMessage
    try {
      const m = decodeGossip(data)
      if (m.kind !== MessageKind.Pull) return
      pull = m
    } catch (err) {
      this.log.warn({ from, err: (err as Error).message }, 'dropped a bad gossip message')
      return
    }
    this.workers.pulled(from, pull.capacity.threads, pull.tasks)
    // An excluded worker (outvoted too often) gets nothing; GET /api/workers says why.
    if (this.scheduler.exclusion(from) !== undefined) return
    void this.assign(from, pull)
  }

  private async assign (worker: string, pull: PullMessage): Promise<void> {
    if (this.assigning.has(worker)) {
      this.assigning.set(worker, pull)
      return
    }
    const leases = this.scheduler.lease(worker, pull.slots, pull.tasks)
    if (leases.length === 0) {
      this.hungry.set(worker, pull)
      return
    }
    this.hungry.delete(worker)
    this.assigning.set(worker, undefined)
    this.workers.leased(worker, leases.length)
    const ids = leases.map(l => l.leaseId)
    try {
      const answer = decodeResponse(await this.peer.request(worker, PROTOCOL_WORKER, encode(msg.assign(leases))), MessageKind.Assigned)
      if (answer.refused.length > 0) {
        this.scheduler.release(worker, answer.refused)
        this.workers.leased(worker, -answer.refused.length)
      }
    } catch (err) {
      // The worker may have taken some before failing to answer; releasing gives them to others,
      // and a result it still sends for one of them is accepted once all the same.
      this.log.warn({ worker, err: (err as Error).message, leases: ids.length }, 'assign failed; leases released')
      this.scheduler.release(worker, ids)
      this.workers.leased(worker, -ids.length)
    } finally {
      const next = this.assigning.get(worker)
      this.assigning.delete(worker)
      if (next !== undefined) void this.assign(worker, next)
    }
  }

  private async revoke (worker: string, leaseIds: string[]): Promise<void> {
    this.workers.leased(worker, -leaseIds.length)
    try {
      decodeResponse(await this.peer.request(worker, PROTOCOL_WORKER, encode(msg.cancel(leaseIds))), MessageKind.Cancelled)
    } catch (err) {
      // Not fatal: the worker's results for these leases are refused and its renewals report them lost.
      this.log.info({ worker, err: (err as Error).message }, 'could not tell a worker to cancel')
    }
  }

  private async onRequest (data: Uint8Array, from: string): Promise<Uint8Array> {
    let request: CoordinatorRequest
    try {
      request = decodeRequest(data, PROTOCOL_COORDINATOR)
    } catch (err) {
      this.log.warn({ from, err: (err as Error).message }, 'refused a bad request')
      return encode(msg.error(err))
    }
    this.workers.seen(from)
    try {
      switch (request.kind) {
        case MessageKind.Report: {
          const r = this.scheduler.complete(from, request.results)
          this.workers.leased(from, -(r.accepted.length + r.rejected.length))
          return encode(msg.reported(r.accepted, r.rejected))
        }
        case MessageKind.Renew: {
          const r = this.scheduler.renew(from, request.leaseIds)
          if (r.lost.length > 0) this.workers.leased(from, -r.lost.length)
          return encode(msg.renewed(r.renewed, r.ttlMs, r.lost))
        }
        case MessageKind.Release: {
          const released = this.scheduler.release(from, request.leaseIds)
          this.workers.leased(from, -released.length)
          this.log.info({ worker: from, released: released.length }, 'leases released')
          return encode(msg.released(released))
        }
      }
    } catch (err) {
      this.log.error({ from, err }, 'request failed')
      return encode(msg.error(err))
    }
  }
}
