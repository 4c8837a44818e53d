import { describe, expect, it } from 'vitest'
import { parseJobId } from './job-id.js'

describe('job ids in paths and queries', () => {
  it('takes what the scheduler makes', () => {
    expect(parseJobId('Xq0_9aZkLm3e')).toBe('Xq0_9aZkLm3e')
    expect(parseJobId('a-b')).toBe('a-b')
  })

  it('refuses traversal, control characters, unicode and overlong ids, echoing at most 80 characters', () => {
    expect(() => parseJobId('../../etc/passwd')).toThrow('job id must be 1 to 64 letters, digits, "_" or "-" (got "../../etc/passwd")')
    expect(() => parseJobId('\u0000')).toThrow('(got "\\u0000")')
    expect(() => parseJobId('😀')).toThrow('(got "😀")')
    expect(() => parseJobId('')).toThrow('job id must be')
    expect(() => parseJobId('x'.repeat(65))).toThrow(`(got "${'x'.repeat(65)}")`)
    expect(() => parseJobId('x'.repeat(5000))).toThrow(`(got "${'x'.repeat(80)}…")`)
    expect(() => parseJobId(['a', 'b'], 'before')).toThrow('before must be 1 to 64 letters, digits, "_" or "-" (got object)')
  })
})
