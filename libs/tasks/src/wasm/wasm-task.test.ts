import { describe, expect, it } from 'vitest'

import { WasmTaskError } from '../errors.js'
import { countPrimes } from '../primes.js'
import type { AnyTask, RunContext } from '../task.js'
import type { WasmCode } from './abi.js'
import { ReduceSandbox } from './reduce-sandbox.js'
import { codeOf, compile, exampleBytes, manifestWith } from './testing/modules.js'
import { createWasmTask } from './wasm-task.js'

/** Runs every chunk of a job in one process and reduces them in `order` (all chunks, in index order, by default). */
function runJob (task: AnyTask, raw: unknown, chunks: number, opts: { order?: number[], blob?: Uint8Array } = {}): unknown {
  const params = task.parseParams(raw, chunks, { blobSize: () => opts.blob?.length })
  let acc = task.init(params, chunks)
  for (const index of opts.order ?? [...Array(chunks).keys()]) {
    const input = task.chunk(params, chunks, index)
    const blobs = (task.reads?.(input) ?? []).map(r => opts.blob!.slice(r.start, r.end))
    const output = task.run(input, blobs.length === 0 ? undefined : { blobs, checkpoint () {} })
    acc = task.reduce(acc, task.parseOutput(output, input), index, params, chunks)
  }
  return task.finalize(acc, params, chunks)
}

const shuffled = (n: number, seed: number): number[] => {
  const order = [...Array(n).keys()]
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j], order[i]]
  }
  return order
}

const failure = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(WasmTaskError)
    return (err as Error).message
  }
  return 'no error'
}

