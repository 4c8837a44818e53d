/**
 * Test fixtures: custom tasks compiled from AssemblyScript (the examples under examples/, or small
 * modules written in a test), checked and made into `WasmCode` as a coordinator would.
 */
import { readFileSync } from 'node:fs'

import type { WasmCode } from '../abi.js'
import { parseManifest } from '../manifest.js'
import { checkModule } from '../module-check.js'

// examples/build.js is plain JavaScript beside the examples; vitest runs these fixtures from source.
const examples = new URL('../../../../../examples/build.js', import.meta.url).href

export async function exampleBytes (name: string): Promise<{ bytes: Uint8Array, manifest: unknown }> {
  const { buildExample } = await import(examples) as { buildExample: (name: string) => Promise<string> }
  const path = await buildExample(name)
  const manifest = JSON.parse(readFileSync(new URL(`../../../../../examples/${name}/manifest.json`, import.meta.url), 'utf8'))
  return { bytes: new Uint8Array(readFileSync(path)), manifest }
}

/** AssemblyScript `source` compiled (it may import './cycleshare', the examples' helpers). */
export async function compile (source: string, options: Record<string, unknown> = {}): Promise<Uint8Array> {
  const { compileTask } = await import(examples) as { compileTask: (source: string, options: Record<string, unknown>) => Promise<Uint8Array> }
  return await compileTask(source, options)
}

/** `bytes` and a manifest checked and compiled, named `hash`. */
export function codeOf (bytes: Uint8Array, manifest: unknown, hash = 'bafkreitest'): WasmCode {
  const parsed = parseManifest(manifest)
  const { module, memory } = checkModule(bytes, parsed)
  return { hash, module, manifest: parsed, memory }
}

/** A manifest with `overrides` on a range split summed. */
export function manifestWith (overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'test',
    version: '1.0.0',
    params: { from: { type: 'integer', min: 0 }, to: { type: 'integer', min: 1 } },
    split: { kind: 'range', from: 'from', to: 'to' },
    combine: { kind: 'sum' },
    limits: { memoryMb: 16 },
    ...overrides
  }
}
