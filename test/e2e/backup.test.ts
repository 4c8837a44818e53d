// A backup taken while the coordinator works (cycleshare-coordinator backup: SQLite's online
// backup and the rest of the data directory) is a data directory a coordinator starts from: the
// same peer id and tokens, finished results, blobs, and the running job carried to its exact end.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { authHeaders, cleanup, coordinatorCommand, http, isDone, startCoordinator, startWorker, submit, tempDir, waitForJob } from './harness.js'

afterAll(cleanup)

describe('backup', () => {
  it('copies a working coordinator\'s data directory; a coordinator started from the copy finishes the job that was running, exactly', async () => {
    const original = await startCoordinator()
    const worker = await startWorker(original.multiaddr)
    const finished = await submit(original.api, { task: 'primes', params: { from: 0, to: 10_000_000 }, chunks: 8 })
    await waitForJob(() => original.api, finished, isDone)
    const text = new TextEncoder().encode('alpha beta beta\n'.repeat(50_000))
    const upload = await fetch(`${original.api}/blobs`, { method: 'POST', headers: { ...authHeaders(original.api), 'content-type': 'application/octet-stream' }, body: text })
    expect(upload.status).toBe(201)
    const blob = { body: await upload.json() as { name: string } }
    const running = await submit(original.api, { task: 'primes', params: { from: 0, to: 10_000_000_000 }, chunks: 64 })
    await waitForJob(() => original.api, running, j => j.progress.done >= 8)

    // Taken while the worker reports into the store.
    const to = join(tempDir('backup'), 'coordinator')
    const backup = await coordinatorCommand(['backup', '--data-dir', original.dataDir, '--to', to])
    expect(backup.stderr).toBe('')
    expect(backup.code).toBe(0)
    const copied = JSON.parse(backup.stdout) as { from: string, to: string, storePages: number, blobs: number, blobBytes: number }
    expect(copied).toMatchObject({ from: original.dataDir, to, blobs: 1, blobBytes: text.length })
    expect(copied.storePages).toBeGreaterThan(0)
    const atBackup = (await http<{ status: string, progress: { done: number } }>(original.api, 'GET', `/jobs/${running}`)).body
    await worker.kill9()
    await original.kill9()

    const restored = await startCoordinator({ dataDir: to, token: original.token })
    expect(restored.peerId).toBe(original.peerId)
    expect((await http(restored.api, 'GET', `/jobs/${finished}/result`)).body.result).toEqual({ from: 0, to: 10_000_000, count: 664_579 })
    const resumed = (await http<{ status: string, progress: { done: number, total: number } }>(restored.api, 'GET', `/jobs/${running}`)).body
    expect(resumed.status).toBe('running')
    expect(resumed.progress.done).toBeGreaterThanOrEqual(8)
    expect(resumed.progress.done).toBeLessThanOrEqual(atBackup.progress.done)
    expect((await http<Array<{ name: string }>>(restored.api, 'GET', '/blobs')).body.map(b => b.name)).toEqual([blob.body.name])
    expect((await http(restored.api, 'GET', `/blobs/${blob.body.name}`)).bytes).toEqual(text)

    await startWorker(restored.multiaddr, { threads: 2 })
    await waitForJob(() => restored.api, running, isDone)
    expect((await http(restored.api, 'GET', `/jobs/${running}/result`)).body.result).toEqual({ from: 0, to: 10_000_000_000, count: 455_052_511 })
    // The tokens came along: the old one still writes.
    expect((await http(restored.api, 'POST', '/jobs', { task: 'probe', params: {}, chunks: 1 })).status).toBe(201)
  })

  it('refuses, naming the flag, a destination that is not empty or a data directory with no store', async () => {
    const full = tempDir('backup-full')
    writeFileSync(join(full, 'something'), 'x')
    const coordinator = await startCoordinator()
    const notEmpty = await coordinatorCommand(['backup', '--data-dir', coordinator.dataDir, '--to', full])
    expect(notEmpty).toEqual({ code: 2, stdout: '', stderr: `cycleshare-coordinator backup: --to ${full} is not empty: a backup goes into a new or empty folder\n` })
    const empty = tempDir('backup-empty-source')
    mkdirSync(join(empty, 'x'))
    const noStore = await coordinatorCommand(['backup', '--data-dir', empty, '--to', join(full, 'new')])
    expect(noStore).toEqual({ code: 2, stdout: '', stderr: `cycleshare-coordinator backup: --data-dir ${empty} holds no coordinator store (cycleshare.db)\n` })
    expect(existsSync(join(full, 'new'))).toBe(false)
  })
})
