/**
 * The thread a `ReduceSandbox` runs a module's `reduce` in: answers each request on its port, then
 * wakes the caller, which waits on the shared flag (see reduce-sandbox.ts).
 */
import { workerData, type MessagePort } from 'node:worker_threads'

import { callModule, type WasmCode } from './abi.js'

export interface ReduceRequest { code: WasmCode, acc: Uint8Array, output: Uint8Array }
export type ReduceAnswer = { ok: true, acc: Uint8Array } | { ok: false, message: string }

const { port, flag } = workerData as { port: MessagePort, flag: Int32Array }

port.on('message', ({ code, acc, output }: ReduceRequest) => {
  let answer: ReduceAnswer
  try {
    answer = { ok: true, acc: callModule(code, 'reduce', [acc, output]) }
  } catch (err) {
    answer = { ok: false, message: (err as Error)?.message ?? String(err) }
  }
  port.postMessage(answer)
  Atomics.store(flag, 0, 1)
  Atomics.notify(flag, 0)
})
