import { describe, expect, it } from 'vitest'
import { formatLeaseId, parseLeaseId, tagOf } from './lease-ids.js'

describe('lease ids', () => {
  it('name their chunk and attempt and read back', () => {
    const ref = { jobSeq: 3, index: 999_999, attempt: 2, tag: 'Xq0_9aZkLm3e' }
    const id = formatLeaseId(ref)
    expect(id).toBe('3.lflr.2.Xq0_9aZkLm3e')
    expect(parseLeaseId(id)).toEqual(ref)
  })

  it.each([
    '', '1.2.3', '1.2.3.short', '1.2.3.Xq0_9aZkLm3e.x', '01.2.3.Xq0_9aZkLm3e', '1.2.0.Xq0_9aZkLm3e',
    '1.-2.3.Xq0_9aZkLm3e', '1.2.3.Xq0_9aZkLm3!', `${'z'.repeat(12)}.2.3.Xq0_9aZkLm3e`, 'x'.repeat(10_000)
  ])('rejects %j', id => {
    expect(parseLeaseId(id)).toBeUndefined()
  })

  it('rejects what is not a string', () => {
    expect(parseLeaseId(42 as never)).toBeUndefined()
    expect(parseLeaseId(undefined as never)).toBeUndefined()
  })

  it('finds the tag of each attempt', () => {
    const tags = 'aaaaaaaaaaaabbbbbbbbbbbbcccccccccccc'
    expect([1, 2, 3, 4].map(a => tagOf(tags, a))).toEqual(['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc', ''])
  })
})
