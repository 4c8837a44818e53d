import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decode as decodePng } from 'fast-png'
import WebSocket from 'ws'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, waitForJob, waitForWorker, type Coordinator, type Worker } from './harness.js'

describe('the pipeline on real processes: coordinator + two workers', () => {
  let coordinator: Coordinator
  let workers: Worker[]

  beforeAll(async () => {
    coordinator = await startCoordinator()
    workers = await Promise.all([startWorker(coordinator.multiaddr), startWorker(coordinator.multiaddr)])
    // Both have pulled (a worker pulls once its idle monitor has measured the machine): a job
    // submitted now reaches both at once, so both take part however short it is.
    await Promise.all(workers.map(async w => await waitForWorker(coordinator.api, w.peerId, v => v.state === 'idle')))
  })
  afterAll(cleanup)

  it('reports health with the libp2p identity it listens on', async () => {
    const res = await http(coordinator.api, 'GET', '/health')
    expect(res.status).toBe(200)
    expect(res.body.status).toBe('ok')
    expect(res.body.peerId).toBe(coordinator.peerId)
    expect(res.body.multiaddrs).toContain(coordinator.multiaddr)
    expect(coordinator.multiaddr).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo/)
  })

  it('lists the built-in tasks', async () => {
    const res = await http<Array<{ name: string }>>(coordinator.api, 'GET', '/tasks')
    expect(res.body.map(t => t.name).sort()).toEqual(['mandelbrot', 'pi', 'primes', 'probe', 'wordcount'])
  })

  it('counts the primes below 10^8 in 64 chunks: exactly 5,761,455, and streams progress over WebSocket', async () => {
    const ws = new WebSocket(coordinator.api.replace(/^http/, 'ws') + '/events')
    const events: Array<{ event: string, data: any }> = []
    ws.on('message', (m) => events.push(JSON.parse(String(m))))
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })

    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 100_000_000 }, chunks: 64 })
    const job = await waitForJob(() => coordinator.api, id, isDone)
    expect(job.progress).toEqual({ done: 64, total: 64 })
    const res = await http(coordinator.api, 'GET', `/jobs/${id}/result`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ result: { from: 0, to: 100_000_000, count: 5_761_455 } })

    // Both workers took part, and the coordinator's record counts every chunk once.
    const list = await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')
    const done = workers.map(w => list.body.find(l => l.peerId === w.peerId)?.chunksDone ?? 0)
    expect(done[0] + done[1]).toBe(64)
    expect(done[0]).toBeGreaterThan(0)
    expect(done[1]).toBeGreaterThan(0)

    // The gateway saw the job end, with its progress complete.
    await new Promise<void>((resolve) => {
      const check = (): void => { if (events.some(e => e.event === 'job' && e.data.id === id && e.data.status === 'done')) resolve() }
      check()
      ws.on('message', check)
    })
    const last = events.filter(e => e.event === 'job' && e.data.id === id).at(-1)
    expect(last?.data.progress).toEqual({ done: 64, total: 64 })
    expect(events.some(e => e.event === 'worker')).toBe(true)
    ws.close()
  })

  it('gives the same pi for the same seed, within 0.01 of π', async () => {
    const job = { task: 'pi', params: { samples: 20_000_000, seed: 42 }, chunks: 16 }
    const a = await submit(coordinator.api, job)
    const b = await submit(coordinator.api, job)
    await waitForJob(() => coordinator.api, a, isDone)
    await waitForJob(() => coordinator.api, b, isDone)
    const ra = (await http(coordinator.api, 'GET', `/jobs/${a}/result`)).body.result
    const rb = (await http(coordinator.api, 'GET', `/jobs/${b}/result`)).body.result
    expect(ra).toEqual(rb)
    expect(ra.samples).toBe(20_000_000)
    expect(Math.abs(ra.pi - Math.PI)).toBeLessThan(0.01)
  })

  it('renders the Mandelbrot set to a PNG of the requested size', async () => {
    const id = await submit(coordinator.api, { task: 'mandelbrot', params: { width: 320, height: 200 }, chunks: 10 })
    await waitForJob(() => coordinator.api, id, isDone)
    const res = await http(coordinator.api, 'GET', `/jobs/${id}/result`)
    expect(res.status).toBe(200)
    expect(res.type).toBe('image/png')
    expect([...res.bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const png = decodePng(res.bytes)
    expect([png.width, png.height]).toEqual([320, 200])
  })

  it('answers 409 for the result of an unfinished job, and cancels it', async () => {
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1_000_000_000_000 }, chunks: 1_000_000 })
    const early = await http(coordinator.api, 'GET', `/jobs/${id}/result`)
    expect(early.status).toBe(409)
    const cancelled = await http(coordinator.api, 'DELETE', `/jobs/${id}`)
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.status).toBe('cancelled')
    const after = await http(coordinator.api, 'GET', `/jobs/${id}`)
    expect(after.body.status).toBe('cancelled')
    expect(after.body.finishedAt).toEqual(expect.any(String))
    const listed = await http<Array<{ id: string }>>(coordinator.api, 'GET', '/jobs')
    expect(listed.body.map(j => j.id)).toContain(id)
  })
})
