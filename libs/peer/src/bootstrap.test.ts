import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createPeer } from './peer.js'
import type { Peer } from './types.js'

/** Resolves with the first peer id `event` reports that satisfies `match`. */
function next (peer: Peer, event: 'peer:connect' | 'peer:disconnect', match: string): Promise<void> {
  return new Promise(resolve => {
    const off = peer.on(event, id => { if (id === match) { off(); resolve() } })
  })
}

describe('bootstrap', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cycleshare-coordinator-'))
  const started: Peer[] = []
  afterAll(async () => {
    await Promise.all(started.map(p => p.stop()))
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('dials the bootstrap peer on start and finds it again after it restarts on the same port', async () => {
    const coordinator = createPeer({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
    started.push(coordinator)
    await coordinator.start()
    const addr = coordinator.multiaddrs()[0]!
    const port = /\/tcp\/(\d+)\//.exec(addr)![1]

    const worker = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [addr], redialIntervalMs: 100 })
    started.push(worker)
    const firstConnect = next(worker, 'peer:connect', coordinator.peerId)
    await worker.start()
    await firstConnect
    expect(worker.connectedPeers()).toEqual([coordinator.peerId])

    const lost = next(worker, 'peer:disconnect', coordinator.peerId)
    await coordinator.stop()
    await lost
    expect(worker.connectedPeers()).toEqual([])

    const restarted = createPeer({ dataDir, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    started.push(restarted)
    expect(restarted.peerId).toBe(coordinator.peerId)
    const reconnect = next(worker, 'peer:connect', coordinator.peerId)
    const accepted = next(restarted, 'peer:connect', worker.peerId)
    await restarted.start()
    await Promise.all([reconnect, accepted])
    expect(worker.connectedPeers()).toEqual([coordinator.peerId])
    expect(restarted.connectedPeers()).toEqual([worker.peerId])
  })

  it('keeps dialling a bootstrap peer that is down when the worker starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cycleshare-late-'))
    try {
      const probe = createPeer({ dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'] })
      await probe.start()
      const addr = probe.multiaddrs()[0]!
      await probe.stop()

      const worker = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [addr], redialIntervalMs: 100 })
      started.push(worker)
      await worker.start()
      expect(worker.connectedPeers()).toEqual([])

      const late = createPeer({ dataDir: dir, listen: [addr.replace(/\/p2p\/.*$/, '')] })
      started.push(late)
      const connected = next(worker, 'peer:connect', late.peerId)
      await late.start()
      await connected
      expect(worker.connectedPeers()).toEqual([late.peerId])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('redials a bootstrap peer that refused the connection soon, not after the whole redial interval', async () => {
    // One new connection a second from a host: of two workers dialling at once, one is refused.
    const busy = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], inboundConnectionsPerHost: 1 })
    started.push(busy)
    await busy.start()
    const refused: string[] = []
    const workers = [0, 1].map(() => createPeer({
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [busy.multiaddrs()[0]!],
      // Longer than the test may take: only the backoff's first redials can connect the refused one.
      redialIntervalMs: 600_000,
      log: (level, message) => { if (message.includes('unreachable')) refused.push(message) }
    }))
    started.push(...workers)
    const connected = workers.flatMap(w => [next(w, 'peer:connect', busy.peerId), next(busy, 'peer:connect', w.peerId)])
    await Promise.all(workers.map(async w => { await w.start() }))
    await Promise.all(connected)
    expect(refused.length).toBeGreaterThanOrEqual(1)
    expect(busy.connectedPeers().sort()).toEqual(workers.map(w => w.peerId).sort())
  })

  it('restarts the same Peer object', async () => {
    const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    started.push(peer)
    await peer.start()
    await peer.stop()
    await peer.start()
    expect(peer.multiaddrs()[0]).toMatch(new RegExp(`/p2p/${peer.peerId}$`))
  })
})
