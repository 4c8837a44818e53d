/**
 * What the peer lib's tests with real nodes share: local addresses, text as bytes, a log that
 * records lines (and lets a test wait for one), and a wait on peer events.
 */
import type { Stream } from '@libp2p/interface'
import type { Peer, PeerEventName, PeerLogLevel } from '../types.js'

export const LOCAL = ['/ip4/127.0.0.1/tcp/0']
export const MiB = 1024 * 1024
const text = new TextEncoder()
export const bytes = (s: string): Uint8Array => text.encode(s)
export const str = (b: Uint8Array): string => new TextDecoder().decode(b)

/** Collects log lines and lets a test wait for one that matches. */
export function logRecorder () {
  const lines: Array<{ level: PeerLogLevel, message: string }> = []
  const waiters: Array<{ match: RegExp, resolve: (message: string) => void }> = []
  return {
    lines,
    log (level: PeerLogLevel, message: string) {
      lines.push({ level, message })
      for (const w of [...waiters]) {
        if (w.match.test(message)) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(message)
        }
      }
    },
    /** Resolves with the first line logged from now on that matches. */
    next (match: RegExp): Promise<string> {
      return new Promise(resolve => { waiters.push({ match, resolve }) })
    }
  }
}

/** Resolves once `condition()` holds, re-checking it on each `event`. */
export function when (peer: Peer, event: PeerEventName, condition: () => boolean): Promise<void> {
  return new Promise(resolve => {
    if (condition()) { resolve(); return }
    const off = peer.on(event, () => {
      if (condition()) { off(); resolve() }
    })
  })
}

/** Sends `data` unless the stream has ended; false when it has. Waits for the muxer to drain. */
export async function sendWhileOpen (stream: Stream, data: Uint8Array): Promise<boolean> {
  if (stream.status !== 'open') return false
  try {
    if (!stream.send(data)) {
      await new Promise<void>(resolve => {
        stream.addEventListener('drain', () => { resolve() }, { once: true })
        stream.addEventListener('close', () => { resolve() }, { once: true })
      })
    }
  } catch {
    return false
  }
  return stream.status === 'open'
}
