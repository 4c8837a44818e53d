/**
 * A protocol of raw bytes, for a hostile peer: a request carries its frame as it is and the
 * answer is the answer frame as it is, so a test can send what no real call would encode
 * (garbage, the wrong kind, frames over the limit) and read what comes back.
 */
import type { Peer, RpcCall, RpcProtocol } from '@cycleshare/peer'

interface BytesRequest {
  kind: 'bytes'
  bytes: Uint8Array
}

const bytesCall: RpcCall<BytesRequest, Uint8Array> = {
  encodeRequest: request => request.bytes,
  decodeAnswer: bytes => bytes,
  encodeAnswer: answer => answer
}

function bytesRpc (protocol: string): RpcProtocol<{ bytes: typeof bytesCall }> {
  return {
    protocol,
    calls: { bytes: bytesCall },
    decodeRequest: bytes => ({ kind: 'bytes', bytes }),
    encodeError: (err) => { throw err }
  }
}

/** Sends `frame` to `to` on `protocol` and resolves with the answer frame. */
export async function requestBytes (peer: Peer, to: string, protocol: string, frame: Uint8Array): Promise<Uint8Array> {
  return await peer.call(to, bytesRpc(protocol), { kind: 'bytes', bytes: frame })
}
