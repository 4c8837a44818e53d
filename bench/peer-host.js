// Hosts many worker peers in one process for the many-peers figure: each a real libp2p node with
// its own key and connections, its own worker runtime, all sharing one small task pool (what the
// figure measures is the coordinator, not the sieve). Prints one JSON line once every peer is
// connected to the coordinator, and stops on SIGTERM.
//   node bench/peer-host.js <coordinator multiaddr> <peers>
import '@cycleshare/peer/polyfill'
import { createPeer } from '@cycleshare/peer'
import { createTaskPool } from '@cycleshare/tasks'
import { createIdleMonitor, createWorkerRuntime, workerGossip } from '@cycleshare/worker-runtime'

const [coordinator, count] = [process.argv[2], Number(process.argv[3])]
const coordinatorId = coordinator.slice(coordinator.lastIndexOf('/p2p/') + 5)
const silent = { debug () {}, info () {}, warn () {}, error () {} }
const warnings = []
const log = { ...silent, warn: (fields, msg) => { if (warnings.length < 20) warnings.push(msg) } }

const pool = createTaskPool({ threads: 1 })
await pool.start()
const idle = createIdleMonitor({ maxLoad: 100, allowBattery: true })
await idle.start()
const workers = []
for (let i = 0; i < count; i++) {
  const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [coordinator], gossipTopics: workerGossip() })
  const connected = new Promise((resolve) => { const off = peer.on('peer:connect', (id) => { if (id === coordinatorId) { off(); resolve() } }) })
  await peer.start()
  const runtime = createWorkerRuntime({ peer, pool, idle, log }, { accumulationPoints: [coordinatorId], threads: 1 })
  await runtime.start()
  workers.push({ peer, runtime, connected })
}
await Promise.all(workers.map(w => w.connected))
console.log(JSON.stringify({ ready: count, peerIds: workers.map(w => w.peer.peerId), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) }))

process.on('SIGTERM', async () => {
  for (const w of workers) { await w.runtime.stop(); await w.peer.stop() }
  await idle.stop()
  await pool.stop()
  if (warnings.length > 0) console.error(JSON.stringify({ warnings }))
  process.exit(0)
})
