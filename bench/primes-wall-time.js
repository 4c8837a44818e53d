#!/usr/bin/env node
// Wall time of the primes [0, 10^8) job in 64 chunks, through real processes on 127.0.0.1, with
// one and with two single-thread workers, beside one plain in-process sieve of the same range.
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
const JOB = { task: 'primes', params: { from: 0, to: 100_000_000 }, chunks: 64 }
const children = []
const dirs = []

function start (script, args, readyMsg) {
  const child = spawn(process.execPath, [join(root, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      try { const j = JSON.parse(l); if (j.msg === readyMsg) resolve(j) } catch {}
    })
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}`)))
  })
}

const temp = (p) => { const d = mkdtempSync(join(tmpdir(), `cycleshare-bench-${p}-`)); dirs.push(d); return d }

async function once (workers) {
  const ready = await start('apps/coordinator/dist/main.js', ['--host', '127.0.0.1', '--port', '0', '--data-dir', temp('c'), '--listen', '/ip4/127.0.0.1/tcp/0', '--log-level', 'warn'], 'coordinator ready')
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
  if (result.count !== 5_761_455) throw new Error(`wrong answer ${result.count}`)
  for (const c of children.splice(0)) { c.removeAllListeners('exit'); c.kill('SIGKILL') }
  return Date.parse(job.finishedAt) - Date.parse(job.createdAt)
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
try {
  console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; ${repeats} runs each`)
  const plain = []
  for (let i = 0; i < repeats; i++) { const t = performance.now(); countPrimes(0, 100_000_000); plain.push(performance.now() - t) }
  console.log(`plain sieve, one thread, in process: median ${median(plain).toFixed(0)} ms  (${plain.map(x => x.toFixed(0)).join(', ')})`)
  for (const workers of [1, 2]) {
    const times = []
    for (let i = 0; i < repeats; i++) times.push(await once(workers))
    console.log(`primes 10^8, 64 chunks, ${workers} worker(s) x 1 thread: median ${median(times)} ms  (${times.join(', ')})`)
  }
} finally {
  for (const c of children) c.kill('SIGKILL')
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}
