import { describe, expect, it } from 'vitest'

import { sameOutput } from './task.js'

describe('sameOutput', () => {
  it("uses the task's same when it has one", () => {
    const lenient = { same: (a: { count: number }, b: { count: number }) => Math.abs(a.count - b.count) <= 1 }
    expect(sameOutput(lenient, { count: 10 }, { count: 11 })).toBe(true)
    expect(sameOutput(lenient, { count: 10 }, { count: 12 })).toBe(false)
  })

  it('compares the msgpack encodings without one', () => {
    expect(sameOutput({}, { count: 168, bands: [1, 2] }, { count: 168, bands: [1, 2] })).toBe(true)
    expect(sameOutput({}, { count: 168 }, { count: 169 })).toBe(false)
    expect(sameOutput({}, { pixels: Uint8Array.of(1, 2, 3) }, { pixels: Uint8Array.of(1, 2, 3) })).toBe(true)
    expect(sameOutput({}, { pixels: Uint8Array.of(1, 2, 3) }, { pixels: Uint8Array.of(1, 2, 4) })).toBe(false)
    // Key order is part of the encoding: a task whose outputs may differ in it defines `same`.
    expect(sameOutput({}, { a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false)
  })
})
