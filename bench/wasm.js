// The same sieve as the built-in `primes`, as a custom WebAssembly task (examples/sieve), on the
// efficiency job: both run in the same cluster, one after the other, runs alternated.
//   node bench/run.js --only wasm
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildExample } from '../examples/build.js'
import { auth, median, runJob, startCluster } from './cluster.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

async function register (api, name) {
  const form = new FormData()
  form.append('manifest', new Blob([readFileSync(join(root, 'examples', name, 'manifest.json'))]), 'manifest.json')
  form.append('module', new Blob([readFileSync(await buildExample(name))]), 'task.wasm')
  const res = await fetch(`${api}/tasks`, { method: 'POST', headers: auth(api), body: form })
  if (res.status !== 201) throw new Error(`registering ${name} failed: ${res.status} ${await res.text()}`)
  return (await res.json()).name
}

export async function wasmFigure ({ log, runs = 3, to = 15_000_000_000, chunks = 512 }) {
  const builtIn = []
  const wasm = []
  let count
  const c = await startCluster({ workers: [[], []] })
  try {
    const task = await register(c.api, 'sieve')
    for (let i = 0; i < runs; i++) {
      // Alternated, so that a slow patch of the machine does not land on one side only.
      const order = i % 2 === 0 ? ['primes', task] : [task, 'primes']
      for (const name of order) {
        const { ms, result } = await runJob(c.api, { task: name, params: { from: 0, to }, chunks })
        const got = name === 'primes' ? result.count : result
        if (count !== undefined && got !== count) throw new Error(`wasm: ${name} answered ${got}, the other ${count}`)
        count = got
        ;(name === 'primes' ? builtIn : wasm).push(ms)
      }
      log(`  wasm run ${i + 1}: built-in ${builtIn.at(-1)} ms, WebAssembly ${wasm.at(-1)} ms`)
    }
  } finally {
    await c.stop()
  }
  const ratios = wasm.map((w, i) => Math.round(w / builtIn[i] * 1000) / 1000)
  return { range: [0, to], chunks, count, builtInMs: { median: median(builtIn), runs: builtIn }, wasmMs: { median: median(wasm), runs: wasm }, ratio: median(ratios), ratios }
}
