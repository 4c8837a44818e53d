/**
 * A private network: peers that share a 32-byte key encrypt every connection with it below
 * everything else (libp2p's pnet, XSalsa20), so a peer without the key cannot complete a
 * handshake, learns nothing and can ask nothing. A peer group's key is derived from its name and
 * secret: two groups on one network never connect, even with the same secret.
 */
import { hkdfSync } from 'node:crypto'

/** The least a group secret may hold: guessing it must be out of reach. */
export const MIN_GROUP_SECRET_BYTES = 16

const GROUP_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/

/** The private network key of group `name` with `secret` (HKDF-SHA256). Throws naming what is wrong. */
export function groupNetworkKey (name: string, secret: Uint8Array): Uint8Array {
  if (typeof name !== 'string' || !GROUP_NAME.test(name)) throw new TypeError('a group name must be 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit')
  if (!(secret instanceof Uint8Array) || secret.length < MIN_GROUP_SECRET_BYTES) {
    throw new RangeError(`a group secret must hold at least ${MIN_GROUP_SECRET_BYTES} bytes`)
  }
  return new Uint8Array(hkdfSync('sha256', secret, new TextEncoder().encode('cycleshare/group/1'), new TextEncoder().encode(name), 32))
}

/** `key` in the swarm key file format pnet reads. */
export function swarmKey (key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new RangeError('a private network key must be 32 bytes')
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${Buffer.from(key).toString('hex')}`)
}
