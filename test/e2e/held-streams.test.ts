/**
 * Two peers try to hold 64 streams each on the coordinator's protocol, announcing a 16 MiB frame
 * on every one and sending it slowly without ever finishing it, while an honest worker runs a
 * real job. The hostile peers are raw libp2p nodes in the test process (the Peer API sends whole
 * frames only); their sending is bounded in bytes per stream, in opens and in time.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { MMAP_THRESHOLD_TUNABLE } from '@cycleshare/program/allocator'
import { PROTOCOL_COORDINATOR } from '@cycleshare/protocol'
import { multiaddr } from '@multiformats/multiaddr'
import { readFileSync } from 'node:fs'
import { createLibp2p } from 'libp2p'
import { encode as encodeVarint } from 'uint8-varint'
import { afterAll, describe, expect, it } from 'vitest'
import { sendWhileOpen } from '../../libs/peer/src/testing/helpers.js'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, waitForWorker, type Coordinator } from './harness.js'

afterAll(cleanup)

const MB = 1_000_000
const MiB = 1024 * 1024
/** Streams each hostile peer tries to hold; a stream the coordinator resets is replaced, up to twice this many opens. */
const STREAMS = 64
const ANNOUNCED = 16 * MiB
const CHUNK = 64 * 1024
/** All of a frame but its last chunk: no frame ever completes. */
const PER_STREAM = ANNOUNCED - CHUNK
/** One chunk on every held stream per round: about 3 MiB/s a stream. */
const ROUND_MS = 20
/** How long each hostile peer keeps sending and holding. */
const ATTACK_MS = 12_000
/** What the coordinator lets one peer hold: 4 streams of a protocol per connection, 64 MiB + 16 bytes. */
const HELD_PER_PEER = 4 * PER_STREAM

const rssBytes = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024

interface Holder {
  node: Libp2p
  /** Bytes sent on streams the coordinator had not reset when they were sent. */
  sent: number
  opens: number
  done: Promise<void>
}

async function hold (coordinator: Coordinator): Promise<Holder> {
  const node = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  // One connection, dialled once: a refused stream never turns into a new dial.
  const connection: Connection = await node.dial(multiaddr(coordinator.multiaddr))
  const chunk = new Uint8Array(CHUNK)
  const holder: Holder = { node, sent: 0, opens: 0, done: Promise.resolve() }
  const open = async (): Promise<{ stream: Stream, sent: number } | undefined> => {
    holder.opens++
    try {
      const stream = await connection.newStream(PROTOCOL_COORDINATOR)
      // Refused (reset) past the coordinator's inbound streams per protocol and connection.
      return await sendWhileOpen(stream, encodeVarint(ANNOUNCED)) ? { stream, sent: 0 } : undefined
    } catch {
      return undefined
    }
  }
  const started = Date.now()
  // Streams open one at a time: opened together, they race the coordinator's count of them and
  // may all be refused, which would spare it the attack.
  const slots: Array<{ stream: Stream, sent: number } | undefined> = []
  for (let i = 0; i < STREAMS; i++) slots.push(await open())
  holder.done = (async () => {
    while (Date.now() - started < ATTACK_MS) {
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]
        if ((slot === undefined || slot.stream.status !== 'open') && holder.opens < 2 * STREAMS) slots[i] = await open()
      }
      await Promise.all(slots.map(async (slot) => {
        if (slot !== undefined && slot.sent < PER_STREAM && await sendWhileOpen(slot.stream, chunk)) {
          slot.sent += CHUNK
          holder.sent += CHUNK
        }
      }))
      await new Promise(resolve => setTimeout(resolve, ROUND_MS))
    }
  })()
  return holder
}

describe('two peers holding 64 streams each with slow 16 MiB frames', () => {
  let coordinator: Coordinator
  let pid: number
  let idle: number
  let holders: Holder[] = []

  afterAll(async () => {
    await Promise.all(holders.map(async h => { await h.node.stop() }))
  })

  it('raise the coordinator\'s memory by less than 256 MB while an honest worker\'s job finishes exactly', async () => {
    // The coordinator's bin sets its allocator up on Node ≥ 22.15; on Node 20, which cannot
    // re-execute itself, the operator does, as the README says, and so does this test.
    const canExec = typeof (process as { execve?: unknown }).execve === 'function'
    coordinator = await startCoordinator({ env: canExec ? undefined : { GLIBC_TUNABLES: MMAP_THRESHOLD_TUNABLE } })
    expect(coordinator.lines.find(l => l.msg === 'coordinator ready')?.allocator).toBe('tuned')
    pid = coordinator.child.pid!
    const honest = await startWorker(coordinator.multiaddr)
    await waitForWorker(coordinator.api, honest.peerId, w => w.state === 'idle')
    idle = rssBytes(pid)

    let peak = idle
    const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(pid)) }, 100)
    try {
      const attackStarted = Date.now()
      holders = await Promise.all([hold(coordinator), hold(coordinator)])
      let attacking = true
      const attack = Promise.all(holders.map(async h => await h.done)).then(() => { attacking = false })

      // The job comes once each peer holds half of what it may (or the attack is over).
      await new Promise<void>(resolve => {
        const check = setInterval(() => {
          if (!attacking || holders.every(h => h.sent >= HELD_PER_PEER / 2)) { clearInterval(check); resolve() }
        }, 50)
      })
      const submitted = Date.now()
      const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 100_000_000 }, chunks: 64 })
      await waitForJob(() => coordinator.api, id, isDone)
      console.log(`held streams: the job took ${Date.now() - submitted} ms, submitted ${submitted - attackStarted} ms into the attack`)
      expect(attacking).toBe(true)
      expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(5_761_455)

      await attack
      // Each peer got what the coordinator lets one connection hold in full; everything past
      // that was refused or reset.
      for (const h of holders) expect(h.sent).toBeGreaterThanOrEqual(HELD_PER_PEER)
      peak = Math.max(peak, rssBytes(pid))
      console.log(`held streams: idle ${(idle / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB; sent ${holders.map(h => (h.sent / MiB).toFixed(1)).join(' / ')} MiB in ${holders.map(h => h.opens).join(' / ')} opens`)
      expect(peak - idle).toBeLessThan(256 * MB)
    } finally {
      clearInterval(sampler)
      await Promise.all(holders.map(async h => { await h.node.stop() }))
    }
  })

  it('give its memory back within a minute of the peers leaving', async () => {
    expect(holders.length).toBe(2)
    const deadline = Date.now() + 60_000
    let rss = rssBytes(pid)
    while (rss - idle >= 32 * MB && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 250))
      rss = rssBytes(pid)
    }
    console.log(`held streams: ${(rss / MB).toFixed(0)} MB after the attack (idle ${(idle / MB).toFixed(0)} MB)`)
    expect(rss - idle).toBeLessThan(32 * MB)
  })
})
