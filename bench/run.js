#!/usr/bin/env node
// The benchmark suite: real processes on 127.0.0.1, each figure beside a baseline measured in the
// same run. Prints a table and writes bench/results.json and bench/results.md.
//   npm run bench            (builds first)
//   node bench/run.js --quick   smaller sizes, for a fast look while working
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { writeFileSync } from 'node:fs'
import { availableParallelism, cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { createTaskPool, probe } from '@cycleshare/tasks'
import { auth, cpuMs, inFreshProcess, median, rssMb, runJob, startCluster } from './cluster.js'
import { balanceFigure } from './balance.js'
import { blobsFigure } from './blobs.js'
import { handoffFigure } from './handoff.js'
import { manyPeersFigure } from './many-peers.js'
import { wasmFigure } from './wasm.js'
import { groupsFigure } from './groups.js'
import { idleFigure } from './idle.js'

const here = dirname(fileURLToPath(import.meta.url))
const quick = process.argv.includes('--quick')
/** `--only efficiency` (or another figure) runs just that one, to check a change quickly; results are not written. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined
const REPEATS = quick ? 1 : 3
const DISPATCH_CHUNKS = quick ? 20_000 : 100_000
const LATENCY_JOBS = quick ? 50 : 200
const IDLE_WINDOWS = quick ? 1 : 3
const IDLE_WINDOW_MS = 10_000
const started = Date.now()

const spread = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs })
const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d
const log = (s) => process.stderr.write(s + '\n')

/** Piscina alone: `n` no-op probe tasks through a two-thread pool in this process. */
async function piscinaAlone (n) {
  const pool = createTaskPool({ threads: 2 })
  await pool.start()
  const input = probe.chunk(probe.parseParams({}, n), n, 0)
  await Promise.all(Array.from({ length: 1000 }, () => pool.run('probe', input))) // warm
  const t = performance.now()
  const pending = []
  for (let i = 0; i < n; i++) pending.push(pool.run('probe', input))
  await Promise.all(pending)
  const ms = performance.now() - t
  await pool.stop()
  return n / (ms / 1000)
}

async function dispatch () {
  const piscina = []
  const cluster = []
  for (let i = 0; i < REPEATS; i++) {
    piscina.push(round(await piscinaAlone(DISPATCH_CHUNKS)))
    const c = await startCluster({ workers: [[], []] })
    try {
      const { ms, result } = await runJob(c.api, { task: 'probe', params: {}, chunks: DISPATCH_CHUNKS })
      if (result.chunks !== DISPATCH_CHUNKS) throw new Error(`dispatch: wrong answer ${JSON.stringify(result)}`)
      cluster.push(round(DISPATCH_CHUNKS / (ms / 1000)))
    } finally {
      await c.stop()
    }
    log(`  dispatch run ${i + 1}: ${cluster.at(-1)} chunks/s (piscina alone ${piscina.at(-1)} tasks/s)`)
  }
  return { chunksPerSec: median(cluster), piscinaPerSec: median(piscina), ratio: round(median(cluster) / median(piscina), 3), chunks: DISPATCH_CHUNKS, cluster: spread(cluster), piscina: spread(piscina) }
}

function plainSieve (to) {
  return inFreshProcess(`import { countPrimes } from '@cycleshare/tasks'
    const t = performance.now(); const count = countPrimes(0, ${to})
    console.log(JSON.stringify({ ms: Math.round(performance.now() - t), count }))`)
}

async function efficiency () {
  // About 20 s of sieving on one thread of this machine (sieve time grows faster than the range,
  // so the range is fixed rather than scaled from a small sample); 2 s in --quick. (Until the sieve
  // carried its primes' offsets across segments, [0, 5·10^9) took those 20 s.)
  const to = quick ? 2_000_000_000 : 15_000_000_000
  const plain = []
  const cluster = []
  let expected
  for (let i = 0; i < REPEATS; i++) {
    // In a fresh process, so that this one's heap (100,000 settled promises from dispatch) and
    // its timers cannot slow the baseline.
    const { ms, count } = plainSieve(to)
    expected = count
    plain.push(ms)
    const c = await startCluster({ workers: [[], []] })
    try {
      const { ms, result } = await runJob(c.api, { task: 'primes', params: { from: 0, to }, chunks: 512 })
      if (result.count !== expected) throw new Error(`efficiency: wrong answer ${result.count}, expected ${expected}`)
      cluster.push(ms)
    } finally {
      await c.stop()
    }
    log(`  efficiency run ${i + 1}: plain ${plain.at(-1)} ms, 2 workers ${cluster.at(-1)} ms`)
  }
  const speedups = plain.map((p, i) => round(p / cluster[i], 3))
  return { speedup: median(speedups), range: [0, to], chunks: 512, count: expected, plainMs: spread(plain), clusterMs: spread(cluster), speedups }
}

async function latency () {
  const c = await startCluster({ workers: [[], []] })
  const ws = new WebSocket(c.api.replace(/^http/, 'ws') + '/events')
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  const waiting = new Map()
  ws.on('message', (m) => {
    const { event, data } = JSON.parse(String(m))
    if (event === 'job' && data.progress.done >= 1) waiting.get(data.id)?.()
  })
  const samples = []
  try {
    for (let i = 0; i < LATENCY_JOBS + 10; i++) {
      const t = performance.now()
      const res = await fetch(`${c.api}/jobs`, { method: 'POST', headers: { ...auth(c.api), 'content-type': 'application/json' }, body: JSON.stringify({ task: 'probe', params: {}, chunks: 1 }) })
      const { id } = await res.json()
      await new Promise((resolve) => {
        waiting.set(id, resolve)
        // the event may have come before the id was known
        void fetch(`${c.api}/jobs/${id}`).then(r => r.json()).then(j => { if (j.progress.done >= 1) resolve() })
      })
      waiting.delete(id)
      if (i >= 10) samples.push(performance.now() - t) // the first ten warm the path up
    }
  } finally {
    ws.close()
    await c.stop()
  }
  const sorted = [...samples].sort((a, b) => a - b)
  const p = (q) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))], 1)
  return { p50Ms: p(0.5), p99Ms: p(0.99), minMs: round(sorted[0], 1), maxMs: round(sorted.at(-1), 1), jobs: samples.length }
}


