// The balance figures: how evenly two single-thread workers share CPU-bound jobs, each beside the
// ideal computed from the single-thread time of the same work in a fresh process.
//   fresh    — a 256-chunk `primes` job over [0, 2·10^9) on workers that have run nothing;
//   warm     — the same job right after a 20,000-chunk `probe` job on the same workers (a worker
//              sizes what it holds from the pace of the chunks it ran);
//   unequal  — the same job on a full-speed worker and one at --max-cpu 50 (ideal: 1.5 threads);
//   few      — a `pi` job of 6 equal chunks, fewer than threads × 4 (ideal: 3 chunks each).
// Each line gives the job's time, its ratio to the ideal (1.0 is perfect), and how many chunks
// each worker ran.
import { inFreshProcess, runJob, startCluster } from './cluster.js'

const PRIMES = { task: 'primes', params: { from: 0, to: 2_000_000_000 }, chunks: 256 }
const PI_CHUNK_SAMPLES = 100_000_000
const FEW = { task: 'pi', params: { samples: 6 * PI_CHUNK_SAMPLES, seed: 7 }, chunks: 6 }

const plainPrimes = () => inFreshProcess(`import { countPrimes } from '@cycleshare/tasks'
  const t = performance.now(); const count = countPrimes(${PRIMES.params.from}, ${PRIMES.params.to})
  console.log(JSON.stringify({ ms: Math.round(performance.now() - t), count }))`)

const plainPi = () => inFreshProcess(`import { countInside } from '@cycleshare/tasks'
  const t = performance.now(); let inside = 0
  for (let i = 0; i < ${FEW.chunks}; i++) inside += countInside(${FEW.params.seed}, i, ${PI_CHUNK_SAMPLES})
  console.log(JSON.stringify({ ms: Math.round(performance.now() - t), inside }))`)

/** Chunks done by each worker, from the coordinator's record, by peer id. */
async function doneByWorker (api) {
  const workers = await (await fetch(`${api}/workers`)).json()
  return new Map(workers.map(w => [w.peerId, w.chunksDone]))
}

/** Runs `job` on `cluster`, checking its answer; returns its time and each worker's share of its chunks. */
async function measured (cluster, job, check) {
  const before = await doneByWorker(cluster.api)
  const { ms, result } = await runJob(cluster.api, job)
  check(result)
  const after = await doneByWorker(cluster.api)
  const split = [...after].map(([peerId, done]) => done - (before.get(peerId) ?? 0)).sort((a, b) => b - a)
  return { ms, split }
}

/** Waits until the coordinator lists `n` workers (each has pulled): idle workers waiting for a job. */
async function allListed (api, n) {
  for (let i = 0; i < 200; i++) { // 10 s at most
    if ((await (await fetch(`${api}/workers`)).json()).length >= n) return
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`balance: fewer than ${n} workers listed after 10 s`)
}

async function scenario (name, workers, plan, log) {
  const cluster = await startCluster({ workers })
  try {
    await allListed(cluster.api, workers.length)
    const r = await plan(cluster)
    const ratio = Math.round((r.ms / r.idealMs) * 100) / 100
    log(`  ${name}: ${r.ms} ms, ideal ${Math.round(r.idealMs)} ms (${ratio}×), chunks ${r.split.join(' / ')}`)
    return { ms: r.ms, idealMs: Math.round(r.idealMs), ratio, split: r.split }
  } finally {
    await cluster.stop()
  }
}

export async function balanceFigure ({ log }) {
  const primes = plainPrimes()
  const pi = plainPi()
  log(`  one thread, plain: primes ${primes.ms} ms, pi ${pi.ms} ms`)
  const checkPrimes = (result) => { if (result.count !== primes.count) throw new Error(`balance: primes ${result.count}, expected ${primes.count}`) }
  const onPrimes = (idealMs) => async (cluster) => ({ ...await measured(cluster, PRIMES, checkPrimes), idealMs })
  const out = { primesPlainMs: primes.ms, piPlainMs: pi.ms }
  out.fresh = await scenario('fresh workers', [[], []], onPrimes(primes.ms / 2), log)
  out.warm = await scenario('warm workers (after 20,000 probe chunks)', [[], []], async (cluster) => {
    await runJob(cluster.api, { task: 'probe', params: {}, chunks: 20_000 })
    return await onPrimes(primes.ms / 2)(cluster)
  }, log)
  out.unequal = await scenario('unequal workers (one at --max-cpu 50)', [[], ['--max-cpu', '50']], onPrimes(primes.ms / 1.5), log)
  out.few = await scenario(`few chunks (${FEW.chunks} pi chunks on 2 threads)`, [[], []], async (cluster) => ({
    ...await measured(cluster, FEW, (result) => { if (result.inside !== pi.inside) throw new Error(`balance: pi inside ${result.inside}, expected ${pi.inside}`) }),
    idealMs: pi.ms / 2
  }), log)
  out.warmVsFresh = Math.round((out.warm.ms / out.fresh.ms) * 100) / 100
  return out
}
