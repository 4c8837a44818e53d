import { describe, expect, it } from 'vitest'
import { parseJobRequest } from './job-request.js'

describe('job request body', () => {
  it('accepts the documented shape, with params defaulting to {}', () => {
    expect(parseJobRequest({ task: 'primes', params: { from: 0, to: 10 }, chunks: 2 })).toEqual({ task: 'primes', params: { from: 0, to: 10 }, chunks: 2 })
    expect(parseJobRequest({ task: 'mandelbrot', chunks: 2 })).toEqual({ task: 'mandelbrot', params: {}, chunks: 2 })
    expect(parseJobRequest({ task: 'pi', params: { samples: 9 }, chunks: 3, replication: 'adaptive', maxAttempts: 4, chunkTimeoutMs: 5000, priority: 2 }))
      .toEqual({ task: 'pi', params: { samples: 9 }, chunks: 3, replication: 'adaptive', maxAttempts: 4, chunkTimeoutMs: 5000, priority: 2 })
  })

  it('names the field that is wrong', () => {
    expect(() => parseJobRequest(null)).toThrow('body must be a JSON object')
    expect(() => parseJobRequest([])).toThrow('body must be a JSON object')
    expect(() => parseJobRequest({ chunks: 1 })).toThrow(/^task/)
    expect(() => parseJobRequest({ task: 7, chunks: 1 })).toThrow('task must be a string')
    expect(() => parseJobRequest({ task: 'primes', params: 3, chunks: 1 })).toThrow('params must be an object')
    expect(() => parseJobRequest({ task: 'primes', chunks: '4' })).toThrow('chunks must be a number')
    expect(() => parseJobRequest({ task: 'primes', chunks: 0 })).toThrow('chunks must be at least 1')
    expect(() => parseJobRequest({ task: 'primes', chunks: 1.5 })).toThrow('chunks must be an integer')
    expect(() => parseJobRequest({ task: 'primes', chunks: 1, extra: true })).toThrow(/^unknown field "extra"$/)
    expect(() => parseJobRequest({ task: 'primes', chunk: 4 })).toThrow(/^unknown field "chunk" \(did you mean "chunks"\?\)$/)
    expect(() => parseJobRequest({ task: 'primes', chunks: 2, replicaton: 2 })).toThrow('unknown field "replicaton" (did you mean "replication"?)')
    expect(() => parseJobRequest({ task: 'primes', chunks: 2, Priority: 2 })).toThrow('unknown field "Priority" (did you mean "priority"?)')
    expect(() => parseJobRequest({ task: 'primes', chunks: 1, replication: 'lots' })).toThrow('replication must be an integer or "adaptive"')
    expect(() => parseJobRequest({ task: 'primes', chunks: 1, quorum: 1.5 })).toThrow('quorum must be an integer')
    expect(() => parseJobRequest({ task: 'primes', chunks: 1, chunkTimeoutMs: '1s' })).toThrow('chunkTimeoutMs must be a number')
  })
})

describe('job request params', () => {
  it('keeps an own "__proto__" key where the task\'s check sees it, and never as a prototype', () => {
    const body = JSON.parse('{"task":"primes","params":{"__proto__":{"x":1},"from":0},"chunks":1}') as unknown
    const params = parseJobRequest(body).params as Record<string, unknown>
    expect(Object.keys(params)).toEqual(['__proto__', 'from'])
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype)
  })
})
