#!/usr/bin/env node
// What replication costs: a primes job with honest workers at replication 1, 2 and "adaptive",
// on real processes on 127.0.0.1. (What straggler backups buy is the suite's `tail` figure:
// `node bench/run.js --only tail`.)
//   node bench/reliability.js [repeats]        (after npm run build)
import { availableParallelism } from 'node:os'
import { median, runJob, startCluster } from './cluster.js'

const repeats = Number(process.argv[2] ?? 3)
console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; ${repeats} runs each`)

const primes = { task: 'primes', params: { from: 0, to: 1_000_000_000 }, chunks: 256 }
const replicationTimes = {}
for (const replication of [1, 2, 'adaptive']) {
  const times = []
  for (let i = 0; i < repeats; i++) {
    const cluster = await startCluster({ workers: [[], []] })
    try {
      const { ms, result } = await runJob(cluster.api, { ...primes, replication })
      if (result.count !== 50_847_534) throw new Error(`wrong answer ${result.count}`)
      times.push(ms)
    } finally {
      await cluster.stop()
    }
  }
  replicationTimes[replication] = median(times)
  console.log(`primes [0, 10^9) in 256 chunks, 2 honest workers, replication ${JSON.stringify(replication)}: median ${median(times)} ms  (${times.join(', ')})` +
    (replication === 1 ? '' : `, ×${(median(times) / replicationTimes[1]).toFixed(2)} of replication 1`))
}
