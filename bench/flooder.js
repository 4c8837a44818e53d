#!/usr/bin/env node
// A hostile peer for the benchmark: it connects to a coordinator and publishes `pull` on gossip
// at a fixed rate (or as fast as one process can), refusing every assign, for a bounded time.
//   node bench/flooder.js <coordinator multiaddr> <pulls per second, 0 for as fast as it can> <duration ms>
// Prints {"msg":"flooding"} once the coordinator can hear it, and {"msg":"done","sent":N} at the end.
import '@cycleshare/peer/polyfill'
import { createPeer } from '@cycleshare/peer'
import { TOPIC_PULL, encode, msg, workerRpc } from '@cycleshare/protocol'

const [coordinator, rateArg, durationArg] = process.argv.slice(2)
const rate = Number(rateArg)
const durationMs = Number(durationArg)
if (coordinator === undefined || !Number.isFinite(rate) || rate < 0 || !Number.isFinite(durationMs) || durationMs <= 0) {
  process.stderr.write('usage: flooder.js <coordinator multiaddr> <pulls per second, 0 for max> <duration ms>\n')
  process.exit(2)
}
const coordinatorId = coordinator.slice(coordinator.lastIndexOf('/p2p/') + 5)
const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [coordinator] })
await peer.serve(workerRpc, {
  assign: ({ leases }) => msg.assigned([], leases.map(l => l.leaseId)),
  cancel: ({ leaseIds }) => msg.cancelled(leaseIds)
})
await peer.start()
while (!peer.topicPeers(TOPIC_PULL).includes(coordinatorId)) await new Promise(resolve => setTimeout(resolve, 20))
console.log(JSON.stringify({ msg: 'flooding' }))

const pull = encode(msg.pull({ slots: 64, tasks: ['primes'], capacity: { threads: 64 } }))
const started = performance.now()
let sent = 0
while (performance.now() - started < durationMs) {
  if (rate === 0) {
    // As fast as it can: a batch, then one turn of the event loop so the node can write it out.
    await Promise.all(Array.from({ length: 50 }, () => peer.publish(TOPIC_PULL, pull).catch(() => {})))
    sent += 50
    await new Promise(resolve => setImmediate(resolve))
  } else {
    // Keep to the rate: send what the elapsed time allows, then wait a few milliseconds.
    const due = Math.floor((performance.now() - started) * rate / 1000)
    for (; sent < due; sent++) await peer.publish(TOPIC_PULL, pull).catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}
console.log(JSON.stringify({ msg: 'done', sent }))
await peer.stop()
process.exit(0)