describe('a custom task made of a WebAssembly module and its manifest', async () => {
  const sieve = await exampleBytes('sieve')
  const sieveTask = createWasmTask(codeOf(sieve.bytes, sieve.manifest))

  it('counts primes exactly like the built-in, however the range is cut and in any order', () => {
    expect(sieveTask.name).toBe('sieve@1.0.0')
    expect(sieveTask.defaultChunkTimeoutMs).toBe(600_000)
    for (const chunks of [1, 7, 64]) {
      expect(runJob(sieveTask, { from: 0, to: 10_000_000 }, chunks, { order: shuffled(chunks, chunks) })).toBe(664_579)
    }
    expect(runJob(sieveTask, { from: 999_000_000, to: 1_000_000_000 }, 5)).toBe(countPrimes(999_000_000, 1_000_000_000))
    expect(() => sieveTask.parseParams({ from: 10, to: 5 }, 1)).toThrow('params.to must be greater than params.from (10), got 5')
    expect(() => sieveTask.parseParams({ to: 5 }, 6)).toThrow('chunks must be at most 5 (one per number in [from, to)), got 6')
  })

  it('checkpoints, and a run resumed from a checkpoint gives the same output', () => {
    const input = sieveTask.chunk(sieveTask.parseParams({ from: 0, to: 30_000_000 }, 1), 1, 0)
    const states: unknown[] = []
    const ctx: RunContext = { checkpoint (state) { states.push(state) } }
    expect(sieveTask.run(input, ctx)).toBe(1_857_859)
    expect(states.length).toBeGreaterThan(0)
    const state = sieveTask.parseCheckpoint!(states[0], input) as { next: number, count: number }
    expect(state.count).toBe(countPrimes(0, state.next))
    expect(sieveTask.run(input, { resume: state, checkpoint () {} })).toBe(1_857_859)
    expect(() => sieveTask.parseCheckpoint!({ pad: 'x'.repeat(5000) }, input)).toThrow('checkpoint takes 5010 bytes, more than 4096')
  })

  it('splits a blob by lines: every line counted once wherever the cuts fall', async () => {
    const csv = await exampleBytes('csv-totals')
    const task = createWasmTask(codeOf(csv.bytes, csv.manifest))
    const lines = ['fruit,amount']
    // `__proto__` is a key like any other.
    const expected = new Map<string, number>([['(skipped)', 1]])
    for (let i = 0; i < 3000; i++) {
      const key = ['apple', 'pear', 'plum', 'fig', 'é-kiwi', '__proto__'][i % 6]
      const amount = (i % 37) * 0.25
      lines.push(`${key},${amount}`)
      expected.set(key, (expected.get(key) ?? 0) + amount)
    }
    const blob = new TextEncoder().encode(lines.join('\n') + '\n')
    const sorted = Object.fromEntries([...expected].sort(([a], [b]) => a < b ? -1 : 1))
    expect(Object.keys(sorted)).toContain('__proto__')
    for (const chunks of [1, 3, 17, 250]) {
      expect(runJob(task, { data: 'bafkrei' + 'a'.repeat(52) }, chunks, { blob, order: shuffled(chunks, 3) })).toEqual(sorted)
    }
    expect(() => task.parseParams({ data: 'bafkrei' + 'a'.repeat(52) }, 1, { blobSize: () => undefined })).toThrow(/^params\.data names no blob held here/)
  })

  it('splits a list into slices, concatenated in chunk order, and takes the least by a field', async () => {
    const source = `import { input, Json, outputJson } from './cycleshare'
export { alloc } from './cycleshare'
export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void {
  const doc = Json.parse(input(ptr, len))
  const items = doc.get('items')
  const scale = doc.get('params').get('scale').num
  const pick = doc.get('params').get('pick').num == 1
  let out = pick ? '' : '['
  let best = 0.0
  let bestAt = -1
  for (let i = 0; i < items.length; i++) {
    const v = items.at(i).num * scale
    if (pick) { if (bestAt < 0 || v < best) { best = v; bestAt = i } } else out += (i > 0 ? ',' : '') + v.toString()
  }
  if (pick) out = '{"value":' + best.toString() + ',"at":' + (bestAt + <i32>doc.get('offset').num).toString() + '}'
  else out += ']'
  outputJson(out)
}`
    const bytes = await compile(source)
    const params = { items: { type: 'array', items: { type: 'number' } }, scale: { type: 'number' }, pick: { type: 'integer' } }
    const concat = createWasmTask(codeOf(bytes, manifestWith({ params, split: { kind: 'items', items: 'items' }, combine: { kind: 'concat' } })))
    const items = Array.from({ length: 100 }, (_, i) => (i * 37) % 101)
    expect(runJob(concat, { items, scale: 2, pick: 0 }, 9, { order: shuffled(9, 5) })).toEqual(items.map(i => i * 2))
    const least = createWasmTask(codeOf(bytes, manifestWith({ params, split: { kind: 'items', items: 'items' }, combine: { kind: 'min', by: 'value' } })))
    expect(runJob(least, { items, scale: -1, pick: 1 }, 9, { order: shuffled(9, 6) })).toEqual({ value: -100, at: items.indexOf(100) })
  })

  it('folds outputs with the module\'s own reduce, in a sandbox that stops a reduce past its time', async () => {
    const source = `import { input, Json, outputJson } from './cycleshare'
export { alloc } from './cycleshare'
export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void {
  const doc = Json.parse(input(ptr, len))
  let s: i64 = 0
  for (let n = <i64>doc.get('from').num; n < <i64>doc.get('to').num; n++) s += n * n
  outputJson(s.toString())
}
export function reduce (acc: usize, accLen: i32, out: usize, outLen: i32): void {
  const a = accLen == 0 ? <i64>0 : I64.parseInt(input(acc, accLen))
  const o = I64.parseInt(input(out, outLen))
  if (o == 42) while (true) {}
  outputJson((a + o).toString())
}`
    const sandbox = new ReduceSandbox()
    try {
      const code: WasmCode = codeOf(await compile(source), manifestWith({ combine: { kind: 'reduce' }, limits: { memoryMb: 16, reduceMs: 200 } }))
      const task = createWasmTask(code, (acc, out) => sandbox.reduce(code, acc, out))
      expect(runJob(task, { from: 0, to: 1000 }, 7, { order: shuffled(7, 9) })).toBe(332_833_500)
      const acc = new TextEncoder().encode('5')
      expect(failure(() => sandbox.reduce(code, acc, new TextEncoder().encode('42')))).toBe('reduce ran longer than 200 ms (the manifest\'s limits.reduceMs), or its thread died, and was stopped')
      expect(new TextDecoder().decode(sandbox.reduce(code, acc, new TextEncoder().encode('7')))).toBe('12')
    } finally {
      sandbox.close()
    }
  })

  it('turns a trap, an abort, a fail, a memory bomb and an output past its limit into errors saying so', async () => {
    const source = `import { fail, input, Json, outputJson } from './cycleshare'
export { alloc } from './cycleshare'
let kept: Uint8Array[] = []
export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void {
  const what = Json.parse(input(ptr, len)).get('params').get('what').str
  if (what == 'trap') unreachable()
  if (what == 'throw') throw new Error('the input was odd')
  if (what == 'fail') fail('nothing to count')
  if (what == 'bomb') while (true) kept.push(new Uint8Array(1 << 20))
  if (what == 'flood') { const big = new Uint8Array(2 << 20); output(changetype<usize>(big.buffer), big.length) }
  if (what == 'silent') return
  outputJson('1')
}
import { output } from './cycleshare'`
    const bytes = await compile(source)
    const task = createWasmTask(codeOf(bytes, manifestWith({
      params: { what: { type: 'string' }, n: { type: 'array', items: { type: 'integer' } } },
      split: { kind: 'items', items: 'n' },
      limits: { memoryMb: 8 }
    })))
    const run = (what: string): unknown => task.run(task.chunk(task.parseParams({ what, n: [1] }, 1), 1, 0))
    expect(run('ok')).toBe(1)
    expect(failure(() => run('trap'))).toBe('the module trapped in run: unreachable (its memory is capped at 8 MiB)')
    expect(failure(() => run('throw'))).toMatch(/^the module aborted: the input was odd \(index\.ts:\d+:\d+\)$/)
    expect(failure(() => run('fail'))).toBe('the task failed: nothing to count')
    // AssemblyScript's allocator traps when the memory cannot grow past the cap.
    expect(failure(() => run('bomb'))).toBe('the module trapped in run: unreachable (its memory is capped at 8 MiB)')
    expect(failure(() => run('flood'))).toBe('the module output more than 1048576 bytes (its manifest\'s limits.outputBytes)')
    expect(failure(() => run('silent'))).toBe('run returned without calling cycleshare.output')
  })
})

describe('a task in MessagePack', () => {
  it('reads the 64-bit integers a module writes as numbers', async () => {
    const source = `import { output } from './cycleshare'
export { alloc } from './cycleshare'
export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void {
  // MessagePack int 64 of 5.
  const bytes = new Uint8Array(9)
  bytes[0] = 0xd3; bytes[8] = 5
  output(changetype<usize>(bytes.buffer), 9)
}`
    const task = createWasmTask(codeOf(await compile(source), manifestWith({ encoding: 'msgpack' })))
    const input = task.chunk(task.parseParams({ from: 0, to: 1 }, 1), 1, 0)
    expect(task.parseOutput(task.run(input), input)).toBe(5)
  })
})
