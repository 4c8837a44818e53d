import { getPriority } from 'node:os'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { normalTicksOfThread, ownerPercent, parseProcStat, procOwnerLoad, readProcTicks, type MachineTicks, type OwnTicks } from './owner-load.js'

const statLine = (t: { user: number, nice: number, system: number, idle: number, iowait?: number, irq?: number, softirq?: number, steal?: number }): string =>
  `cpu  ${t.user} ${t.nice} ${t.system} ${t.idle} ${t.iowait ?? 0} ${t.irq ?? 0} ${t.softirq ?? 0} ${t.steal ?? 0} 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2\n`

/** A /proc/<pid>/task/<tid>/stat line; comm may hold spaces and parentheses. */
const threadStat = (utime: number, stime: number, nice: number): string =>
  `4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 ${nice === 19 ? 39 : 20} ${nice} 12 0 777 0 0`

describe('the owner\'s CPU, from /proc', () => {
  it('counts user, system and interrupt time as normal, nice and idle only in the total', () => {
    expect(parseProcStat(statLine({ user: 100, nice: 50, system: 20, idle: 800, iowait: 10, irq: 3, softirq: 2, steal: 15 })))
      .toEqual({ normal: 125, total: 1000 })
    expect(() => parseProcStat('intr 1\n')).toThrow('/proc/stat has no cpu line')
  })

  it('counts a niced thread\'s system time only, and all of a normal thread\'s time', () => {
    expect(normalTicksOfThread(threadStat(500, 7, 19))).toBe(7)
    expect(normalTicksOfThread(threadStat(500, 7, 0))).toBe(507)
    expect(normalTicksOfThread(threadStat(500, 7, -5))).toBe(507)
  })

  it('is the machine\'s normal time less this process\'s, as a share of all ticks', () => {
    const at = (normal: number, total: number, own: Array<[string, number]>): { machine: MachineTicks, own: OwnTicks } => ({ machine: { normal, total }, own: new Map(own) })
    // 200 ticks over two cores for one second; 90 normal, 30 of them this process's main thread: the owner used 60 → 30%.
    expect(ownerPercent(at(1000, 10_000, [['1', 100]]), at(1090, 10_200, [['1', 130]]))).toBe(30)
    // Another worker's niced threads busy both cores: nothing normal beyond our own, so the owner is idle.
    expect(ownerPercent(at(1000, 10_000, [['1', 100], ['2', 5]]), at(1004, 10_200, [['1', 103], ['2', 6]]))).toBe(0)
    // A thread that appeared counts from zero; one that ended drops out.
    expect(ownerPercent(at(0, 0, [['1', 10], ['3', 50]]), at(100, 200, [['1', 20], ['9', 30]]))).toBe(30)
    expect(ownerPercent(at(5, 5, []), at(5, 5, []))).toBe(0)
  })

  it('on this machine: a thread of ours spinning at nice 19 has its user time counted apart from the owner\'s', async () => {
    const spinner = new Worker(`
      const { parentPort } = require('node:worker_threads')
      require('node:os').setPriority(0, 19)
      const end = Date.now() + 300; while (Date.now() < end) {}
      parentPort.postMessage('spun')
      setInterval(() => {}, 1000)
    `, { eval: true })
    await new Promise(resolve => spinner.once('message', resolve))
    const { readdirSync, readFileSync } = await import('node:fs')
    const niced = readdirSync('/proc/self/task').map(tid => readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'))
      .filter(stat => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) === 19)
    await spinner.terminate()
    expect(getPriority(0)).toBe(0) // only that thread was niced
    expect(niced).toHaveLength(1)
    const fields = niced[0].slice(niced[0].lastIndexOf(')') + 2).split(' ')
    expect(Number(fields[11])).toBeGreaterThanOrEqual(20) // ≥ 200 ms of user time, in 10 ms ticks
    expect(normalTicksOfThread(niced[0])).toBe(Number(fields[12])) // of which the owner's count holds only its system time
    const load = procOwnerLoad(readProcTicks)
    const percent = await load()
    expect(percent >= 0 && percent <= 100).toBe(true)
  })
})
