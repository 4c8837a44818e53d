import { describe, expect, it } from 'vitest'

import { InvalidModuleError } from '../errors.js'
import { parseManifest } from './manifest.js'
import { checkModule, memoryImport } from './module-check.js'
import { compile, manifestWith } from './testing/modules.js'

const RUN = `export { alloc } from './cycleshare'
import { outputJson } from './cycleshare'
export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void { outputJson('1') }
`
const manifest = parseManifest(manifestWith())

const problem = (bytes: Uint8Array, m = manifest): string => {
  try {
    checkModule(bytes, m)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidModuleError)
    return (err as Error).message
  }
  return 'taken'
}

describe('checking a module against the task ABI', () => {
  it('takes a module that imports its memory and only the host calls, and reads its memory limits', async () => {
    const bytes = await compile(RUN, { initialMemory: 2, maximumMemory: 100 })
    const { memory } = checkModule(bytes, manifest)
    expect(memory).toEqual({ minPages: 2, maxPages: 100 })
    expect(memoryImport(await compile(RUN))).toEqual({ minPages: 1 })
  })

  it('refuses an import the ABI does not give, naming it', async () => {
    const bytes = await compile(RUN + 'export function noise (): f64 { return Math.random() }')
    expect(problem(bytes)).toMatch(/^the module imports env\.seed \(a function\), which the task ABI does not give; it may import only env\.memory, env\.abort, cycleshare\.output, cycleshare\.fail, cycleshare\.checkpoint$/)
    const own = await compile(`@external("wasi", "fd_write") declare function write (a: i32): i32\n${RUN}export function w (): i32 { return write(1) }`)
    expect(problem(own)).toContain('the module imports wasi.fd_write (a function)')
  })

  it('refuses a module missing run, alloc, or reduce when its manifest combines with reduce', async () => {
    expect(problem(await compile('export function run (a: usize, b: i32, c: usize, d: i32): void {}'))).toBe('the module must export a function alloc')
    expect(problem(await compile(`export { alloc } from './cycleshare'`))).toBe('the module must export a function run')
    const reducing = parseManifest(manifestWith({ combine: { kind: 'reduce' } }))
    expect(problem(await compile(RUN), reducing)).toBe('the module must export a function reduce (its manifest combines with "reduce")')
  })

  it('refuses a module with a memory of its own, or one that needs more than the manifest allows', async () => {
    expect(problem(await compile(RUN, { importMemory: false }))).toMatch(/^the module must import its memory as env\.memory/)
    expect(problem(await compile(RUN, { initialMemory: 300 }))).toBe('the module needs at least 300 pages of memory (18.75 MiB), more than its manifest\'s limits.memoryMb (16)')
  })

  it('refuses bytes that are not WebAssembly', () => {
    expect(problem(new TextEncoder().encode('#!/bin/sh\nrm -rf /'))).toMatch(/^the module does not compile: /)
  })
})
