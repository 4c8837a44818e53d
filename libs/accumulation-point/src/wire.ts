/**
 * Everything the accumulation point says and hears on the network, in one place: the gossip
 * topics, and the stream calls as `@cycleshare/protocol` declares them (`coordinatorRpc` served,
 * `workerRpc` called). The rest of the lib speaks in decoded messages and never touches the
 * peer's bytes, so a change of RPC layer is a change of this file alone.
 */
import type { Peer } from '@cycleshare/peer'
import {
  MessageKind, coordinatorRpc, decodeGossip, encode, msg, workerRpc,
  type AssignedMessage, type CancelledMessage, type Lease, type PullMessage, type ReleasedMessage,
  type ReleaseMessage, type RenewedMessage, type RenewMessage, type ReportedMessage, type ReportMessage, type GossipTopics,
  type TransferMessage, type TransferredMessage
} from '@cycleshare/protocol'
import { AccumulationPointStoppedError } from './errors.js'
import type { AccumulationPointLog } from './types.js'

/**
 * The answers to the requests a worker sends, one per kind. A handler may throw: the worker then
 * gets an `error` answer and nothing else happens.
 */
export interface RequestHandlers {
  /** Async: reports arriving together share one durable commit (report-batcher.ts). */
  report: (from: string, request: ReportMessage) => Promise<ReportedMessage>
  renew: (from: string, request: RenewMessage) => RenewedMessage
  release: (from: string, request: ReleaseMessage) => ReleasedMessage
  /** Async: the transfers' signatures are checked first. */
  transfer: (from: string, request: TransferMessage) => Promise<TransferredMessage>
}

export interface Wire {
  /**
   * Calls `listener` with every pull heard on gossip from a peer `admit` lets through; one that
   * does not decode is dropped and logged. `admit` is asked before this decode, so a pull it turns
   * away costs no more than the gossip validation that already ran (accumulationPointGossip).
   */
  onPull: (listener: (pull: PullMessage, from: string) => void, admit: (from: string) => boolean) => () => void
  /** Connects to a peer at `addr` (ending in its /p2p/ id). */
  dial: (addr: string) => Promise<void>
  /** Calls `listener` with the peer id of every peer a connection opened to. */
  onConnect: (listener: (peerId: string) => void) => () => void
  /** The peers connected now. */
  connectedPeers: () => string[]
  /** Calls `listener` with a peer whenever one of its streams is reset for its byte budget. */
  onOverBudget: (listener: (peerId: string) => void) => () => void
  /** Closes every connection to a peer. */
  disconnect: (peerId: string) => Promise<void>
  /** Calls `listener` with the peer id of every peer whose connection closed. */
  onDisconnect: (listener: (peerId: string) => void) => () => void
  /**
   * Answers the workers' requests with `handlers` until the returned function is called; after
   * that, with `AccumulationPointStoppedError` (a peer keeps its handlers until it stops).
   */
  serve: (handlers: RequestHandlers) => Promise<() => void>
  /** Publishes `work` on gossip. */
  announce: (work: { pending: number, tasks: string[] }) => Promise<void>
  /** Sends leases to a worker; rejects when the worker answers `error` or cannot be reached. */
  assign: (worker: string, leases: Lease[]) => Promise<AssignedMessage>
  /** Tells a worker to stop leases; rejects like `assign`. */
  cancel: (worker: string, leaseIds: string[]) => Promise<CancelledMessage>
}

export function createWire (peer: Peer, log: AccumulationPointLog, topics: GossipTopics, announceAddrs = false): Wire {
  let serving: RequestHandlers | undefined
  const current = (): RequestHandlers => {
    if (serving === undefined) throw new AccumulationPointStoppedError()
    return serving
  }
  // Registered with the peer once per start and kept by it until it stops: after `stop`, they
  // answer that this accumulation point is not serving.
  const handlers = {
    report: (request: ReportMessage, from: string) => current().report(from, request),
    renew: (request: RenewMessage, from: string) => current().renew(from, request),
    release: (request: ReleaseMessage, from: string) => current().release(from, request),
    transfer: async (request: TransferMessage, from: string) => await current().transfer(from, request)
  }
  const onError = (err: unknown, from: string, request?: { kind: string }): void => {
    if (request === undefined) log('warn', 'refused a bad request', { from, err: (err as Error).message })
    else if (!(err instanceof AccumulationPointStoppedError)) log('error', 'request failed', { from, err })
  }

  return {
    onPull (listener, admit) {
      return peer.subscribe(topics.pull, (data, from) => {
        if (!admit(from)) return
        let pull: PullMessage
        try {
          const m = decodeGossip(data)
          if (m.kind !== MessageKind.Pull) return
          pull = m
        } catch (err) {
          log('warn', 'dropped a bad gossip message', { from, err: (err as Error).message })
          return
        }
        listener(pull, from)
      })
    },

    async dial (addr) {
      await peer.dial(addr)
    },

    onDisconnect (listener) {
      return peer.on('peer:disconnect', listener)
    },

    onConnect (listener) {
      return peer.on('peer:connect', listener)
    },

    onOverBudget (listener) {
      return peer.on('peer:over-budget', listener)
    },

    connectedPeers () {
      return peer.connectedPeers()
    },

    async disconnect (peerId) {
      await peer.disconnect(peerId)
    },

    async serve (answers) {
      serving = answers
      await peer.serve(coordinatorRpc, handlers, { onError })
      return () => { if (serving === answers) serving = undefined }
    },

    async announce ({ pending, tasks }) {
      await peer.publish(topics.work, encode(msg.work({ pending, tasks, addrs: announceAddrs ? peer.multiaddrs().slice(0, 8) : undefined })))
    },

    async assign (worker, leases) {
      return await peer.call(worker, workerRpc, msg.assign(leases))
    },

    async cancel (worker, leaseIds) {
      return await peer.call(worker, workerRpc, msg.cancel(leaseIds))
    }
  }
}
