/**
 * The custom (WebAssembly) tasks this worker runs, each as the accumulation point that leased it
 * registered it. Before a module runs, its record is asked of that accumulation point
 * (`describe`), its signature checked against that peer's id — the one this worker was started
 * with, so no one else's code gets in — and the module fetched as a blob (from peers first) and
 * checked against the name signed. Anything unsigned, signed by another key or not what was signed
 * is refused, and the chunk fails saying so. Verified modules are compiled once, kept per
 * accumulation point and task.
 */
import { fetchBlob, type BlobStore, type FetchPeer } from '@cycleshare/blobs'
import { verifySignature, type Peer } from '@cycleshare/peer'
import { blobRpc, msg, taskStatement } from '@cycleshare/protocol'
import { checkModule, createWasmTask, parseManifest, taskId, WASM_TASK_ID, type WasmCode, type WasmTask } from '@cycleshare/tasks'
import type { Logger } from './logger.js'

/** A custom task's record could not be had, or does not verify: its chunks are not run. */
export class UntrustedTaskError extends Error {
  override readonly name = 'UntrustedTaskError'
}

/** A custom task needs more than this worker lends. */
export class TaskTooLargeError extends Error {
  override readonly name = 'TaskTooLargeError'
}

export interface CustomTasks {
  /** Custom task `task` as accumulation point `from` registered it, verified; its `code` is what the pool runs. */
  resolve(task: string, from: string): Promise<WasmTask>
  /** The same, once resolved; undefined before. */
  known(task: string, from: string): WasmTask | undefined
}

/** Whether `task` names a custom task (`name@version`) rather than a built-in. */
export const isCustomTask = (task: string): boolean => WASM_TASK_ID.test(task)

/** A refused record is asked for again only after this long: a chunk failing on it fails at once. */
const REFUSED_FOR_MS = 30_000

/**
 * `maxMemoryMb` is what this worker lends a thread: a task whose manifest lets its module's memory
 * grow past it is refused rather than let loose on the volunteer's machine.
 */
export function createCustomTasks ({ peer, store, maxMemoryMb, log }: { peer: FetchPeer & Pick<Peer, 'call'>, store?: BlobStore, maxMemoryMb: number, log: Logger }): CustomTasks {
  const resolving = new Map<string, Promise<WasmTask>>()
  const tasks = new Map<string, WasmTask>()

  const load = async (task: string, from: string): Promise<WasmCode> => {
    if (store === undefined) throw new UntrustedTaskError(`task ${task} is a WebAssembly module, and this worker keeps no blobs to fetch it into`)
    let record
    try {
      record = await peer.call(from, blobRpc, msg.describe(task))
    } catch (err) {
      throw new UntrustedTaskError(`no valid record of task ${task} came from ${from}: ${(err as Error).message}`)
    }
    if (record.task !== task) throw new UntrustedTaskError(`${from} answered with task ${record.task} when asked for ${task}`)
    if (record.signer !== from) throw new UntrustedTaskError(`task ${task} is signed by ${record.signer}, not by ${from}, the coordinator that leased it: refused`)
    if (!await verifySignature(from, taskStatement(task, record.module, record.manifest), record.signature)) {
      throw new UntrustedTaskError(`task ${task}'s signature does not verify against coordinator ${from}: refused`)
    }
    const manifest = parseManifest(JSON.parse(new TextDecoder().decode(record.manifest)))
    if (taskId(manifest) !== task) throw new UntrustedTaskError(`the manifest signed for ${task} is of ${taskId(manifest)}`)
    if (manifest.limits.memoryMb > maxMemoryMb) {
      throw new TaskTooLargeError(`task ${task} may use ${manifest.limits.memoryMb} MiB of memory, more than the ${maxMemoryMb} MiB this worker lends a thread (--memory-mb)`)
    }
    // Every piece is checked against the manifest named by the signed blob name: the module is exactly what was signed.
    await fetchBlob({ peer, store, log: (level, message, fields) => { log[level](fields, message) } }, record.module, { seeds: [from] })
    const size = store.info(record.module)!.size
    // Kept while this worker runs: a module is small, and its chunks keep coming.
    store.pin(record.module)
    const { module, memory } = checkModule(await store.readRange(record.module, 0, size), manifest)
    log.info({ task, module: record.module, signer: from }, 'custom task verified')
    return { hash: record.module, module, manifest, memory }
  }

  return {
    async resolve (task, from) {
      const key = `${from} ${task}`
      let resolved = resolving.get(key)
      if (resolved === undefined) {
        const made = load(task, from).then((code) => {
          const made = createWasmTask(code)
          tasks.set(key, made)
          return made
        })
        resolved = made
        resolving.set(key, made)
        made.catch((err: Error) => {
          log.warn({ task, from, err: err.message }, 'custom task refused')
          setTimeout(() => { if (resolving.get(key) === made) resolving.delete(key) }, REFUSED_FOR_MS).unref()
        })
      }
      return await resolved
    },
    known: (task, from) => tasks.get(`${from} ${task}`)
  }
}
