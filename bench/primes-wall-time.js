#!/usr/bin/env node
// Wall time of primes jobs ([0, 10^8) in 64 chunks, [0, 10^9) in 256) through real processes on
// 127.0.0.1, with one and with two single-thread workers, beside a plain in-process sieve of the
// same range.
//   node bench/primes-wall-time.js [repeats]        (after npm run build)
import { availableParallelism } from 'node:os'
import { countPrimes } from '@cycleshare/tasks'
import { median, runJob, startCluster } from './cluster.js'

const repeats = Number(process.argv[2] ?? 3)
const JOBS = [
  { job: { task: 'primes', params: { from: 0, to: 100_000_000 }, chunks: 64 }, count: 5_761_455 },
  { job: { task: 'primes', params: { from: 0, to: 1_000_000_000 }, chunks: 256 }, count: 50_847_534 }
]

console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; ${repeats} runs each`)
for (const spec of JOBS) {
  const { to } = spec.job.params
  const name = `primes [0, 10^${Math.log10(to)}) in ${spec.job.chunks} chunks`
  const plain = []
  for (let i = 0; i < repeats; i++) { const t = performance.now(); countPrimes(0, to); plain.push(Math.round(performance.now() - t)) }
  console.log(`${name}, plain sieve in one thread: median ${median(plain)} ms  (${plain.join(', ')})`)
  for (const workers of [1, 2]) {
    const times = []
    for (let i = 0; i < repeats; i++) {
      const cluster = await startCluster({ workers: Array.from({ length: workers }, () => []) })
      try {
        const { ms, result } = await runJob(cluster.api, spec.job)
        if (result.count !== spec.count) throw new Error(`wrong answer ${result.count}`)
        times.push(ms)
      } finally {
        await cluster.stop()
      }
    }
    console.log(`${name}, ${workers} worker(s) x 1 thread: median ${median(times)} ms  (${times.join(', ')})`)
  }
}
