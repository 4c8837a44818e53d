// Builds the example tasks: node examples/build.js [name…] (all of them by default). Each example
// is a folder with index.ts (AssemblyScript) and manifest.json; the module goes to task.wasm.
// The flags every cycleshare task built with AssemblyScript needs are in ASC_FLAGS.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import asc from 'assemblyscript/asc'

const here = dirname(fileURLToPath(import.meta.url))

/** Optimized, no garbage collector (each call gets a fresh instance), memory imported from the host. */
export const ASC_FLAGS = ['-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory']

/** The example tasks: folders holding a manifest.json. */
export function exampleNames () {
  return readdirSync(here, { withFileTypes: true })
    .filter(d => d.isDirectory() && existsSync(join(here, d.name, 'manifest.json')))
    .map(d => d.name)
}

/** Compiles example `name` to examples/<name>/task.wasm; resolves with the file's path. */
export async function buildExample (name) {
  const out = join(here, name, 'task.wasm')
  const stderr = []
  const { error } = await asc.main([join(here, name, 'index.ts'), ...ASC_FLAGS, '-o', out], {
    stdout: { write: () => true },
    stderr: { write: (chunk) => { stderr.push(String(chunk)); return true } }
  })
  if (error) throw new Error(`building example ${name} failed: ${error.message}\n${stderr.join('')}`)
  return out
}

/**
 * Compiles AssemblyScript `source` (which may import the helpers as './cycleshare') held in
 * memory, with asc `options` on top of ours; resolves with the module's bytes. For tests that need small modules of their own.
 */
export async function compileTask (source, options = {}) {
  // Every file given is an entry whose exports the module exports: the helpers only when imported.
  const files = source.includes("'./cycleshare'")
    ? { 'index.ts': source, 'cycleshare.ts': readFileSync(join(here, 'assemblyscript', 'cycleshare.ts'), 'utf8') }
    : { 'index.ts': source }
  const { error, binary, stderr } = await asc.compileString(files, {
    optimizeLevel: 3, runtime: 'stub', importMemory: true, noExportMemory: true, ...options
  })
  if (error) throw new Error(`compiling failed: ${error.message}\n${stderr.toString()}`)
  return binary
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.length > 2 ? process.argv.slice(2) : exampleNames()
  for (const name of names) console.log(await buildExample(name))
}
