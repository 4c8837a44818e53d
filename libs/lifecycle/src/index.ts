/**
 * @packageDocumentation
 *
 * One shape for everything that starts and stops, and one way to start several in order and
 * stop them in reverse. Imports nothing of ours, so every project may use it.
 *
 * @example
 * ```ts
 * import { startInOrder, type Startable } from '@cycleshare/lifecycle'
 *
 * // The runtime is last up and first down: it still reaches the peer while it stops.
 * const parts: Startable[] = [pool, peer, idle, runtime]
 * const stop = await startInOrder(parts) // a part that fails to start stops the ones before it
 * process.once('SIGTERM', () => { stop().then(() => process.exit(0), () => process.exit(1)) })
 * ```
 */
export type { Startable } from './startable.js'
export { startInOrder } from './start-in-order.js'
