import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { authHeaders, cleanup, http, isDone, startCoordinator, startWorker, submit, tempDir, waitForJob } from './harness.js'

const MiB = 1024 * 1024

/** 48 MiB of lines "w<i> w<i+1> …": the count of each word is known without counting. */
function text (): { bytes: Uint8Array, words: number } {
  const lines: string[] = []
  let size = 0
  let words = 0
  for (let i = 0; size < 48 * MiB; i++) {
    const line = `alpha beta w${i % 1000} gamma`
    lines.push(line)
    size += line.length + 1
    words += 4
  }
  return { bytes: new TextEncoder().encode(lines.join('\n') + '\n'), words }
}

/** The pieces a store's `have` log says it holds (a record cut short by the kill is not one). */
function heldPieces (haveLog: string): Set<number> {
  const log = readFileSync(haveLog)
  const held = new Set<number>()
  for (let at = 0; at + 4 <= log.length; at += 4) held.add(log.readUInt32BE(at))
  return held
}

describe('a worker killed while it fetches a blob', () => {
  afterAll(cleanup)

  it('goes on from the pieces it had once restarted on the same data directory, and the count is exact', async () => {
    const coordinator = await startCoordinator()
    const { bytes, words } = text()
    const res = await fetch(`${coordinator.api}/blobs`, { method: 'POST', headers: { ...authHeaders(coordinator.api), 'content-type': 'application/octet-stream' }, body: bytes })
    const { name, pieces } = await res.json() as { name: string, pieces: number }
    const dataDir = tempDir('resuming-worker')
    const haveLog = join(dataDir, 'blobs', name, 'have')
    const first = await startWorker(coordinator.multiaddr, { threads: 1, dataDir })
    // One chunk reads the whole blob.
    const id = await submit(coordinator.api, { task: 'wordcount', params: { blob: name, top: 3 }, chunks: 1 })
    // Killed as soon as it holds a piece: watched on disk, where the store records each.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 60_000
      const poll = (): void => {
        if (existsSync(haveLog) && heldPieces(haveLog).size > 0) { resolve(); return }
        if (Date.now() > deadline) { reject(new Error('the worker never held a piece')); return }
        setTimeout(poll, 2)
      }
      poll()
    })
    await first.kill9()
    const held = heldPieces(haveLog)
    expect(held.size).toBeGreaterThan(0)
    expect(held.size).toBeLessThan(pieces)

    const again = await startWorker(coordinator.multiaddr, { threads: 1, dataDir })
    const fetched = await again.waitFor(l => l.msg === 'blob pieces fetched', 'blob pieces fetched', 60_000)
    expect((fetched.fromSeeds as number) + (fetched.fromPeers as number)).toBe(pieces - held.size)
    await waitForJob(() => coordinator.api, id, isDone)
    const { result } = (await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body
    expect(result.words).toBe(words)
    expect(result.top.slice(0, 3)).toEqual([['alpha', words / 4], ['beta', words / 4], ['gamma', words / 4]])
  })
})
