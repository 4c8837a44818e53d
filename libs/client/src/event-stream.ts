import { EVENTS_UNAUTHORIZED, type ApiEvent } from '@cycleshare/api'

/** What the client needs of a WebSocket: the browser's and the `ws` package's both fit. */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number, reason: string }) => void) | null
  onerror: ((event: unknown) => void) | null
  close(code?: number, reason?: string): void
}
export type SocketConstructor = new (url: string) => SocketLike

export interface EventStreamHandlers {
  /** Every frame, parsed. */
  event(event: ApiEvent): void
  /** Connected (again): whatever happened while it was not is not replayed, so read what you need now. */
  open?(): void
  /** The connection went and is being retried after `retryMs`. */
  lost?(reason: string, retryMs: number): void
  /** It will not be retried: the stream needs a token it was not given (or was given a wrong one). */
  failed?(error: Error): void
}

export interface EventStream {
  close(): void
}

const FIRST_RETRY_MS = 250
const MAX_RETRY_MS = 5_000

/**
 * Follows `ws(s)://…/api/events`, reconnecting with a doubling delay (250 ms to 5 s) until
 * closed. Frames that are not an `ApiEvent` are skipped: a newer coordinator may send more kinds.
 */
export function openEventStream (url: string, Socket: SocketConstructor, handlers: EventStreamHandlers): EventStream {
  let socket: SocketLike | undefined
  let closed = false
  let retryMs = FIRST_RETRY_MS
  let timer: ReturnType<typeof setTimeout> | undefined

  const connect = (): void => {
    const s = new Socket(url)
    socket = s
    s.onopen = () => {
      retryMs = FIRST_RETRY_MS
      handlers.open?.()
    }
    s.onmessage = ({ data }) => {
      const event = parseEvent(data)
      if (event !== undefined) handlers.event(event)
    }
    s.onerror = () => {} // the close that follows says what happened
    s.onclose = ({ code, reason }) => {
      if (closed || socket !== s) return
      if (code === EVENTS_UNAUTHORIZED) {
        closed = true
        handlers.failed?.(new Error(reason === '' ? 'the event stream needs an API token' : reason))
        return
      }
      handlers.lost?.(reason === '' ? `connection closed (${code})` : reason, retryMs)
      timer = setTimeout(connect, retryMs)
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)
    }
  }
  connect()
  return {
    close () {
      closed = true
      clearTimeout(timer)
      socket?.close()
    }
  }
}

function parseEvent (data: unknown): ApiEvent | undefined {
  const text = typeof data === 'string' ? data : data instanceof Uint8Array ? new TextDecoder().decode(data) : undefined
  if (text === undefined) return undefined
  try {
    const frame = JSON.parse(text) as { event?: unknown, data?: unknown }
    if ((frame.event === 'job' || frame.event === 'removed' || frame.event === 'worker' || frame.event === 'chunks') && typeof frame.data === 'object' && frame.data !== null) return frame as ApiEvent
  } catch {}
  return undefined
}
