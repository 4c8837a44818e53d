/**
 * A protocol of raw bytes, for tests that must send what no real call would encode (garbage,
 * frames over the limit) or serve answers no real protocol would give. A request carries its
 * frame as it is, the answer is the answer frame as it is, and there is no error answer: a
 * handler that throws resets the stream, and the caller sees StreamClosedError.
 */
import type { Peer } from '../types.js'
import type { RpcCall, RpcProtocol } from '../rpc.js'

/** A request of the bytes protocol: the frame to send. */
export interface BytesRequest {
  kind: 'bytes'
  bytes: Uint8Array
}

const bytesCall: RpcCall<BytesRequest, Uint8Array> = {
  encodeRequest: request => request.bytes,
  decodeAnswer: bytes => bytes,
  encodeAnswer: answer => answer
}

export type BytesRpc = RpcProtocol<{ bytes: typeof bytesCall }>

/** The bytes protocol under the protocol id `protocol`. */
export function bytesRpc (protocol: string): BytesRpc {
  return {
    protocol,
    calls: { bytes: bytesCall },
    decodeRequest: bytes => ({ kind: 'bytes', bytes }),
    encodeError: (err) => { throw err }
  }
}

/** Answers every frame on `protocol` with `handler`'s frame. */
export async function serveBytes (
  peer: Peer, protocol: string, handler: (frame: Uint8Array, from: string) => Uint8Array | Promise<Uint8Array>
): Promise<void> {
  await peer.serve(bytesRpc(protocol), { bytes: ({ bytes }, from) => handler(bytes, from) })
}

/** Sends `frame` to `to` on `protocol` and resolves with the answer frame. */
export async function requestBytes (
  peer: Peer, to: string, protocol: string, frame: Uint8Array, options?: { signal?: AbortSignal }
): Promise<Uint8Array> {
  return await peer.call(to, bytesRpc(protocol), { kind: 'bytes', bytes: frame }, options)
}
