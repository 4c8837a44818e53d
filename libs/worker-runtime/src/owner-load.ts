/**
 * How much of the machine its owner is using: CPU time at normal priority, by anyone but this
 * process. Volunteer work runs at low priority (nice > 0: our task threads run at 19, and so do
 * other workers' and anything else polite), and the kernel counts such time apart, as "nice"; so
 * two workers on one machine, or a worker beside other nice work, do not see each other as the
 * owner (BOINC counts "non-BOINC CPU usage" the same way). On Linux this reads /proc; elsewhere it
 * falls back to whole-machine load less this process's CPU.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import si from 'systeminformation'

/** Percent of all cores the owner used since the previous call (the first call primes the counters and answers 0). */
export type OwnerLoad = () => Promise<number>

/** CPU counters of the whole machine, in clock ticks (the `cpu` line of /proc/stat). */
export interface MachineTicks {
  /** user + system + irq + softirq: everything run at normal priority, and the kernel's own work. */
  normal: number
  /** Every tick, idle and nice included. */
  total: number
}

/** This process's threads' ticks that the machine counts as `normal`, by thread id. */
export type OwnTicks = Map<string, number>

/** The `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal … (guest time is inside user already). */
export function parseProcStat (text: string): MachineTicks {
  const line = text.split('\n').find(l => l.startsWith('cpu '))
  if (line === undefined) throw new Error('/proc/stat has no cpu line')
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number)
  return { normal: user + system + irq + softirq, total: user + nice + system + idle + iowait + irq + softirq + steal }
}

/**
 * One thread's ticks that count as normal: user and system time at nice 0 (or below), system time
 * only when niced (the kernel counts a niced thread's user time as "nice", its system time as "system").
 */
export function normalTicksOfThread (stat: string): number {
  // Fields after `(comm)`, which may hold spaces: utime is field 14, stime 15, nice 19 (state is 3).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(f[11])
  const stime = Number(f[12])
  const nice = Number(f[16])
  return nice > 0 ? stime : utime + stime
}

/**
 * The owner's share of the CPU between two readings: the machine's normal ticks, less what this
 * process's threads added to them (a thread seen only in `next` counts from zero; one that ended
 * takes its last ticks with it, which can only make the owner look busier, never idler).
 */
export function ownerPercent (prev: { machine: MachineTicks, own: OwnTicks }, next: { machine: MachineTicks, own: OwnTicks }): number {
  const total = next.machine.total - prev.machine.total
  if (total <= 0) return 0
  let own = 0
  for (const [tid, ticks] of next.own) own += Math.max(0, ticks - (prev.own.get(tid) ?? 0))
  const normal = next.machine.normal - prev.machine.normal - own
  return Math.min(100, Math.max(0, (100 * normal) / total))
}

/** Reads /proc: the machine's ticks and this process's threads'. */
export function readProcTicks (): { machine: MachineTicks, own: OwnTicks } {
  const machine = parseProcStat(readFileSync('/proc/stat', 'utf8'))
  const own: OwnTicks = new Map()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      own.set(tid, normalTicksOfThread(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')))
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return { machine, own }
}

/** The owner's load from /proc where there is one (Linux), else from systeminformation. */
export function systemOwnerLoad (): OwnerLoad {
  try {
    readProcTicks()
    return procOwnerLoad(readProcTicks)
  } catch {
    return machineLessOwnLoad()
  }
}

export function procOwnerLoad (read: () => { machine: MachineTicks, own: OwnTicks }): OwnerLoad {
  let last = read()
  return async () => {
    const next = read()
    const percent = ownerPercent(last, next)
    last = next
    return percent
  }
}

/** Without /proc: all CPU use but this process's, nice or not (two workers do see each other here). */
function machineLessOwnLoad (): OwnerLoad {
  const cores = availableParallelism()
  const ownMicros = (): number => { const u = process.cpuUsage(); return u.user + u.system }
  let lastOwn = ownMicros()
  let lastAt = performance.now()
  return async () => {
    const load = (await si.currentLoad()).currentLoad
    const own = ownMicros()
    const at = performance.now()
    const ownPercent = (100 * (own - lastOwn)) / (Math.max(1, (at - lastAt) * 1000) * cores)
    lastOwn = own
    lastAt = at
    return Math.max(0, load - ownPercent)
  }
}
