import { describe, expect, it } from 'vitest'
import { decode, decodeGossip, decodeRequest, decodeResponse, encode } from './codec.js'
import { PROTOCOL_COORDINATOR, PROTOCOL_WORKER, createDecodeLimits, defaultDecodeLimits } from './constants.js'
import { isRemoteError } from './errors.js'
import { MessageKind } from './messages.js'
import type { Lease, Message } from './messages.js'
import { msg } from './msg.js'

const lease: Lease = { leaseId: 'L-1', jobId: 'J-1', index: 7, attempt: 1, epoch: 1, task: 'primes', input: { from: 0, to: 1000 }, ttlMs: 30_000 }
const transfer = { leaseId: 'L-1', epoch: 2, from: '12D3KooWGiver', to: '12D3KooWTaker', signature: new Uint8Array(64).fill(3) }

/** One valid message of every kind, built the way callers build them. */
const everyKind: Message[] = [
  msg.work({ pending: 12, tasks: ['primes', 'pi'] }),
  msg.work({ pending: 3, tasks: ['primes'], addrs: ['/ip4/127.0.0.1/tcp/4101/p2p/12D3KooWexample'] }),
  msg.pull({ slots: 4, tasks: ['primes', 'pi', 'mandelbrot'], capacity: { threads: 4 }, addrs: ['/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWTaker'] }),
  msg.assign([lease, { ...lease, leaseId: 'L-2', index: 8, attempt: 3, resume: { next: 500, count: 95 } }]),
  msg.assigned(['L-1'], ['L-2']),
  msg.report([msg.ok('L-1', { count: 168 }), msg.failed('L-2', new RangeError('to must be at most 10^12'))]),
  msg.reported(['L-1'], [{ leaseId: 'L-2', reason: 'unknown lease' }]),
  msg.renew(['L-1', 'L-2'], [{ leaseId: 'L-1', state: { next: 500, count: 95 } }]),
  msg.renewed(['L-1'], 30_000, ['L-2'], [{ leaseId: 'L-1', reason: 'checkpoint.next must be between 0 and 1000, got 5000' }]),
  msg.release(['L-1'], [{ leaseId: 'L-1', state: { next: 700, count: 125 } }]),
  msg.released(['L-1']),
  msg.cancel(['L-1']),
  msg.cancelled(['L-1']),
  msg.offer('12D3KooWCoordinator', [{ ...lease, epoch: 2, resume: { next: 500, count: 95 } }], [transfer]),
  msg.taken(['L-1'], []),
  msg.transfer([transfer], [{ leaseId: 'L-1', state: { next: 500, count: 95 } }]),
  msg.transferred([{ ...lease, epoch: 3, resume: { next: 500, count: 95 } }], [{ leaseId: 'L-2', reason: 'not the holder of this lease' }]),
  msg.locate('bafkreiexample', ['/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWTaker']),
  msg.located(new Uint8Array(48).fill(1), Uint8Array.of(0b10100000), [{ peerId: '12D3KooWTaker', addrs: ['/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWTaker'] }]),
  msg.located(undefined, undefined, []),
  msg.fetch('bafkreiexample', [0, 5, 9]),
  msg.piece(5, new Uint8Array(1000).fill(9), Uint8Array.of(0b00000100, 0b01000000)),
  msg.describe('sieve@1.0.0'),
  msg.described({ task: 'sieve@1.0.0', manifest: new TextEncoder().encode('{"name":"sieve"}'), module: 'bafkreiexample', signer: '12D3KooWexample', signature: new Uint8Array(64).fill(7) }),
  msg.error(new TypeError('nope'))
]

