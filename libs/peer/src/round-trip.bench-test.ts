import { describe, expect, it } from 'vitest'
import { createPeer } from './peer.js'
import type { RpcCall, RpcProtocol } from './rpc.js'

// Prints the cost of `call` between two peers in this process on 127.0.0.1: one call at a time
// (wall time per round trip) and many pipelined on one stream (wall and CPU time per call, both
// peers' work included). The codec is JSON, so the figures are the channel's, not msgpack's.
interface Echo { kind: 'echo', n: number }
interface Echoed { kind: 'echoed', n: number }

const text = new TextEncoder()
const json = (value: unknown): Uint8Array => text.encode(JSON.stringify(value))
const parse = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T

const echo: RpcCall<Echo, Echoed> = { encodeRequest: json, decodeAnswer: parse, encodeAnswer: json }
const echoRpc: RpcProtocol<{ echo: typeof echo }> = {
  protocol: '/bench/echo/1',
  calls: { echo },
  decodeRequest: bytes => parse<Echo>(bytes),
  encodeError: err => json({ kind: 'error', message: String(err) })
}

describe('round trip', () => {
  it('call, one at a time and pipelined', async () => {
    const calls = Number(process.env.ROUND_TRIP_CALLS ?? 20_000)
    const runs = Number(process.env.ROUND_TRIP_RUNS ?? 3)
    const server = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    const client = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    await server.serve(echoRpc, { echo: ({ n }) => ({ kind: 'echoed', n }) })
    await Promise.all([server.start(), client.start()])
    await client.dial(server.multiaddrs()[0]!)
    const call = async (n: number): Promise<number> => (await client.call(server.peerId, echoRpc, { kind: 'echo', n })).n
    try {
      for (let i = 0; i < 2_000; i++) await call(i) // warm up
      for (let run = 1; run <= runs; run++) {
        let t = performance.now()
        for (let i = 0; i < 2_000; i++) await call(i)
        const sequentialMs = (performance.now() - t) / 2_000
        t = performance.now()
        const cpu = process.cpuUsage()
        const answers = await Promise.all(Array.from({ length: calls }, async (_, i) => await call(i)))
        const { user, system } = process.cpuUsage(cpu)
        const pipelinedUs = (performance.now() - t) * 1000 / calls
        expect(answers).toEqual(Array.from({ length: calls }, (_, i) => i))
        console.log(`run ${run}: one at a time ${sequentialMs.toFixed(3)} ms per call; ${calls} pipelined ` +
          `${pipelinedUs.toFixed(1)} µs per call, CPU ${((user + system) / calls).toFixed(1)} µs per call`)
      }
    } finally {
      await Promise.all([client.stop(), server.stop()])
    }
  })
})
