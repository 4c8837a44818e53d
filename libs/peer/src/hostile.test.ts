import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { encode as encodeVarint } from 'uint8-varint'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GOSSIP_SCORE_THRESHOLDS, MAX_INBOUND_STREAMS } from './constants.js'
import { createPeer } from './peer.js'
import { MessageRate } from './rate.js'
import { requestBytes, serveBytes } from './testing/bytes-rpc.js'
import { LOCAL, MiB, bytes, logRecorder, sendWhileOpen, str, when } from './testing/helpers.js'
import type { GossipVerdict } from './types.js'


/**
 * Resolves once `condition()` holds, checking every 10 ms, for things with no event to wait on
 * (bytes arriving on the far side, a score decaying); fails after `ms`.
 */
async function until (condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited >= ms) throw new Error(`not within ${ms} ms: ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

function rawNode (): Promise<Libp2p> {
  return createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

describe('a peer holding streams open with large frames it never finishes', () => {
  const log = logRecorder()
  const server = createPeer({ listen: LOCAL, log: log.log })
  const honest = createPeer({ listen: LOCAL })
  const budget = 4 * (16 * MiB + 4)
  const protocols = ['/test/echo/1', '/test/echo/2']
  const hostile: Libp2p[] = []

  beforeAll(async () => {
    for (const protocol of protocols) await serveBytes(server, protocol, request => request)
    await Promise.all([server.start(), honest.start()])
    await honest.dial(server.multiaddrs()[0]!)
    hostile.push(await rawNode(), await rawNode())
  })

  afterAll(async () => {
    await Promise.all([server.stop(), honest.stop(), ...hostile.map(async h => { await h.stop() })])
  })

  it('holds at most maxInboundBytesPerPeer for each, resets the stream that goes over, serves others, and gives it all back when they leave', async () => {
    const addr = multiaddr(server.multiaddrs()[0]!)
    const overBudget = new Set<string>()
    const stopListening = server.on('peer:over-budget', (peerId) => { overBudget.add(peerId) })
    const chunk = new Uint8Array(256 * 1024)
    // Each hostile peer opens every stream it may (4 per protocol), announces a 16 MiB frame on
    // each and sends 12 MiB of it, a chunk at a time round the streams: 96 MiB, over its budget.
    const attacks = hostile.map(async h => {
      const streams: Stream[] = []
      for (const protocol of protocols) {
        for (let i = 0; i < MAX_INBOUND_STREAMS; i++) streams.push(await h.dialProtocol(addr, protocol))
      }
      for (const stream of streams) await sendWhileOpen(stream, encodeVarint(16 * MiB))
      let most = 0
      for (let round = 0; round < (12 * MiB) / chunk.byteLength; round++) {
        await Promise.all(streams.map(async stream => await sendWhileOpen(stream, chunk)))
        most = Math.max(most, ...server.inboundUsage().peers.map(p => p.bytes))
      }
      return { streams, most }
    })
    const results = await Promise.all(attacks)
    // Everything sent has arrived once each peer's open streams hold all they were sent.
    await until(() => hostile.every((h, i) => {
      const open = results[i]!.streams.filter(s => s.status === 'open').length
      const held = server.inboundUsage().peers.find(p => p.peerId === h.peerId.toString())
      return held?.streams === open && held.bytes === open * (4 + 12 * MiB)
    }), 'the open streams hold what was sent on them')

    const usage = server.inboundUsage()
    for (const [i, h] of hostile.entries()) {
      const id = h.peerId.toString()
      const open = results[i]!.streams.filter(s => s.status === 'open').length
      // 6 streams of 12 MiB would be over 64 MiB, so at least 3 of the 8 were reset.
      expect(open).toBeLessThanOrEqual(5)
      expect(usage.peers.find(p => p.peerId === id)).toEqual({ peerId: id, bytes: open * (4 + 12 * MiB), streams: open })
      expect(results[i]!.most).toBeLessThanOrEqual(budget)
      expect(log.lines.some(l => l.level === 'warn' &&
        new RegExp(`^/test/echo/[12] stream from ${id} reset: ${id} would hold \\d+ bytes of unanswered requests, over maxInboundBytesPerPeer \\(${budget}\\)$`).test(l.message))).toBe(true)
    }
    // Each was named to the node's listeners; the honest peer never was, and is served meanwhile.
    stopListening()
    expect([...overBudget].sort()).toEqual(hostile.map(h => h.peerId.toString()).sort())
    expect(str(await requestBytes(honest, server.peerId, '/test/echo/1', bytes('still served')))).toBe('still served')

    await Promise.all(hostile.map(async h => { await h.stop() }))
    await until(() => server.inboundUsage().bytes === 0 && server.inboundUsage().peers.every(p => p.peerId === honest.peerId),
      'everything the hostile peers held is given back')
    expect(server.inboundUsage()).toEqual({ bytes: 0, streams: 1, peers: [{ peerId: honest.peerId, bytes: 0, streams: 1 }] })
  })
})

describe('served stream limits', () => {
  const log = logRecorder()
  const server = createPeer({ listen: LOCAL, requestTimeoutMs: 300, log: log.log })
  let raw: Libp2p

  beforeAll(async () => {
    await serveBytes(server, '/test/echo/1', request => request)
    await server.start()
    raw = await rawNode()
  })

  afterAll(async () => {
    await Promise.all([server.stop(), raw?.stop()])
  })

  it('resets a stream whose frame does not complete within requestTimeoutMs, and gives back its bytes', async () => {
    const stream = await raw.dialProtocol(multiaddr(server.multiaddrs()[0]!), '/test/echo/1')
    const reset = new Promise<string>(resolve => { stream.addEventListener('close', () => { resolve(stream.status) }, { once: true }) })
    stream.send(Uint8Array.of(100, 1, 2, 3)) // announces 100 bytes, sends 3, then waits
    expect(await reset).toBe('reset')
    expect(log.lines.some(l => l.message === `/test/echo/1 stream from ${raw.peerId.toString()} reset: no request frame within 300 ms`)).toBe(true)
    await until(() => server.inboundUsage().streams === 0, 'the stream is closed on the server')
    expect(server.inboundUsage()).toEqual({ bytes: 0, streams: 0, peers: [] })
  })

  it(`accepts ${MAX_INBOUND_STREAMS} inbound streams of one protocol per connection and resets the next`, async () => {
    const addr = multiaddr(server.multiaddrs()[0]!)
    const streams: Stream[] = []
    for (let i = 0; i < MAX_INBOUND_STREAMS; i++) streams.push(await raw.dialProtocol(addr, '/test/echo/1'))
    await until(() => server.inboundUsage().streams === MAX_INBOUND_STREAMS, 'the server serves the first streams')
    const extra = await raw.dialProtocol(addr, '/test/echo/1').catch((err: Error) => err)
    if (!(extra instanceof Error)) {
      await new Promise<void>(resolve => {
        if (extra.status !== 'open') resolve()
        else extra.addEventListener('close', () => { resolve() }, { once: true })
      })
      expect(extra.status).toBe('reset')
    }
    expect(server.inboundUsage().streams).toBe(MAX_INBOUND_STREAMS)
    for (const stream of streams) stream.abort(new Error('done'))
  })
})

describe('gossip judged before it is delivered or forwarded', () => {
  const topic = 'test/judged/1'
  const rated = 'test/rated/1'
  const verdicts: string[] = []
  const notProbe = (m: string): boolean => !m.includes('ok:probe-')
  // hostile — judge — listener: the hostile peer reaches the listener only through the judge.
  const judge = createPeer({
    listen: LOCAL,
    gossipTopics: {
      [topic]: {
        validate: (data) => {
          const verdict: GossipVerdict = str(data).startsWith('ok:') ? 'accept' : 'reject'
          verdicts.push(`${verdict} ${str(data)}`)
          return verdict
        }
      },
      [rated]: { maxMessagesPerSecond: 2 }
    }
  })
  const hostile = createPeer({ listen: LOCAL })
  const listener = createPeer({ listen: LOCAL })
  const atJudge: string[] = []
  const atListener: string[] = []
  const ratedAtJudge: string[] = []

  beforeAll(async () => {
    judge.subscribe(topic, data => { atJudge.push(str(data)) })
    judge.subscribe(rated, data => { ratedAtJudge.push(str(data)) })
    listener.subscribe(topic, data => { atListener.push(str(data)) })
    await Promise.all([judge.start(), hostile.start(), listener.start()])
    await hostile.dial(judge.multiaddrs()[0]!)
    await listener.dial(judge.multiaddrs()[0]!)
    await Promise.all([
      when(hostile, 'subscription-change', () => hostile.topicPeers(topic).includes(judge.peerId) && hostile.topicPeers(rated).includes(judge.peerId)),
      when(judge, 'subscription-change', () => judge.topicPeers(topic).includes(listener.peerId))
    ])
    // The judge forwards only to its mesh, which it may build at its next heartbeat: probe until
    // a message from the hostile peer reaches the listener through it.
    let probes = 0
    await until(() => {
      if (atListener.length > 0) return true
      void hostile.publish(topic, bytes(`ok:probe-${probes++}`))
      return false
    }, 'the judge forwards to the listener', 5_000)
    atJudge.length = 0
    atListener.length = 0
    verdicts.length = 0
  })

  afterAll(async () => {
    await Promise.all([judge.stop(), hostile.stop(), listener.stop()])
  })

  it('drops a message its validator rejects, forwards none of it, and lowers the sender\'s score', async () => {
    const forwarded = new Promise<void>(resolve => listener.subscribe(topic, data => { if (str(data) === 'ok:after') resolve() }))
    await hostile.publish(topic, bytes('garbage'))
    await hostile.publish(topic, bytes('ok:after'))
    await forwarded
    expect(atJudge.filter(notProbe)).toEqual(['ok:after'])
    expect(atListener.filter(notProbe)).toEqual(['ok:after'])
    expect(verdicts.filter(notProbe)).toEqual(['reject garbage', 'accept ok:after'])
    // Scores are recomputed once a heartbeat (500 ms). One invalid message: -1 × 1², decayed by
    // at most a few 1 % steps since.
    await until(() => judge.gossipScore(hostile.peerId) < 0, 'the score is recomputed')
    expect(judge.gossipScore(hostile.peerId)).toBeCloseTo(-1, 1)
    expect(judge.gossipScore(listener.peerId)).toBe(0)
  })

  it('rejects messages over a topic\'s rate, and graylists a peer that keeps sending them', async () => {
    // 2 a second, a burst of 2: the first two pass, the next ten are rejected (P4: 10² = 100 > 80).
    for (let i = 0; i < 12; i++) await hostile.publish(rated, bytes(`m${i}`))
    await until(() => judge.gossipScore(hostile.peerId) < GOSSIP_SCORE_THRESHOLDS.graylistThreshold, 'the hostile peer is graylisted')
    expect(ratedAtJudge).toEqual(['m0', 'm1'])
    // Graylisted: even messages its validator would accept are not read. gossipsub still takes
    // up to 128 RPCs within a second from a peer it last saw at a score of 0 or more, so the
    // hostile peer sends 130: the last ones at least are dropped unread.
    const before = verdicts.length
    for (let i = 0; i < 130; i++) await hostile.publish(topic, bytes(`ok:graylisted-${i}`))
    const heard = new Promise<void>(resolve => judge.subscribe(topic, data => { if (str(data) === 'ok:from-listener') resolve() }))
    await listener.publish(topic, bytes('ok:from-listener'))
    await heard
    const read = verdicts.slice(before).filter(v => v.includes('ok:graylisted-'))
    expect(read.length).toBeLessThanOrEqual(128)
    expect(read).not.toContain('accept ok:graylisted-129')
    expect(atJudge).not.toContain('ok:graylisted-129')
  })
})

describe('disconnect', () => {
  const a = createPeer({ listen: LOCAL })
  const b = createPeer({ listen: LOCAL })

  beforeAll(async () => {
    await Promise.all([a.start(), b.start()])
  })

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()])
  })

  it('closes every connection to a peer, which sees it go', async () => {
    await b.dial(a.multiaddrs()[0]!)
    await when(a, 'peer:connect', () => a.connectedPeers().includes(b.peerId))
    const gone = when(b, 'peer:disconnect', () => !b.connectedPeers().includes(a.peerId))
    await a.disconnect(b.peerId)
    expect(a.connectedPeers()).toEqual([])
    await gone
    expect(b.connectedPeers()).toEqual([])
  })

  it('takes a peer id only', async () => {
    await expect(a.disconnect(b.multiaddrs()[0]!)).rejects.toThrow(/disconnect takes a peer id/)
  })
})

describe('MessageRate', () => {
  it('lets through a second\'s worth at once, then the rate', () => {
    let now = 0
    const rate = new MessageRate(2, () => now)
    expect([rate.take('p'), rate.take('p'), rate.take('p')]).toEqual([true, true, false])
    expect(rate.take('q')).toBe(true)
    now = 500
    expect([rate.take('p'), rate.take('p')]).toEqual([true, false])
    now = 10_000
    expect([rate.take('p'), rate.take('p'), rate.take('p')]).toEqual([true, true, false])
  })
})
