/**
 * What a volunteer sees and controls, on real processes: credit (CPU-seconds of validated results)
 * as the worker and the coordinator both show it, `cycleshare-worker status`, `pause` and `resume`,
 * work hours, and settings from a config file.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanup, http, isDone, startCoordinator, startWorker, submit, tcpPort, tempDir, waitForJob, workerCommand } from './harness.js'

afterAll(cleanup)

interface Status { activity: string, reason: string, chunksDone: number, credit: number, held: number, peerId: string, threads: number }
interface WorkerView { peerId: string, credit: number, chunksDone: number }

const status = async (dataDir: string): Promise<Status> => {
  const run = await workerCommand(['status', '--data-dir', dataDir, '--json'])
  expect(run.stderr).toBe('')
  return JSON.parse(run.stdout) as Status
}

/** The worker's status once it satisfies `until` (it writes its file within a second of a change). */
async function statusWhen (dataDir: string, until: (s: Status) => boolean): Promise<Status> {
  const deadline = Date.now() + 10_000
  let last = await status(dataDir)
  while (!until(last) && Date.now() < deadline) last = await status(dataDir)
  return last
}

describe('a volunteer', () => {
  it('earns credit for validated results, shown alike by the worker and the coordinator, and pauses and resumes its worker', async () => {
    const coordinator = await startCoordinator()
    const dataDir = tempDir('volunteer')
    const worker = await startWorker(coordinator.multiaddr, { dataDir })
    const first = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 3e9 }, chunks: 24 })
    const done = await waitForJob(() => coordinator.api, first, isDone)
    const view = (await http<WorkerView[]>(coordinator.api, 'GET', '/workers')).body.find(w => w.peerId === worker.peerId) as WorkerView
    expect(view.chunksDone).toBe(24)
    // One thread ran the whole job: its credit is real CPU time, no more than the job's wall time.
    const wallSeconds = (Date.parse(done.finishedAt as string) - Date.parse(done.createdAt)) / 1000
    expect(view.credit).toBeGreaterThan(0.3 * wallSeconds)
    expect(view.credit).toBeLessThanOrEqual(wallSeconds + 0.05)

    const seen = await statusWhen(dataDir, s => s.chunksDone === 24 && s.activity === 'waiting for work')
    expect(seen).toMatchObject({ activity: 'waiting for work', chunksDone: 24, peerId: worker.peerId, threads: 1, held: 0 })
    expect(seen.credit).toBe(view.credit)

    const paused = await workerCommand(['pause', '--data-dir', dataDir])
    expect(paused.code).toBe(0)
    expect(paused.stdout).toMatch(/^paused · paused by its volunteer/)
    expect((await status(dataDir)).activity).toBe('paused')
    const second = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1e8 }, chunks: 4 })
    const resumed = await workerCommand(['resume', '--data-dir', dataDir])
    expect(resumed.stdout).toMatch(/^(working|waiting for work) · /)
    await waitForJob(() => coordinator.api, second, isDone)
    expect(worker.lines.some(l => l.msg === 'paused')).toBe(true)
    expect(worker.lines.some(l => l.msg === 'resumed')).toBe(true)

    const gone = await workerCommand(['status', '--data-dir', tempDir('never-ran')])
    expect(gone.code).toBe(2)
    expect(gone.stderr).toMatch(/^cycleshare-worker status: no worker has run on .* \(no status\.json there\): give its --data-dir\n$/)
  })

  it('steps back outside its work hours, and reads its settings from a config file', async () => {
    const coordinator = await startCoordinator()
    const dataDir = tempDir('volunteer-hours')
    // A one-minute window twelve hours from now: the machine is not lent at the moment.
    const now = new Date()
    const start = (now.getHours() + 12) % 24
    const hours = `${String(start).padStart(2, '0')}:00-${String(start).padStart(2, '0')}:01`
    const config = join(dataDir, 'worker.json')
    writeFileSync(config, JSON.stringify({ coordinator: coordinator.multiaddr, threads: 1, workHours: hours }))
    const worker = await startWorker(undefined, { dataDir, args: ['--config', config] })
    expect(worker.lines.find(l => l.msg === 'worker ready')?.idle).toBe(`outside work hours (${hours})`)
    const seen = await status(dataDir)
    expect(seen).toMatchObject({ activity: 'outside work hours', reason: `outside work hours (${hours})`, threads: 1 })
    // It says so in its log too (again every minute while it lasts).
    const waiting = await worker.waitFor(l => typeof l.msg === 'string' && l.msg.startsWith('waiting for the machine to be idle'), 'waiting for the machine')
    expect(waiting).toMatchObject({ level: 30, msg: `waiting for the machine to be idle: outside work hours (${hours})`, activity: 'outside work hours', waitingSeconds: 0 })

    // The same file without the hours: the worker lends the machine and finishes a job.
    const open = tempDir('volunteer-config')
    writeFileSync(join(open, 'worker.json'), JSON.stringify({ coordinator: [coordinator.multiaddr], threads: 1 }))
    const lent = await startWorker(undefined, { dataDir: open, args: ['--config', join(open, 'worker.json')] })
    const id = await submit(coordinator.api, { task: 'primes', params: { from: 0, to: 1e8 }, chunks: 8 })
    await waitForJob(() => coordinator.api, id, isDone)
    expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result.count).toBe(5_761_455)
    // One line when its part in the job is over: what it ran of it.
    const finished = await lent.waitFor(l => l.msg === 'finished with a job' && l.job === id, 'finished with a job')
    expect(finished).toMatchObject({ level: 30, accumulationPoint: coordinator.peerId, task: 'primes', chunks: 8, failed: 0 })
    expect(finished.cpuSeconds).toBeGreaterThan(0)
    expect((await statusWhen(open, s => s.chunksDone === 8)).chunksDone).toBe(8)
    expect((await status(dataDir)).chunksDone).toBe(0)
  })

  it('says when it cannot reach its coordinator (the address, the next try), when it gets through, and when it loses it', async () => {
    const dataDir = tempDir('coordinator-away')
    const first = await startCoordinator({ dataDir })
    const addr = first.multiaddr
    await first.stop()
    const worker = await startWorker(addr)
    const unreachable = await worker.waitFor(l => typeof l.msg === 'string' && l.msg.includes('cannot reach'), 'cannot reach')
    expect(unreachable.level).toBe(40)
    expect(unreachable.msg).toMatch(new RegExp(`^peer: cannot reach coordinator ${addr}: .+; trying again in \\d+\\.\\d s$`))

    const second = await startCoordinator({ dataDir, p2pPort: tcpPort(addr) })
    expect(second.multiaddr).toBe(addr)
    const through = await worker.waitFor(l => typeof l.msg === 'string' && l.msg.includes('connected to coordinator'), 'connected')
    expect(through).toMatchObject({ level: 30 })
    expect(through.msg).toMatch(new RegExp(`^peer: connected to coordinator ${addr} after \\d+ failed tr(y|ies) over \\d+\\.\\d s$`))

    await second.stop()
    const lost = await worker.waitFor(l => typeof l.msg === 'string' && l.msg.includes('lost the connection'), 'lost the connection')
    expect(lost.level).toBe(40)
    expect(lost.msg).toMatch(new RegExp(`^peer: lost the connection to coordinator ${addr}; redialling in \\d+\\.\\d s$`))
  })
})
