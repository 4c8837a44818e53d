/**
 * Chaos on real processes: workers killed at random, a coordinator killed at random moments, a
 * worker that lies, a task that throws. Each schedule is drawn from a seeded generator and the
 * seed is printed, so a failure can be replayed.
 */
import { join } from 'node:path'
import { SqliteDatabase as Database } from '@cycleshare/scheduler/sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import {
  cleanup, http, isDone, seededRandom, startCoordinator, startWorker, submit, tcpPort, tempDir,
  waitForJob, waitForWorker, type Coordinator, type JobView, type Worker
} from './harness.js'
import { startLiar } from './liar.js'

// π(10^9) = 50,847,534 and π(2·10^9) = 98,222,287.
const PI_1E9 = 50_847_534
const PI_2E9 = 98_222_287

/** The coordinator's own record: how many of the job's chunks are marked done (reduced) in SQLite. */
function doneChunksOnDisk (coordinator: Coordinator, jobId: string): number {
  const db = new Database(join(coordinator.dataDir, 'cycleshare.db'), { readonly: true, fileMustExist: true })
  try {
    const row = db.prepare(`SELECT COUNT(*) AS n FROM chunks c JOIN jobs j ON c.job_seq = j.seq WHERE j.id = ? AND c.state = 'done'`).get(jobId) as { n: number }
    return row.n
  } finally {
    db.close()
  }
}

async function jobState (api: string, id: string): Promise<JobView | undefined> {
  try {
    const res = await http<JobView>(api, 'GET', `/jobs/${id}`)
    return res.status === 200 ? res.body : undefined
  } catch {
    return undefined
  }
}

