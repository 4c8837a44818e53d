/**
 * Framing on request/response streams, with `@libp2p/utils`' length-prefixed streams.
 *
 * Each frame is an unsigned LEB128 varint holding the body length, then the body; a body is at
 * most `maxFrameBytes`. A stream carries one or more request frames; the responder answers each
 * with exactly one response frame, in order; the requester half-closes its write side when it has
 * sent its last request, and the responder closes its side after the last answer. A frame that is
 * too large, a malformed varint or a stream that ends inside a frame makes the reader reset the
 * stream.
 *
 * `lpStream` reads the length one byte at a time and checks it against `maxDataLength` before it
 * waits for the body. Two things it leaves to us, both through its `lengthDecoder` hook: it keeps
 * reading a varint whose continuation bits never stop (so the decoder refuses one longer than
 * `maxFrameBytes` needs), and it reports a clean end of stream between frames with the same
 * UnexpectedEOFError as an end inside one (so the decoder notes that a frame has begun).
 *
 * A length prefix reserves no memory: `lpStream` waits until its buffer (a `Uint8ArrayList` of
 * the chunks as they arrived) holds the whole body and only then joins them, so a peer that
 * announces 16 MiB and sends 3 bytes costs us 3 bytes. What it has sent is counted against its
 * byte budget by the served stream (request-response.ts).
 */
import type { Stream } from '@libp2p/interface'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { decode as decodeVarint, encodingLength } from 'uint8-varint'
import { FrameTooLargeError, InvalidFrameError } from './errors.js'

/** Unread bytes a stream may hold, in frames of the largest size; past it the stream is reset. */
const BUFFERED_FRAMES = 2

export interface FrameStream {
  /** The next frame, or undefined when the remote half-closed between frames. */
  read(): Promise<Uint8Array | undefined>
  /** Writes one frame, waiting for the muxer to drain when its buffer is full. */
  write(body: Uint8Array, signal?: AbortSignal): Promise<void>
}

/**
 * Frames on `stream`. `read` throws FrameTooLargeError as soon as a length prefix announces more
 * than `maxFrameBytes`, and InvalidFrameError for a bad varint or a stream that ends inside a
 * frame. Bytes that arrive before they are read are buffered up to two frames of the largest size
 * (a requester pipelining more than that on one stream is reset).
 */
export function frameStream (stream: Stream, maxFrameBytes: number): FrameStream {
  const maxLengthLength = encodingLength(maxFrameBytes)
  let inFrame = false
  const lp: LengthPrefixedStream<Stream> = lpStream(stream, {
    maxDataLength: maxFrameBytes,
    maxLengthLength,
    maxBufferSize: BUFFERED_FRAMES * (maxFrameBytes + maxLengthLength),
    lengthDecoder: (prefix) => {
      inFrame = true
      if (prefix.byteLength > maxLengthLength) {
        throw new InvalidFrameError('frame length is not a valid varint within maxFrameBytes')
      }
      return decodeVarint(prefix)
    }
  })
  return {
    async read () {
      inFrame = false
      try {
        return (await lp.read()).subarray()
      } catch (err) {
        if ((err as Error | undefined)?.name === 'UnexpectedEOFError' && !inFrame) return undefined
        throw framingError(err, maxFrameBytes)
      }
    },
    async write (body, signal) {
      await lp.write(body, { signal })
    }
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
