/**
 * Typed calls over request streams. A protocol's calls are declared once, outside this lib (for
 * cycleshare's own, in `@cycleshare/protocol`); `Peer.call` and `Peer.serve` take any object of
 * the {@link RpcProtocol} shape, so this lib needs to know nothing of the messages.
 */
import { DEFAULT_MAX_FRAME_BYTES } from './constants.js'
import { FrameTooLargeError } from './errors.js'
import type { FrameHandler, PeerLog } from './types.js'

/** One call of a protocol: how a request of one kind and its answer travel. */
export interface RpcCall<Request extends { kind: string }, Answer> {
  /** Encodes a request of this kind. May throw (a request too large to send): `call` rejects with it. */
  encodeRequest(request: Request): Uint8Array
  /**
   * Decodes and checks the answer to a request of this kind. Throws for an answer that is not
   * one (an error answer included): `call` rejects with what it throws.
   */
  decodeAnswer(bytes: Uint8Array): Answer
  /** Encodes the answer a handler returned. May throw: the request is then answered with an error. */
  encodeAnswer(answer: Answer): Uint8Array
}

// `any` here only states the shape; every use site narrows it through the protocol's own types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RpcCalls = Record<string, RpcCall<any, any>>

/** The request type of a call. */
export type RpcRequest<C> = C extends RpcCall<infer Request, unknown> ? Request : never
/** The answer type of a call. */
export type RpcAnswer<C> = C extends RpcCall<{ kind: string }, infer Answer> ? Answer : never

/** A stream protocol's calls, keyed by the `kind` of their requests. */
export interface RpcProtocol<Calls extends RpcCalls> {
  /** The libp2p protocol id its streams are opened with. */
  readonly protocol: string
  /** `calls[request.kind]` carries a request of that kind and its answer. */
  readonly calls: Calls
  /**
   * Decodes and checks a request frame. Throws, naming what is wrong, for bytes that are not a
   * request this protocol serves: `serve` answers them with `encodeError(thrown)`.
   */
  decodeRequest(bytes: Uint8Array): RpcRequest<Calls[keyof Calls]>
  /**
   * The answer to a request that failed. For a protocol with no error answer, it may throw: the
   * stream is then reset, and the caller sees StreamClosedError.
   */
  encodeError(err: unknown): Uint8Array
}

/** One handler per request kind; each answers with that kind's answer. */
export type RpcHandlers<Calls extends RpcCalls> = {
  readonly [K in keyof Calls]: (request: RpcRequest<Calls[K]>, from: string) => RpcAnswer<Calls[K]> | Promise<RpcAnswer<Calls[K]>>
}

export interface ServeOptions {
  /**
   * Called with the remote peer id before a request frame is decoded; throwing refuses the
   * request, which is answered with `encodeError(thrown)` without being decoded.
   */
  admit?: (from: string) => void
  /**
   * Told of every request answered with an error, in place of the peer's own log line: `request`
   * is undefined when it was refused before it decoded (by `admit` or `decodeRequest`), and is
   * the request when its handler threw or its answer could not be encoded. What it throws is
   * logged by the peer.
   */
  onError?: (err: unknown, from: string, request?: { kind: string }) => void
}

/** The options of {@link createResponder}: those of `serve`, and what a peer would give it. */
export interface ResponderOptions extends ServeOptions {
  /** Largest answer it sends; a larger one is answered with an error. @defaultValue 16 MiB */
  maxFrameBytes?: number
  /** Where refusals and failures go when there is no `onError`. @defaultValue nowhere */
  log?: PeerLog
}

/**
 * What `serve` answers each request frame with, for carrying `rpc` over something other than a
 * peer's streams (a test's fake peer, say): a function from a request frame and the id of the
 * peer it came from to the answer frame. Throws TypeError up front, as `serve` does.
 */
export function createResponder<Calls extends RpcCalls> (
  rpc: RpcProtocol<Calls>, handlers: NoInfer<RpcHandlers<Calls>>, options: ResponderOptions = {}
): FrameHandler {
  const { maxFrameBytes = DEFAULT_MAX_FRAME_BYTES, log = () => {}, ...serveOptions } = options
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1) throw new RangeError('options.maxFrameBytes must be a positive integer')
  if (typeof log !== 'function') throw new TypeError('options.log must be a function')
  return rpcResponder(rpc, handlers, serveOptions, { maxFrameBytes, log })
}

