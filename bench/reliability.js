#!/usr/bin/env node
// What reliability costs and buys, on real processes on 127.0.0.1:
// - replication: a primes job with honest workers at replication 1, 2 and "adaptive";
// - tail: a job with one deliberately slow worker (--max-cpu 10), with and without straggler backups.
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

// 60 chunks of 50 ms busy work on three workers, one of which keeps its thread busy 10% of the time.
const probe = { task: 'probe', params: { spinMs: 50 }, chunks: 60 }
for (const backups of [false, true]) {
  const times = []
  let stats
  for (let i = 0; i < repeats; i++) {
    const cluster = await startCluster({
      workers: [[], [], ['--max-cpu', '10']],
      coordinatorArgs: backups ? [] : ['--no-straggler-backups']
    })
    try {
      const { ms, result, view } = await runJob(cluster.api, probe)
      if (result.chunks !== 60 || result.indexSum !== 1770) throw new Error(`wrong answer ${JSON.stringify(result)}`)
      times.push(ms)
      stats = view.stats
    } finally {
      await cluster.stop()
    }
  }
  console.log(`probe 60 × 50 ms, 3 workers, one at --max-cpu 10, backups ${backups ? 'on ' : 'off'}: median ${median(times)} ms  (${times.join(', ')})` +
    (backups ? `; last run: ${stats.backups} backups, ${stats.backupWins} won` : ''))
}
