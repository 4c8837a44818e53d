import { TOPIC_WORK, encode, msg } from '@cycleshare/protocol'
import { describe, expect, it } from 'vitest'
import { workerGossip } from './gossip.js'

describe('gossip on the work topic', () => {
  it('accepts well-formed announcements, rejects anything else, and limits each peer to 50 a second', () => {
    const topics = workerGossip()
    expect(Object.keys(topics)).toEqual([TOPIC_WORK])
    const { validate, maxMessagesPerSecond } = topics[TOPIC_WORK]
    expect(maxMessagesPerSecond).toBe(50)
    expect(validate?.(encode(msg.work({ pending: 3, tasks: ['primes'] })), 'c', 'c')).toBe('accept')
    expect(validate?.(encode(msg.pull({ slots: 1, tasks: ['primes'], capacity: { threads: 1 } })), 'c', 'c')).toBe('reject')
    expect(validate?.(new Uint8Array([0xde, 0xad]), 'c', 'c')).toBe('reject')
  })
})
