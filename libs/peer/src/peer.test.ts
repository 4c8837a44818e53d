import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FrameTooLargeError, InvalidPeerAddressError, PeerNotStartedError, ProtocolNotSupportedError,
  RequestAbortedError, RequestTimeoutError, StreamClosedError
} from './errors.js'
import { createPeer } from './peer.js'
import { requestBytes, serveBytes } from './testing/bytes-rpc.js'
import { LOCAL, MiB, bytes, logRecorder, str, when } from './testing/helpers.js'


function filled (size: number, seed: number): Uint8Array {
  const data = new Uint8Array(size)
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed) & 0xff
  return data
}

describe('two peers', () => {
  const aLog = logRecorder()
  const bLog = logRecorder()
  // a refuses frames over 2 MiB; b keeps the 16 MiB default, so b can send a what a refuses.
  const a = createPeer({ listen: LOCAL, maxFrameBytes: 2 * MiB, log: aLog.log })
  const b = createPeer({ listen: LOCAL, log: bLog.log })
  let raw: Libp2p
  let releaseSlow: () => void = () => {}
  const slow = new Promise<void>(resolve => { releaseSlow = resolve })

  beforeAll(async () => {
    await serveBytes(a, '/test/echo/1', request => request)
    await serveBytes(a, '/test/tag/1', (request, from) => bytes(`${from}:${str(request)}`))
    await serveBytes(a, '/test/throw/1', () => { throw new Error('handler exploded') })
    await serveBytes(a, '/test/not-bytes/1', () => 'a string' as unknown as Uint8Array)
    await serveBytes(a, '/test/slow/1', async () => { await slow; return bytes('late') })
    await serveBytes(b, '/test/big-answer/1', () => filled(3 * MiB, 1))
    await Promise.all([a.start(), b.start()])
    const connected = when(a, 'peer:connect', () => a.connectedPeers().includes(b.peerId))
    expect(await b.dial(a.multiaddrs()[0]!)).toBe(a.peerId)
    await connected
    raw = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  })

  afterAll(async () => {
    releaseSlow()
    await Promise.all([a.stop(), b.stop(), raw?.stop()])
  })

  it('lists each other as connected', () => {
    expect(a.connectedPeers()).toEqual([b.peerId])
    expect(b.connectedPeers()).toContain(a.peerId)
  })

  it('delivers gossip both ways once the subscriptions have propagated', async () => {
    const topic = 'test/gossip/1'
    const atA: Array<[string, string]> = []
    const atB: Array<[string, string]> = []
    const gotA = new Promise<void>(resolve => a.subscribe(topic, (data, from) => { atA.push([str(data), from]); resolve() }))
    const gotB = new Promise<void>(resolve => b.subscribe(topic, (data, from) => { atB.push([str(data), from]); resolve() }))
    await Promise.all([
      when(a, 'subscription-change', () => a.topicPeers(topic).includes(b.peerId)),
      when(b, 'subscription-change', () => b.topicPeers(topic).includes(a.peerId))
    ])
    await a.publish(topic, bytes('from a'))
    await b.publish(topic, bytes('from b'))
    await Promise.all([gotA, gotB])
    expect(atA).toEqual([['from b', b.peerId]])
    expect(atB).toEqual([['from a', a.peerId]])
  })

  it('hears its own gossip only when told to', async () => {
    const member = createPeer({ listen: LOCAL, hearsItself: true })
    await member.start()
    try {
      const heard = new Promise<string>((resolve) => { member.subscribe('self-test', (data, from) => { resolve(`${str(data)} from ${from}`) }) })
      expect(member.topicPeers('self-test')).toEqual([member.peerId])
      await member.publish('self-test', bytes('hello'))
      expect(await heard).toBe(`hello from ${member.peerId}`)
    } finally {
      await member.stop()
    }
    expect(() => createPeer({ hearsItself: 'yes' as never })).toThrow('options.hearsItself must be true or false')
  })

  it('keeps delivering to other handlers when a topic handler throws', async () => {
    const topic = 'test/throwing-subscriber/1'
    const failed = aLog.next(/handler for topic test\/throwing-subscriber\/1 failed: subscriber broke/)
    a.subscribe(topic, () => { throw new Error('subscriber broke') })
    const delivered = new Promise<string>(resolve => a.subscribe(topic, data => resolve(str(data))))
    await when(b, 'subscription-change', () => b.topicPeers(topic).includes(a.peerId))
    await b.publish(topic, bytes('still here'))
    expect(await delivered).toBe('still here')
    expect(await failed).toMatch(/subscriber broke/)
  })

  it('publishes to a topic nobody subscribes to without throwing', async () => {
    await expect(a.publish('test/nobody/1', bytes('x'))).resolves.toBeUndefined()
    expect(a.topicPeers('test/nobody/1')).toEqual([])
  })

  it('refuses to publish more than maxFrameBytes', async () => {
    await expect(a.publish('test/nobody/1', new Uint8Array(2 * MiB + 1))).rejects.toThrow(FrameTooLargeError)
  })

  it('round-trips a 1 MiB request and answer', async () => {
    const payload = filled(MiB, 7)
    const answer = await requestBytes(b, a.peerId, '/test/echo/1', payload)
    expect(answer.byteLength).toBe(MiB)
    expect(Buffer.compare(answer, payload)).toBe(0)
  })

  it('round-trips an empty frame', async () => {
    expect(await requestBytes(b, a.peerId, '/test/echo/1', new Uint8Array(0))).toEqual(new Uint8Array(0))
  })

  it('addresses a peer by multiaddr as well as by id', async () => {
    expect(str(await requestBytes(b, a.multiaddrs()[0]!, '/test/tag/1', bytes('by addr')))).toBe(`${b.peerId}:by addr`)
  })

  it('answers several concurrent requests, each with its own answer', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => requestBytes(b, a.peerId, '/test/tag/1', bytes(`req-${i}`))))
    expect(answers.map(str)).toEqual(Array.from({ length: 20 }, (_, i) => `${b.peerId}:req-${i}`))
  })

  it('refuses an oversized frame and still answers the next request', async () => {
    const refused = aLog.next(/\/test\/echo\/1 stream from .* reset: frame larger than maxFrameBytes \(2097152\)/)
    await expect(requestBytes(b, a.peerId, '/test/echo/1', new Uint8Array(3 * MiB))).rejects.toThrow(StreamClosedError)
    await refused
    expect(str(await requestBytes(b, a.peerId, '/test/echo/1', bytes('next')))).toBe('next')
  })

  it('refuses to send a frame over its own limit without touching the network', async () => {
    await expect(requestBytes(a, b.peerId, '/test/echo/1', new Uint8Array(2 * MiB + 1)))
      .rejects.toThrow(new FrameTooLargeError('request of 2097153 bytes exceeds maxFrameBytes (2097152)'))
  })

  it('rejects an answer larger than its own limit', async () => {
    await expect(requestBytes(a, b.peerId, '/test/big-answer/1', bytes('?'))).rejects.toThrow(FrameTooLargeError)
  })

  it('survives an invalid varint and answers the next request', async () => {
    const logged = aLog.next(/reset: frame length is not a valid varint/)
    const stream = await raw.dialProtocol(multiaddr(a.multiaddrs()[0]!), '/test/echo/1')
    stream.send(new Uint8Array(10).fill(0xff))
    await logged
    expect(str(await requestBytes(b, a.peerId, '/test/echo/1', bytes('after varint')))).toBe('after varint')
  })

  it('survives a peer that sends half a frame then closes, and answers the next request', async () => {
    const logged = aLog.next(/reset: stream ended inside a frame/)
    const stream = await raw.dialProtocol(multiaddr(a.multiaddrs()[0]!), '/test/echo/1')
    stream.send(Uint8Array.of(100, 1, 2, 3)) // announces 100 bytes, sends 3
    await stream.close()
    await logged
    expect(str(await requestBytes(b, a.peerId, '/test/echo/1', bytes('after garbage')))).toBe('after garbage')
  })

  it('passes the handler failure to the requester as a closed stream and keeps serving', async () => {
    const logged = aLog.next(/\/test\/throw\/1 stream from .* reset: handler exploded/)
    const failure = requestBytes(b, a.peerId, '/test/throw/1', bytes('boom'))
    await expect(failure).rejects.toThrow(StreamClosedError)
    await expect(failure).rejects.toThrow(/before the answer arrived \(the remote handler failed or refused the request\)/)
    await logged
    expect(str(await requestBytes(b, a.peerId, '/test/echo/1', bytes('after throw')))).toBe('after throw')
  })

  it('treats a handler that answers something other than bytes as a failure', async () => {
    await expect(requestBytes(b, a.peerId, '/test/not-bytes/1', bytes('?'))).rejects.toThrow(StreamClosedError)
    expect(aLog.lines.some(l => l.level === 'warn' && /handler returned string, not a Uint8Array/.test(l.message))).toBe(true)
  })

  it('reports a protocol the remote does not handle', async () => {
    await expect(requestBytes(b, a.peerId, '/test/missing/1', bytes('?'))).rejects.toThrow(ProtocolNotSupportedError)
  })

  it('rejects with RequestAbortedError when the caller aborts', async () => {
    const controller = new AbortController()
    const pending = requestBytes(b, a.peerId, '/test/slow/1', bytes('?'), { signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toThrow(RequestAbortedError)
  })

  it('rejects with RequestTimeoutError after requestTimeoutMs', async () => {
    const impatient = createPeer({ listen: LOCAL, requestTimeoutMs: 300 })
    await impatient.start()
    try {
      await expect(requestBytes(impatient, a.multiaddrs()[0]!, '/test/slow/1', bytes('?')))
        .rejects.toThrow(new RequestTimeoutError('/test/slow/1 request timed out after 300 ms'))
    } finally {
      await impatient.stop()
    }
  })

  it('rejects bad peer strings with InvalidPeerAddressError', async () => {
    await expect(requestBytes(b, 'not-a-peer', '/test/echo/1', bytes('?'))).rejects.toThrow(InvalidPeerAddressError)
    await expect(b.dial('/ip4/999.0.0.1/tcp/1')).rejects.toThrow(InvalidPeerAddressError)
  })
})

describe('a peer that is not started', () => {
  const peer = createPeer({ listen: LOCAL })

  it('knows its peer id but refuses network calls', async () => {
    expect(peer.peerId).toMatch(/^12D3KooW/)
    await expect(requestBytes(peer, peer.peerId, '/x/1', bytes('?'))).rejects.toThrow(PeerNotStartedError)
    await expect(peer.publish('t', bytes('?'))).rejects.toThrow(PeerNotStartedError)
    await expect(peer.dial('/ip4/127.0.0.1/tcp/1')).rejects.toThrow(PeerNotStartedError)
    expect(peer.topicPeers('t')).toEqual([])
  })

  it('validates subscribe and serve arguments', async () => {
    expect(() => peer.subscribe('', () => {})).toThrow(new TypeError('topic must be a non-empty string'))
    await expect(serveBytes(peer, 'no-slash', () => new Uint8Array())).rejects.toThrow(TypeError)
  })
})
