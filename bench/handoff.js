// The handoff figure: a worker running a long chunk steps back (SIGUSR1, the volunteer's pause)
// while another worker is idle. Measured per run: how long until the chunk runs on the other
// worker, and how much of the chunk's compute is done twice. Two ways, from the same setup (the
// idle worker started before the job and held paused, so that its start costs the giver nothing):
//   handoff — the idle worker pulled lately: the giver offers it the chunk directly;
//   release — no peer had pulled: the giver gives the chunk back with its checkpoint, and the idle
//             worker, let go at that moment, pulls and gets it reissued (as fast as the
//             coordinator feeding a worker whose pull found nothing, which it does at once).
// Work done twice is the time spent on the chunk before and after the move beyond its time run
// whole on one worker; restarting from zero (a release without checkpoints) redoes all of the time before.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { MMAP_THRESHOLD_TUNABLE } from '@cycleshare/program/allocator'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const env = typeof process.execve === 'function' ? process.env : { ...process.env, GLIBC_TUNABLES: MMAP_THRESHOLD_TUNABLE }

/** One chunk of 5·10^9 numbers: about 6 s of sieving here (16 s before the sieve carried its offsets), so it is mid-run when paused, in either mode. */
const CHUNK = { from: 0, to: 5_000_000_000 }

/** A process whose JSON log lines can be waited for. */
function proc (script, args) {
  const child = spawn(process.execPath, [join(root, script), ...args], { stdio: ['ignore', 'pipe', 'ignore'], env })
  const lines = []
  const waiters = new Set()
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line
    try { line = JSON.parse(text) } catch { return }
    lines.push(line)
    for (const w of [...waiters]) if (w.test(line)) { waiters.delete(w); w.resolve(line) }
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return {
    child,
    lines,
    exited,
    /** The first line (seen or to come) that passes `test`; rejects after `ms`. */
    waitFor (test, what, ms = 30_000) {
      const seen = lines.find(test)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(w); reject(new Error(`no "${what}" within ${ms} ms`)) }, ms)
        const w = { test, resolve: (l) => { clearTimeout(timer); resolve(l) } }
        waiters.add(w)
      })
    }
  }
}

const is = (msg) => (l) => l.msg === msg

/**
 * One run. `whole`: the chunk runs to its end on one worker. `handoff` and `release`: it is paused
 * mid-run and goes on elsewhere. Returns how long it ran before the pause, how long until it ran
 * elsewhere, and how long it then took there to the job's end.
 */
