#!/usr/bin/env node
// The ceiling for the efficiency and balance figures on this machine: the same primes jobs run
// through a two-thread task pool inside one process (no coordinator, no network, no reports),
// beside the plain one-thread sieve in a fresh process. What the cluster loses beyond this is
// cycleshare's; what this loses against 2.0 is the machine's and the pool's.
//   node bench/ceiling.js [repeats]        (after npm run build)
import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { createTaskPool, primes, probe } from '@cycleshare/tasks'
import { median } from './cluster.js'

const repeats = Number(process.argv[2] ?? 3)
const JOBS = [
  { to: 2_000_000_000, chunks: 256 },
  { to: 15_000_000_000, chunks: 512 }
]

function plainSieve (to) {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', `import { countPrimes } from '@cycleshare/tasks'
    const t = performance.now(); const count = countPrimes(0, ${to})
    console.log(JSON.stringify({ ms: performance.now() - t, count }))`], { encoding: 'utf8' }))
}

/** All chunks handed to the pool at once (its own queue feeds the threads); `started`: threads started beforehand. */
async function pooled (to, chunks, started) {
  const pool = createTaskPool({ threads: 2 })
  await pool.start()
  try {
    if (started) {
      const spin = probe.chunk(probe.parseParams({ spinMs: 30 }, 2), 2, 0)
      await Promise.all([pool.run('probe', spin), pool.run('probe', spin)])
    }
    const params = primes.parseParams({ from: 0, to }, chunks)
    const t = performance.now()
    const outputs = await Promise.all(Array.from({ length: chunks }, (_, i) => pool.run('primes', primes.chunk(params, chunks, i))))
    return { ms: performance.now() - t, count: outputs.reduce((sum, o) => sum + o.count, 0) }
  } finally {
    await pool.stop()
  }
}

console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; ${repeats} runs each`)
for (const { to, chunks } of JOBS) {
  const speedups = { fresh: [], started: [] }
  for (let i = 0; i < repeats; i++) {
    const plain = plainSieve(to)
    for (const way of ['fresh', 'started']) {
      const run = await pooled(to, chunks, way === 'started')
      if (run.count !== plain.count) throw new Error(`wrong answer ${run.count}, expected ${plain.count}`)
      speedups[way].push(Math.round(plain.ms / run.ms * 1000) / 1000)
    }
  }
  console.log(`primes [0, ${to.toExponential(1)}) in ${chunks} chunks, 2-thread pool in one process: speed-up over one plain thread, ` +
    `fresh threads median ${median(speedups.fresh)} (${speedups.fresh.join(', ')}), threads started beforehand median ${median(speedups.started)} (${speedups.started.join(', ')})`)
}
