import { describe, expect, it } from 'vitest'

import { taskCompliance, type ComplianceSpec } from './compliance.suite.js'
import { probe, type ProbeInput, type ProbeOutput, type ProbeParams, type ProbeResult } from './probe.js'

describe('probe', () => {
  it('answers n chunks and the sum of their indexes', () => {
    const params = probe.parseParams({}, 10)
    let acc = probe.init(params, 10)
    for (let i = 9; i >= 0; i--) acc = probe.reduce(acc, probe.run(probe.chunk(params, 10, i)) as ProbeOutput, i, params, 10)
    expect(probe.finalize(acc, params, 10)).toEqual({ chunks: 10, indexSum: 45 })
  })

  it('throws on the chunks named in failAt, naming the chunk', () => {
    const params = probe.parseParams({ failAt: [3] }, 5)
    expect(() => probe.run(probe.chunk(params, 5, 3))).toThrow(expect.objectContaining({ name: 'ProbeFailureError', message: 'probe chunk 3 failed as asked (params.failAt)' }))
    expect(probe.run(probe.chunk(params, 5, 2))).toEqual({ index: 2 })
  })

  it('marks the chunks named in hangAt, which spin until their thread is ended (pool.test.ts)', () => {
    const params = probe.parseParams({ hangAt: [1] }, 2)
    const input = probe.chunk(params, 2, 1)
    expect(input.hang).toBe(true)
  })

  it('rejects bad params naming the field', () => {
    const bad: Array<[unknown, number, string]> = [
      [{ spinMs: -1 }, 1, 'params.spinMs'],
      [{ spinMs: 60_001 }, 1, 'params.spinMs'],
      [{ failAt: 3 }, 4, 'params.failAt'],
      [{ failAt: [4] }, 4, 'params.failAt[0]'],
      [{ hangAt: [0, 1.5] }, 4, 'params.hangAt[1]'],
      [{ other: 1 }, 4, 'params.other'],
      [{}, 0, 'chunks']
    ]
    for (const [raw, chunks, field] of bad) {
      expect(() => probe.parseParams(raw, chunks), field).toThrow(expect.objectContaining({ name: 'InvalidParamsError', field }))
    }
  })
})

const ownIndex = (inputs: readonly ProbeInput[]): Array<[number, number]> => inputs.map((input, index) => {
  expect(input.index).toBe(index)
  return [index, index + 1]
})

const probeSpec: ComplianceSpec<ProbeParams, ProbeInput, ProbeOutput, ProbeResult> = {
  cases: [{
    name: '12 chunks',
    params: { spinMs: 0 },
    chunks: 12,
    spans: ownIndex,
    total: () => [0, 12],
    check: (result) => expect(result).toEqual({ chunks: 12, indexSum: 66 })
  }],
  lazy: { params: {}, chunks: 1_000_000 },
  invalidParams: [{ params: { failAt: [12] }, chunks: 12, field: 'params.failAt[0]' }],
  invalidOutputs: (valid) => [
    { output: { index: valid.index + 1 }, field: 'output.index' },
    { output: {}, field: 'output.index' },
    { output: { ...valid, extra: 1 }, field: 'output.extra' }
  ],
  tamper: (valid) => ({ index: valid.index + 1 })
}

taskCompliance(probe, probeSpec)

describe('a task without same', () => {
  // `same` is optional: outputs then agree when their canonical encodings do.
  const { same: _same, ...probeWithoutSame } = probe
  taskCompliance(probeWithoutSame, probeSpec)
})
