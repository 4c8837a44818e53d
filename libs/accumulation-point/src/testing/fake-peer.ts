/**
 * A `Peer` with no network, for unit tests: the test plays the workers. This is the one test file
 * that knows how messages cross the wire; tests speak in decoded messages through it.
 */
import {
  createResponder, type CallOptions, type FrameHandler, type Peer, type PeerEventName, type RpcAnswer, type RpcCalls,
  type RpcHandlers, type RpcProtocol, type RpcRequest, type ServeOptions, type TopicHandler
} from '@cycleshare/peer'
import {
  MessageKind, PROTOCOL_COORDINATOR, PROTOCOL_WORKER, TOPIC_PULL, TOPIC_WORK, decode, decodeRequest, encode, msg,
  type ChunkResult, type Lease, type LeaseCheckpoint, type Message, type Transfer, type WorkMessage
} from '@cycleshare/protocol'

/** An `assign` the accumulation point sent, waiting for the test to answer it. */
export interface SentAssign {
  worker: string
  leases: Lease[]
  /** Answers `assigned { accepted, refused }`. */
  answer: (accepted: string[], refused?: string[]) => void
  /** Answers with every lease accepted. */
  acceptAll: () => void
  /** The request fails as a stream failure would. */
  fail: (err: Error) => void
}

export interface SentCancel {
  worker: string
  leaseIds: string[]
}

/** Things that happen one after another: a list, and a promise of the next one. */
export class Inbox<T> {
  readonly items: T[] = []
  private readonly waiting: Array<(item: T) => void> = []

  push (item: T): void {
    this.items.push(item)
    for (const resolve of this.waiting.splice(0)) resolve(item)
  }

  /** The next item pushed after this call. */
  async next (): Promise<T> {
    return await new Promise(resolve => { this.waiting.push(resolve) })
  }
}

export class FakePeer implements Peer {
  readonly peerId = 'accumulation-point'
  readonly assigns = new Inbox<SentAssign>()
  readonly cancels = new Inbox<SentCancel>()
  readonly announcements = new Inbox<WorkMessage>()
  /** When set, `cancel` requests fail with it (the worker cannot be reached). */
  cancelError?: Error
  private readonly topics = new Map<string, Set<TopicHandler>>()
  /** What `serve` answers each request frame with, by protocol: the peer's own responder. */
  private readonly responders = new Map<string, FrameHandler>()
  private readonly listeners = new Map<PeerEventName, Set<(peerId: string) => void>>()
  private readonly connected = new Set<string>()

  // ── the test's side ──────────────────────────────────────────────────────────────────────

  /** `worker` publishes a pull. */
  /** `worker`, connected (it connects first if it was not), publishes a pull. */
  pull (worker: string, slots: number, tasks: string[] = ['sum'], threads = 2): void {
    this.connect(worker)
    this.gossip(TOPIC_PULL, encode(msg.pull({ slots, tasks, capacity: { threads } })), worker)
  }

  /** A pull signed by `signer`, a peer with no connection to us, relayed by another. */
  relayedPull (signer: string, slots: number): void {
    this.gossip(TOPIC_PULL, encode(msg.pull({ slots, tasks: ['sum'], capacity: { threads: 2 } })), signer)
  }

  /** One of `peerId`'s streams is reset for its byte budget, as the real peer would say. */
  overBudget (peerId: string): void {
    for (const listener of this.listeners.get('peer:over-budget') ?? []) listener(peerId)
  }

  /** A connection from `peerId` opens (once). */
  connect (peerId: string): void {
    if (this.connected.has(peerId)) return
    this.connected.add(peerId)
    for (const listener of this.listeners.get('peer:connect') ?? []) listener(peerId)
  }

  /** Raw gossip from `from`, delivered to the topic's handlers at once. */
  gossip (topic: string, data: Uint8Array, from: string): void {
    for (const handler of this.topics.get(topic) ?? []) handler(data, from)
  }

  /** `worker` sends a request on the accumulation point's protocol and gets the decoded answer. */
  async report (worker: string, results: ChunkResult[]): Promise<Message> {
    return await this.send(worker, encode(msg.report(results)))
  }

  async renew (worker: string, leaseIds: string[], checkpoints: LeaseCheckpoint[] = []): Promise<Message> {
    return await this.send(worker, encode(msg.renew(leaseIds, checkpoints)))
  }