async function memory () {
  const c = await startCluster({ workers: [[]] })
  let queued
  try {
    const idleRss = round(rssMb(c.coordinatorPid), 1)
    // The only worker is paused while the job is submitted and measured, so the job stays queued.
    process.kill(c.workerPids[0], 'SIGSTOP')
    const res = await fetch(`${c.api}/jobs`, { method: 'POST', headers: { ...auth(c.api), 'content-type': 'application/json' }, body: JSON.stringify({ task: 'probe', params: {}, chunks: 1_000_000 }) })
    if (res.status !== 201) throw new Error(`memory: submit failed ${res.status}`)
    await fetch(`${c.api}/jobs`)
    const coordinatorRssMb = round(rssMb(c.coordinatorPid), 1)
    process.kill(c.workerPids[0], 'SIGCONT')
    await fetch(`${c.api}/jobs/${(await res.json()).id}`, { method: 'DELETE', headers: auth(c.api) })

    queued = { coordinatorRssMb, coordinatorIdleRssMb: idleRss, queuedChunks: 1_000_000 }
  } finally {
    await c.stop()
  }
  return { ...queued, ...await idleWorker() }
}

/** A worker connected to a coordinator that has never had work: its RSS and CPU over time. */
async function idleWorker () {
  const c = await startCluster({ workers: [[]] })
  try {
    await new Promise(r => setTimeout(r, 2_000)) // let start-up settle before measuring
    const pid = c.workerPids[0]
    const cpu = []
    const rss = []
    for (let i = 0; i < IDLE_WINDOWS; i++) {
      const a = cpuMs(pid)
      await new Promise(r => setTimeout(r, IDLE_WINDOW_MS))
      const b = cpuMs(pid)
      cpu.push(round((b - a) / IDLE_WINDOW_MS * 100, 2))
      rss.push(round(rssMb(pid), 1))
    }
    return { idleWorkerRssMb: median(rss), idleWorkerCpuPct: median(cpu), idleWorkerCpuWindows: cpu, windowMs: IDLE_WINDOW_MS }
  } finally {
    await c.stop()
  }
}
async function tail () {
  const job = { task: 'probe', params: { spinMs: 50 }, chunks: 60 }
  const out = {}
  for (const backups of [false, true]) {
    const times = []
    for (let i = 0; i < REPEATS; i++) {
      const c = await startCluster({ workers: [[], [], ['--max-cpu', '10']], coordinatorArgs: backups ? [] : ['--no-straggler-backups'] })
      try {
        const { ms, result } = await runJob(c.api, job)
        if (result.chunks !== 60) throw new Error(`tail: wrong answer ${JSON.stringify(result)}`)
        times.push(ms)
      } finally {
        await c.stop()
      }
    }
    out[backups ? 'withBackupsMs' : 'withoutBackupsMs'] = median(times)
    out[backups ? 'withBackups' : 'withoutBackups'] = spread(times)
  }
  return out
}

