// Retention: a coordinator run for months keeps a store the size of what it retains (--retain),
// DELETE removes a finished job whole, and workers gone for long leave the live list while their
// records stay (--forget-workers-after).
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SqliteDatabase } from '@cycleshare/scheduler/sqlite'
import { cleanup, client, cycleshare, http, isDone, startCoordinator, startWorker, submit, waitForJob, waitForWorker, type Coordinator } from './harness.js'

afterAll(cleanup)

const BATCHES = 4
const JOBS_PER_BATCH = 8

/** What the store's file holds: pages in all, pages in use, and rows of the tables that grow with jobs. */
function storeSize (coordinator: Coordinator): { pages: number, used: number, jobs: number, chunks: number, failures: number } {
  const db = new SqliteDatabase(join(coordinator.dataDir, 'cycleshare.db'), { readonly: true, fileMustExist: true })
  try {
    const pages = db.pragma('page_count', { simple: true }) as number
    const free = db.pragma('freelist_count', { simple: true }) as number
    const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
    return { pages, used: pages - free, jobs: count('jobs'), chunks: count('chunks'), failures: count('failures') }
  } finally {
    db.close()
  }
}

/** Resolves once the event stream has said each of `ids` was removed. */
async function removals (coordinator: Coordinator, ids: Set<string>): Promise<{ opened: Promise<void>, all: Promise<void> }> {
  let open!: () => void
  const opened = new Promise<void>((resolve) => { open = resolve })
  const all = new Promise<void>((resolve) => {
    const stream = client(coordinator.api).events({
      open,
      event: (e) => {
        if (e.event !== 'removed') return
        ids.delete(e.data.id)
        if (ids.size === 0) { stream.close(); resolve() }
      }
    })
  })
  return { opened, all }
}

