/**
 * Framing on request/response streams.
 *
 * Each frame is an unsigned LEB128 varint holding the body length, then the body; a body is at
 * most `maxFrameBytes`. A stream carries one or more request frames; the responder answers each
 * with exactly one response frame, in order; the requester half-closes its write side when it has
 * sent its last request, and the responder closes its side after the last answer. A frame that is
 * too large, a malformed varint or a stream that ends inside a frame makes the reader reset the
 * stream.
 *
 * What the reader keeps is its own. Bytes arrive as views into the blocks the layers below filled
 * (a socket read of 64 KiB, a decrypted Noise message of up to 64 KiB), and a peer chooses how
 * its bytes fall across them: measured, 15 MiB of slowly sent frames held 26 MiB of such blocks,
 * most of them for a few dozen bytes each. A view that fills less than 7/8 of its block is copied,
 * so what a stream holds is at most 8/7 of the bytes counted against its peer's budget.
 *
 * A length prefix reserves no memory: the body is joined only once all of it has arrived, so a
 * peer that announces 16 MiB and sends 3 bytes costs us 3 bytes.
 */
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { encode as encodeVarint, encodingLength } from 'uint8-varint'
import { FrameTooLargeError, InvalidFrameError, StreamClosedError, UnreadBytesError } from './errors.js'

/** Unread bytes a stream may hold, in frames of the largest size; past it the stream is reset. */
const BUFFERED_FRAMES = 2

/** A view is kept as it is when it fills at least this much of the block under it. */
const KEEP_FRACTION = 7 / 8

export interface FrameStream {
  /** The next frame, or undefined when the remote half-closed between frames. */
  read(): Promise<Uint8Array | undefined>
  /** Writes one frame, waiting for the muxer to drain when its buffer is full. */
  write(body: Uint8Array, signal?: AbortSignal): Promise<void>
}

/** `piece` itself when it fills (nearly) all of its block, otherwise a copy of just its bytes. */
function own (piece: Uint8Array): Uint8Array {
  return piece.byteLength >= piece.buffer.byteLength * KEEP_FRACTION ? piece : new Uint8Array(piece)
}

/**
 * Frames on `stream`. `read` throws FrameTooLargeError as soon as a length prefix announces more
 * than `maxFrameBytes`, and InvalidFrameError for a bad varint or a stream that ends inside a
 * frame. Bytes that arrive before they are read are buffered up to two frames of the largest size
 * (a requester pipelining more than that on one stream is reset with UnreadBytesError).
 */
export function frameStream (stream: Stream, maxFrameBytes: number): FrameStream {
  const maxLengthLength = encodingLength(maxFrameBytes)
  const maxUnread = BUFFERED_FRAMES * (maxFrameBytes + maxLengthLength)
  const unread = new Uint8ArrayList()
  let failure: Error | undefined
  let wake: (() => void) | undefined
  const wakeReader = (): void => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }

  stream.addEventListener('message', (evt: StreamMessageEvent) => {
    if (failure !== undefined) return
    if (evt.data instanceof Uint8Array) unread.append(own(evt.data))
    else for (const piece of evt.data) unread.append(own(piece))
    if (unread.byteLength > maxUnread) {
      failure = new UnreadBytesError(`more than ${maxUnread} bytes wait unread on the stream`)
      unread.consume(unread.byteLength)
      const reason = failure
      // Reset once this dispatch is over.
      queueMicrotask(() => { stream.abort(reason) })
    }
    wakeReader()
  })
  stream.addEventListener('remoteCloseWrite', wakeReader)
  stream.addEventListener('close', (evt: StreamCloseEvent) => {
    if (evt.error !== undefined) failure ??= evt.error
    wakeReader()
  })

  /** Nothing more will arrive: the remote closed its side and the stream holds nothing undelivered. */
  const remoteDone = (): boolean => stream.remoteWriteStatus !== 'writable' && stream.readBufferLength === 0

  /** The first whole frame in `unread`, taken out of it; undefined while it is incomplete. */
  const takeFrame = (): Uint8Array | undefined => {
    let length = 0
    let prefix = 0
    for (;;) {
      if (prefix === unread.byteLength) return undefined
      if (prefix === maxLengthLength) throw new InvalidFrameError('frame length is not a valid varint within maxFrameBytes')
      const byte = unread.get(prefix)
      length += (byte & 0x7f) * 2 ** (7 * prefix)
      prefix++
      if (byte < 0x80) break
    }
    if (length > maxFrameBytes) throw new FrameTooLargeError(`frame larger than maxFrameBytes (${maxFrameBytes})`)
    if (unread.byteLength < prefix + length) return undefined
    const body = unread.subarray(prefix, prefix + length)
    unread.consume(prefix + length)
    return body
  }

  return {
    async read () {
      for (;;) {
        if (failure !== undefined) throw failure
        const frame = takeFrame()
        if (frame !== undefined) return frame
        if (remoteDone()) {
          if (unread.byteLength === 0) return undefined
          throw new InvalidFrameError('stream ended inside a frame')
        }
        await new Promise<void>(resolve => { wake = resolve })
      }
    },
    async write (body, signal) {
      if (stream.send(new Uint8ArrayList(encodeVarint(body.byteLength), body))) return
      await drained(stream, signal)
    }
  }
}

/** Resolves when the muxer takes more bytes; rejects when the stream closes or `signal` aborts first. */
async function drained (stream: Stream, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const settle = (err?: unknown): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve()
      else reject(err)
    }
    const onDrain = (): void => { settle() }
    const onClose = (evt: StreamCloseEvent): void => { settle(evt.error ?? new StreamClosedError('the stream closed before the frame was sent')) }
    const onAbort = (): void => { settle(signal?.reason) }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
  })
}
