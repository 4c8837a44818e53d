// Custom tasks in real Piscina threads on the compiled worker: build first (`npx tsc -b` in libs/tasks).
import { afterEach, describe, expect, it } from 'vitest'

import { TaskAbortedError } from '../errors.js'
import { createTaskPool, type TaskPool } from '../pool.js'
import { codeOf, compile, exampleBytes, manifestWith } from './testing/modules.js'
import { createWasmTask } from './wasm-task.js'

const pools: TaskPool[] = []
afterEach(async () => {
  await Promise.all(pools.splice(0).map(async (pool) => pool.stop()))
})

const HOSTILE = `import { input, Json, outputJson } from './cycleshare'
export { alloc } from './cycleshare'
let kept: Uint8Array[] = []
export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void {
  const doc = Json.parse(input(ptr, len))
  const what = doc.get('params').get('what').num
  if (what == 1) while (true) {}
  if (what == 2) while (true) kept.push(new Uint8Array(1 << 20))
  outputJson((<i64>doc.get('from').num).toString())
}`

describe('custom tasks in the pool', () => {
  it('run in pool threads; a loop is stopped by its abort and a memory bomb fails alone while the other thread finishes', async () => {
    const pool = createTaskPool({ threads: 2, idleTimeoutMs: 1000 })
    pools.push(pool)
    await pool.start()
    const sieve = await exampleBytes('sieve')
    const sieveCode = codeOf(sieve.bytes, sieve.manifest)
    const sieveTask = createWasmTask(sieveCode)
    const params = sieveTask.parseParams({ from: 0, to: 50_000_000 }, 1)

    const hostile = codeOf(await compile(HOSTILE), manifestWith({
      params: { from: { type: 'integer' }, to: { type: 'integer' }, what: { type: 'integer' } }, limits: { memoryMb: 8 }
    }), 'bafkreihostile')
    const hostileTask = createWasmTask(hostile)
    const chunk = (what: number): unknown => hostileTask.chunk(hostileTask.parseParams({ from: 5, to: 6, what }, 1), 1, 0)

    const abort = new AbortController()
    const loop = pool.run(hostile, chunk(1), { signal: abort.signal })
    const counted = pool.run(sieveCode, sieveTask.chunk(params, 1, 0))
    await expect(counted).resolves.toBe(3_001_134)
    abort.abort()
    await expect(loop).rejects.toBeInstanceOf(TaskAbortedError)

    await expect(pool.run(hostile, chunk(2))).rejects.toMatchObject({ name: 'WasmTaskError', message: expect.stringMatching(/^the module trapped in run: unreachable/) })
    await expect(pool.run(hostile, chunk(0))).resolves.toBe(5)
    const outcomes = await pool.runBatch(hostile, [chunk(0), chunk(2)])
    expect(outcomes[0]).toEqual({ ok: true, output: 5 })
    expect(outcomes[1]).toMatchObject({ ok: false, error: { name: 'WasmTaskError' } })
  })
})