/** Starts bench/flooder.js against `multiaddr` and resolves once it floods; the child to kill. */
async function startFlooder (multiaddr, rate, durationMs) {
  const child = spawn(process.execPath, [join(here, 'flooder.js'), multiaddr, String(rate), String(durationMs)], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => { try { if (JSON.parse(l).msg === 'flooding') resolve() } catch {} })
    child.once('exit', (code) => reject(new Error(`flooder exited ${code} before flooding`)))
  })
  child.removeAllListeners('exit')
  return child
}

/** Samples GET /api/health every 20 ms until `stop()`; resolves with the latencies in ms. */
function sampleHealth (api) {
  let running = true
  const samples = []
  const done = (async () => {
    while (running) {
      const t = performance.now()
      await fetch(`${api}/health`).then(r => r.arrayBuffer())
      samples.push(performance.now() - t)
      await new Promise(r => setTimeout(r, 20))
    }
  })()
  return async () => { running = false; await done; return samples }
}

/**
 * A real job on one honest worker, alone and while one peer floods `pull` at 1,000/s and as fast
 * as one process can send (refusing every assign): the job's time and /api/health's p95.
 */
async function flood () {
  const job = { task: 'primes', params: { from: 0, to: 100_000_000 }, chunks: 64 }
  const out = {}
  for (const [name, rate] of [['alone', undefined], ['at1000', 1000], ['atMax', 0]]) {
    const times = []
    const health = []
    for (let i = 0; i < REPEATS; i++) {
      const c = await startCluster({ workers: [[]] })
      const flooder = rate === undefined ? undefined : await startFlooder(c.multiaddr, rate, 60_000)
      try {
        // Let the flood build (and the coordinator's budgets act) before the job comes.
        await new Promise(r => setTimeout(r, 1_000))
        const stop = sampleHealth(c.api)
        const t = performance.now()
        const { ms, result } = await runJob(c.api, job)
        if (result.count !== 5_761_455) throw new Error(`flood: wrong answer ${result.count}`)
        // At least 2 s of health samples, however short the job.
        await new Promise(r => setTimeout(r, Math.max(0, 2_000 - (performance.now() - t))))
        const samples = (await stop()).sort((a, b) => a - b)
        times.push(ms)
        health.push(round(samples[Math.min(samples.length - 1, Math.floor(0.95 * samples.length))], 1))
      } finally {
        flooder?.kill('SIGKILL')
        await c.stop()
      }
      log(`  flood ${name} run ${i + 1}: job ${times.at(-1)} ms, /api/health p95 ${health.at(-1)} ms`)
    }
    out[name] = { jobMs: spread(times), healthP95Ms: spread(health) }
  }
  return out
}

