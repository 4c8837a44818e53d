/**
 * `/metrics` on a real coordinator: Prometheus text whose counts follow what happened — a job
 * done, chunks leased, counted and failed, a result latency per counted result, pulls, the
 * connected worker.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { cleanup, client, isDone, startCoordinator, startWorker, submit, waitForJob } from './harness.js'

afterAll(cleanup)

/** `name{labels} value` lines of Prometheus text, by their name and labels as written. */
function samples (text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return out
}

describe('metrics', () => {
  it('counts jobs, chunks, failures, latencies, pulls and connected workers', async () => {
    const coordinator = await startCoordinator()
    const before = samples(await (await fetch(coordinator.api.replace(/\/api$/, '/metrics'))).text())
    expect(before.get('cycleshare_jobs{state="done"}')).toBe(0)
    expect(before.get('cycleshare_chunks_leased_total')).toBe(0)

    await startWorker(coordinator.multiaddr, { threads: 2 })
    // A probe chunk in failAt throws every time: with maxAttempts 2 the job fails after exactly two failed results of chunk 3.
    const failing = await submit(coordinator.api, { task: 'probe', params: { failAt: [3] }, chunks: 4, maxAttempts: 2 })
    await waitForJob(() => coordinator.api, failing, j => j.status === 'failed')
    const ok = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 10_000_000 }, chunks: 16 })
    await waitForJob(() => coordinator.api, ok, isDone)

    const res = await fetch(coordinator.api.replace(/\/api$/, '/metrics'))
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const m = samples(await res.text())
    expect(m.get('cycleshare_jobs{state="done"}')).toBe(1)
    expect(m.get('cycleshare_jobs{state="failed"}')).toBe(1)
    expect(m.get('cycleshare_jobs{state="running"}')).toBe(0)
    expect(m.get('cycleshare_chunks_failed_total')).toBe(2)
    // The failed job's other chunks may or may not have been counted before it failed: 16 to 19 in all.
    const completed = m.get('cycleshare_chunks_completed_total') ?? -1
    expect(completed >= 16 && completed <= 19).toBe(true)
    expect(m.get('cycleshare_chunks_leased_total')).toBeGreaterThanOrEqual(completed + 2)
    expect(m.get('cycleshare_result_latency_seconds_count')).toBe(completed)
    expect(m.get('cycleshare_result_latency_seconds_bucket{le="+Inf"}')).toBe(completed)
    expect(m.get('cycleshare_chunks_handed_over_total')).toBe(0)
    expect(m.get('cycleshare_pulls_total')).toBeGreaterThan(0)
    expect(m.get('cycleshare_workers_connected')).toBe(1)
    expect(m.get('cycleshare_store_write_seconds_count')).toBeGreaterThan(before.get('cycleshare_store_write_seconds_count') ?? 0)
    expect(m.get('cycleshare_coordinator_process_resident_memory_bytes')).toBeGreaterThan(10_000_000)

    // Each job's life is in the coordinator's log at info: submitted, then finished with its time or failed with why.
    const about = (id: string): Array<Record<string, unknown>> => coordinator.lines.filter(l => l.job === id)
    await coordinator.waitFor(l => l.job === ok && l.msg === 'job finished', 'the job finished line')
    await coordinator.waitFor(l => l.job === failing && l.msg === 'job failed', 'the job failed line')
    expect(about(failing).map(l => l.msg)).toEqual(['job submitted', 'job failed'])
    expect(about(failing)[1]).toMatchObject({ level: 40, task: 'probe', error: expect.stringMatching(/^chunk 3 of probe failed 2 times: ProbeFailureError/) })
    expect(about(ok).map(l => l.msg)).toEqual(['job submitted', 'job finished'])
    expect(about(ok)[0]).toMatchObject({ level: 30, task: 'primes', chunks: 16 })
    expect(about(ok)[1]).toMatchObject({ level: 30, chunks: 16, done: 16, ms: expect.any(Number) })
  })

  it('the event stream tells what happened to each chunk copy to the clients that ask, and only to them', async () => {
    const coordinator = await startCoordinator()
    await startWorker(coordinator.multiaddr, { threads: 2 }) // one thread stays free beside a hanging chunk
    const url = coordinator.api.replace(/^http/, 'ws') + '/events'
    const follow = async (query: string): Promise<{ frames: Array<{ event: string, data: any }>, socket: WebSocket }> => {
      const socket = new WebSocket(url + query)
      const frames: Array<{ event: string, data: any }> = []
      socket.on('message', (d: Buffer) => { frames.push(JSON.parse(d.toString())) })
      await new Promise(resolve => socket.once('open', resolve))
      return { frames, socket }
    }
    const withChunks = await follow('?chunks=1')
    const without = await follow('')
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1_000_000 }, chunks: 6 })
    await waitForJob(() => coordinator.api, id, isDone)
    // Every copy's lease and result, in frames of the 100 ms windows.
    const seen = (): Array<{ kind: string, index: number }> => withChunks.frames.filter(f => f.event === 'chunks').flatMap(f => f.data.events).filter((e: any) => e.jobId === id)
    const deadline = Date.now() + 5_000
    while (seen().filter(e => e.kind === 'ok').length < 6 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
    const events = seen()
    expect(events.filter(e => e.kind === 'leased').map(e => e.index).sort()).toEqual([0, 1, 2, 3, 4, 5])
    expect(events.filter(e => e.kind === 'ok').map(e => e.index).sort()).toEqual([0, 1, 2, 3, 4, 5])
    expect(without.frames.some(f => f.event === 'chunks')).toBe(false)
    expect(without.frames.some(f => f.event === 'job' && f.data.id === id && f.data.status === 'done')).toBe(true)
    withChunks.socket.close()
    without.socket.close()

    // A client following one job hears that job and its chunks only.
    const other = await submit(coordinator.api, { task: 'probe', params: { hangAt: [0] }, chunks: 1 })
    const one = await follow(`?chunks=1&job=${other}`)
    const all = await follow('')
    const third = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1_000_000 }, chunks: 4 })
    await waitForJob(() => coordinator.api, third, isDone)
    await client(coordinator.api).cancel(other)
    await waitForJob(() => coordinator.api, other, j => j.status === 'cancelled')
    const until = Date.now() + 5_000
    while (!one.frames.some(f => f.event === 'job' && f.data.status === 'cancelled') && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 20))
    expect(one.frames.filter(f => f.event === 'job').every(f => f.data.id === other)).toBe(true)
    expect(one.frames.some(f => f.event === 'job' && f.data.id === other && f.data.status === 'cancelled')).toBe(true)
    expect(one.frames.filter(f => f.event === 'chunks').flatMap(f => f.data.events).every((e: any) => e.jobId === other)).toBe(true)
    expect(all.frames.some(f => f.event === 'job' && f.data.id === third)).toBe(true)
    const refused = new WebSocket(url + '?job=..%2Fx')
    expect(await new Promise(resolve => refused.once('close', code => { resolve(code) }))).toBe(4400)
    one.socket.close()
    all.socket.close()
  })
})
