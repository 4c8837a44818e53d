#!/usr/bin/env node
// Wall time of primes jobs ([0, 10^8) in 64 chunks, [0, 10^9) in 256) through real processes on
// 127.0.0.1, with one and with two single-thread workers, beside a plain in-process sieve of the
// same range.
// Time is the coordinator's own: from the job's createdAt to its finishedAt.
//   node bench/primes-wall-time.js [repeats]        (after npm run build)
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { countPrimes } from '@cycleshare/tasks'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const repeats = Number(process.argv[2] ?? 3)
const JOBS = [
  { job: { task: 'primes', params: { from: 0, to: 100_000_000 }, chunks: 64 }, count: 5_761_455 },
  { job: { task: 'primes', params: { from: 0, to: 1_000_000_000 }, chunks: 256 }, count: 50_847_534 }
]
const children = []
const dirs = []

function start (script, args, readyMsg) {
  const child = spawn(process.execPath, [join(root, script), ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      try { const j = JSON.parse(l); if (j.msg === readyMsg) resolve(j) } catch {}
    })
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)))
  })
}

const temp = (p) => { const d = mkdtempSync(join(tmpdir(), `cycleshare-bench-${p}-`)); dirs.push(d); return d }

async function once ({ job: JOB, count }, workers) {
  const ready = await start('apps/coordinator/dist/main.js', ['--host', '127.0.0.1', '--port', '0', '--data-dir', temp('c'), '--listen', '/ip4/127.0.0.1/tcp/0'], 'coordinator ready')
    .catch(async () => { throw new Error('coordinator did not start') })
  const addr = ready.multiaddrs[0]
  await Promise.all(Array.from({ length: workers }, () => start('apps/worker/dist/main.js',
    ['--coordinator', addr, '--threads', '1', '--data-dir', temp('w'), '--listen', '/ip4/127.0.0.1/tcp/0', '--max-load', '100', '--allow-battery'], 'worker ready')))
  const res = await fetch(`${ready.api}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(JOB) })
  const { id } = await res.json()
  let job
  do {
    await new Promise(r => setTimeout(r, 5))
    job = await (await fetch(`${ready.api}/jobs/${id}`)).json()
  } while (job.status !== 'done' && job.status !== 'failed')
  const { result } = await (await fetch(`${ready.api}/jobs/${id}/result`)).json()
  if (result.count !== count) throw new Error(`wrong answer ${result.count}`)
  for (const c of children.splice(0)) { c.removeAllListeners('exit'); c.kill('SIGKILL') }
  return Date.parse(job.finishedAt) - Date.parse(job.createdAt)
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
try {
  console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; ${repeats} runs each`)
  for (const spec of JOBS) {
    const { to } = spec.job.params
    const name = `primes [0, 10^${Math.log10(to)}) in ${spec.job.chunks} chunks`
    const plain = []
    for (let i = 0; i < repeats; i++) { const t = performance.now(); countPrimes(0, to); plain.push(Math.round(performance.now() - t)) }
    console.log(`${name}, plain sieve in one thread: median ${median(plain)} ms  (${plain.join(', ')})`)
    for (const workers of [1, 2]) {
      const times = []
      for (let i = 0; i < repeats; i++) times.push(await once(spec, workers))
      console.log(`${name}, ${workers} worker(s) x 1 thread: median ${median(times)} ms  (${times.join(', ')})`)
    }
  }
} finally {
  for (const c of children) c.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}
