import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { InvalidIdentityError } from './errors.js'
import { createPeer } from './peer.js'

const dirs: string[] = []
function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'cycleshare-peer-'))
  dirs.push(dir)
  return dir
}
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }) })

describe('identity', () => {
  it('keeps the peer id across restarts in the same dataDir', async () => {
    const dataDir = join(tempDir(), 'nested', 'data')
    const first = createPeer({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
    const id = first.peerId
    expect(id).toMatch(/^12D3KooW/) // Ed25519 peer ids start like this
    await first.start()
    expect(first.peerId).toBe(id)
    expect(first.multiaddrs().length).toBeGreaterThan(0)
    for (const addr of first.multiaddrs()) {
      expect(addr.endsWith(`/p2p/${id}`)).toBe(true)
    }
    await first.stop()

    const second = createPeer({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'] })
    expect(second.peerId).toBe(id)
    await second.start()
    expect(second.multiaddrs()[0]?.endsWith(`/p2p/${id}`)).toBe(true)
    await second.stop()
  })

  it('writes the key file with mode 0600', () => {
    const dataDir = tempDir()
    createPeer({ dataDir })
    expect(statSync(join(dataDir, 'peer-key')).mode & 0o777).toBe(0o600)
  })

  it('gives each peer without a dataDir its own ephemeral identity', () => {
    expect(createPeer().peerId).not.toBe(createPeer().peerId)
  })

  it('refuses a corrupt key file, naming it', () => {
    const dataDir = tempDir()
    writeFileSync(join(dataDir, 'peer-key'), 'not a key')
    expect(() => createPeer({ dataDir })).toThrow(InvalidIdentityError)
    expect(() => createPeer({ dataDir })).toThrow(`${join(dataDir, 'peer-key')} does not hold a valid libp2p private key`)
  })

  it('returns no addresses before start and after stop', async () => {
    const peer = createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'] })
    expect(peer.multiaddrs()).toEqual([])
    expect(peer.connectedPeers()).toEqual([])
    await peer.start()
    await peer.stop()
    expect(peer.multiaddrs()).toEqual([])
  })
})
