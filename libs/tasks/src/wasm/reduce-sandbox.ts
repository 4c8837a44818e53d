/**
 * Runs a module's `reduce` export for the coordinator, synchronously (the scheduler reduces an
 * output inside the write that decides its chunk) yet in a thread of its own, so that a `reduce`
 * that loops forever or eats memory is stopped at its limits and the coordinator carries on.
 *
 * The caller posts the request and sleeps on a shared flag (`Atomics.wait`) for at most the
 * manifest's `limits.reduceMs`; the thread answers on the port and wakes it. Past the limit the
 * thread is terminated (which stops a WebAssembly loop too) and a fresh one starts on the next call.
 */
import { fileURLToPath } from 'node:url'
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'

import { WasmTaskError } from '../errors.js'
import type { WasmCode } from './abi.js'
import type { ReduceAnswer, ReduceRequest } from './reduce-thread.js'

/** Time a new thread gets to start (load its modules) on top of the first call's limit. */
const START_ALLOWANCE_MS = 5_000

const threadPath = fileURLToPath(
  import.meta.url.endsWith('.ts') ? new URL('../../dist/wasm/reduce-thread.js', import.meta.url) : new URL('./reduce-thread.js', import.meta.url)
)

interface Thread { worker: Worker, port: MessagePort, flag: Int32Array, fresh: boolean }

export class ReduceSandbox {
  #thread: Thread | undefined

  /** `heapMb` caps the thread's JavaScript heap; the module's memory is capped by its manifest. */
  constructor (private readonly heapMb = 256) {}

  /** `code`'s reduce of `acc` and `output`; throws `WasmTaskError` when it fails, traps or runs past `limits.reduceMs`. */
  reduce (code: WasmCode, acc: Uint8Array, output: Uint8Array): Uint8Array {
    const thread = this.#thread ?? this.#start()
    const limit = code.manifest.limits.reduceMs
    Atomics.store(thread.flag, 0, 0)
    thread.port.postMessage({ code, acc, output } satisfies ReduceRequest)
    const woke = Atomics.wait(thread.flag, 0, 0, limit + (thread.fresh ? START_ALLOWANCE_MS : 0))
    thread.fresh = false
    const answer = woke === 'timed-out' ? undefined : receiveMessageOnPort(thread.port)?.message as ReduceAnswer | undefined
    if (answer === undefined) {
      this.close()
      throw new WasmTaskError(`reduce ran longer than ${limit} ms (the manifest's limits.reduceMs), or its thread died, and was stopped`)
    }
    if (!answer.ok) throw new WasmTaskError(answer.message)
    return answer.acc
  }

  /** Ends the thread; the next call starts another. */
  close (): void {
    const thread = this.#thread
    this.#thread = undefined
    thread?.port.close()
    void thread?.worker.terminate()
  }

  #start (): Thread {
    const { port1, port2 } = new MessageChannel()
    const flag = new Int32Array(new SharedArrayBuffer(4))
    const worker = new Worker(threadPath, {
      workerData: { port: port2, flag },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb }
    })
    // An idle sandbox must not keep the coordinator's process alive.
    worker.unref()
    worker.on('error', () => {})
    this.#thread = { worker, port: port1, flag, fresh: true }
    return this.#thread
  }
}
