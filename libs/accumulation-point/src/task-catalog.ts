/**
 * The tasks an accumulation point runs jobs of: the built-ins, and the custom WebAssembly tasks
 * registered with it. Registering checks the manifest and the module against the task ABI, keeps
 * the module as a blob (pinned: never evicted), signs (task, module, manifest) with this peer's key
 * and writes the record to `<dir>/<name>@<version>.json`, so that the tasks come back after a
 * restart before any job is loaded. A name and version, once registered, always mean the same code.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'

import type { TaskView } from '@cycleshare/api'
import type { BlobStore, TaskRecord } from '@cycleshare/blobs'
import { MAX_TASK_MANIFEST_BYTES, taskStatement } from '@cycleshare/protocol'
import {
  builtinTasks, checkModule, createWasmTask, InvalidManifestError, parseManifest, ReduceSandbox, taskId, type AnyTask, type WasmCode
} from '@cycleshare/tasks'

/** Signs task records: the accumulation point's peer identity. */
export interface TaskSigner {
  readonly peerId: string
  sign(data: Uint8Array): Promise<Uint8Array>
}

export type { TaskView } from '@cycleshare/api'

/** A name@version registered before with other code or another manifest. */
export class TaskConflictError extends Error {
  override readonly name = 'TaskConflictError'
}

interface StoredRecord { task: string, manifest: string, module: string, signer: string, signature: string, registeredAt: string }

interface Entry { record: TaskRecord, registeredAt: string, task: AnyTask }

export class TaskCatalog {
  /** Every task by name, built-ins first: the map the scheduler looks jobs' tasks up in (it grows as tasks are registered). */
  readonly tasks = new Map<string, AnyTask>(builtinTasks)
  /** Records that could not be loaded at open, each saying why; their jobs fail as tasks not available. */
  readonly problems: string[] = []
  readonly #custom = new Map<string, Entry>()
  readonly #sandbox = new ReduceSandbox()
  /** Registrations in flight by task name: a second one waits for the first. */
  readonly #registering = new Map<string, Promise<unknown>>()

  private constructor (private readonly dir: string, private readonly blobs: BlobStore) {}

  /** Loads the records kept in `dir`, compiling each module from `blobs`. */
  static async open ({ dir, blobs }: { dir: string, blobs: BlobStore }): Promise<TaskCatalog> {
    const catalog = new TaskCatalog(dir, blobs)
    await mkdir(dir, { recursive: true })
    for (const file of (await readdir(dir)).filter(f => f.endsWith('.json')).sort()) {
      try {
        const stored = JSON.parse(await readFile(join(dir, file), 'utf8')) as StoredRecord
        const record: TaskRecord = {
          task: stored.task,
          manifest: new TextEncoder().encode(stored.manifest),
          module: stored.module,
          signer: stored.signer,
          signature: Buffer.from(stored.signature, 'base64')
        }
        const bytes = blobs.info(record.module)?.complete === true ? await blobs.readRange(record.module, 0, blobs.info(record.module)!.size) : undefined
        if (bytes === undefined) throw new Error(`its module ${record.module} is not in the blob store`)
        catalog.#add(record, bytes, stored.registeredAt)
      } catch (err) {
        catalog.problems.push(`task record ${file}: ${(err as Error).message}`)
      }
    }
    return catalog
  }

  /** The signed record of custom task `task`, for peers that ask (`describe`). */
  record (task: string): TaskRecord | undefined {
    return this.#custom.get(task)?.record
  }

  list (): TaskView[] {
    const views: TaskView[] = [...builtinTasks.values()].map(t => ({
      name: t.name, kind: 'built-in', description: t.description, resultType: t.resultType, exampleParams: t.exampleParams
    }))
    for (const [name, { record, registeredAt, task }] of this.#custom) {
      views.push({
        name,
        kind: 'wasm',
        description: task.description,
        resultType: task.resultType,
        exampleParams: task.exampleParams,
        version: name.slice(name.indexOf('@') + 1),
        module: record.module,
        signer: record.signer,
        registeredAt
      })
    }
    return views
  }

  /**
   * Registers a module (its bytes) with its manifest (parsed JSON), signed by `signer`. Resolves
   * with the task's view and whether it is new: registering the same code again changes nothing.
   * Throws `InvalidManifestError`, `InvalidModuleError`, or `TaskConflictError` when the name and
   * version are taken by other code.
   */
  async register (rawManifest: unknown, module: Uint8Array, signer: TaskSigner): Promise<{ view: TaskView, created: boolean }> {
    const manifest = parseManifest(rawManifest)
    const name = taskId(manifest)
    const text = JSON.stringify(manifest)
    if (Buffer.byteLength(text) > MAX_TASK_MANIFEST_BYTES) throw new InvalidManifestError('manifest', `takes more than ${MAX_TASK_MANIFEST_BYTES} bytes`)
    checkModule(module, manifest)
    while (this.#registering.has(name)) await this.#registering.get(name)!.catch(() => {})
    const done = this.#register(name, text, module, signer)
    this.#registering.set(name, done)
    try {
      return await done
    } finally {
      this.#registering.delete(name)
    }
  }

  /** Ends the sandbox that runs modules' `reduce`. */
  close (): void {
    this.#sandbox.close()
  }

  async #register (name: string, text: string, module: Uint8Array, signer: TaskSigner): Promise<{ view: TaskView, created: boolean }> {
    const blob = await this.blobs.add((async function * () { yield module })())
    const existing = this.#custom.get(name)
    if (existing !== undefined) {
      if (existing.record.module === blob.name && new TextDecoder().decode(existing.record.manifest) === text) return { view: this.#view(name), created: false }
      throw new TaskConflictError(`${name} is registered already with another module or manifest: give the new code a new version`)
    }
    const manifest = new TextEncoder().encode(text)
    const signature = await signer.sign(taskStatement(name, blob.name, manifest))
    const record: TaskRecord = { task: name, manifest, module: blob.name, signer: signer.peerId, signature }
    const registeredAt = new Date().toISOString()
    await this.#write(name, { task: name, manifest: text, module: blob.name, signer: signer.peerId, signature: Buffer.from(signature).toString('base64'), registeredAt })
    this.#add(record, module, registeredAt)
    return { view: this.#view(name), created: true }
  }

  #add (record: TaskRecord, bytes: Uint8Array, registeredAt: string): void {
    const manifest = parseManifest(JSON.parse(new TextDecoder().decode(record.manifest)))
    const { module, memory } = checkModule(bytes, manifest)
    const code: WasmCode = { hash: record.module, module, manifest, memory }
    const task = createWasmTask(code, (acc, output) => this.#sandbox.reduce(code, acc, output))
    // Pinned for good: a task's module is never evicted to make room for other blobs.
    this.blobs.pin(record.module)
    this.#custom.set(record.task, { record, registeredAt, task })
    this.tasks.set(record.task, task)
  }

  #view (name: string): TaskView {
    return this.list().find(v => v.name === name)!
  }

  /** Writes a record whole or not at all: a temporary file, flushed, then renamed over. */
  async #write (name: string, stored: StoredRecord): Promise<void> {
    const file = join(this.dir, `${name}.json`)
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`
    const handle = await open(temporary, 'w')
    try {
      await handle.writeFile(JSON.stringify(stored, null, 2))
      await handle.datasync()
    } finally {
      await handle.close()
    }
    await rename(temporary, file)
    const dir = await open(this.dir, 'r')
    try {
      await dir.datasync()
    } finally {
      await dir.close()
    }
  }
}
