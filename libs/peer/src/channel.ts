import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import {
  DialFailedError, FrameTooLargeError, ProtocolNotSupportedError, RequestAbortedError,
  RequestTimeoutError, StreamClosedError
} from './errors.js'
import { frameStream, type FrameStream } from './frames.js'
import type { CallOptions } from './types.js'

/** Errors that already say what happened; anything else from the stream is a closed stream. */
const OUR_ERRORS = new Set(['FrameTooLargeError', 'InvalidFrameError', 'StreamClosedError', 'RequestTimeoutError', 'RequestAbortedError'])

interface Waiter {
  resolve: (frame: Uint8Array) => void
  reject: (err: Error) => void
}

/**
 * Waiters in request order. An array's `shift` moves every element, which made answering
 * thousands of pipelined requests quadratic; this takes from a moving head and drops the taken
 * part once it is the larger half.
 */
class WaiterQueue {
  private items: Array<Waiter | undefined> = []
  private head = 0

  get size (): number {
    return this.items.length - this.head
  }

  push (waiter: Waiter): void {
    this.items.push(waiter)
  }

  shift (): Waiter | undefined {
    if (this.head === this.items.length) return undefined
    const waiter = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head === this.items.length) {
      this.items = []
      this.head = 0
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return waiter
  }

  /** Empties the queue, returning what it held in order. */
  drain (): Waiter[] {
    const waiters = this.items.slice(this.head) as Waiter[]
    this.items = []
    this.head = 0
    return waiters
  }
}

export interface ChannelInit {
  maxFrameBytes: number
  requestTimeoutMs: number
}

/**
 * A long-lived request stream to one peer for one protocol. Opening a libp2p stream costs a
 * Yamux handshake, a multistream-select negotiation and several Noise frames — more than most
 * requests themselves — so requests to the same peer share one stream. Frames go out in order and
 * the answers come back in the same order (the framing rule of every cycleshare protocol), so
 * several requests may be in flight at once.
 *
 * Any failure (a timeout, an abort, the remote resetting) ends the whole channel: answers can no
 * longer be matched to requests. Every request still waiting is rejected and the next request
 * opens a fresh channel. The channel closes itself when idle for half the request timeout, before
 * the remote's idle limit (the same timeout) would reset it under a request.
 */
export class Channel {
  private readonly waiting = new WaiterQueue()
  private ended = false
  private idleTimer?: NodeJS.Timeout
  private readonly frames: FrameStream

  private constructor (
    private readonly stream: Stream,
    private readonly protocol: string,
    private readonly init: ChannelInit,
    private readonly onEnd: () => void
  ) {
    this.frames = frameStream(stream, init.maxFrameBytes)
    void this.read()
    this.armIdle()
  }

  static async open (node: Libp2p, peer: PeerId, protocol: string, init: ChannelInit, onEnd: () => void, signal: AbortSignal): Promise<Channel> {
    let stream: Stream
    try {
      stream = await node.dialProtocol(peer, protocol, { signal })
    } catch (err) {
      throw (err as Error | undefined)?.name === 'UnsupportedProtocolError'
        ? new ProtocolNotSupportedError(`the remote peer does not handle ${protocol}`, { cause: err })
        : new DialFailedError(`could not open a ${protocol} stream to ${peer.toString()}: ${(err as Error).message}`, { cause: err })
    }
    return new Channel(stream, protocol, init, onEnd)
  }

  get open (): boolean {
    return !this.ended
  }

  async request (data: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    const { maxFrameBytes, requestTimeoutMs } = this.init
    if (data.byteLength > maxFrameBytes) {
      throw new FrameTooLargeError(`request of ${data.byteLength} bytes exceeds maxFrameBytes (${maxFrameBytes})`)
    }
    if (this.ended) throw new StreamClosedError(`the ${this.protocol} channel is closed`)
    clearTimeout(this.idleTimer)
    const answer = new Promise<Uint8Array>((resolve, reject) => { this.waiting.push({ resolve, reject }) })
    const timeout = setTimeout(() => {
      this.fail(new RequestTimeoutError(`${this.protocol} request timed out after ${requestTimeoutMs} ms`))
    }, requestTimeoutMs)
    const onAbort = (): void => { this.fail(new RequestAbortedError(`${this.protocol} request aborted`, { cause: options.signal?.reason })) }
    if (options.signal?.aborted === true) onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (!this.ended) await this.frames.write(data)
      return await answer
    } finally {
      clearTimeout(timeout)
      options.signal?.removeEventListener('abort', onAbort)
      if (this.waiting.size === 0) this.armIdle()
    }
  }

  /** Half-closes our side; the remote answers what it has and closes too. */
  close (): void {
    if (this.ended) return
    this.ended = true
    clearTimeout(this.idleTimer)
    this.onEnd()
    this.stream.close().catch(() => { this.stream.abort(new StreamClosedError('channel closed')) })
  }

  private armIdle (): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => { if (this.waiting.size === 0) this.close() }, this.init.requestTimeoutMs / 2)
    this.idleTimer.unref()
  }

  private async read (): Promise<void> {
    try {
      for (let frame = await this.frames.read(); frame !== undefined; frame = await this.frames.read()) {
        const waiter = this.waiting.shift()
        if (waiter === undefined) throw new StreamClosedError(`the ${this.protocol} handler sent an answer nobody asked for`)
        waiter.resolve(frame)
      }
      this.fail(new StreamClosedError(`the ${this.protocol} stream closed before the answer arrived (the remote handler failed or refused the request)`))
    } catch (err) {
      this.fail(err instanceof Error && OUR_ERRORS.has(err.name)
        ? err
        : new StreamClosedError(`the ${this.protocol} stream closed before the answer arrived (the remote handler failed or refused the request): ${(err as Error).message}`, { cause: err }))
    }
  }

  /** Ends the channel: the first waiter gets `err`, the others a StreamClosedError. */
  private fail (err: Error): void {
    const waiting = this.waiting.drain()
    if (!this.ended) {
      this.ended = true
      clearTimeout(this.idleTimer)
      this.onEnd()
      this.stream.abort(err)
    }
    waiting.forEach((w, i) => {
      w.reject(i === 0 ? err : new StreamClosedError(`the ${this.protocol} channel failed: ${err.message}`, { cause: err }))
    })
  }
}