describe('retention', () => {
  it('with --retain, removes finished jobs whole once they are that old: over many jobs the store does not grow past what it retains', async () => {
    const coordinator = await startCoordinator({ args: ['--retain', '1s'] })
    await startWorker(coordinator.multiaddr, { threads: 2 })
    const sizes: Array<ReturnType<typeof storeSize>> = []
    for (let batch = 0; batch < BATCHES; batch++) {
      const ids: string[] = []
      for (let j = 0; j < JOBS_PER_BATCH; j++) {
        // One job of each batch fails, so that the failure log is kept and removed too.
        const failing = j === 0
        const id = await submit(coordinator.api, { task: 'probe', params: failing ? { failAt: [3] } : {}, chunks: 400, maxAttempts: 1 })
        ids.push(id)
        const end = await waitForJob(() => coordinator.api, id, j => j.status === 'done' || j.status === 'failed')
        expect(end.status).toBe(failing ? 'failed' : 'done')
      }
      const waiting = new Set(ids)
      const { opened, all } = await removals(coordinator, waiting)
      await opened
      // Removed while the stream was opening: the API no longer knows them.
      for (const id of ids) if ((await http(coordinator.api, 'GET', `/jobs/${id}`)).status === 404) waiting.delete(id)
      if (waiting.size > 0) await all
      expect((await http<unknown[]>(coordinator.api, 'GET', '/jobs')).body).toEqual([])
      sizes.push(storeSize(coordinator))
    }
    const lines = coordinator.lines.filter(l => l.msg === 'removed finished jobs past --retain')
    expect(lines.reduce((n, l) => n + (l.jobs as number), 0)).toBe(BATCHES * JOBS_PER_BATCH)
    for (const size of sizes) expect(size).toMatchObject({ jobs: 0, chunks: 0, failures: 0 })
    // Freed pages are used again: the file is no bigger after four batches than after one
    // (without retention it holds four batches' chunks).
    const [first, , , last] = sizes
    expect(last.used).toBeLessThanOrEqual(first.used + 2)
    expect(last.pages).toBeLessThanOrEqual(Math.ceil(first.pages * 1.25))
  })

  it('DELETE removes a finished job with its chunks and failures; the CLI removes only finished jobs', async () => {
    const coordinator = await startCoordinator()
    const env = { CYCLESHARE_COORDINATOR: coordinator.api.replace(/\/api$/, ''), CYCLESHARE_TOKEN: coordinator.token }
    const running = await submit(coordinator.api, { task: 'probe', params: { hangAt: [0] }, chunks: 2 })
    const refused = await cycleshare(['remove', running], env)
    expect(refused).toMatchObject({ code: 1, stderr: `cycleshare: job ${running} is queued: cancel it first (cycleshare cancel ${running})\n` })
    expect((await cycleshare(['cancel', running], env)).code).toBe(0)
    await startWorker(coordinator.multiaddr)
    const failed = await submit(coordinator.api, { task: 'probe', params: { failAt: [1] }, chunks: 6, maxAttempts: 1 })
    await waitForJob(() => coordinator.api, failed, j => j.status === 'failed')
    const before = storeSize(coordinator)
    expect(before).toMatchObject({ jobs: 2, failures: 1 })
    expect(before.chunks).toBeGreaterThan(0)

    expect(await cycleshare(['remove', failed], env)).toEqual({ code: 0, stdout: `job ${failed} removed\n`, stderr: '' })
    expect((await cycleshare(['rm', running, '--json'], env)).stdout).toBe(JSON.stringify({ id: running, removed: true }) + '\n')
    expect(storeSize(coordinator)).toMatchObject({ jobs: 0, chunks: 0, failures: 0 })
    expect((await http(coordinator.api, 'GET', `/jobs/${failed}`)).status).toBe(404)
    expect((await http(coordinator.api, 'GET', '/failures')).body).toEqual([])
    expect(coordinator.lines.filter(l => l.msg === 'job removed').map(l => l.job)).toEqual([failed, running])
    // A new job after removals gets a fresh id and runs to its exact end.
    const next = await submit(coordinator.api, { task: 'probe', params: {}, chunks: 10 })
    await waitForJob(() => coordinator.api, next, isDone)
    expect((await http(coordinator.api, 'GET', `/jobs/${next}/result`)).body.result).toEqual({ chunks: 10, indexSum: 45 })
  })

  it('with --forget-workers-after, a worker gone that long leaves the list; ?all=true (cycleshare workers --all) still shows its record and credit', async () => {
    const coordinator = await startCoordinator({ args: ['--forget-workers-after', '1s'] })
    const env = { CYCLESHARE_COORDINATOR: coordinator.api.replace(/\/api$/, ''), CYCLESHARE_TOKEN: coordinator.token }
    const stays = await startWorker(coordinator.multiaddr)
    const leaves = await startWorker(coordinator.multiaddr)
    await waitForWorker(coordinator.api, stays.peerId, w => w.state === 'idle')
    await waitForWorker(coordinator.api, leaves.peerId, w => w.state === 'idle')
    await stays.stop()
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 10_000_000 }, chunks: 4 })
    await waitForJob(() => coordinator.api, id, isDone)
    await leaves.stop()
    const seen = await startWorker(coordinator.multiaddr)
    // Both stopped workers drop out of the live list (the one still running stays in it).
    const deadline = Date.now() + 30_000
    let live = (await client(coordinator.api).workers()).map(w => w.peerId)
    while ((live.includes(leaves.peerId) || live.includes(stays.peerId)) && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 100)) // a poll's pace: forgetting raises no event
      live = (await client(coordinator.api).workers()).map(w => w.peerId)
    }
    expect(live).toEqual([seen.peerId])
    const all = JSON.parse((await cycleshare(['workers', '--all', '--json'], env)).stdout) as Array<{ peerId: string, chunksDone: number, credit: number, state: string }>
    const record = all.find(w => w.peerId === leaves.peerId)
    expect(record).toMatchObject({ state: 'disconnected', chunksDone: 4 })
    expect(record?.credit).toBeGreaterThan(0)
    // A worker that never counted a result has no record to keep.
    expect(all.map(w => w.peerId).sort()).toEqual([leaves.peerId, seen.peerId].sort())
  })
})