describe('encode and decode', () => {
  it('covers every kind', () => {
    expect(new Set(everyKind.map(m => m.kind))).toEqual(new Set(Object.values(MessageKind)))
  })

  it.each(everyKind.map(m => [m.kind, m] as const))('round-trips %s', (_kind, message) => {
    expect(decode(encode(message))).toEqual(message)
  })

  it('leaves the optional fields out when they are empty, so a peer that does not know them sees the message it knows', () => {
    expect(msg.renew(['L-1'])).toEqual({ v: 1, kind: 'renew', leaseIds: ['L-1'] })
    expect(msg.renewed(['L-1'], 1000, [])).toEqual({ v: 1, kind: 'renewed', renewed: ['L-1'], ttlMs: 1000, lost: [] })
    expect(msg.release(['L-1'], [])).toEqual({ v: 1, kind: 'release', leaseIds: ['L-1'] })
    expect(decode(encode(msg.renew(['L-1'])))).toEqual({ v: 1, kind: 'renew', leaseIds: ['L-1'] })
  })

  it('builds envelopes and wire errors', () => {
    expect(msg.error(new TypeError('nope'))).toEqual({ v: 1, kind: 'error', name: 'TypeError', message: 'nope' })
    expect(msg.failed('L-2', new RangeError('x'))).toEqual({ leaseId: 'L-2', ok: false, error: { name: 'RangeError', message: 'x' } })
    expect(msg.pull({ slots: 2, tasks: ['pi'], capacity: { threads: 2 } }))
      .toEqual({ v: 1, kind: 'pull', slots: 2, tasks: ['pi'], capacity: { threads: 2 } })
  })

  it('keeps a Uint8Array inside an output a plain Uint8Array (msgpack bin)', () => {
    const pixels = new Uint8Array([0, 1, 2, 253, 254, 255])
    const bytes = encode(msg.report([msg.ok('L-1', { rowStart: 0, rowEnd: 1, pixels })]))
    // 0xc4 0x06 = bin 8 of six bytes, followed by the raw bytes
    expect(Buffer.from(bytes).includes(Buffer.from([0xc4, 6, 0, 1, 2, 253, 254, 255]))).toBe(true)
    for (const input of [bytes, Buffer.from(bytes), new Uint8Array(bytes)]) {
      const out = (decode(input) as { results: Array<{ output: { pixels: Uint8Array } }> }).results[0].output.pixels
      expect(out.constructor).toBe(Uint8Array)
      expect(Array.from(out)).toEqual([0, 1, 2, 253, 254, 255])
    }
  })

  it('gives a decoded bin its own memory, so reusing the frame buffer cannot change it', () => {
    const frame = new Uint8Array(encode(msg.report([msg.ok('L-1', new Uint8Array([9, 9, 9]))])))
    const output = (decode(frame) as { results: Array<{ output: Uint8Array }> }).results[0].output
    frame.fill(0)
    expect(Array.from(output)).toEqual([9, 9, 9])
  })

  it('does not overwrite earlier encodings when encoding again', () => {
    const first = encode(msg.renew(['A']))
    const copy = Uint8Array.from(first)
    for (let i = 0; i < 2000; i++) encode(msg.renew([`B-${i}`]))
    expect(Array.from(first)).toEqual(Array.from(copy))
  })

  it('writes plain MessagePack: exact bytes of a small message', () => {
    const hex = Buffer.from(encode(msg.released(['a']))).toString('hex')
    // map16{3} "v":1 "kind":"released" "released":["a"]
    expect(hex).toBe('de0003' + 'a176' + '01' + 'a46b696e64' + 'a872656c6561736564' + 'a872656c6561736564' + '91a161')
  })

  it('writes undefined as nil, never as a msgpackr extension', () => {
    const bytes = encode(msg.report([msg.ok('L-1', { a: undefined })]))
    expect(Buffer.from(bytes).includes(Buffer.from([0xa1, 0x61, 0xc0]))).toBe(true)
    expect(decode(bytes)).toEqual(msg.report([msg.ok('L-1', { a: null })]))
  })

  it('reads what another encoder writes: fixmap, fixstr, uint64 integers', () => {
    // {"v":1,"kind":"work","pending":uint64 5,"tasks":["pi"]} as a minimal encoder writes it
    const bytes = Buffer.from('84' + 'a176' + '01' + 'a46b696e64' + 'a4776f726b' +
      'a770656e64696e67' + 'cf0000000000000005' + 'a57461736b73' + '91a27069', 'hex')
    expect(decode(bytes)).toEqual({ v: 1, kind: 'work', pending: 5, tasks: ['pi'] })
  })

  it('reads integers beyond 32 bits written as float64 (as msgpackr writes them)', () => {
    const message = msg.work({ pending: 1e12, tasks: [] })
    expect(decode(encode(message))).toEqual(message)
  })

  it('refuses to encode a message over maxMessageBytes, so it is split instead of refused by the peer', () => {
    const limits = createDecodeLimits({ maxMessageBytes: 64 })
    expect(() => encode(msg.report([msg.ok('L-1', new Uint8Array(100))]), limits))
      .toThrow(expect.objectContaining({ name: 'MessageTooLargeError', bytes: expect.any(Number), maxBytes: 64 }))
    expect(encode(msg.renew(['L-1']), limits).byteLength).toBeLessThanOrEqual(64)
  })
})