describe('chaos', () => {
  afterEach(cleanup)

  it('4 workers, a 2,000-chunk job, a random worker killed with kill -9 about every second and restarted: exact, every chunk reduced once', async () => {
    const seed = Date.now() % 100_000
    const random = seededRandom(seed)
    const started = Date.now()
    const coordinator = await startCoordinator({ leaseTtlMs: 2_000 })
    const dirs = [0, 1, 2, 3].map(() => tempDir('worker'))
    // Threads rest three quarters of the time, so the job outlasts several kills however fast the
    // machine sieves and the workers deal (at half the time, some runs saw only two kills).
    const slowed = { args: ['--max-cpu', '25'] }
    const workers: Worker[] = await Promise.all(dirs.map(async dataDir => await startWorker(coordinator.multiaddr, { dataDir, ...slowed })))
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 2_000_000_000 }, chunks: 2_000 })

    let kills = 0
    for (let job = await jobState(coordinator.api, id); job?.status !== 'done'; job = await jobState(coordinator.api, id)) {
      expect(job?.status).not.toBe('failed')
      // The chaos schedule itself, not a wait for anything: 0.5–1.1 s between kills.
      await new Promise(resolve => setTimeout(resolve, 500 + random() * 600))
      if ((await jobState(coordinator.api, id))?.status === 'done') break
      const victim = Math.floor(random() * workers.length)
      await workers[victim].kill9()
      kills++
      workers[victim] = await startWorker(coordinator.multiaddr, { dataDir: dirs[victim], ...slowed })
    }
    const result = (await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result
    console.log(`chaos/workers: seed ${seed}, ${kills} kills, ${((Date.now() - started) / 1000).toFixed(1)} s`)
    expect(kills).toBeGreaterThanOrEqual(3)
    expect(result.count).toBe(PI_2E9)
    expect((await jobState(coordinator.api, id))!.progress).toEqual({ done: 2_000, total: 2_000 })
    expect(doneChunksOnDisk(coordinator, id)).toBe(2_000)
  })

  it('the coordinator killed with kill -9 at 5 random moments of one job and restarted each time: exact', async () => {
    const seed = Date.now() % 100_000
    const random = seededRandom(seed)
    const started = Date.now()
    let coordinator = await startCoordinator({ leaseTtlMs: 3_000 })
    const { dataDir, httpPort } = coordinator
    const p2pPort = tcpPort(coordinator.multiaddr)
    await Promise.all([0, 1, 2].map(async () => await startWorker(coordinator.multiaddr)))
    const total = 600
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 2_000_000_000 }, chunks: total })

    const moments = Array.from({ length: 5 }, () => Math.floor(total * (0.05 + random() * 0.8))).sort((a, b) => a - b)
    for (const moment of moments) {
      await waitForJob(() => coordinator.api, id, j => j.progress.done >= moment)
      await coordinator.kill9()
      coordinator = await startCoordinator({ dataDir, httpPort, p2pPort, leaseTtlMs: 3_000 })
    }
    const job = await waitForJob(() => coordinator.api, id, isDone)
    const result = (await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result
    console.log(`chaos/coordinator: seed ${seed}, killed at ${moments.join(', ')} of ${total} chunks done, ${((Date.now() - started) / 1000).toFixed(1)} s`)
    expect(job.progress).toEqual({ done: total, total })
    expect(result.count).toBe(PI_2E9)
    expect(doneChunksOnDisk(coordinator, id)).toBe(total)
  })

  it('one worker of four lies: with replication 2 the answer is exact and the liar ends up excluded', async () => {
    const started = Date.now()
    const coordinator = await startCoordinator()
    await Promise.all([0, 1, 2].map(async () => await startWorker(coordinator.multiaddr)))
    const liar = await startLiar(coordinator.multiaddr)
    try {
      const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1_000_000_000 }, chunks: 300, replication: 2 })
      const job = await waitForJob(() => coordinator.api, id, isDone)
      expect(job.progress).toEqual({ done: 300, total: 300 })
      expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(PI_1E9)

      const workers = (await http<Array<{ peerId: string, state: string, invalid: number, excluded?: string }>>(coordinator.api, 'GET', '/workers')).body
      const record = workers.find(w => w.peerId === liar.peerId)!
      console.log(`chaos/liar: outvoted ${record.invalid} times, ${((Date.now() - started) / 1000).toFixed(1)} s`)
      expect(record.state).toBe('excluded')
      expect(record.excluded).toMatch(/outvoted/)
      expect(record.invalid).toBeGreaterThanOrEqual(3)
      for (const honest of workers.filter(w => w.peerId !== liar.peerId)) {
        expect(honest.invalid).toBe(0)
        expect(honest.excluded).toBeUndefined()
      }
    } finally {
      await liar.stop()
    }
  })

  it('a task that throws on one chunk fails its job with a clear error, while another job finishes exactly', async () => {
    const coordinator = await startCoordinator()
    await Promise.all([0, 1, 2].map(async () => await startWorker(coordinator.multiaddr)))
    const failing = await submit(coordinator.api, { task: 'probe', params: { failAt: [7] }, chunks: 40, maxAttempts: 3 })
    const healthy = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 100_000_000 }, chunks: 100 })

    const failed = await waitForJob(() => coordinator.api, failing, j => j.status === 'failed')
    expect(failed.error).toMatch(/chunk 7 of probe failed 3 times: ProbeFailureError: probe chunk 7 failed as asked/)
    const done = await waitForJob(() => coordinator.api, healthy, isDone)
    expect(done.progress).toEqual({ done: 100, total: 100 })
    expect((await http(coordinator.api, 'GET', `/jobs/${healthy}/result`)).body.result.count).toBe(5_761_455)
  })

  it('a chunk that runs past the job\'s chunkTimeoutMs is stopped in its thread and counts as a failed attempt', async () => {
    const coordinator = await startCoordinator()
    const [worker] = await Promise.all([startWorker(coordinator.multiaddr), startWorker(coordinator.multiaddr)])
    const id = await submit(coordinator.api, { task: 'probe', params: { hangAt: [2] }, chunks: 6, chunkTimeoutMs: 300, maxAttempts: 2 })
    const failed = await waitForJob(() => coordinator.api, id, j => j.status === 'failed')
    expect(failed.error).toMatch(/chunk 2 of probe failed 2 times: TaskTimeoutError: chunk 2 of probe ran longer than 300 ms/)
    // The threads are free again: the next job runs to the end.
    const next = await submit(coordinator.api, { task: 'probe', params: {}, chunks: 20 })
    await waitForJob(() => coordinator.api, next, isDone)
    expect((await http(coordinator.api, 'GET', `/jobs/${next}/result`)).body.result).toEqual({ chunks: 20, indexSum: 190 })
    expect(worker.alive).toBe(true)
  })

  it('cancelling a job stops its running chunks on the workers', async () => {
    const coordinator = await startCoordinator()
    const workers = await Promise.all([startWorker(coordinator.multiaddr), startWorker(coordinator.multiaddr)])
    const id = await submit(coordinator.api, { task: 'probe', params: { hangAt: [0, 1, 2, 3, 4, 5, 6, 7] }, chunks: 8 })
    await Promise.all(workers.map(async w => await waitForWorker(coordinator.api, w.peerId, v => v.state === 'working')))
    expect((await http(coordinator.api, 'DELETE', `/jobs/${id}`)).body.status).toBe('cancelled')
    await Promise.all(workers.map(async w => await w.waitFor(l => l.msg === 'leases cancelled', 'leases cancelled')))
    // Every thread was hanging; only stopped threads can run the next job.
    const next = await submit(coordinator.api, { task: 'probe', params: {}, chunks: 10 })
    await waitForJob(() => coordinator.api, next, isDone)
    expect((await http(coordinator.api, 'GET', `/jobs/${next}/result`)).body.result).toEqual({ chunks: 10, indexSum: 45 })
  })
})
