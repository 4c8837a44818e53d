import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InboundBudget } from './budget.js'
import { createPeer } from './index.js'
import { serveStream } from './request-response.js'
import { requestBytes } from './testing/bytes-rpc.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('request channels', () => {
  // A plain libp2p node serving our framing, so the test can count the streams it is given.
  let server: Libp2p
  let streams = 0
  const client = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })

  beforeAll(async () => {
    server = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    await server.handle('/test/count/1', (stream, connection) => {
      streams++
      void serveStream(stream, connection, async (request) => {
        // Answer the odd ones late, so that pipelined answers would cross if order were not kept.
        if (str(request).endsWith('1') || str(request).endsWith('3')) await new Promise(resolve => setImmediate(resolve))
        return bytes(`re:${str(request)}`)
      }, { maxFrameBytes: 1024, requestTimeoutMs: 5_000, log: () => {}, budget: new InboundBudget(4 * 1024) })
    })
    await client.start()
    await client.dial(server.getMultiaddrs()[0]!.toString())
  })

  afterAll(async () => {
    await Promise.all([client.stop(), server?.stop()])
  })

  it('sends every request to a peer on one stream, several in flight, answers matched in order', async () => {
    const peer = server.peerId.toString()
    const answers = await Promise.all([0, 1, 2, 3, 4].map(async i => str(await requestBytes(client, peer, '/test/count/1', bytes(`q${i}`)))))
    expect(answers).toEqual(['re:q0', 're:q1', 're:q2', 're:q3', 're:q4'])
    expect(str(await requestBytes(client, peer, '/test/count/1', bytes('q5')))).toBe('re:q5')
    expect(streams).toBe(1)
  })
})
