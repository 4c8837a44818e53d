/**
 * The compliance suite every task passes (kept out of the build; tests import it):
 * split covers the work exactly once and lazily, run is deterministic and its output survives
 * the wire, reduce is order-independent even through a stored (msgpacked) accumulator, and
 * bad params, inputs and outputs are rejected with an error naming the field.
 *
 * @example
 * ```ts
 * taskCompliance(primes, { cases: [...], lazy: {...}, invalidParams: [...], invalidOutputs: ... })
 * ```
 */
import { Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'

import { sameOutput, split, type Task } from './task.js'

/** The codec the scheduler stores accumulators with and the protocol carries payloads with. */
const packr = new Packr({ useRecords: false })
const roundTrip = <T>(value: T): T => packr.unpack(packr.pack(value)) as T

export interface ComplianceCase<P, I, R> {
  /** Shown in the test name. */
  name: string
  /** Raw params, as a request would carry them. */
  params: unknown
  chunks: number
  /** The half-open span of work each input covers, given all inputs in chunk order. */
  spans(inputs: readonly I[], params: P): Array<[number, number]>
  /** The whole span the job must cover. */
  total(params: P): [number, number]
  /** Asserts the exact known answer, when there is one. */
  check?(result: R): void
}

export interface ComplianceSpec<P, I, O, R, S = never> {
  /**
   * For a task that checkpoints (has `parseCheckpoint`): chunk `index` of a job long enough to
   * checkpoint several times, and checkpoints built from a real one that must be refused.
   */
  checkpoints?: {
    params: unknown
    chunks: number
    index: number
    invalid(valid: S, input: I): Array<{ checkpoint: unknown, field: string }>
  }
  cases: Array<ComplianceCase<P, I, R>>
  /** A job with a huge chunk count, to show split is lazy. */
  lazy: { params: unknown, chunks: number }
  /** Params (and chunk counts) that must be refused, with the field the error must name. */
  invalidParams: Array<{ params: unknown, chunks: unknown, field: string }>
  /** Outputs that must be refused for `input`, built from a real one, with the field to name. */
  invalidOutputs(valid: O, input: I): Array<{ output: unknown, field: string }>
  /** A well-formed output that differs from `valid`: `same` must tell them apart. */
  tamper(valid: O): O
}

/** A fixed Fisher–Yates shuffle (mulberry32), so a failing order can be replayed. */
function shuffled<T> (items: readonly T[], seed: number): T[] {
  const out = [...items]
  let state = seed >>> 0
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), state | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

function expectFieldError (fn: () => unknown, name: string, field: string): void {
  let thrown: unknown
  try {
    fn()
  } catch (error) {
    thrown = error
  }
  expect(thrown, `expected ${name} naming ${field}`).toBeInstanceOf(Error)
  expect((thrown as Error).name).toBe(name)
  expect((thrown as { field?: string }).field).toBe(field)
  expect((thrown as Error).message).toContain(field)
}

/** Runs chunk `input` of `task`, from `resume` when given, and records every checkpoint it takes. */
async function recordedRun<I, O, S> (task: Task<unknown, I, O, unknown, unknown, S>, input: I, resume?: S): Promise<{ output: O, checkpoints: S[] }> {
  const checkpoints: S[] = []
  const output = await task.run(input, { resume, checkpoint: (state) => { checkpoints.push(roundTrip(state)) } })
  return { output, checkpoints }
}

export function taskCompliance<P, I, O, A, R, S = never> (task: Task<P, I, O, A, R, S>, spec: ComplianceSpec<P, I, O, R, S>): void {
  describe(`task compliance: ${task.name}`, () => {
    it('describes itself and accepts its own example params', () => {
      expect(task.name).toMatch(/^[a-z][a-z0-9-]*$/)
      expect(task.description.length).toBeGreaterThan(0)
      expect(['application/json', 'image/png']).toContain(task.resultType)
      expect(() => task.parseParams(task.exampleParams, 1)).not.toThrow()
    })

    it('split is lazy: a huge job yields its first chunks without building the rest', () => {
      const params = task.parseParams(spec.lazy.params, spec.lazy.chunks)
      let built = 0
      const counting: Task<P, I, O, A, R> = { ...task, chunk: (p, count, index) => { built++; return task.chunk(p, count, index) } }
      const heapBefore = process.memoryUsage().heapUsed
      const iterator = split(counting, params, spec.lazy.chunks)
      const first = [iterator.next(), iterator.next(), iterator.next()]
      // Building every input of a million-chunk job takes ~80 MB; three take a few hundred bytes.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(4 * 1024 * 1024)
      expect(built).toBe(3)
      expect(first.every((item) => item.done === false)).toBe(true)
      expect(task.chunk(params, spec.lazy.chunks, spec.lazy.chunks - 1)).toBeDefined()
      expect(() => task.chunk(params, spec.lazy.chunks, spec.lazy.chunks)).toThrow(RangeError)
      expect(() => task.chunk(params, spec.lazy.chunks, -1)).toThrow(RangeError)
    })

    for (const testCase of spec.cases) {
      describe(testCase.name, () => {
        const params = (): P => task.parseParams(testCase.params, testCase.chunks)
        const inputs = (): I[] => [...split(task, params(), testCase.chunks)]

        it('parses params that survive being stored', () => {
          expect(roundTrip(params())).toEqual(params())
        })

        it('splits into chunks that cover the job exactly once, evenly', () => {
          const all = inputs()
          expect(all).toHaveLength(testCase.chunks)
          all.forEach((input, index) => expect(task.chunk(params(), testCase.chunks, index)).toEqual(input))
          const spans = testCase.spans(all, params())
          expect(spans).toHaveLength(testCase.chunks)
          const [start, end] = testCase.total(params())
          expect(spans[0][0]).toBe(start)
          expect(spans[spans.length - 1][1]).toBe(end)
          for (let i = 0; i < spans.length; i++) {
            expect(spans[i][1]).toBeGreaterThan(spans[i][0])
            if (i > 0) expect(spans[i][0]).toBe(spans[i - 1][1])
          }
          const sizes = spans.map(([a, b]) => b - a)
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1)
        })

        it('runs deterministically, and outputs survive the wire and parseOutput', async () => {
          for (const input of inputs()) {
            const wireInput = roundTrip(input)
            const a = await task.run(input)
            const b = await task.run(wireInput)
            expect(sameOutput(task, a, b)).toBe(true)
            const received = task.parseOutput(roundTrip(a), wireInput)
            expect(sameOutput(task, a, received)).toBe(true)
            expect(sameOutput(task, a, spec.tamper(a))).toBe(false)
          }
        })

        it('reduces to the same result in any order, through a stored accumulator', async () => {
          const p = params()
          const outputs = await Promise.all(inputs().map(async (input) => task.run(input)))
          const indices = outputs.map((_, index) => index)
          const orders = [indices, [...indices].reverse(), shuffled(indices, 1), shuffled(indices, 2)]
          const results = orders.map((order) => {
            let acc = roundTrip(task.init(p, testCase.chunks))
            for (const index of order) {
              const output = task.parseOutput(roundTrip(outputs[index]), roundTrip(inputs()[index]))
              acc = roundTrip(task.reduce(acc, output, index, p, testCase.chunks))
            }
            return task.finalize(acc, p, testCase.chunks)
          })
          // Without the store in between too: the first, in-memory accumulator path.
          let direct = task.init(p, testCase.chunks)
          outputs.forEach((output, index) => { direct = task.reduce(direct, output, index, p, testCase.chunks) })
          results.push(task.finalize(direct, p, testCase.chunks))
          const encoded = results.map((result) => Buffer.from(packr.pack(result)).toString('hex'))
          expect(new Set(encoded).size).toBe(1)
          testCase.check?.(results[0])
        })

        it('rejects impossible outputs, naming the field', async () => {
          const input = inputs()[0]
          const valid = await task.run(input)
          const bad = [
            { output: null, field: 'output' },
            { output: 'x', field: 'output' },
            { output: [], field: 'output' },
            { output: { ...valid, extra: 1 }, field: 'output.extra' },
            ...spec.invalidOutputs(valid, input)
          ]
          for (const { output, field } of bad) expectFieldError(() => task.parseOutput(output, input), 'InvalidOutputError', field)
        })

        it('refuses malformed inputs, naming the field', () => {
          const input = inputs()[0] as Record<string, unknown>
          expectFieldError(() => task.run(null as I), 'InvalidInputError', 'input')
          expectFieldError(() => task.run({ ...input, extra: 1 } as I), 'InvalidInputError', 'input.extra')
          for (const key of Object.keys(input)) {
            expectFieldError(() => task.run({ ...input, [key]: 'x' } as I), 'InvalidInputError', `input.${key}`)
          }
        })
      })
    }

    const parseCheckpoint = task.parseCheckpoint?.bind(task)
    if (parseCheckpoint === undefined) {
      it('does not checkpoint (it has no parseCheckpoint)', async () => {
        const [testCase] = spec.cases
        const input = task.chunk(task.parseParams(testCase.params, testCase.chunks), testCase.chunks, 0)
        expect((await recordedRun(task as Task<unknown, I, O, unknown, unknown, S>, input)).checkpoints).toEqual([])
        expect(spec.checkpoints).toBeUndefined()
      })
    } else {
      describe('checkpoints', () => {
        const { params, chunks, index, invalid } = spec.checkpoints!
        const input = (): I => task.chunk(task.parseParams(params, chunks), chunks, index)

        it('a run resumed from any of its checkpoints, after the wire, gives the uninterrupted output', async () => {
          const whole = await recordedRun(task as Task<unknown, I, O, unknown, unknown, S>, input())
          expect(whole.checkpoints.length).toBeGreaterThanOrEqual(2)
          for (const [k, checkpoint] of whole.checkpoints.entries()) {
            const resume = parseCheckpoint(roundTrip(checkpoint), roundTrip(input()))
            const resumed = await recordedRun(task as Task<unknown, I, O, unknown, unknown, S>, input(), resume)
            expect(sameOutput(task, whole.output, resumed.output)).toBe(true)
            // It goes on from there: the checkpoints after it are the uninterrupted run's.
            expect(resumed.checkpoints).toEqual(whole.checkpoints.slice(k + 1))
          }
        })

        it('refuses impossible checkpoints, naming the field', async () => {
          const [valid] = (await recordedRun(task as Task<unknown, I, O, unknown, unknown, S>, input())).checkpoints
          const bad = [
            { checkpoint: null, field: 'checkpoint' },
            { checkpoint: 'x', field: 'checkpoint' },
            { checkpoint: { ...valid, extra: 1 }, field: 'checkpoint.extra' },
            ...invalid(valid, input())
          ]
          for (const { checkpoint, field } of bad) expectFieldError(() => parseCheckpoint(checkpoint, input()), 'InvalidCheckpointError', field)
        })
      })
    }

    it('rejects bad params and chunk counts, naming the field', () => {
      const generic = [
        { params: 'x', chunks: 1, field: 'params' },
        { params: [], chunks: 1, field: 'params' },
        { params: { ...(task.exampleParams as object), bogus: 1 }, chunks: 1, field: 'params.bogus' },
        { params: task.exampleParams, chunks: 0, field: 'chunks' },
        { params: task.exampleParams, chunks: 1.5, field: 'chunks' },
        { params: task.exampleParams, chunks: '2', field: 'chunks' }
      ]
      for (const { params, chunks, field } of [...generic, ...spec.invalidParams]) {
        expectFieldError(() => task.parseParams(params, chunks as number), 'InvalidParamsError', field)
      }
    })
  })
}