async function oneRun (mode, pauseAfterMs) {
  const dirs = []
  const temp = (p) => { const d = mkdtempSync(join(tmpdir(), `cycleshare-bench-${p}-`)); dirs.push(d); return d }
  const procs = []
  const worker = (c) => {
    const w = proc('apps/worker/bin/cycleshare-worker.js', ['--coordinator', c, '--threads', '1', '--data-dir', temp('w'),
      '--listen', '/ip4/127.0.0.1/tcp/0', '--max-load', '100', '--allow-battery', '--log-level', 'debug'])
    procs.push(w)
    return w
  }
  try {
    const coordinator = proc('apps/coordinator/bin/cycleshare-coordinator.js', ['--host', '127.0.0.1', '--port', '0',
      '--data-dir', temp('c'), '--listen', '/ip4/127.0.0.1/tcp/0', '--lease-ttl', '3000', '--announce-interval', '500',
      '--no-straggler-backups'])
    procs.push(coordinator)
    const ready = await coordinator.waitFor(is('coordinator ready'), 'coordinator ready')
    const { apiToken } = await coordinator.waitFor(l => typeof l.apiToken === 'string', 'API token')
    const c = ready.multiaddrs[0]
    // The taker starts first, paused (so it takes nothing), and is let go once the chunk runs.
    const taker = mode === 'whole' ? undefined : worker(c)
    if (taker !== undefined) {
      await taker.waitFor(is('worker ready'), 'worker ready')
      taker.child.kill('SIGUSR1')
      await taker.waitFor(is('paused'), 'paused')
    }
    const giver = worker(c)
    await giver.waitFor(is('worker ready'), 'worker ready')
    const submitted = await fetch(`${ready.api}/jobs`, {
      method: 'POST', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ task: 'primes', params: CHUNK, chunks: 1 })
    })
    if (submitted.status !== 201) throw new Error(`submit failed: ${submitted.status}`)
    const { id } = await submitted.json()
    const finished = async () => {
      for (let i = 0; i < 1_200; i++) { // 60 s at most
        const job = await (await fetch(`${ready.api}/jobs/${id}`)).json()
        if (job.status === 'done') return Date.parse(job.finishedAt)
        await new Promise(resolve => setTimeout(resolve, 50))
      }
      throw new Error('the job did not finish within 60 s')
    }
    // The chunk starts as it is assigned (the giver is idle).
    const started = await giver.waitFor(is('assigned'), 'assigned')
    if (taker === undefined) return { ranMs: await finished() - started.time }
    // Half way through, by the giver's renewals (one a second, each with a checkpoint).
    await giver.waitFor(l => l.msg === 'checkpoints sent' && l.time >= started.time + pauseAfterMs, 'half way', pauseAfterMs + 30_000)
    if (mode === 'handoff') {
      // The taker, let go, pulls and finds nothing: the giver hears it.
      taker.child.kill('SIGUSR1')
      await giver.waitFor(is('hungry peer'), 'a hungry peer')
    }
    const pausedAt = Date.now()
    giver.child.kill('SIGUSR1')
    const stepped = await giver.waitFor(is('stepped back'), 'stepped back')
    if (stepped.handedOff !== (mode === 'handoff' ? 1 : 0)) throw new Error(`${mode}: stepped back ${JSON.stringify(stepped)}`)
    // No peer was hungry: the chunk went back; the taker, let go now, pulls and gets it.
    if (mode === 'release') taker.child.kill('SIGUSR1')
    const resumed = await taker.waitFor(is('chunk resumed from a checkpoint'), 'chunk resumed from a checkpoint')
    // Where the time to run elsewhere goes: until the offer leaves, until the taker holds the lease.
    const steps = mode === 'handoff'
      ? { offeredMs: giver.lines.find(is('offering leases')).time - pausedAt, tookMs: taker.lines.find(is('took leases')).time - pausedAt }
      : {}
    return { ranMs: pausedAt - started.time, elsewhereMs: resumed.time - pausedAt, restMs: await finished() - resumed.time, ...steps }
  } finally {
    for (const p of procs) p.child.kill('SIGKILL')
    await Promise.all(procs.map(p => p.exited))
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

const percentile = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] }
const round = (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d

export async function handoffFigure ({ runs, log }) {
  // The chunk's time on a worker, run to its end: what a stop and a go-on are measured against.
  const whole = []
  for (let i = 0; i < 2; i++) whole.push((await oneRun('whole')).ranMs)
  const wholeMs = percentile(whole, 0.5)
  log(`  whole chunk on one worker: ${whole.join(' / ')} ms`)
  const out = { chunkMs: wholeMs, runs }
  for (const mode of ['handoff', 'release']) {
    const results = []
    for (let i = 0; i < runs; i++) {
      const r = await oneRun(mode, wholeMs / 2)
      // Work done twice: the time spent on the chunk before and after the move, beyond its whole
      // time. Restarting from zero would redo all of the time before.
      const redone = Math.max(0, r.ranMs + r.restMs - wholeMs) / wholeMs
      results.push({ elsewhereMs: r.elsewhereMs, redone, fromZero: r.ranMs / wholeMs })
      const steps = r.offeredMs === undefined ? '' : ` (offer sent after ${r.offeredMs} ms, taken after ${r.tookMs} ms)`
      log(`  ${mode} run ${i + 1}: ran ${r.ranMs} ms, running elsewhere after ${r.elsewhereMs} ms${steps}, ${r.restMs} ms more there (${round(100 * redone, 1)}% redone)`)
    }
    const times = results.map(r => r.elsewhereMs)
    out[mode] = {
      elsewhereMs: { p50: percentile(times, 0.5), p99: percentile(times, 0.99), runs: times },
      redonePercent: { p50: round(100 * percentile(results.map(r => r.redone), 0.5), 1), max: round(100 * Math.max(...results.map(r => r.redone)), 1) },
      fromZeroPercent: round(100 * percentile(results.map(r => r.fromZero), 0.5), 1)
    }
  }
  return out
}
