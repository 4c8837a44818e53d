import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createPeer } from './peer.js'
import { verifySignature } from './signature.js'

const text = new TextEncoder()
const node = (): ReturnType<typeof createPeer> => createPeer({ dataDir: mkdtempSync(join(tmpdir(), 'cycleshare-sign-')), listen: [] })

describe('signatures', () => {
  it('a statement a peer signs checks against its peer id alone, and nothing else passes', async () => {
    const a = node()
    const b = node()
    const statement = text.encode('lease L-1 moves to b')
    const signature = await a.sign(statement)
    expect(signature.byteLength).toBe(64)
    expect(await verifySignature(a.peerId, statement, signature)).toBe(true)
    // another signer, another statement, a changed byte, a bad id: all refused
    expect(await verifySignature(b.peerId, statement, signature)).toBe(false)
    expect(await verifySignature(a.peerId, text.encode('lease L-1 moves to c'), signature)).toBe(false)
    const flipped = Uint8Array.from(signature)
    flipped[10] ^= 1
    expect(await verifySignature(a.peerId, statement, flipped)).toBe(false)
    expect(await verifySignature('not-a-peer-id', statement, signature)).toBe(false)
    expect(await verifySignature(a.peerId, statement, signature.subarray(0, 63))).toBe(false)
  })
})
