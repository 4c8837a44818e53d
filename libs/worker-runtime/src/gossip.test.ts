import { TOPIC_PULL, TOPIC_WORK, encode, msg } from '@cycleshare/protocol'
import { describe, expect, it } from 'vitest'
import { workerGossip } from './gossip.js'

const work = encode(msg.work({ pending: 3, tasks: ['primes'] }))
const pull = encode(msg.pull({ slots: 1, tasks: ['primes'], capacity: { threads: 1 } }))

describe('gossip a worker judges', () => {
  it('on the work topic: accepts well-formed announcements, rejects anything else, and limits each peer to 50 a second', () => {
    const topics = workerGossip()
    expect(Object.keys(topics)).toEqual([TOPIC_WORK, TOPIC_PULL])
    const { validate, maxMessagesPerSecond } = topics[TOPIC_WORK]
    expect(maxMessagesPerSecond).toBe(50)
    expect(validate?.(work, 'c', 'c')).toBe('accept')
    expect(validate?.(pull, 'c', 'c')).toBe('reject')
    expect(validate?.(new Uint8Array([0xde, 0xad]), 'c', 'c')).toBe('reject')
  })

  it('on the pull topic: accepts well-formed pulls, rejects anything else, and limits each peer to 400 a second, as the coordinator does', () => {
    const { validate, maxMessagesPerSecond } = workerGossip()[TOPIC_PULL]
    expect(maxMessagesPerSecond).toBe(400)
    expect(validate?.(pull, 'w', 'c')).toBe('accept')
    expect(validate?.(work, 'w', 'c')).toBe('reject')
    expect(validate?.(encode({ ...msg.pull({ slots: 1, tasks: ['primes'], capacity: { threads: 1 } }), slots: 0 }), 'w', 'c')).toBe('reject')
    expect(validate?.(new Uint8Array([0xde, 0xad]), 'w', 'c')).toBe('reject')
  })
})