interface Route {
  call: RpcCall<{ kind: string }, unknown>
  handle: (request: { kind: string }, from: string) => unknown
}

export interface ResponderComponents {
  maxFrameBytes: number
  log: PeerLog
}

/**
 * The frame handler `serve` registers: decode, route by kind, encode. It never throws: a request
 * that is refused or does not decode, a handler that throws and an answer that cannot be sent
 * are answered with the protocol's error answer and logged. Throws TypeError up front when a
 * call has no handler.
 */
export function rpcResponder<Calls extends RpcCalls> (
  rpc: RpcProtocol<Calls>, handlers: RpcHandlers<Calls>, options: ServeOptions, components: ResponderComponents
): FrameHandler {
  const { maxFrameBytes, log } = components
  if (typeof rpc !== 'object' || rpc === null || typeof rpc.protocol !== 'string' || typeof rpc.calls !== 'object' || rpc.calls === null) {
    throw new TypeError('rpc must be an RpcProtocol: { protocol, calls, decodeRequest, encodeError }')
  }
  if (typeof handlers !== 'object' || handlers === null) throw new TypeError('handlers must be an object')
  if (options.admit !== undefined && typeof options.admit !== 'function') throw new TypeError('options.admit must be a function')
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('options.onError must be a function')
  const routes = new Map<string, Route>()
  for (const kind of Object.keys(rpc.calls)) {
    const handle = handlers[kind]
    if (typeof handle !== 'function') throw new TypeError(`handlers.${kind} must be a function`)
    routes.set(kind, { call: rpc.calls[kind], handle: handle as Route['handle'] })
  }
  const { protocol } = rpc
  const { admit, onError } = options
  const told = (err: unknown, from: string, request: { kind: string } | undefined): void => {
    try {
      onError?.(err, from, request)
    } catch (thrown) {
      log('error', `${protocol} onError threw: ${describe(thrown)}`, thrown)
    }
  }
  const refuse = (from: string, err: unknown): Uint8Array => {
    if (onError === undefined) log('warn', `${protocol} refused a request from ${from}: ${describe(err)}`, err)
    else told(err, from, undefined)
    return rpc.encodeError(err)
  }
  const fail = (request: { kind: string }, from: string, err: unknown): Uint8Array => {
    if (onError === undefined) log('error', `${protocol} ${request.kind} from ${from} failed: ${describe(err)}`, err)
    else told(err, from, request)
    return rpc.encodeError(err)
  }
  const encode = (route: Route, request: { kind: string }, from: string, answer: unknown): Uint8Array => {
    try {
      const bytes = route.call.encodeAnswer(answer)
      if (bytes.byteLength > maxFrameBytes) {
        throw new FrameTooLargeError(`answer of ${bytes.byteLength} bytes exceeds maxFrameBytes (${maxFrameBytes})`)
      }
      return bytes
    } catch (err) {
      return fail(request, from, err)
    }
  }
  // Not an async function: a handler that answers at once (all of ours do) costs no extra turn
  // of the microtask queue on the request path.
  return (frame, from) => {
    let request: { kind: string }
    let route: Route | undefined
    try {
      admit?.(from)
      request = rpc.decodeRequest(frame)
      route = routes.get(request.kind)
      if (route === undefined) throw new TypeError(`${protocol} has no handler for ${String(request.kind)}`)
    } catch (err) {
      return refuse(from, err)
    }
    let answer: unknown
    try {
      answer = route.handle(request, from)
    } catch (err) {
      return fail(request, from, err)
    }
    if (isPromiseLike(answer)) {
      const routed = route
      return Promise.resolve(answer).then(a => encode(routed, request, from, a), (err: unknown) => fail(request, from, err))
    }
    return encode(route, request, from, answer)
  }
}

/** The call of `rpc` for `request`'s kind; TypeError when `rpc` declares none. */
export function callFor<Calls extends RpcCalls> (rpc: RpcProtocol<Calls>, request: { kind: string }): RpcCall<{ kind: string }, unknown> {
  const kind = (request as { kind?: unknown } | null)?.kind
  if (typeof kind !== 'string' || !Object.hasOwn(rpc.calls, kind)) {
    throw new TypeError(`${rpc.protocol} has no call for a request of kind ${String(kind)}`)
  }
  return rpc.calls[kind]
}

function isPromiseLike (value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}

function describe (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
