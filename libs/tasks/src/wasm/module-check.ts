/**
 * Whether a WebAssembly module keeps to the task ABI (docs/TASKS.md): it compiles, imports its
 * memory and nothing but the host calls the ABI gives, and exports what the host calls. Checked at
 * registration, so that code volunteers would refuse is refused before it is signed.
 */
import { InvalidModuleError } from '../errors.js'
import './webassembly-types.js'
import type { WasmManifest } from './manifest.js'

/** What a module may import: its memory, and these functions. */
export const ABI_IMPORTS: ReadonlyArray<{ module: string, name: string, kind: 'function' | 'memory' }> = [
  { module: 'env', name: 'memory', kind: 'memory' },
  { module: 'env', name: 'abort', kind: 'function' },
  { module: 'cycleshare', name: 'output', kind: 'function' },
  { module: 'cycleshare', name: 'fail', kind: 'function' },
  { module: 'cycleshare', name: 'checkpoint', kind: 'function' }
]

export const WASM_PAGE = 65_536
/** The most bytes a module may have: compiled once per hash and kept, it must stay small. */
export const MAX_MODULE_BYTES = 16 * 1024 * 1024

/** The limits, in 64 KiB pages, that a module declares for the memory it imports. */
export interface MemoryImport { minPages: number, maxPages?: number }

/**
 * Compiles `bytes` and checks them against the ABI and `manifest`'s limits; returns the compiled
 * module and its memory's declared limits. Throws `InvalidModuleError` saying what is wrong.
 */
export function checkModule (bytes: Uint8Array, manifest: Pick<WasmManifest, 'combine' | 'limits'>): { module: WebAssembly.Module, memory: MemoryImport } {
  if (bytes.length > MAX_MODULE_BYTES) throw new InvalidModuleError(`the module is ${bytes.length} bytes, more than the ${MAX_MODULE_BYTES} allowed`)
  let module: WebAssembly.Module
  try {
    module = new WebAssembly.Module(bytes)
  } catch (err) {
    throw new InvalidModuleError(`the module does not compile: ${(err as Error).message}`)
  }
  for (const imp of WebAssembly.Module.imports(module)) {
    if (!ABI_IMPORTS.some(a => a.module === imp.module && a.name === imp.name && a.kind === imp.kind)) {
      throw new InvalidModuleError(`the module imports ${imp.module}.${imp.name} (a ${imp.kind}), which the task ABI does not give; it may import only ${ABI_IMPORTS.map(a => `${a.module}.${a.name}`).join(', ')}`)
    }
  }
  const exports = new Map(WebAssembly.Module.exports(module).map(e => [e.name, e.kind]))
  const needed = ['alloc', 'run', ...(manifest.combine.kind === 'reduce' ? ['reduce'] : [])]
  for (const name of needed) {
    if (exports.get(name) !== 'function') {
      throw new InvalidModuleError(`the module must export a function ${name}${name === 'reduce' ? ' (its manifest combines with "reduce")' : ''}`)
    }
  }
  const memory = memoryImport(bytes)
  if (memory === undefined) throw new InvalidModuleError('the module must import its memory as env.memory (AssemblyScript: --importMemory; clang/Rust: -Wl,--import-memory)')
  const capPages = manifest.limits.memoryMb * 16
  if (memory.minPages > capPages) {
    throw new InvalidModuleError(`the module needs at least ${memory.minPages} pages of memory (${memory.minPages / 16} MiB), more than its manifest's limits.memoryMb (${manifest.limits.memoryMb})`)
  }
  return { module, memory }
}

/** The limits of the memory a compiled module imports as env.memory, read from its import section. */
export function memoryImport (bytes: Uint8Array): MemoryImport | undefined {
  const r = new Reader(bytes)
  r.pos = 8 // magic and version; the module compiled, so they are right
  while (r.pos < bytes.length) {
    const id = r.byte()
    const size = r.leb()
    const end = r.pos + size
    if (id !== 2) {
      r.pos = end
      continue
    }
    for (let count = r.leb(); count > 0; count--) {
      const module = r.name()
      const name = r.name()
      const kind = r.byte()
      if (kind === 0) r.leb()
      else if (kind === 1) { r.byte(); r.limits() }
      else if (kind === 2) {
        const { flags, min, max } = r.limits()
        if (module !== 'env' || name !== 'memory') continue
        if ((flags & 0x02) !== 0) throw new InvalidModuleError('the module imports a shared memory; the task ABI gives an unshared one')
        if ((flags & 0x04) !== 0) throw new InvalidModuleError('the module imports a 64-bit memory; the task ABI gives a 32-bit one')
        return max === undefined ? { minPages: min } : { minPages: min, maxPages: max }
      } else if (kind === 3) { r.byte(); r.byte() }
      else if (kind === 4) { r.byte(); r.leb() }
      else throw new InvalidModuleError(`the module's import section holds an unknown kind ${kind}`)
    }
    return undefined
  }
  return undefined
}

class Reader {
  pos = 0
  constructor (private readonly bytes: Uint8Array) {}

  byte (): number {
    if (this.pos >= this.bytes.length) throw new InvalidModuleError('the module ends in the middle of a section')
    return this.bytes[this.pos++]
  }

  leb (): number {
    let result = 0
    let scale = 1
    for (;;) {
      const b = this.byte()
      result += (b & 0x7f) * scale
      if ((b & 0x80) === 0) return result
      scale *= 128
    }
  }

  name (): string {
    const length = this.leb()
    const start = this.pos
    this.pos += length
    return new TextDecoder().decode(this.bytes.subarray(start, this.pos))
  }

  limits (): { flags: number, min: number, max?: number } {
    const flags = this.byte()
    const min = this.leb()
    return (flags & 0x01) !== 0 ? { flags, min, max: this.leb() } : { flags, min }
  }
}
