/**
 * Gossip carries signals, not identity: pulls signed by keys the coordinator has no connection to,
 * relayed by a peer it does have one to, make no worker record and get no work.
 *
 * Around a real coordinator, the test process runs libp2p nodes built from the protocol alone:
 * - a relay, connected to the coordinator and subscribed to the pull topic, so gossipsub forwards
 *   what it hears on that topic to the coordinator;
 * - strangers, each with a fresh key, connected to the relay alone, publishing pulls;
 * - an observer, connected to the coordinator alone and subscribed to the pull topic.
 *
 * The observer is the proof that the relayed pulls reached the coordinator's node, and its
 * application: its only connection is to the coordinator, so a stranger's pull reaches it only
 * as the coordinator's forward; and gossipsub forwards a message only after it has passed the
 * topic's validator and been handed to the local subscribers (the accumulation point), in that
 * order, in one step. So each stranger pull the observer hears is one the accumulation point
 * heard first, and turned away.
 */
import { createPeer, type Peer, type PeerEventName } from '@cycleshare/peer'
import { TOPIC_PULL, encode, msg } from '@cycleshare/protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, waitForWorker } from './harness.js'

afterEach(cleanup)

const STRANGERS = 20
const PULLS_EACH = 10
/** How long the relayed pulls may take to reach the observer; they take well under a second. */
const RELAY_MS = 10_000

/** Resolves once `check` holds, asking again on each `event` of `peer`; fails after `timeoutMs`. */
async function until (peer: Peer, event: PeerEventName, check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  if (check()) return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no ${what} within ${timeoutMs} ms`)) }, timeoutMs)
    const off = peer.on(event, () => {
      if (!check()) return
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}

const local = { listen: ['/ip4/127.0.0.1/tcp/0'] }

describe('pulls relayed from peers the coordinator has no connection to', () => {
  it('make no worker record and take no work, while the relay\'s own pull does and the honest worker\'s job finishes exactly', async () => {
    const coordinator = await startCoordinator()
    const honest = await startWorker(coordinator.multiaddr)
    await waitForWorker(coordinator.api, honest.peerId, w => w.state === 'idle')

    const peers: Peer[] = []
    const node = (init: { bootstrap: string[], redialIntervalMs?: number }): Peer => {
      const peer = createPeer({ ...local, ...init })
      peers.push(peer)
      return peer
    }
    const relay = node({ bootstrap: [coordinator.multiaddr] })
    relay.subscribe(TOPIC_PULL, () => {})
    const observer = node({ bootstrap: [coordinator.multiaddr] })
    const heard = new Map<string, number>()
    let strangerPullsHeard = 0
    let allHeard = (): void => {}
    const everyPullHeard = new Promise<void>((resolve) => { allHeard = resolve })
    observer.subscribe(TOPIC_PULL, (_data, from) => {
      if (!heard.has(from)) return
      heard.set(from, heard.get(from)! + 1)
      if (++strangerPullsHeard === STRANGERS * PULLS_EACH) allHeard()
    })

    // Every peer id GET /api/workers shows, polled from start to finish of the relayed pulls.
    const listed = new Set<string>()
    let watching = true
    const watch = (async () => {
      const deadline = Date.now() + 60_000
      while (watching && Date.now() < deadline) {
        for (const w of (await http<Array<{ peerId: string }>>(coordinator.api, 'GET', '/workers')).body) listed.add(w.peerId)
        await new Promise(resolve => setTimeout(resolve, 25))
      }
    })()

    try {
      await Promise.all([relay.start(), observer.start()])
      await until(relay, 'subscription-change', () => relay.topicPeers(TOPIC_PULL).includes(coordinator.peerId), 'coordinator on the relay\'s pull topic')
      await until(observer, 'subscription-change', () => observer.topicPeers(TOPIC_PULL).includes(coordinator.peerId), 'coordinator on the observer\'s pull topic')

      // libp2p accepts 5 inbound connections a second from one host (its inboundConnectionThreshold),
      // so the strangers, all on 127.0.0.1, get in a few at a time: those refused redial soon.
      const started = Date.now()
      const strangers = Array.from({ length: STRANGERS }, () => node({ bootstrap: [relay.multiaddrs()[0]], redialIntervalMs: 200 }))
      for (const s of strangers) heard.set(s.peerId, 0)
      await Promise.all(strangers.map(async s => { await s.start() }))
      // A stranger's publish goes to the subscribers it knows of: wait until it knows the relay.
      await Promise.all(strangers.map(async s => {
        await until(s, 'subscription-change', () => s.topicPeers(TOPIC_PULL).includes(relay.peerId), 'relay on a stranger\'s pull topic')
      }))

      const connectedAt = Date.now()

      // Work is waiting while the strangers pull: a pull heard as theirs would be sent leases.
      const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 10_000_000 }, chunks: 16 })
      const pull = encode(msg.pull({ slots: 64, tasks: ['primes'], capacity: { threads: 64 } }))
      await Promise.all(strangers.map(async s => {
        for (let i = 0; i < PULLS_EACH; i++) await s.publish(TOPIC_PULL, pull)
      }))
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        everyPullHeard,
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`the observer heard ${strangerPullsHeard} of ${STRANGERS * PULLS_EACH} relayed pulls within ${RELAY_MS} ms`))
          }, RELAY_MS)
        })
      ]).finally(() => { clearTimeout(timer) })
      console.log(`relayed pulls: ${STRANGERS} strangers connected to the relay in ${connectedAt - started} ms; ` +
        `their ${STRANGERS * PULLS_EACH} pulls heard through the coordinator in ${Date.now() - connectedAt} ms`)
      // Each relayed pull reached the coordinator's node exactly once, through the relay alone.
      expect([...heard.values()]).toEqual(Array(STRANGERS).fill(PULLS_EACH))
      for (const s of strangers) expect(s.connectedPeers()).toEqual([relay.peerId])
      expect(observer.connectedPeers()).toEqual([coordinator.peerId])

      await waitForJob(() => coordinator.api, id, isDone)
      expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body).toEqual({ result: { from: 0, to: 10_000_000, count: 664_579 } })

      // The path works for a peer the coordinator is connected to: the relay's own pull makes its
      // record, so relaying 200 pulls did not get the relay graylisted or disconnected either.
      await relay.publish(TOPIC_PULL, encode(msg.pull({ slots: 1, tasks: ['primes'], capacity: { threads: 1 } })))
      await waitForWorker(coordinator.api, relay.peerId, w => w.state === 'idle')
      watching = false
      await watch

      const workers = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
      expect(workers.map(w => w.peerId).sort()).toEqual([honest.peerId, relay.peerId].sort())
      expect(workers.find(w => w.peerId === honest.peerId)?.chunksDone).toBe(16)
      for (const w of workers) listed.add(w.peerId)
      expect([...listed].sort()).toEqual([honest.peerId, relay.peerId].sort())
    } finally {
      watching = false
      await watch
      await Promise.all(peers.map(async p => { await p.stop() }))
    }
  })
})
