/**
 * @cycleshare/client — a typed client of cycleshare's HTTP API and event stream, for the CLI, the
 * dashboard and tests; the shapes are `@cycleshare/api`'s. Runs in Node ≥ 20 and in browsers.
 *
 * @example
 * ```ts
 * import { CycleshareClient } from '@cycleshare/client'
 * import { WebSocket } from 'ws'   // Node 20 has no WebSocket of its own
 *
 * const api = new CycleshareClient({ url: 'http://127.0.0.1:8080', token, WebSocket })
 * const { id } = await api.submit({ task: 'primes', params: { from: 0, to: 1e9 }, chunks: 64 })
 * const job = await api.watch(id, { update: j => console.log(j.progress) })
 * if (job.status === 'done') console.log(await api.result(id))
 * ```
 */
export { CycleshareClient, type ClientOptions, type JobResultAnswer, type WatchHandlers } from './client.js'
export { ApiError, UnreachableError } from './errors.js'
export { duration, Throughput } from './throughput.js'
export type { EventStream, EventStreamHandlers, SocketConstructor, SocketLike } from './event-stream.js'
export * from '@cycleshare/api'
