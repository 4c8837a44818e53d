import { describe, expect, it } from 'vitest'
import { DEFAULT_INBOUND_CONNECTIONS_PER_HOST, DEFAULT_MAX_FRAME_BYTES, DEFAULT_REDIAL_INTERVAL_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './constants.js'
import { peerOptions } from './options.js'

const BOOT = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

describe('peerOptions', () => {
  it('applies the defaults', () => {
    const options = peerOptions()
    expect(options.listen).toEqual(['/ip4/0.0.0.0/tcp/0'])
    expect(options.bootstrap).toEqual([])
    expect(options.maxFrameBytes).toBe(DEFAULT_MAX_FRAME_BYTES)
    expect(options.maxFrameBytes).toBe(16_777_216)
    expect(options.requestTimeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS)
    expect(options.redialIntervalMs).toBe(DEFAULT_REDIAL_INTERVAL_MS)
    expect(options.inboundConnectionsPerHost).toBe(DEFAULT_INBOUND_CONNECTIONS_PER_HOST)
    expect(options.inboundConnectionsPerHost).toBe(50)
    expect(options.dataDir).toBeUndefined()
  })

  it('keeps given values and treats undefined as "use the default"', () => {
    const options = peerOptions({ listen: undefined, bootstrap: [BOOT], maxFrameBytes: 1024, requestTimeoutMs: 5, inboundConnectionsPerHost: 200 })
    expect(options.listen).toEqual(['/ip4/0.0.0.0/tcp/0'])
    expect(options.bootstrap.map(String)).toEqual([BOOT])
    expect(options.maxFrameBytes).toBe(1024)
    expect(options.requestTimeoutMs).toBe(5)
    expect(options.inboundConnectionsPerHost).toBe(200)
  })

  it.each([
    [{ listen: ['/ip4/127.0.0.1/tcp/0', 'not-an-addr'] }, TypeError, 'options.listen[1] is not a valid multiaddr: "not-an-addr"'],
    [{ listen: '/ip4/127.0.0.1/tcp/0' }, TypeError, 'options.listen must be an array of strings'],
    [{ listen: [7] }, TypeError, 'options.listen[0] must be a string'],
    [{ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }, TypeError, 'options.bootstrap[0] must end in /p2p/<peer id>: /ip4/127.0.0.1/tcp/4001'],
    [{ bootstrap: [BOOT, '/nope'] }, TypeError, 'options.bootstrap[1] is not a valid multiaddr: "/nope"'],
    [{ maxFrameBytes: 0 }, RangeError, 'options.maxFrameBytes must be between 1 and 1073741824, got 0'],
    [{ maxFrameBytes: 2 ** 31 }, RangeError, 'options.maxFrameBytes must be between 1 and 1073741824, got 2147483648'],
    [{ maxFrameBytes: 1.5 }, TypeError, 'options.maxFrameBytes must be an integer'],
    [{ requestTimeoutMs: '30' }, TypeError, 'options.requestTimeoutMs must be an integer'],
    [{ requestTimeoutMs: -1 }, RangeError, 'options.requestTimeoutMs must be between 1 and 9007199254740991, got -1'],
    [{ redialIntervalMs: 0 }, RangeError, 'options.redialIntervalMs must be between 1 and 9007199254740991, got 0'],
    [{ inboundConnectionsPerHost: 0 }, RangeError, 'options.inboundConnectionsPerHost must be between 1 and 9007199254740991, got 0'],
    [{ dataDir: '' }, TypeError, 'options.dataDir must be a non-empty string'],
    [{ log: 'console' }, TypeError, 'options.log must be a function']
  ])('rejects %j', (init, type, message) => {
    expect(() => peerOptions(init as never)).toThrow(type)
    expect(() => peerOptions(init as never)).toThrow(message)
  })

  it('rejects a non-object', () => {
    expect(() => peerOptions(null as never)).toThrow(new TypeError('options must be an object'))
  })

  it('budgets four frames of maxFrameBytes per peer unless told, and refuses less than one frame', () => {
    expect(peerOptions().maxInboundBytesPerPeer).toBe(4 * (16_777_216 + 4))
    expect(peerOptions({ maxFrameBytes: 1000 }).maxInboundBytesPerPeer).toBe(4 * (1000 + 2))
    expect(peerOptions({ maxFrameBytes: 1000, maxInboundBytesPerPeer: 1002 }).maxInboundBytesPerPeer).toBe(1002)
    expect(() => peerOptions({ maxFrameBytes: 1000, maxInboundBytesPerPeer: 1001 }))
      .toThrow(new RangeError('options.maxInboundBytesPerPeer must be at least one frame of maxFrameBytes with its prefix (1002), got 1001'))
  })

  it('checks gossipTopics, naming the topic', () => {
    expect(peerOptions().gossipTopics).toEqual(new Map())
    const validate = (): 'accept' => 'accept'
    expect(peerOptions({ gossipTopics: { t: { validate, maxMessagesPerSecond: 5 } } }).gossipTopics)
      .toEqual(new Map([['t', { validate, maxMessagesPerSecond: 5 }]]))
    expect(() => peerOptions({ gossipTopics: { t: { maxMessagesPerSecond: 0 } } }))
      .toThrow(new RangeError('options.gossipTopics["t"].maxMessagesPerSecond must be a positive number, got 0'))
    expect(() => peerOptions({ gossipTopics: { t: { validate: 'yes' as never } } }))
      .toThrow(new TypeError('options.gossipTopics["t"].validate must be a function'))
  })
})
