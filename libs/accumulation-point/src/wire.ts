/**
 * Everything the accumulation point says and hears on the network, in one place: the gossip
 * topics, the stream protocols, encoding and decoding with limits. The rest of the lib speaks in
 * decoded messages and never touches the peer's bytes, so a change of RPC layer is a change of
 * this file alone.
 */
import type { Peer } from '@cycleshare/peer'
import {
  MessageKind, PROTOCOL_COORDINATOR, PROTOCOL_WORKER, TOPIC_PULL, TOPIC_WORK,
  decodeGossip, decodeRequest, decodeResponse, encode, msg,
  type AssignedMessage, type CancelledMessage, type CoordinatorRequest, type Lease, type PullMessage,
  type ReleasedMessage, type ReleaseMessage, type RenewedMessage, type RenewMessage, type ReportedMessage,
  type ReportMessage
} from '@cycleshare/protocol'
import { AccumulationPointStoppedError } from './errors.js'
import type { AccumulationPointLog } from './types.js'

/**
 * The answers to the requests a worker sends, one per kind. A handler may throw: the worker then
 * gets an `error` answer and nothing else happens.
 */
export interface RequestHandlers {
  report: (from: string, request: ReportMessage) => ReportedMessage
  renew: (from: string, request: RenewMessage) => RenewedMessage
  release: (from: string, request: ReleaseMessage) => ReleasedMessage
}

export interface Wire {
  /** Calls `listener` with every pull heard on gossip; one that does not decode is dropped and logged. */
  onPull: (listener: (pull: PullMessage, from: string) => void) => () => void
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

export function createWire (peer: Peer, log: AccumulationPointLog): Wire {
  let serving: RequestHandlers | undefined

  const answer = (request: CoordinatorRequest, from: string, handlers: RequestHandlers): Uint8Array => {
    switch (request.kind) {
      case MessageKind.Report: return encode(handlers.report(from, request))
      case MessageKind.Renew: return encode(handlers.renew(from, request))
      case MessageKind.Release: return encode(handlers.release(from, request))
    }
  }

  const onRequest = (data: Uint8Array, from: string): Uint8Array => {
    let request: CoordinatorRequest
    try {
      request = decodeRequest(data, PROTOCOL_COORDINATOR)
    } catch (err) {
      log('warn', 'refused a bad request', { from, err: (err as Error).message })
      return encode(msg.error(err))
    }
    if (serving === undefined) return encode(msg.error(new AccumulationPointStoppedError()))
    try {
      return answer(request, from, serving)
    } catch (err) {
      log('error', 'request failed', { from, err })
      return encode(msg.error(err))
    }
  }

  return {
    onPull (listener) {
      return peer.subscribe(TOPIC_PULL, (data, from) => {
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

    onDisconnect (listener) {
      return peer.on('peer:disconnect', listener)
    },

    async serve (handlers) {
      serving = handlers
      await peer.handle(PROTOCOL_COORDINATOR, onRequest)
      return () => { if (serving === handlers) serving = undefined }
    },

    async announce ({ pending, tasks }) {
      await peer.publish(TOPIC_WORK, encode(msg.work({ pending, tasks })))
    },

    async assign (worker, leases) {
      return decodeResponse(await peer.request(worker, PROTOCOL_WORKER, encode(msg.assign(leases))), MessageKind.Assigned)
    },

    async cancel (worker, leaseIds) {
      return decodeResponse(await peer.request(worker, PROTOCOL_WORKER, encode(msg.cancel(leaseIds))), MessageKind.Cancelled)
    }
  }
}
