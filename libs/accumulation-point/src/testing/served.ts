import type { SchedulerEvents, SchedulerInit } from '@cycleshare/scheduler'
import { createAccumulationPoint } from '../accumulation-point.js'
import type { AccumulationPoint, AccumulationPointInit, AccumulationPointLogLevel } from '../types.js'
import { FakePeer, Inbox } from './fake-peer.js'
import { harness, ok, type Harness } from './fake-tasks.js'

export interface LogRecord {
  level: AccumulationPointLogLevel
  message: string
  fields?: Record<string, unknown>
}

export interface Served extends Harness {
  peer: FakePeer
  point: AccumulationPoint
  logs: Inbox<LogRecord>
  /** The next `held` event of `worker`: its new count of live leases. */
  nextHeld: (worker: string) => Promise<number>
}

/** A started accumulation point over a real scheduler (in memory) and a fake peer. */
export async function served (schedulerInit: SchedulerInit = {}, init: AccumulationPointInit = {}): Promise<Served> {
  const h = harness(schedulerInit)
  const peer = new FakePeer()
  const logs = new Inbox<LogRecord>()
  const point = createAccumulationPoint({
    scheduler: h.scheduler,
    peer,
    log: (level, message, fields) => { logs.push({ level, message, fields }) },
    clock: () => h.clock.now
  }, init)
  await point.start()
  const nextHeld = async (worker: string): Promise<number> => await new Promise((resolve) => {
    const off = h.scheduler.on('held', ((w, held) => {
      if (w !== worker) return
      off()
      resolve(held)
    }) satisfies SchedulerEvents['held'])
  })
  return { ...h, peer, point, logs, nextHeld }
}

/**
 * Makes `liar` outvoted once (with `excludeAfterInvalid: 1`, excluded): one chunk of two copies,
 * quorum 1, decided by `honest`'s result and then judged against the liar's wrong one.
 */
export async function outvoteLiar (s: Served): Promise<void> {
  s.scheduler.submit({ task: 'sum', params: { n: 100 }, chunks: 2, replication: 2, quorum: 1 })
  s.peer.pull('honest', 2)
  s.peer.pull('liar', 2)
  const [honest, liar] = s.peer.assigns.items
  honest.acceptAll()
  liar.acceptAll()
  await s.peer.report('honest', [ok(honest.leases[0])])
  await s.peer.report('liar', [ok(liar.leases[0], 42)])
}
