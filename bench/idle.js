// Idle detection on a shared machine: two one-thread workers at default settings (lend the machine
// while the owner uses < 30 % CPU) beside the same workers told to lend it always (--max-load 100),
// on one job, alternated. Each cluster is measured once both workers have called the machine idle.
//   node bench/run.js --only idle
import { median, runJob, startCluster } from './cluster.js'

const JOB = { task: 'primes', params: { from: 0, to: 4e9 }, chunks: 64 }

export async function idleFigure ({ log, runs = 3 }) {
  // A worker lent always is idle from its start; one at defaults says so after its first load sample.
  const ways = { defaults: { args: ['--max-load', '30'], ready: 'machine idle: pulling work' }, always: { args: ['--max-load', '100'], ready: 'worker ready' } }
  const ms = { defaults: [], always: [] }
  for (let run = 0; run < runs; run++) {
    for (const [way, { args, ready }] of Object.entries(ways)) {
      const c = await startCluster({ workers: [args, args], workerReadyMsg: ready })
      try {
        const { ms: took, result } = await runJob(c.api, JOB)
        if (result.count !== 189_961_812) throw new Error(`primes [0, 4e9) gave ${result.count}`)
        ms[way].push(took)
        log(`  idle: ${way} ${took} ms`)
      } finally {
        await c.stop()
      }
    }
  }
  const defaultsMs = { runs: ms.defaults, median: median(ms.defaults) }
  const alwaysMs = { runs: ms.always, median: median(ms.always) }
  return { job: JOB, defaultsMs, alwaysMs, ratio: Math.round((defaultsMs.median / alwaysMs.median) * 100) / 100 }
}
