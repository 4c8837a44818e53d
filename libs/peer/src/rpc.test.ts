import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FrameTooLargeError, StreamClosedError } from './errors.js'
import { createPeer } from './peer.js'
import { createResponder, type RpcCall, type RpcCalls, type RpcProtocol } from './rpc.js'
import { requestBytes } from './testing/bytes-rpc.js'
import type { PeerLogLevel } from './types.js'

// A protocol declared the way @cycleshare/protocol declares its own, with JSON for the codec:
// this lib sees only the RpcProtocol shape.
interface Add { kind: 'add', a: number, b: number }
interface Sum { kind: 'sum', sum: number }
interface Echo { kind: 'echo', text: string, late?: boolean }
interface Echoed { kind: 'echoed', text: string }
interface Boom { kind: 'boom' }
interface Never { kind: 'never' }
interface Hold { kind: 'hold', pad: string }
interface Divide { kind: 'divide', a: number, b: number }
interface Quotient { kind: 'quotient', quotient: number }

const text = new TextEncoder()
const json = (value: unknown): Uint8Array => text.encode(JSON.stringify(value))
const parse = (bytes: Uint8Array): Record<string, unknown> => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>

/** What a test protocol's error answer becomes on the calling side. */
class AnsweredError extends Error {
  constructor (readonly remoteName: string, message: string) {
    super(message)
    this.name = 'AnsweredError'
  }
}

function jsonCall<Request extends { kind: string }, Answer extends { kind: string }> (answerKind: Answer['kind']): RpcCall<Request, Answer> {
  return {
    encodeRequest: request => json(request),
    decodeAnswer: (bytes) => {
      const answer = parse(bytes)
      if (answer.kind === 'error') throw new AnsweredError(String(answer.name), String(answer.message))
      if (answer.kind !== answerKind) throw new TypeError(`expected ${answerKind}, got ${String(answer.kind)}`)
      return answer as unknown as Answer
    },
    encodeAnswer: answer => json(answer)
  }
}

function jsonRpc<Calls extends RpcCalls> (protocol: string, calls: Calls): RpcProtocol<Calls> {
  return {
    protocol,
    calls,
    decodeRequest: (bytes) => {
      let request: Record<string, unknown>
      try {
        request = parse(bytes)
      } catch {
        throw new TypeError('request is not JSON')
      }
      if (typeof request.kind !== 'string' || !Object.hasOwn(calls, request.kind)) throw new TypeError(`${String(request.kind)} is not a request of ${protocol}`)
      return request as never
    },
    encodeError: err => json({ kind: 'error', name: (err as Error).name, message: (err as Error).message })
  }
}

const PROTOCOL = '/test/math/1'
const served = {
  add: jsonCall<Add, Sum>('sum'),
  echo: jsonCall<Echo, Echoed>('echoed'),
  boom: jsonCall<Boom, Echoed>('echoed'),
  never: jsonCall<Never, Echoed>('echoed'),
  hold: jsonCall<Hold, Echoed>('echoed')
}
const mathRpc = jsonRpc(PROTOCOL, served)
/** The same protocol as a newer client knows it: one more call, which the server does not serve. */
const newerMathRpc = jsonRpc(PROTOCOL, { ...served, divide: jsonCall<Divide, Quotient>('quotient') })

const LOCAL = ['/ip4/127.0.0.1/tcp/0']
const KiB = 1024

function logRecorder () {
  const lines: Array<{ level: PeerLogLevel, message: string }> = []
  return { lines, log: (level: PeerLogLevel, message: string) => { lines.push({ level, message }) } }
}

