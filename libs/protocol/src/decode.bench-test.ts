import { describe, expect, it } from 'vitest'
import { decode, encode } from './codec.js'
import type { Lease } from './messages.js'
import { msg } from './msg.js'
import { manyKeyReport } from './testing/messages.js'

// Prints the cost of `decode` on the messages a coordinator and a worker see most (a report of
// 1,000 results, an assign of 1,000 leases) and on a hostile one: a 9 MB report whose output is
// one map of a million keys.
const leaseId = (i: number): string => `1k.${i.toString(36)}.1.a8Fz01Qx`

const report = encode(msg.report(Array.from({ length: 1_000 }, (_, i) => msg.ok(leaseId(i), { count: 78_000 + i }))))
const assign = encode(msg.assign(Array.from({ length: 1_000 }, (_, i): Lease => ({
  leaseId: leaseId(i), jobId: 'J-7f3a9c', index: i, attempt: 1, epoch: 1, task: 'primes',
  input: { from: i * 100_000, to: (i + 1) * 100_000 }, ttlMs: 30_000, timeoutMs: 600_000
}))))

/** Median time of one call over `runs` runs of `n` calls, in microseconds. */
function time (fn: () => void, n: number, runs: number): number {
  for (let i = 0; i < n; i++) fn() // warm up
  const perCall: number[] = []
  for (let run = 0; run < runs; run++) {
    const t = performance.now()
    for (let i = 0; i < n; i++) fn()
    perCall.push((performance.now() - t) * 1000 / n)
  }
  perCall.sort((a, b) => a - b)
  return perCall[Math.floor(runs / 2)]!
}

function outcome (bytes: Uint8Array): string {
  try {
    decode(bytes)
    return 'accepted'
  } catch (err) {
    return `refused: ${(err as Error).name}`
  }
}

describe('decode', () => {
  it('typical and hostile messages', () => {
    const runs = Number(process.env.DECODE_RUNS ?? 15)
    expect(outcome(report)).toBe('accepted')
    expect(outcome(assign)).toBe('accepted')
    console.log(`report of 1,000 results (${report.byteLength} bytes): ${time(() => decode(report), 500, runs).toFixed(1)} µs per decode`)
    console.log(`assign of 1,000 leases (${assign.byteLength} bytes): ${time(() => decode(assign), 500, runs).toFixed(1)} µs per decode`)
    const hostile = manyKeyReport(1_000_000, leaseId(0))
    const verdict = outcome(hostile)
    const ms = time(() => outcome(hostile), 3, 5) / 1000
    console.log(`report with a million-key output (${hostile.byteLength} bytes): ${verdict} in ${ms.toFixed(2)} ms`)
  })
})
