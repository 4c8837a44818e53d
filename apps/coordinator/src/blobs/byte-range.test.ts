import { describe, expect, it } from 'vitest'
import { byteRange } from './byte-range.js'

describe('byteRange', () => {
  it.each([
    [undefined, 'whole'],
    ['bytes=0-9', { start: 0, end: 10 }],
    ['bytes=90-', { start: 90, end: 100 }],
    ['bytes=-10', { start: 90, end: 100 }],
    ['bytes=-500', { start: 0, end: 100 }],
    ['bytes=95-200', { start: 95, end: 100 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=0-1,5-6', 'whole'],
    ['items=0-1', 'whole'],
    ['bytes=5-2', 'whole'],
    ['bytes=-', 'whole']
  ])('reads %j of a 100-byte blob as %j', (header, expected) => {
    expect(byteRange(header, 100)).toEqual(expected)
  })
})
