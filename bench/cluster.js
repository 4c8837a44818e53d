// Starts a coordinator and workers as real processes on 127.0.0.1 for the benchmarks, runs jobs
// through the HTTP API, and cleans up. Needs `npm run build` first.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { MMAP_THRESHOLD_TUNABLE } from '@cycleshare/program/allocator'
import WebSocket from 'ws'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

// The coordinator's bin sets up its allocator itself on Node ≥ 22.15; on Node 20 the operator
// does, as the README says, and so does the bench.
const env = typeof process.execve === 'function' ? process.env : { ...process.env, GLIBC_TUNABLES: MMAP_THRESHOLD_TUNABLE }

/** API tokens by API address: a coordinator prints one on its first start, and writes need it. */
const tokens = new Map()

/** The Authorization header for a coordinator started here. */
export function auth (api) {
  return { authorization: `Bearer ${tokens.get(api)}` }
}

function start (script, args, readyMsg, children) {
  const child = spawn(process.execPath, [join(root, script), ...args], { stdio: ['ignore', 'pipe', 'ignore'], env })
  children.push(child)
  let apiToken
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (l) => {
      try {
        const j = JSON.parse(l)
        if (typeof j.apiToken === 'string') apiToken = j.apiToken
        if (j.msg === readyMsg) {
          if (apiToken !== undefined) tokens.set(j.api, apiToken)
          resolve(j)
        }
      } catch {}
    })
    child.once('exit', (code) => reject(new Error(`${script} exited ${code} before "${readyMsg}"`)))
  })
}

/**
 * `workers` is a list of extra-argument arrays, one per worker (each worker has 1 thread unless
 * its arguments say otherwise).
 */
export async function startCluster ({ workers, coordinatorArgs = [], workerReadyMsg = 'worker ready' }) {
  const children = []
  const dirs = []
  const temp = (p) => { const d = mkdtempSync(join(tmpdir(), `cycleshare-bench-${p}-`)); dirs.push(d); return d }
  const ready = await start('apps/coordinator/bin/cycleshare-coordinator.js',
    ['--host', '127.0.0.1', '--port', '0', '--data-dir', temp('c'), '--listen', '/ip4/127.0.0.1/tcp/0', ...coordinatorArgs], 'coordinator ready', children)
  const addr = ready.multiaddrs[0]
  const workerReady = await Promise.all(workers.map(args => start('apps/worker/bin/cycleshare-worker.js',
    ['--coordinator', addr, '--threads', '1', '--data-dir', temp('w'), '--listen', '/ip4/127.0.0.1/tcp/0', '--max-load', '100', '--allow-battery', ...args], workerReadyMsg, children)))
  return {
    api: ready.api,
    multiaddr: addr,
    coordinatorPid: ready.pid,
    workerPids: workerReady.map(w => w.pid),
    async stop () {
      for (const c of children) { c.removeAllListeners('exit'); c.kill('SIGKILL') }
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
    }
  }
}

/**
 * Submits `job`, waits for it to end, and returns its wall time (coordinator's createdAt →
 * finishedAt) and result. It listens on the WebSocket gateway rather than polling, so that the
 * measuring costs the coordinator nothing while the job runs.
 */
export async function runJob (api, job) {
  const ws = new WebSocket(api.replace(/^http/, 'ws') + '/events')
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
  try {
    const ended = new Map()
    const waiters = new Map()
    ws.on('message', (m) => {
      const { event, data } = JSON.parse(String(m))
      if (event !== 'job' || !['done', 'failed', 'cancelled'].includes(data.status)) return
      ended.set(data.id, data)
      waiters.get(data.id)?.(data)
    })
    const res = await fetch(`${api}/jobs`, { method: 'POST', headers: { ...auth(api), 'content-type': 'application/json' }, body: JSON.stringify(job) })
    if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${await res.text()}`)
    const { id } = await res.json()
    await new Promise((resolve) => {
      if (ended.has(id)) return resolve()
      waiters.set(id, resolve)
    })
    const view = await (await fetch(`${api}/jobs/${id}`)).json()
    if (view.status !== 'done') throw new Error(`job ${id} ended ${view.status}: ${view.error}`)
    const { result } = await (await fetch(`${api}/jobs/${id}/result`)).json()
    return { ms: Date.parse(view.finishedAt) - Date.parse(view.createdAt), result, view }
  } finally {
    ws.close()
  }
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** CPU time `pid` has used so far (all its threads), in ms, from /proc (clock ticks of 10 ms). */
export function cpuMs (pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) * 10
}

/** Resident memory of `pid`, in MB, from /proc. */
export const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024

/**
 * Runs `script` (an ES module body that prints one JSON line) in a fresh Node process and returns
 * what it printed: a baseline that nothing in the bench's own process (its heap, its timers) slows.
 */
export function inFreshProcess (script) {
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dirname(fileURLToPath(import.meta.url)), encoding: 'utf8' }))
}
