import { afterEach, describe, expect, it } from 'vitest'

import { createPeer } from './peer.js'
import { groupNetworkKey, swarmKey } from './private-network.js'
import type { Peer } from './types.js'

const LOCAL = ['/ip4/127.0.0.1/tcp/0']
const secret = new TextEncoder().encode('correct horse battery staple')
const started: Peer[] = []

async function peer (privateNetwork?: Uint8Array): Promise<Peer> {
  const p = createPeer({ listen: LOCAL, privateNetwork })
  started.push(p)
  await p.start()
  return p
}

afterEach(async () => {
  await Promise.all(started.splice(0).map(async p => { await p.stop() }))
})

describe('a private network', () => {
  it('has a key derived from the group\'s name and secret, each of which changes it', () => {
    const key = groupNetworkKey('lab', secret)
    expect(key).toHaveLength(32)
    expect(groupNetworkKey('lab', secret)).toEqual(key)
    expect(groupNetworkKey('lab2', secret)).not.toEqual(key)
    expect(groupNetworkKey('lab', new TextEncoder().encode('correct horse battery stapler'))).not.toEqual(key)
    expect(() => groupNetworkKey('lab', new Uint8Array(15))).toThrow('a group secret must hold at least 16 bytes')
    expect(() => groupNetworkKey('Lab!', secret)).toThrow(/^a group name must be/)
    expect(new TextDecoder().decode(swarmKey(key))).toBe(`/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.from(key).toString('hex')}`)
    expect(() => createPeer({ privateNetwork: new Uint8Array(31) })).toThrow('options.privateNetwork must be a 32-byte key')
  })

  it('lets members connect, and no one else: not another group\'s peers, not a peer without a key', async () => {
    const key = groupNetworkKey('lab', secret)
    const a = await peer(key)
    const b = await peer(key)
    expect(await b.dial(a.multiaddrs()[0]!)).toBe(a.peerId)

    const otherGroup = await peer(groupNetworkKey('other', secret))
    const outsider = await peer()
    await expect(otherGroup.dial(a.multiaddrs()[0]!)).rejects.toThrow()
    await expect(outsider.dial(a.multiaddrs()[0]!)).rejects.toThrow()
    // Nor the other way round: a member cannot reach into the open network either.
    await expect(a.dial(outsider.multiaddrs()[0]!)).rejects.toThrow()
    expect(a.connectedPeers()).toEqual([b.peerId])
    expect(outsider.connectedPeers()).toEqual([])
  })
})
