/**
 * Anything that starts and stops: a peer node, a task pool, an idle monitor, a runtime, an
 * accumulation point. `start` may be called again after `stop`; both may finish at once (return
 * nothing) or later (return a promise).
 */
export interface Startable {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}