describe('call and serve between two peers', () => {
  const serverLog = logRecorder()
  const server = createPeer({ listen: LOCAL, maxFrameBytes: 64 * KiB, log: serverLog.log })
  const client = createPeer({ listen: LOCAL })
  const outsider = createPeer({ listen: LOCAL })
  const greedy = createPeer({ listen: LOCAL })
  let releaseHeld: () => void = () => {}
  const held = new Promise<void>(resolve => { releaseHeld = resolve })

  beforeAll(async () => {
    await server.serve(mathRpc, {
      add: ({ a, b }) => ({ kind: 'sum', sum: a + b }),
      echo: async ({ text, late }, from) => {
        // A late answer: pipelined answers would cross if the stream did not keep them in order.
        if (late === true) await new Promise(resolve => setImmediate(resolve))
        return { kind: 'echoed', text: `${from === client.peerId ? 'client' : from}:${text}` }
      },
      boom: () => { throw new RangeError('the handler broke') },
      never: () => ({ kind: 'echoed', text: 'x'.repeat(65 * KiB) }),
      hold: async () => { await held; return { kind: 'echoed', text: 'held' } }
    }, {
      admit: (from) => { if (from === outsider.peerId) throw new Error(`${from} may not call`) }
    })
    await Promise.all([server.start(), client.start(), outsider.start(), greedy.start()])
    await client.dial(server.multiaddrs()[0]!)
    await outsider.dial(server.multiaddrs()[0]!)
    await greedy.dial(server.multiaddrs()[0]!)
  })

  afterAll(async () => {
    releaseHeld()
    await Promise.all([server.stop(), client.stop(), outsider.stop(), greedy.stop()])
  })

  it('answers each request with the answer of its kind', async () => {
    const sum = await client.call(server.peerId, mathRpc, { kind: 'add', a: 2, b: 40 })
    expect(sum).toEqual({ kind: 'sum', sum: 42 })
    const echoed = await client.call(server.peerId, mathRpc, { kind: 'echo', text: 'hi' })
    expect(echoed).toEqual({ kind: 'echoed', text: 'client:hi' })
  })

  it('calls itself with no connection, through the same handlers', async () => {
    expect(await server.call(server.peerId, mathRpc, { kind: 'add', a: 20, b: 22 })).toEqual({ kind: 'sum', sum: 42 })
    await expect(server.call(server.peerId, mathRpc, { kind: 'boom' })).rejects.toMatchObject({ name: 'AnsweredError', remoteName: 'RangeError', message: 'the handler broke' })
    await expect(client.call(client.peerId, mathRpc, { kind: 'add', a: 1, b: 2 })).rejects.toMatchObject({ name: 'PeerNotServingError', message: 'this peer serves no /test/math/1' })
  })

  it('calls a peer by multiaddr as well as by id', async () => {
    expect(await client.call(server.multiaddrs()[0]!, mathRpc, { kind: 'add', a: 1, b: 1 })).toEqual({ kind: 'sum', sum: 2 })
  })

  it('keeps pipelined answers in request order', async () => {
    const texts = Array.from({ length: 200 }, (_, i) => `m${i}`)
    const answers = await Promise.all(texts.map(async (t, i) =>
      await client.call(server.peerId, mathRpc, { kind: 'echo', text: t, late: i % 3 === 1 })))
    expect(answers.map(a => a.text)).toEqual(texts.map(t => `client:${t}`))
  })

  it('answers a request the protocol does not serve with an error answer naming it, and goes on', async () => {
    const refused = client.call(server.peerId, newerMathRpc, { kind: 'divide', a: 1, b: 2 })
    await expect(refused).rejects.toThrow(new AnsweredError('TypeError', `divide is not a request of ${PROTOCOL}`))
    expect(serverLog.lines).toContainEqual({ level: 'warn', message: `${PROTOCOL} refused a request from ${client.peerId}: divide is not a request of ${PROTOCOL}` })
    expect(await client.call(server.peerId, mathRpc, { kind: 'add', a: 3, b: 4 })).toEqual({ kind: 'sum', sum: 7 })
  })

  it('answers bytes that do not decode with an error answer', async () => {
    // Raw bytes are the only way to send what no call of this protocol would encode.
    const answer = parse(await requestBytes(client, server.peerId, PROTOCOL, Uint8Array.of(0xff, 0x00)))
    expect(answer).toEqual({ kind: 'error', name: 'TypeError', message: 'request is not JSON' })
  })

  it('answers for a handler that throws with an error answer, logs it, and goes on', async () => {
    await expect(client.call(server.peerId, mathRpc, { kind: 'boom' })).rejects.toThrow(new AnsweredError('RangeError', 'the handler broke'))
    expect(serverLog.lines).toContainEqual({ level: 'error', message: `${PROTOCOL} boom from ${client.peerId} failed: the handler broke` })
    expect(await client.call(server.peerId, mathRpc, { kind: 'add', a: 5, b: 5 })).toEqual({ kind: 'sum', sum: 10 })
  })

  it('answers with an error when the answer cannot be sent (over the frame limit)', async () => {
    await expect(client.call(server.peerId, mathRpc, { kind: 'never' })).rejects.toThrow(AnsweredError)
    expect(serverLog.lines.some(l => l.level === 'error' && l.message.startsWith(`${PROTOCOL} never from ${client.peerId} failed:`))).toBe(true)
  })

  it('refuses a peer that admit refuses before decoding its request', async () => {
    await expect(outsider.call(server.peerId, mathRpc, { kind: 'add', a: 1, b: 2 }))
      .rejects.toThrow(new AnsweredError('Error', `${outsider.peerId} may not call`))
    const garbage = parse(await requestBytes(outsider, server.peerId, PROTOCOL, Uint8Array.of(0xff)))
    expect(garbage.message).toBe(`${outsider.peerId} may not call`)
  })

  it('resets the stream on a request frame over the limit, and serves the next call', async () => {
    const oversized = client.call(server.peerId, mathRpc, { kind: 'echo', text: 'x'.repeat(65 * KiB) })
    await expect(oversized).rejects.toThrow(StreamClosedError)
    expect(serverLog.lines.some(l => l.level === 'warn' && l.message.endsWith('reset: frame larger than maxFrameBytes (65536)'))).toBe(true)
    expect(await client.call(server.peerId, mathRpc, { kind: 'add', a: 20, b: 22 })).toEqual({ kind: 'sum', sum: 42 })
  })

  it('resets a stream on which more than two frames of the largest size wait unread', async () => {
    // The first request is read and held by its handler; the three behind it (3 × 60 KiB) are
    // more than the 2 × (64 KiB + 3) bytes the server buffers unread for one stream.
    const pad = 'x'.repeat(60 * KiB)
    const calls = [1, 2, 3, 4].map(async () => await greedy.call(server.peerId, mathRpc, { kind: 'hold', pad }).then(() => 'answered', (err: Error) => err.name))
    expect(await Promise.all(calls)).toEqual(['StreamClosedError', 'StreamClosedError', 'StreamClosedError', 'StreamClosedError'])
    expect(serverLog.lines.some(l => l.level === 'warn' && /^\/test\/math\/1 stream from \S+ reset: more than 131078 bytes wait unread on the stream$/.test(l.message))).toBe(true)
  })

  it('refuses to send a request over its own frame limit', async () => {
    await expect(server.call(client.peerId, mathRpc, { kind: 'echo', text: 'x'.repeat(65 * KiB) }))
      .rejects.toThrow(FrameTooLargeError)
  })

  it('refuses a request of a kind the protocol does not declare, without sending it', async () => {
    await expect(client.call(server.peerId, mathRpc, { kind: 'divide', a: 1, b: 2 } as never))
      .rejects.toThrow(new TypeError(`${PROTOCOL} has no call for a request of kind divide`))
  })

  it('refuses handlers that miss a request kind', async () => {
    await expect(client.serve(mathRpc, { add: () => ({ kind: 'sum', sum: 0 }) } as never))
      .rejects.toThrow(new TypeError('handlers.echo must be a function'))
  })
})