/** Starts bench/holder.js against `multiaddr`; resolves with the child once it holds what it could open. */
async function startHolder (multiaddr, streams, durationMs) {
  const child = spawn(process.execPath, [join(here, 'holder.js'), multiaddr, String(streams), String(durationMs)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  await new Promise((resolve, reject) => {
    lines.on('line', (l) => { try { if (JSON.parse(l).msg === 'holding') resolve() } catch {} })
    child.once('exit', (code) => reject(new Error(`holder exited ${code} before holding`)))
  })
  child.removeAllListeners('exit')
  const done = new Promise((resolve) => {
    lines.on('line', (l) => { try { const j = JSON.parse(l); if (j.msg === 'done') resolve(j) } catch {} })
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return { child, done, exited }
}

/**
 * Two peers each try to hold 64 streams on the coordinator's protocol, announcing a 16 MiB frame
 * on each and sending it slowly (bench/holder.js), for 12 s: the coordinator's RSS when idle, its
 * peak during the attack, and 30 s after the peers stop.
 */
async function heldStreams () {
  const c = await startCluster({ workers: [] })
  try {
    const idleRssMb = round(rssMb(c.coordinatorPid), 1)
    let peakRssMb = idleRssMb
    const sampler = setInterval(() => { peakRssMb = Math.max(peakRssMb, round(rssMb(c.coordinatorPid), 1)) }, 100)
    const holders = await Promise.all([0, 1].map(() => startHolder(c.multiaddr, 64, 12_000)))
    const sent = (await Promise.all(holders.map(h => h.done))).map(d => d.sentMb)
    await Promise.all(holders.map(h => h.exited))
    clearInterval(sampler)
    peakRssMb = Math.max(peakRssMb, round(rssMb(c.coordinatorPid), 1))
    await new Promise(r => setTimeout(r, 30_000))
    const afterRssMb = round(rssMb(c.coordinatorPid), 1)
    log(`  held streams: idle ${idleRssMb} MB, peak ${peakRssMb} MB, 30 s after ${afterRssMb} MB (sent ${sent.join(' / ')} MiB)`)
    return { idleRssMb, peakRssMb, afterRssMb, peers: 2, streamsPerPeer: 64, frameMiB: 16, sentMiB: sent }
  } finally {
    await c.stop()
  }
}

const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30, 1), node: process.version, quick }
log(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GiB, Node ${machine.node}${quick ? ', --quick' : ''}`)
if (only !== undefined) {
  const figures = { dispatch, efficiency, latency, memory, tail, flood, heldStreams, handoff: async () => await handoffFigure({ runs: quick ? 2 : 6, log }), balance: async () => await balanceFigure({ log }), manyPeers: async () => await manyPeersFigure({ log, ...(quick ? { peers: 40, chunks: 800 } : {}) }), blobs: async () => await blobsFigure({ log, ...(quick ? { sizeMb: 16, runs: 1 } : {}) }), wasm: async () => await wasmFigure({ log, ...(quick ? { runs: 1, to: 2_000_000_000 } : {}) }), groups: async () => await groupsFigure({ log, ...(quick ? { runs: 1, to: 1_000_000_000 } : {}) }), idle: async () => await idleFigure({ log, runs: quick ? 1 : 3 }) }
  if (figures[only] === undefined) throw new Error(`--only must name one of ${Object.keys(figures).join(', ')}`)
  console.log(JSON.stringify(await figures[only](), null, 2))
  process.exit(0)
}
log('dispatch…'); const dispatchResult = await dispatch()
log('efficiency…'); const efficiencyResult = await efficiency()
log('latency…'); const latencyResult = await latency()
log('memory…'); const memoryResult = await memory()
log('tail…'); const tailResult = await tail()
log('flood…'); const floodResult = await flood()
log('held streams…'); const heldStreamsResult = await heldStreams()
log('handoff…'); const handoffResult = await handoffFigure({ runs: quick ? 2 : 6, log })
log('balance…'); const balanceResult = await balanceFigure({ log })
log('many peers…'); const manyPeersResult = await manyPeersFigure({ log, ...(quick ? { peers: 40, chunks: 800 } : {}) })
log('blobs…'); const blobsResult = await blobsFigure({ log, ...(quick ? { sizeMb: 16, runs: 1 } : {}) })
log('wasm…'); const wasmResult = await wasmFigure({ log, ...(quick ? { runs: 1, to: 2_000_000_000 } : {}) })
log('groups…'); const groupsResult = await groupsFigure({ log, ...(quick ? { runs: 1, to: 1_000_000_000 } : {}) })
log('idle…'); const idleResult = await idleFigure({ log, runs: quick ? 1 : 3 })

const results = { machine, date: new Date().toISOString(), dispatch: dispatchResult, efficiency: efficiencyResult, latency: latencyResult, memory: memoryResult, tail: tailResult, flood: floodResult, heldStreams: heldStreamsResult, handoff: handoffResult, balance: balanceResult, manyPeers: manyPeersResult, blobs: blobsResult, wasm: wasmResult, groups: groupsResult, idle: idleResult, seconds: round((Date.now() - started) / 1000) }
writeFileSync(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n')

const rows = [
  ['dispatch', `${DISPATCH_CHUNKS.toLocaleString('en')} no-op chunks, coordinator → 2 workers → back`, `${dispatchResult.chunksPerSec.toLocaleString('en')} chunks/s`, `Piscina alone, 2 threads: ${dispatchResult.piscinaPerSec.toLocaleString('en')} tasks/s (ratio ${dispatchResult.ratio})`, '≥ 20,000/s and ≥ 0.6'],
  ['efficiency', `primes [0, ${efficiencyResult.range[1].toExponential(1)}) in 512 chunks, 2 workers × 1 thread`, `${efficiencyResult.clusterMs.median} ms, speed-up ${efficiencyResult.speedup}`, `plain sieve, one thread: ${efficiencyResult.plainMs.median} ms`, '≥ 1.9'],
  ['latency', `submit → first result, ${latencyResult.jobs} one-chunk jobs, idle workers`, `p50 ${latencyResult.p50Ms} ms, p99 ${latencyResult.p99Ms} ms`, `min ${latencyResult.minMs} ms`, 'p50 ≤ 20 ms'],
  ['memory', 'coordinator RSS, 1,000,000-chunk job queued', `${memoryResult.coordinatorRssMb} MB`, `same coordinator before the job: ${memoryResult.coordinatorIdleRssMb} MB`, '≤ 150 MB'],
  ['idle worker', `RSS and CPU over ${IDLE_WINDOWS} × ${IDLE_WINDOW_MS / 1000} s`, `${memoryResult.idleWorkerRssMb} MB, ${memoryResult.idleWorkerCpuPct}% CPU`, '', '≤ 1% CPU'],
  ['tail', '60 × 50 ms chunks, 3 workers, one at --max-cpu 10', `${tailResult.withBackupsMs} ms with straggler backups`, `${tailResult.withoutBackupsMs} ms without`, ''],
  ['flood', 'primes [0, 1e8) in 64 chunks on 1 worker while one peer floods `pull` at 1,000/s / as fast as it can', `job ${floodResult.at1000.jobMs.median} / ${floodResult.atMax.jobMs.median} ms; /api/health p95 ${floodResult.at1000.healthP95Ms.median} / ${floodResult.atMax.healthP95Ms.median} ms`, `no flood: job ${floodResult.alone.jobMs.median} ms, /api/health p95 ${floodResult.alone.healthP95Ms.median} ms`, 'job ≤ 3× alone (or +2 s); p95 ≤ 250 ms'],
  ['held streams', 'coordinator RSS while 2 peers each try to hold 64 streams with slow 16 MiB frames, and 30 s after they stop', `peak ${heldStreamsResult.peakRssMb} MB, ${heldStreamsResult.afterRssMb} MB 30 s after`, `same coordinator before: ${heldStreamsResult.idleRssMb} MB`, 'peak < idle + 256 MB; back near idle'],
  ['balance', 'two 1-thread workers: a 256-chunk primes job fresh / right after 20,000 probe chunks / with one worker at --max-cpu 50; 6 pi chunks', `${balanceResult.fresh.ratio}× / ${balanceResult.warm.ratio}× / ${balanceResult.unequal.ratio}× / ${balanceResult.few.ratio}× the ideal (chunks ${balanceResult.warm.split.join('/')} warm, ${balanceResult.few.split.join('/')} few)`, `ideal from one plain thread: ${balanceResult.fresh.idealMs} / ${balanceResult.unequal.idealMs} / ${balanceResult.few.idealMs} ms`, 'warm within 10% of fresh'],
  ['many peers', `${manyPeersResult.peers} worker peers (libp2p nodes, ${manyPeersResult.hosts} processes), primes in ${manyPeersResult.chunks} chunks`, `job ${manyPeersResult.jobMs} ms; coordinator CPU ${manyPeersResult.coordinator.cpuOverJobMs} ms, ${manyPeersResult.coordinator.rssPerPeerKb} KB RSS a peer; ${manyPeersResult.pullsPerSec} pulls/s, ${manyPeersResult.assignsPerSec} assigns/s`, `coordinator idle: ${manyPeersResult.coordinator.idleRssMb} MB`, 'exact, every chunk once'],
  ['blobs', `a ${blobsResult.sizeMb} MiB blob needed by ${blobsResult.peers} peers (libp2p nodes, ${blobsResult.hosts} processes), from each other with the coordinator last`, `coordinator sent ${blobsResult.swarm.egressBlobs}× the blob; all have it in ${blobsResult.swarm.ms} ms`, `each peer from the coordinator alone: ${blobsResult.naive.egressBlobs}× the blob, ${blobsResult.naive.ms} ms`, 'egress ≤ 2× the blob; time ≤ naive'],
  ['wasm', `the efficiency job as the custom WebAssembly task examples/sieve (AssemblyScript), 2 workers × 1 thread, alternated with the built-in`, `${wasmResult.wasmMs.median} ms (${wasmResult.ratio}× the built-in)`, `built-in primes, same cluster: ${wasmResult.builtInMs.median} ms`, '≤ 1.1× the built-in'],
  ['groups', `primes [0, ${groupsResult.job.params.to.toExponential(1)}) in ${groupsResult.job.chunks} chunks submitted to a peer group member, three members × 1 thread (no coordinator)`, `${groupsResult.threeMembersMs.median} ms (${groupsResult.speedup}× one member)`, `the same job on one member alone: ${groupsResult.oneMemberMs.median} ms`, ''],
  ['idle', 'primes [0, 4e9) in 64 chunks, two 1-thread workers and the coordinator on one machine, workers at default settings (owner < 30 % CPU)', `${idleResult.defaultsMs.median} ms (${idleResult.ratio}× lent always)`, `the same workers with --max-load 100: ${idleResult.alwaysMs.median} ms`, '≤ 1.1×'],
  ['handoff', `a worker running a ${handoffResult.chunkMs} ms primes chunk is paused while another is idle: until the chunk runs there, and the share done twice (${handoffResult.handoff.elsewhereMs.runs.length} runs)`, `handed off: p50 ${handoffResult.handoff.elsewhereMs.p50} ms, p99 ${handoffResult.handoff.elsewhereMs.p99} ms, ${handoffResult.handoff.redonePercent.p50}% redone (at most ${handoffResult.handoff.redonePercent.max}%)`, `released and reissued with its checkpoint: p50 ${handoffResult.release.elsewhereMs.p50} ms, p99 ${handoffResult.release.elsewhereMs.p99} ms, ${handoffResult.release.redonePercent.p50}% redone; restarted from zero: ${handoffResult.handoff.fromZeroPercent}% redone`, '≤ 500 ms; < 10% redone']
]
const md = ['| figure | what | measured (median) | baseline, same run | goal |', '|---|---|---|---|---|', ...rows.map(r => `| ${r.join(' | ')} |`)].join('\n')
writeFileSync(join(here, 'results.md'), `Machine: ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}; ${REPEATS} run(s) per figure; ${results.seconds} s in all.\n\n${md}\n`)
console.log(`\n${md}\n\n${results.seconds} s; written to bench/results.json and bench/results.md`)
