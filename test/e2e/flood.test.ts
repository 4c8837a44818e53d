/**
 * One peer floods the coordinator with pulls and refuses every assign, while an honest worker
 * runs a real job. The flooder is a test fixture built from the protocol alone, on a real libp2p
 * node in the test process; its sending loop is bounded in count and time.
 */
import { createPeer, type Peer } from '@cycleshare/peer'
import { TOPIC_PULL, encode, msg, workerRpc } from '@cycleshare/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, waitForWorker } from './harness.js'

afterEach(cleanup)

/** The most pulls the flooder sends, and for how long at most. */
const FLOOD_PULLS = 20_000
const FLOOD_MS = 30_000

describe('a peer flooding pulls', () => {
  it('is throttled and backed off alone: the honest worker\'s job finishes exactly and the API keeps answering', async () => {
    const coordinator = await startCoordinator()
    const honest = await startWorker(coordinator.multiaddr)
    await waitForWorker(coordinator.api, honest.peerId, w => w.state === 'idle')

    const flooder: Peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [coordinator.multiaddr] })
    let refusedAssigns = 0
    await flooder.serve(workerRpc, {
      assign: ({ leases }) => { refusedAssigns++; return msg.assigned([], leases.map(l => l.leaseId)) },
      cancel: ({ leaseIds }) => msg.cancelled(leaseIds)
    })
    await flooder.start()
    let sent = 0
    let flooding = true
    const started = Date.now()
    const pull = encode(msg.pull({ slots: 64, tasks: ['primes'], capacity: { threads: 64 } }))
    // About 1,000 pulls a second: ten every 10 ms, until the job is done or the bounds are reached.
    const flood = (async () => {
      while (flooding && sent < FLOOD_PULLS && Date.now() - started < FLOOD_MS) {
        if (flooder.topicPeers(TOPIC_PULL).includes(coordinator.peerId)) {
          for (let i = 0; i < 10; i++, sent++) await flooder.publish(TOPIC_PULL, pull).catch(() => {})
        }
        await new Promise(resolve => setTimeout(resolve, 10))
      }
    })()
    try {
      // The flooder is heard, and held back.
      const held = await waitForWorker(coordinator.api, flooder.peerId, w => w.throttled !== undefined)
      expect(held.throttled).toMatch(/^(pulls over budget \(200\/s\)|refused 3 assigns in a row: pulls set aside until )/)

      const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 100_000_000 }, chunks: 64 })
      const health = await http(coordinator.api, 'GET', '/health')
      expect(health.status).toBe(200)
      await waitForJob(() => coordinator.api, id, isDone)
      expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(5_761_455)

      const workers = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
      expect(workers.find(w => w.peerId === honest.peerId)?.chunksDone).toBe(64)
      expect(workers.find(w => w.peerId === flooder.peerId)?.chunksDone).toBe(0)
      // Refusing everything earned it a back-off: a handful of assigns, not one per pull.
      expect(refusedAssigns).toBeLessThan(20)
      console.log(`flood: ${sent} pulls sent, ${refusedAssigns} assigns refused, ${((Date.now() - started) / 1000).toFixed(1)} s`)
    } finally {
      flooding = false
      await flood
      await flooder.stop()
    }
  })
})