describe('createResponder, with no network', () => {
  const from = '12D3KooWEKFUNYdKndRtqxasUsCDXuTCSQvea3TWeWdfQcW2b45K'
  const handlers = {
    add: ({ a, b }: Add) => ({ kind: 'sum', sum: a + b }) as const,
    echo: async ({ text }: Echo) => ({ kind: 'echoed', text }) as const,
    boom: () => { throw new RangeError('the handler broke') },
    never: () => ({ kind: 'echoed', text: 'x'.repeat(2 * KiB) }) as const,
    hold: () => ({ kind: 'echoed', text: 'held' }) as const
  }

  it('answers a request frame with the answer frame, as serve does', async () => {
    const respond = createResponder(mathRpc, handlers)
    expect(parse(await respond(json({ kind: 'add', a: 2, b: 3 }), from))).toEqual({ kind: 'sum', sum: 5 })
    expect(parse(await respond(json({ kind: 'echo', text: 'hi' }), from))).toEqual({ kind: 'echoed', text: 'hi' })
  })

  it('tells onError of each request answered with an error, instead of logging it', async () => {
    const told: Array<[string, string, unknown]> = []
    const log = logRecorder()
    const respond = createResponder(mathRpc, handlers, {
      maxFrameBytes: KiB,
      log: log.log,
      admit: (peer) => { if (peer === 'outsider') throw new Error('outsider may not call') },
      onError: (err, peer, request) => { told.push([(err as Error).message, peer, request]) }
    })
    expect(parse(await respond(Uint8Array.of(0xff), from))).toEqual({ kind: 'error', name: 'TypeError', message: 'request is not JSON' })
    expect(parse(await respond(json({ kind: 'add', a: 1, b: 1 }), 'outsider'))).toMatchObject({ kind: 'error', message: 'outsider may not call' })
    expect(parse(await respond(json({ kind: 'boom' }), from))).toEqual({ kind: 'error', name: 'RangeError', message: 'the handler broke' })
    expect(parse(await respond(json({ kind: 'never' }), from))).toMatchObject({ kind: 'error', name: 'FrameTooLargeError' })
    expect(told).toEqual([
      ['request is not JSON', from, undefined],
      ['outsider may not call', 'outsider', undefined],
      ['the handler broke', from, { kind: 'boom' }],
      // {"kind":"echoed","text":""} is 27 bytes around the text
      [`answer of ${2 * KiB + 27} bytes exceeds maxFrameBytes (${KiB})`, from, { kind: 'never' }]
    ])
    expect(log.lines).toEqual([])
  })

  it('logs an onError that throws, and still answers', async () => {
    const log = logRecorder()
    const respond = createResponder(mathRpc, handlers, { log: log.log, onError: () => { throw new Error('onError broke') } })
    expect(parse(await respond(json({ kind: 'boom' }), from))).toMatchObject({ kind: 'error', message: 'the handler broke' })
    expect(log.lines).toEqual([{ level: 'error', message: `${PROTOCOL} onError threw: onError broke` }])
  })

  it('checks its arguments up front, naming the bad one', () => {
    expect(() => createResponder(mathRpc, handlers, { maxFrameBytes: 0 })).toThrow(new RangeError('options.maxFrameBytes must be a positive integer'))
    expect(() => createResponder(mathRpc, handlers, { log: 'loud' } as never)).toThrow(new TypeError('options.log must be a function'))
    expect(() => createResponder(mathRpc, handlers, { onError: 1 } as never)).toThrow(new TypeError('options.onError must be a function'))
    expect(() => createResponder(mathRpc, { ...handlers, hold: undefined } as never)).toThrow(new TypeError('handlers.hold must be a function'))
  })
})