describe('typed decoders', () => {
  it('decodeGossip returns work and pull', () => {
    expect(decodeGossip(encode(everyKind[0]))).toEqual(everyKind[0])
    expect(decodeGossip(encode(everyKind[1]))).toEqual(everyKind[1])
  })

  it('decodeRequest returns the requests each protocol serves', () => {
    for (const m of [msg.report([msg.ok('L', 1)]), msg.renew(['L']), msg.release(['L'])]) {
      expect(decodeRequest(encode(m), PROTOCOL_COORDINATOR)).toEqual(m)
    }
    for (const m of [msg.assign([lease]), msg.cancel(['L'])]) {
      expect(decodeRequest(encode(m), PROTOCOL_WORKER)).toEqual(m)
    }
  })

  it('decodeResponse returns the expected answer', () => {
    const answer = msg.renewed(['L-1'], 1000, [])
    const decoded = decodeResponse(encode(answer), 'renewed')
    expect(decoded.ttlMs).toBe(1000)
    expect(decoded).toEqual(answer)
  })

  it('decodeResponse throws an error answer as a RemoteError with the peer\'s name and message', () => {
    const bytes = encode(msg.error({ name: 'UnknownLeaseError', message: 'lease L-9 is not yours' }))
    let thrown: unknown
    try {
      decodeResponse(bytes, 'reported')
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(Error)
    expect(thrown).toMatchObject({ name: 'UnknownLeaseError', message: 'lease L-9 is not yours', remote: true })
    expect(isRemoteError(thrown)).toBe(true)
  })
})

describe('the largest legitimate messages pass the limits', () => {
  const { maxBatch } = defaultDecodeLimits
  const id = (i: number): string => `1k.${i.toString(36)}.1.a8Fz01Qx`

  it('an assign of maxBatch mandelbrot leases, the most entries of any message (190,003)', () => {
    const input = { width: 4096, height: 1024, rowStart: 0, rowEnd: 1, maxIterations: 1_000_000, xMin: -2.5, xMax: 1, yMin: -1.3125, yMax: 1.3125 }
    const leases = Array.from({ length: maxBatch }, (_, i): Lease => ({
      leaseId: id(i), jobId: 'J-1', index: i, attempt: 1, epoch: 1, task: 'mandelbrot', input: { ...input, rowStart: i % 1024, rowEnd: i % 1024 + 1 }, ttlMs: 3_600_000, timeoutMs: 86_400_000
    }))
    const message = msg.assign(leases)
    const bytes = encode(message)
    expect(decode(bytes)).toEqual(message)
    expect(() => decode(bytes, createDecodeLimits({ maxEntries: 190_003 }))).not.toThrow()
    expect(() => decode(bytes, createDecodeLimits({ maxEntries: 190_002 }))).toThrow(expect.objectContaining({ name: 'MessageTooComplexError' }))
  })

  it('a report of maxBatch results, ok and failed', () => {
    const results = Array.from({ length: maxBatch }, (_, i) => i % 2 === 0
      ? msg.ok(id(i), { rowStart: i, rowEnd: i + 1, pixels: new Uint8Array(12) })
      : msg.failed(id(i), new RangeError('x'.repeat(100))))
    const message = msg.report(results)
    const bytes = encode(message)
    expect(decode(bytes)).toEqual(message)
    // 3 + 3 + 1 for an ok result, 3 + 2 + 1 for a failed one, 3 for the envelope
    expect(() => decode(bytes, createDecodeLimits({ maxEntries: 65_003, maxDepth: 4 }))).not.toThrow()
    expect(() => decode(bytes, createDecodeLimits({ maxEntries: 65_002 }))).toThrow(expect.objectContaining({ name: 'MessageTooComplexError' }))
  })

  it('a mandelbrot band as large as the task allows: the whole 4096 × 1024 image in one output', () => {
    const pixels = new Uint8Array(4096 * 1024 * 3).fill(7)
    const bytes = encode(msg.report([msg.ok(id(0), { rowStart: 0, rowEnd: 1024, pixels })]))
    const output = (decode(bytes) as { results: Array<{ output: { pixels: Uint8Array } }> }).results[0].output
    expect(output.pixels.byteLength).toBe(12_582_912)
    expect(output.pixels[12_582_911]).toBe(7)
  })

  it('a reported answer of maxBatch accepted and maxBatch rejected lease ids', () => {
    const message = msg.reported(Array.from({ length: maxBatch }, (_, i) => id(i)),
      Array.from({ length: maxBatch }, (_, i) => ({ leaseId: id(maxBatch + i), reason: 'unknown lease' })))
    const bytes = encode(message)
    expect(decode(bytes)).toEqual(message)
    expect(() => decode(bytes, createDecodeLimits({ maxEntries: 40_004, maxDepth: 3 }))).not.toThrow()
  })
})
