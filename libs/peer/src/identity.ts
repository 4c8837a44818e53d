import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { privateKeyFromProtobuf, privateKeyFromRaw, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { PEER_KEY_FILE } from './constants.js'
import { InvalidIdentityError } from './errors.js'

/**
 * Load `<dataDir>/peer-key`, or create it (Ed25519, protobuf, mode 0600) if it does not exist.
 * Without a dataDir the key is ephemeral. Synchronous, so a peer knows its id from construction.
 */
export function loadOrCreateIdentity (dataDir?: string): PrivateKey {
  if (dataDir === undefined) {
    return generateEd25519()
  }
  const file = join(dataDir, PEER_KEY_FILE)
  const existing = readIfExists(file)
  if (existing !== undefined) {
    return parseKey(existing, file)
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const key = generateEd25519()
  try {
    // 'wx' fails if another process created the file meanwhile: then theirs wins.
    writeFileSync(file, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
    return key
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      return parseKey(readFileSync(file), file)
    }
    throw err
  }
}

function readIfExists (file: string): Uint8Array | undefined {
  try {
    return readFileSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined
    }
    throw err
  }
}

function parseKey (bytes: Uint8Array, file: string): PrivateKey {
  try {
    return privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new InvalidIdentityError(`${file} does not hold a valid libp2p private key`, { cause: err })
  }
}

// @libp2p/crypto only generates keys asynchronously; node's synchronous generator gives the same
// 64-byte libp2p raw form (32-byte seed followed by the 32-byte public key).
function generateEd25519 (): PrivateKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const d = privateKey.export({ format: 'jwk' }).d
  const x = publicKey.export({ format: 'jwk' }).x
  if (d === undefined || x === undefined) {
    throw new Error('node:crypto returned an Ed25519 JWK without d or x')
  }
  return privateKeyFromRaw(Buffer.concat([Buffer.from(d, 'base64url'), Buffer.from(x, 'base64url')]))
}