  async release (worker: string, leaseIds: string[], checkpoints: LeaseCheckpoint[] = []): Promise<Message> {
    return await this.send(worker, encode(msg.release(leaseIds, checkpoints)))
  }

  async transfer (worker: string, transfers: Transfer[], checkpoints: LeaseCheckpoint[] = []): Promise<Message> {
    return await this.send(worker, encode(msg.transfer(transfers, checkpoints)))
  }

  /** Raw bytes to the accumulation point's protocol; the answer decoded. */
  async send (worker: string, data: Uint8Array): Promise<Message> {
    const respond = this.responders.get(PROTOCOL_COORDINATOR)
    if (respond === undefined) throw new Error(`nothing serves ${PROTOCOL_COORDINATOR}`)
    return decode(await respond(data, worker))
  }

  /** The connection to `peerId` closes (the test's side, or the point's own `Peer.disconnect`). */
  async disconnect (peerId: string): Promise<void> {
    this.connected.delete(peerId)
    for (const listener of this.listeners.get('peer:disconnect') ?? []) listener(peerId)
  }

  subscribers (topic: string): number {
    return this.topics.get(topic)?.size ?? 0
  }

  // ── Peer ─────────────────────────────────────────────────────────────────────────────────

  async start (): Promise<void> {}
  async stop (): Promise<void> {}
  multiaddrs (): string[] { return [] }
  async sign (): Promise<Uint8Array> { throw new Error('a fake peer signs nothing') }
  topicPeers (): string[] { return [] }
  connectedPeers (): string[] { return [...this.connected] }
  async dial (): Promise<string> { throw new Error('a fake peer dials nobody') }

  subscribe (topic: string, handler: TopicHandler): () => void {
    let set = this.topics.get(topic)
    if (set === undefined) this.topics.set(topic, set = new Set())
    set.add(handler)
    return () => { set.delete(handler) }
  }

  async publish (topic: string, data: Uint8Array): Promise<void> {
    const message = decode(data)
    if (topic !== TOPIC_WORK || message.kind !== MessageKind.Work) throw new Error(`unexpected ${message.kind} on ${topic}`)
    this.announcements.push(message)
  }

  async serve<Calls extends RpcCalls> (rpc: RpcProtocol<Calls>, handlers: RpcHandlers<Calls>, options?: ServeOptions): Promise<void> {
    this.responders.set(rpc.protocol, createResponder(rpc, handlers, options))
  }

  /** Carries the request as bytes, as the network would, to a worker played by the test. */
  async call<Calls extends RpcCalls, const Request extends { kind: string }> (
    peer: string, rpc: RpcProtocol<Calls>, request: Request & RpcRequest<Calls[keyof Calls]>, _options?: CallOptions
  ): Promise<RpcAnswer<Calls[Request['kind']]>> {
    const call = rpc.calls[request.kind]
    return call.decodeAnswer(await this.answer(peer, rpc.protocol, call.encodeRequest(request))) as RpcAnswer<Calls[Request['kind']]>
  }

  private async answer (peer: string, protocol: string, data: Uint8Array): Promise<Uint8Array> {
    if (protocol !== PROTOCOL_WORKER) throw new Error(`unexpected request on ${protocol}`)
    const request = decodeRequest(data, PROTOCOL_WORKER)
    if (request.kind === MessageKind.Cancel) {
      this.cancels.push({ worker: peer, leaseIds: request.leaseIds })
      if (this.cancelError !== undefined) throw this.cancelError
      return encode(msg.cancelled(request.leaseIds))
    }
    const leases = request.leases
    return await new Promise<Uint8Array>((resolve, reject) => {
      this.assigns.push({
        worker: peer,
        leases,
        answer: (accepted, refused = []) => { resolve(encode(msg.assigned(accepted, refused))) },
        acceptAll: () => { resolve(encode(msg.assigned(leases.map(l => l.leaseId), []))) },
        fail: reject
      })
    })
  }

  on (event: PeerEventName, listener: (peerId: string) => void): () => void {
    let set = this.listeners.get(event)
    if (set === undefined) this.listeners.set(event, set = new Set())
    set.add(listener)
    return () => { set.delete(listener) }
  }
}
