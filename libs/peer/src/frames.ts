/**
 * Framing on request/response streams.
 *
 * Each frame is an unsigned LEB128 varint holding the body length, then the body; a body is at
 * most `maxFrameBytes`. A stream carries one or more request frames; the handler answers each
 * with exactly one response frame, in order; the requester half-closes its write side when it has
 * sent its last request, and the handler closes its side after the last answer. A frame that is
 * too large, a malformed varint or a stream that ends inside a frame makes the reader reset the
 * stream.
 */
import type { Stream } from '@libp2p/interface'
import { decode, encode } from 'it-length-prefixed'
import { encodingLength } from 'uint8-varint'
import { FrameTooLargeError, InvalidFrameError } from './errors.js'

/** Write one frame, waiting for the muxer to drain when its buffer is full. */
export async function writeFrame (stream: Stream, body: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (!stream.send(encode.single(body))) {
    await stream.onDrain({ signal })
  }
}

/**
 * The frames on `stream` until the remote half-closes. Throws FrameTooLargeError as soon as a
 * length prefix announces more than `maxFrameBytes` (before the body is buffered) and
 * InvalidFrameError for a bad varint or a stream that ends inside a frame.
 */
export async function * readFrames (stream: Stream, maxFrameBytes: number): AsyncGenerator<Uint8Array, void, undefined> {
  // it-length-prefixed ends quietly when a stream stops right after a length prefix (its buffer
  // is empty then), so track whether a body is still owed.
  let owed: number | undefined
  const frames = decode(stream, {
    maxDataLength: maxFrameBytes,
    maxLengthLength: encodingLength(maxFrameBytes),
    onLength: (length) => { owed = length },
    onData: () => { owed = undefined }
  })
  try {
    for await (const frame of frames) {
      yield frame.subarray()
    }
  } catch (err) {
    throw framingError(err, maxFrameBytes)
  }
  if (owed === 0) {
    yield new Uint8Array(0)
  } else if (owed !== undefined) {
    throw new InvalidFrameError(`stream ended before the ${owed}-byte frame body arrived`)
  }
}

function framingError (err: unknown, maxFrameBytes: number): unknown {
  switch ((err as Error | undefined)?.name) {
    case 'InvalidDataLengthError':
      return new FrameTooLargeError(`frame larger than maxFrameBytes (${maxFrameBytes})`, { cause: err })
    case 'InvalidDataLengthLengthError':
    case 'InvalidMessageLengthError':
      return new InvalidFrameError('frame length is not a valid varint within maxFrameBytes', { cause: err })
    case 'UnexpectedEOFError':
      return new InvalidFrameError('stream ended inside a frame', { cause: err })
    default:
      return err
  }
}
