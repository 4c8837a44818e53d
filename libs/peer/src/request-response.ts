import type { Connection, Libp2p, PeerId, Stream, StreamMessageEvent } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { encodingLength } from 'uint8-varint'
import type { InboundBudget } from './budget.js'
import {
  DialFailedError, FrameTooLargeError, ProtocolNotSupportedError, RequestAbortedError,
  RequestTimeoutError, StreamClosedError
} from './errors.js'
import { frameStream } from './frames.js'
import type { CallOptions, FrameHandler, PeerLog } from './types.js'

export interface RequestResponseComponents {
  maxFrameBytes: number
  requestTimeoutMs: number
  log: PeerLog
}

export interface ServeComponents extends RequestResponseComponents {
  /** What each peer's requests hold; every served stream charges its peer's account. */
  budget: InboundBudget
  /** A stream of `peer` is reset for going over its byte budget. */
  overBudget?: (peer: string) => void
}

/**
 * Answer every request frame on an inbound `stream` with `handler`, in order, then close. Any
 * failure (bad frame, handler error, no complete frame for `requestTimeoutMs`, too many unread
 * bytes, the peer over its byte budget, the remote's reset) resets the stream and is logged; it
 * never escapes, so the node keeps serving other streams. Whatever the stream held is given back
 * to its peer's budget when it ends, however it ends.
 */
export async function serveStream (
  stream: Stream, connection: Connection, handler: FrameHandler, components: ServeComponents
): Promise<void> {
  const { maxFrameBytes, requestTimeoutMs, log, budget } = components
  const from = connection.remotePeer.toString()
  const protocol = stream.protocol
  // Every byte is counted as it arrives, before any of it is framed: the length prefix reserves
  // nothing (the framing keeps the chunks as they came until the whole body is there), so what a
  // peer can make us hold is what it has sent and we have not answered.
  const charge = budget.open(from)
  stream.addEventListener('message', (evt: StreamMessageEvent) => {
    const over = charge.arrived(evt.data.byteLength)
    // Reset once this dispatch is over, as the framing does for its own overflow.
    if (over !== undefined) {
      queueMicrotask(() => { stream.abort(over) })
      components.overBudget?.(from)
    }
  })
  // Logged when it happens, whoever ends the stream: the framing resets it on its own when more
  // bytes wait unread than it buffers, which may be while a handler is still running.
  stream.addEventListener('close', (evt) => {
    charge.end()
    if (evt.error !== undefined) log('warn', `${protocol} stream from ${from} reset: ${evt.error.message}`, evt.error)
  }, { once: true })
  // A peer that opens a stream and goes quiet, or trickles a frame in slowly, must not hold one
  // of our inbound stream slots or its bytes for long: the timer runs from the last answer (or
  // the stream's opening) until a whole request frame has arrived.
  let idle: NodeJS.Timeout | undefined
  const armIdleTimer = (): void => {
    idle = setTimeout(() => {
      stream.abort(new RequestTimeoutError(`no request frame within ${requestTimeoutMs} ms`))
    }, requestTimeoutMs)
  }
  armIdleTimer()
  const frames = frameStream(stream, maxFrameBytes)
  try {
    for (let request = await frames.read(); request !== undefined; request = await frames.read()) {
      clearTimeout(idle)
      const response = await handler(request, from)
      charge.answered(request.byteLength + encodingLength(request.byteLength))
      if (!(response instanceof Uint8Array)) {
        throw new TypeError(`the ${protocol} handler returned ${typeof response}, not a Uint8Array`)
      }
      if (response.byteLength > maxFrameBytes) {
        throw new FrameTooLargeError(`response of ${response.byteLength} bytes exceeds maxFrameBytes (${maxFrameBytes})`)
      }
      await frames.write(response)
      armIdleTimer()
    }
    await stream.close()
  } catch (err) {
    // A no-op (and already logged) when the stream ended before the error surfaced here.
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  } finally {
    clearTimeout(idle)
    charge.end()
  }
}

/**
 * Open a stream to `target` for `protocol` (reusing an existing connection), send one frame, read
 * the one answer frame, and close. Rejects with one of the errors in errors.ts.
 */
export async function sendRequest (
  node: Libp2p, target: PeerId | Multiaddr,
  protocol: string, data: Uint8Array, options: CallOptions, components: RequestResponseComponents
): Promise<Uint8Array> {
  const { maxFrameBytes, requestTimeoutMs } = components
  if (!(data instanceof Uint8Array)) {
    throw new TypeError('data must be a Uint8Array')
  }
  if (data.byteLength > maxFrameBytes) {
    throw new FrameTooLargeError(`request of ${data.byteLength} bytes exceeds maxFrameBytes (${maxFrameBytes})`)
  }
  const timeout = AbortSignal.timeout(requestTimeoutMs)
  const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout])
  const failure = (err: unknown, fallback: (cause: unknown) => Error): Error => {
    if (timeout.aborted) {
      return new RequestTimeoutError(`${protocol} request timed out after ${requestTimeoutMs} ms`, { cause: err })
    }
    if (options.signal?.aborted === true) {
      return new RequestAbortedError(`${protocol} request aborted`, { cause: options.signal.reason })
    }
    return isOurs(err) ? err : fallback(err)
  }
  if (signal.aborted) {
    throw failure(signal.reason, cause => new RequestAbortedError(undefined, { cause }))
  }

  let stream: Stream
  try {
    stream = await node.dialProtocol(target, protocol, { signal })
  } catch (err) {
    throw failure(err, cause => (cause as Error | undefined)?.name === 'UnsupportedProtocolError'
      ? new ProtocolNotSupportedError(`the remote peer does not handle ${protocol}`, { cause })
      : new DialFailedError(`could not open a ${protocol} stream to ${target.toString()}: ${(cause as Error).message}`, { cause }))
  }

  // Reading a stream cannot be interrupted by a signal; resetting the stream ends the read.
  const onAbort = (): void => { stream.abort(new RequestAbortedError()) }
  signal.addEventListener('abort', onAbort, { once: true })
  const frames = frameStream(stream, maxFrameBytes)
  try {
    await frames.write(data, signal)
    await stream.close({ signal })
    const answer = await frames.read()
    // Reading on to the remote's close (it closes right after answering) ends the stream
    // gracefully on both sides instead of leaving it half open.
    if (answer !== undefined && await frames.read() !== undefined) {
      throw new StreamClosedError(`the ${protocol} handler sent more than one answer frame`)
    }
    if (answer === undefined) {
      throw new StreamClosedError(`the ${protocol} stream ended without an answer (the remote handler failed or refused the request)`)
    }
    return answer
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw failure(err, cause => new StreamClosedError(
      `the ${protocol} stream closed before the answer arrived (the remote handler failed or refused the request): ${(cause as Error).message}`,
      { cause }))
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

const OUR_ERRORS = new Set([
  'FrameTooLargeError', 'InvalidFrameError', 'StreamClosedError', 'RequestTimeoutError',
  'RequestAbortedError', 'ProtocolNotSupportedError', 'DialFailedError'
])

function isOurs (err: unknown): err is Error {
  return err instanceof Error && OUR_ERRORS.has(err.name)
}
