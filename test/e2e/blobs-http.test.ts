import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nameOf } from '@cycleshare/blobs'
// The blobs lib's own test fixtures.
import { bytesOf, manifestBytesOf } from '../../libs/blobs/src/testing/bytes.js'
import { authHeaders, cleanup, http, startCoordinator, type Coordinator } from './harness.js'

const MiB = 1024 * 1024

const digest = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** Uploads `bytes` as a stream of 64 KiB chunks, with no length declared (chunked encoding). */
async function uploadStreamed (api: string, bytes: Uint8Array): Promise<Response> {
  let at = 0
  const body = new ReadableStream<Uint8Array>({
    pull (controller) {
      if (at >= bytes.length) { controller.close(); return }
      controller.enqueue(bytes.slice(at, at + 65_536))
      at += 65_536
    }
  })
  return await fetch(`${api}/blobs`, { method: 'POST', headers: { ...authHeaders(api), 'content-type': 'application/octet-stream' }, body, duplex: 'half' } as RequestInit)
}

/**
 * Posts `size` bytes with node:http and waits for the answer without ending the body: the server
 * answers as soon as it knows the upload is too large, and closes the connection, so a client that
 * went on writing would only see its writes fail.
 */
async function postUnfinished (api: string, headers: Record<string, string>, size: number): Promise<{ status: number, body: any }> {
  return await new Promise((resolve, reject) => {
    let answered = false
    const req = request(`${api}/blobs`, { method: 'POST', headers: { ...authHeaders(api), ...headers } }, (res) => {
      answered = true
      const parts: Buffer[] = []
      res.on('data', (p: Buffer) => parts.push(p))
      res.on('end', () => {
        req.destroy()
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString()) })
      })
    })
    req.on('error', (err) => { if (!answered) reject(err) })
    req.flushHeaders()
    if (size > 0) req.write(Buffer.alloc(size, 7))
  })
}

describe('blobs over HTTP', () => {
  let coordinator: Coordinator
  const bytes = bytesOf(3 * MiB + 123, 42)
  const name = nameOf(manifestBytesOf(bytes))

  beforeAll(async () => {
    coordinator = await startCoordinator({ args: ['--max-upload-mb', '4'] })
  })
  afterAll(cleanup)

  it('takes a streamed upload and answers its name, the name of its manifest', async () => {
    const res = await uploadStreamed(coordinator.api, bytes)
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ name, size: bytes.length, pieces: 4, complete: true, inUse: false })
    expect(res.headers.get('location')).toBe(`/api/blobs/${name}`)
    const list = await http(coordinator.api, 'GET', '/blobs')
    expect(list.body.map((b: { name: string }) => b.name)).toEqual([name])
  })

  it('streams the blob back whole, and a byte range of it', async () => {
    const whole = await fetch(`${coordinator.api}/blobs/${name}`)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('content-length')).toBe(String(bytes.length))
    expect(whole.headers.get('accept-ranges')).toBe('bytes')
    expect(digest(new Uint8Array(await whole.arrayBuffer()))).toBe(digest(bytes))

    const part = await fetch(`${coordinator.api}/blobs/${name}`, { headers: { range: `bytes=${MiB - 5}-${MiB + 5}` } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes ${MiB - 5}-${MiB + 5}/${bytes.length}`)
    expect(Buffer.from(await part.arrayBuffer())).toEqual(Buffer.from(bytes.subarray(MiB - 5, MiB + 6)))

    const tail = await fetch(`${coordinator.api}/blobs/${name}`, { headers: { range: 'bytes=-3' } })
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(Buffer.from(bytes.subarray(bytes.length - 3)))

    const past = await fetch(`${coordinator.api}/blobs/${name}`, { headers: { range: `bytes=${bytes.length}-` } })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe(`bytes */${bytes.length}`)
  })

  it('refuses an empty body, a JSON body, and a blob past the upload limit, declared or not', async () => {
    const empty = await fetch(`${coordinator.api}/blobs`, { method: 'POST', headers: { ...authHeaders(coordinator.api), 'content-type': 'application/octet-stream' }, body: new Uint8Array(0) })
    expect(empty.status).toBe(400)
    expect(await empty.json()).toMatchObject({ error: 'EmptyBlobError', message: 'a blob holds at least one byte; the upload was empty' })

    const json = await http(coordinator.api, 'POST', '/blobs', { data: 'x' })
    expect(json.status).toBe(415)
    expect(json.body.message).toBe("send the file's bytes as the body, with content-type application/octet-stream (got application/json)")

    // Declared too large: refused before a byte of the body is read.
    const declared = await postUnfinished(coordinator.api, { 'content-type': 'application/octet-stream', 'content-length': String(5 * MiB) }, 0)
    expect(declared).toEqual({ status: 413, body: { statusCode: 413, error: 'BlobTooLargeError', message: 'the blob is larger than 4194304 bytes' } })
    // Not declared: refused once one byte more than the limit has come.
    const streamed = await postUnfinished(coordinator.api, { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }, 4 * MiB + 1)
    expect(streamed).toEqual({ status: 413, body: { statusCode: 413, error: 'BlobTooLargeError', message: 'the blob is larger than 4194304 bytes' } })
    // Nothing of the refused uploads is kept.
    expect((await http(coordinator.api, 'GET', '/blobs')).body.map((b: { name: string }) => b.name)).toEqual([name])
  })

  it('answers 400 for what is not a blob name and 404 for a blob it does not hold', async () => {
    const bad = await http(coordinator.api, 'GET', '/blobs/not-a-cid')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toBe('blob name must be a blob name (a CID, "bafkrei…"), got "not-a-cid"')
    const other = nameOf(manifestBytesOf(bytesOf(10, 1)))
    const missing = await http(coordinator.api, 'GET', `/blobs/${other}`)
    expect(missing.status).toBe(404)
    expect(missing.body.message).toBe(`no blob ${other} is held`)
  })

  it('keeps its blobs across a restart on the same data directory', async () => {
    await coordinator.stop()
    coordinator = await startCoordinator({ dataDir: coordinator.dataDir, args: ['--max-upload-mb', '4'] })
    const whole = await fetch(`${coordinator.api}/blobs/${name}`)
    expect(digest(new Uint8Array(await whole.arrayBuffer()))).toBe(digest(bytes))
  })
})
