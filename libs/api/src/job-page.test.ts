import { describe, expect, it } from 'vitest'
import { parseJobPage, parseLimit } from './job-page.js'

describe('job list query', () => {
  it('accepts limit and before, both optional', () => {
    expect(parseJobPage({})).toEqual({})
    expect(parseJobPage(undefined)).toEqual({})
    expect(parseJobPage({ limit: '20' })).toEqual({ limit: 20 })
    expect(parseJobPage({ limit: '500', before: 'Xq0_9aZkLm3e' })).toEqual({ limit: 500, before: 'Xq0_9aZkLm3e' })
    expect(parseJobPage({ before: 'Xq0_9aZkLm3e' })).toEqual({ before: 'Xq0_9aZkLm3e' })
  })

  it('names the parameter that is wrong', () => {
    for (const limit of ['0', '501', '1.5', '-3', 'ten', '', '1e2', ['1', '2']]) {
      expect(() => parseJobPage({ limit }), String(limit)).toThrow(expect.objectContaining({
        name: 'InvalidRequestError', message: 'limit must be an integer from 1 to 500'
      }))
    }
    expect(() => parseJobPage({ before: '' })).toThrow('before must be a job id')
    expect(() => parseJobPage({ before: ['a', 'b'] })).toThrow('before must be a job id')
    expect(() => parseJobPage({ before: 'x'.repeat(65) })).toThrow('before must be at most 64 characters')
    expect(() => parseJobPage({ page: '2' })).toThrow('unknown query parameter "page"')
  })
})

describe('limit-only query', () => {
  it('takes ?limit= and nothing else', () => {
    expect(parseLimit({})).toEqual({})
    expect(parseLimit({ limit: '7' })).toEqual({ limit: 7 })
    expect(() => parseLimit({ limit: '0' })).toThrow('limit must be an integer from 1 to 500')
    expect(() => parseLimit({ before: 'x' })).toThrow('unknown query parameter "before"')
  })
})
