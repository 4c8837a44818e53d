/**
 * Checking a statement a peer signed with its key (`Peer.sign`). An Ed25519 peer id carries its
 * public key, so the id alone is enough: no key exchange, no lookup.
 */
import { peerIdFromString } from '@libp2p/peer-id'

/**
 * Whether `signature` is `signer`'s signature of `data`. False for a wrong signature, and for a
 * signer that is not a valid peer id or whose id does not carry its key (RSA ids do not).
 */
export async function verifySignature (signer: string, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
  let key
  try {
    key = peerIdFromString(signer).publicKey
  } catch {
    return false
  }
  if (key === undefined) return false
  try {
    return await key.verify(data, signature)
  } catch {
    return false
  }
}
