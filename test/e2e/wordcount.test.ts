import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPeer, type Peer } from '@cycleshare/peer'
import { blobRpc, msg } from '@cycleshare/protocol'
import { authHeaders, cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, type Coordinator, type Worker } from './harness.js'

const MiB = 1024 * 1024

/** A few MiB of text: lines of words from a vocabulary with some non-ASCII words and punctuation. */
function corpus (bytes: number, seed: number): string {
  const vocabulary = ['peer', 'share', 'cycle', 'idle', 'chunk', 'lease', 'the', 'a', 'naïve', 'Überall', 'données', '東京', 'x86', 'GPU', 'volunteer']
  let x = seed
  const next = (n: number): number => { x = (x * 1103515245 + 12345) >>> 0; return (x >>> 8) % n }
  const lines: string[] = []
  let size = 0
  while (size < bytes) {
    const line = Array.from({ length: 1 + next(16) }, () => vocabulary[next(vocabulary.length)]).join(next(4) === 0 ? ', ' : ' ') + (next(6) === 0 ? '.' : '')
    lines.push(line)
    size += Buffer.byteLength(line) + 1
  }
  return lines.join('\n') + '\n'
}

/** The plain count: one process, one pass over the whole file. */
function plainTop (text: string, top: number): { words: number, distinct: number, top: Array<[string, number]> } {
  const counts = new Map<string, number>()
  let words = 0
  for (const m of text.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    words++
    const w = m[0].toLowerCase()
    counts.set(w, (counts.get(w) ?? 0) + 1)
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  return { words, distinct: counts.size, top: sorted.slice(0, top) }
}

async function upload (api: string, bytes: Uint8Array): Promise<string> {
  const res = await fetch(`${api}/blobs`, { method: 'POST', headers: { ...authHeaders(api), 'content-type': 'application/octet-stream' }, body: bytes })
  expect(res.status).toBe(201)
  return ((await res.json()) as { name: string }).name
}

const fetchedLines = (w: Worker): Array<{ fromPeers: number, fromSeeds: number, dropped: string[] }> =>
  w.lines.filter(l => l.msg === 'blob pieces fetched') as never

describe('wordcount over a blob fetched from peers', () => {
  let coordinator: Coordinator
  const workers: Worker[] = []
  let liar: Peer | undefined
  const text = corpus(6 * MiB, 11)
  const bytes = new TextEncoder().encode(text)
  const plain = plainTop(text, 10)

  beforeAll(async () => {
    coordinator = await startCoordinator()
  })
  afterAll(async () => {
    await liar?.stop()
    await cleanup()
  })

  it('counts a 6 MiB text on three workers exactly as one pass does, the coordinator sending less than each worker the whole blob', async () => {
    const name = await upload(coordinator.api, bytes)
    for (let i = 0; i < 3; i++) workers.push(await startWorker(coordinator.multiaddr, { threads: 1 }))
    const id = await submit(coordinator.api, { task: 'wordcount', params: { blob: name, top: 10 }, chunks: 24 })
    await waitForJob(() => coordinator.api, id, isDone)
    const { result } = (await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body
    expect(result).toEqual({ blob: name, words: plain.words, distinct: plain.distinct, top: plain.top })
    const served = (await http(coordinator.api, 'GET', '/health')).body.blobs
    expect(served.bytesServed).toBeLessThan(3 * bytes.length)
    // Every piece a worker wrote came from the coordinator or a peer, and was checked on the way.
    const fetched = workers.flatMap(fetchedLines)
    expect(fetched.length).toBeGreaterThan(0)
    expect(fetched.every(f => f.dropped.length === 0)).toBe(true)
  })

  it('drops a peer that sends wrong pieces, and still counts exactly', async () => {
    const other = corpus(3 * MiB, 12)
    const otherBytes = new TextEncoder().encode(other)
    const name = await upload(coordinator.api, otherBytes)
    // A liar that asked the coordinator for the blob (so the coordinator names it to the workers)
    // and claims every piece, each sent with its first byte changed.
    liar = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    const pieces = Math.ceil(otherBytes.length / MiB)
    await liar.serve(blobRpc, {
      locate: async () => msg.located(undefined, new Uint8Array(Math.ceil(pieces / 8)).fill(0xff), []),
      fetch: async (request) => {
        const index = request.pieces[0]
        const piece = otherBytes.slice(index * MiB, Math.min((index + 1) * MiB, otherBytes.length))
        piece[0] ^= 0x20
        return msg.piece(index, piece, new Uint8Array(Math.ceil(pieces / 8)).fill(0xff))
      },
      describe: async () => { throw new Error('no tasks here') }
    })
    await liar.start()
    await liar.dial(coordinator.multiaddr)
    await liar.call(coordinator.peerId, blobRpc, msg.locate(name, liar.multiaddrs()))

    const id = await submit(coordinator.api, { task: 'wordcount', params: { blob: name, top: 5 }, chunks: 12 })
    await waitForJob(() => coordinator.api, id, isDone)
    const expected = plainTop(other, 5)
    expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result).toEqual({ blob: name, words: expected.words, distinct: expected.distinct, top: expected.top })
    // Each worker that met the liar dropped it, and named it.
    const dropped = workers.flatMap(w => w.lines.filter(l => l.msg === 'a peer sent a piece that does not match its digest; it is dropped for this blob'))
    expect(dropped.length).toBeGreaterThan(0)
    expect(dropped.every(l => l.peer === liar!.peerId && l.blob === name)).toBe(true)
  })

  it('refuses a job over a blob the coordinator does not hold, naming it', async () => {
    const missing = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
    const res = await http(coordinator.api, 'POST', '/jobs', { task: 'wordcount', params: { blob: missing }, chunks: 2 })
    expect(res.status).toBe(400)
    expect(res.body.message).toContain(`params.blob names no blob held here (${missing}): upload it first`)
  })
})
