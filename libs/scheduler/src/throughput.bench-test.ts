import { describe, expect, it } from 'vitest'
import { measureThroughput } from './testing/throughput.js'

// Prints chunks/s of lease + complete on a SQLite file; the median of a few runs.
describe('throughput', () => {
  for (const replication of [1, 2]) {
    it(`replication ${replication}`, () => {
      const chunks = Number(process.env.THROUGHPUT_CHUNKS ?? 100_000)
      const runs = Number(process.env.THROUGHPUT_RUNS ?? 3)
      const results = Array.from({ length: runs }, () => measureThroughput({ chunks, replication }))
      results.sort((a, b) => a.chunksPerSec - b.chunksPerSec)
      const median = results[Math.floor(runs / 2)]
      console.log(`replication ${replication}: ${median.chunksPerSec} chunks/s (runs ${results.map(r => r.chunksPerSec).join(', ')}); ` +
        `CPU ${median.cpuUsPerChunk.toFixed(1)} µs/chunk, lease ${median.leaseUsPerChunk.toFixed(1)} µs/chunk, complete ${median.completeUsPerChunk.toFixed(1)} µs/chunk`)
      expect(median.chunks).toBe(chunks)
    })
  }
})
