/**
 * Researchers' own code: WebAssembly tasks registered with an API token, signed by the
 * coordinator, fetched and verified by real worker processes, and run in their sandbox.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkModule, createWasmTask, parseManifest, type AnyTask } from '@cycleshare/tasks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { authHeaders, cleanup, http, isDone, startCoordinator, startWorker, submit, tempDir, waitForJob, waitForWorker } from './harness.js'
import { startLiar } from './liar.js'
import { startTaskForger, type Forgery } from './task-forger.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const coordinatorBin = join(root, 'apps/coordinator/bin/cycleshare-coordinator.js')
const { buildExample, compileTask } = await import(join(root, 'examples/build.js')) as {
  buildExample: (name: string) => Promise<string>
  compileTask: (source: string) => Promise<Uint8Array>
}

interface Code { bytes: Uint8Array, manifest: Record<string, unknown> }

async function example (name: string): Promise<Code> {
  const bytes = new Uint8Array(readFileSync(await buildExample(name)))
  return { bytes, manifest: JSON.parse(readFileSync(join(root, 'examples', name, 'manifest.json'), 'utf8')) }
}

/** Registers `code` as multipart parts manifest and module, as `curl -F` sends them. */
async function register (api: string, code: Code, headers = authHeaders(api)): Promise<{ status: number, body: any }> {
  const form = new FormData()
  form.append('manifest', new Blob([JSON.stringify(code.manifest)], { type: 'application/json' }), 'manifest.json')
  form.append('module', new Blob([code.bytes], { type: 'application/wasm' }), 'task.wasm')
  const res = await fetch(`${api}/tasks`, { method: 'POST', headers, body: form })
  return { status: res.status, body: await res.json() }
}

/** Every chunk of a job run in this process through the same module, reduced in order. */
function inProcess (code: Code, params: unknown, chunks: number, blob?: Uint8Array): unknown {
  const manifest = parseManifest(code.manifest)
  const { module, memory } = checkModule(code.bytes, manifest)
  const task: AnyTask = createWasmTask({ hash: 'local', module, manifest, memory })
  const parsed = task.parseParams(params, chunks, { blobSize: () => blob?.length })
  let acc = task.init(parsed, chunks)
  for (let i = 0; i < chunks; i++) {
    const input = task.chunk(parsed, chunks, i)
    const blobs = (task.reads?.(input) ?? []).map(r => blob!.slice(r.start, r.end))
    acc = task.reduce(acc, task.parseOutput(task.run(input, { blobs, checkpoint () {} }), input), i, parsed, chunks)
  }
  return task.finalize(acc, parsed, chunks)
}

const HOSTILE = `import { input, Json, outputJson } from './cycleshare'
export { alloc } from './cycleshare'
let kept: Uint8Array[] = []
export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void {
  const doc = Json.parse(input(ptr, len))
  const what = doc.get('params').get('what').str
  if (what == 'loop') while (true) {}
  if (what == 'bomb') while (true) kept.push(new Uint8Array(1 << 20))
  if (what == 'trap') unreachable()
  outputJson('1')
}`
const hostileManifest = {
  name: 'hostile',
  version: '1.0.0',
  params: { what: { type: 'string', enum: ['loop', 'bomb', 'trap', 'none'] }, n: { type: 'array', items: { type: 'integer' } } },
  split: { kind: 'items', items: 'n' },
  combine: { kind: 'sum' },
  limits: { memoryMb: 32 }
}

let sieve: Code
let csv: Code
let hostile: Code

beforeAll(async () => {
  sieve = await example('sieve')
  csv = await example('csv-totals')
  hostile = { bytes: await compileTask(HOSTILE), manifest: hostileManifest }
})
afterAll(cleanup)

describe('custom WebAssembly tasks', () => {
  it('writes need an API token (401 without one or with a wrong one), reads stay open, and the token command makes more', async () => {
    const coordinator = await startCoordinator()
    const anonymous = async (method: string, path: string, body?: string): Promise<Response> =>
      await fetch(coordinator.api + path, { method, headers: { 'content-type': 'application/json' }, body })
    const job = JSON.stringify({ task: 'probe', params: {}, chunks: 1 })
    for (const [method, path, body] of [['POST', '/jobs', job], ['DELETE', '/jobs/J-1', undefined], ['POST', '/tasks', '{}'], ['POST', '/blobs', '{}']] as const) {
      const res = await anonymous(method, path, body)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
      expect((await res.json()).message).toMatch(/needs an API token: send "Authorization: Bearer <token>"/)
    }
    const forged = await fetch(`${coordinator.api}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer cs_${'A'.repeat(43)}` }, body: job })
    expect(forged.status).toBe(401)
    expect((await forged.json()).message).toMatch(/^the API token is not valid here/)
    expect((await anonymous('GET', '/jobs')).status).toBe(200)
    expect((await anonymous('GET', '/tasks')).status).toBe(200)

    // Made while the coordinator runs, it works at once; only hashes are kept on disk.
    const more = execFileSync(process.execPath, [coordinatorBin, 'token', '--data-dir', coordinator.dataDir, '--label', 'test'], { encoding: 'utf8' }).trim()
    expect(more).toMatch(/^cs_[A-Za-z0-9_-]{43}$/)
    const submitted = await fetch(`${coordinator.api}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${more}` }, body: job })
    expect(submitted.status).toBe(201)
    const kept = readFileSync(join(coordinator.dataDir, 'api-tokens.json'), 'utf8')
    expect(kept).not.toContain(more)
    expect(kept).not.toContain(coordinator.token)
  })

  it('with --private-reads, reading needs the token too (the event stream included), but not the health check', async () => {
    const coordinator = await startCoordinator({ args: ['--private-reads'] })
    const read = await fetch(`${coordinator.api}/jobs`)
    expect(read.status).toBe(401)
    expect((await read.json()).message).toMatch(/^GET \/api\/jobs needs an API token/)
    expect((await http(coordinator.api, 'GET', '/jobs')).status).toBe(200)
    expect((await fetch(`${coordinator.api}/health`)).status).toBe(200)
    const closed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${coordinator.api.replace(/^http/, 'ws')}/events`)
      ws.on('close', (code) => { resolve(code) })
    })
    expect(closed).toBe(4401)
    const opened = new WebSocket(`${coordinator.api.replace(/^http/, 'ws')}/events?token=${coordinator.token}`)
    await new Promise<void>((resolve, reject) => { opened.on('open', () => { resolve() }); opened.on('close', (code) => { reject(new Error(`closed ${code}`)) }) })
    // Open, and not closed once the server has looked at it: a job's events come through.
    const event = new Promise<unknown>((resolve) => { opened.on('message', (data) => { resolve(JSON.parse(String(data))) }) })
    await submit(coordinator.api, { task: 'probe', params: {}, chunks: 1 })
    expect(await event).toMatchObject({ event: 'job', data: { task: 'probe' } })
    opened.close()
  })

  it('registers a module and its manifest signed by the coordinator, and refuses what breaks the ABI', async () => {
    const coordinator = await startCoordinator()
    expect((await register(coordinator.api, sieve, {})).status).toBe(401)
    const created = await register(coordinator.api, sieve)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ name: 'sieve@1.0.0', kind: 'wasm', version: '1.0.0', module: expect.stringMatching(/^bafkrei/), signer: coordinator.peerId })
    // The same code again changes nothing; other code under the same name and version is refused.
    expect(await register(coordinator.api, sieve)).toMatchObject({ status: 200, body: { module: created.body.module } })
    expect(await register(coordinator.api, { ...sieve, bytes: hostile.bytes })).toMatchObject({ status: 409, body: { message: expect.stringMatching(/^sieve@1\.0\.0 is registered already/) } })

    const random = await compileTask(`export { alloc } from './cycleshare'
import { outputJson } from './cycleshare'
export function run (ptr: usize, len: i32, data: usize, dataLen: i32): void { outputJson(Math.random().toString()) }`)
    expect(await register(coordinator.api, { bytes: random, manifest: { ...hostileManifest, name: 'dice' } })).toMatchObject({
      status: 400, body: { error: 'InvalidModuleError', message: expect.stringMatching(/^the module imports env\.seed \(a function\), which the task ABI does not give/) }
    })
    expect(await register(coordinator.api, { ...hostile, manifest: { ...hostileManifest, split: { kind: 'slices' } } })).toMatchObject({
      status: 400, body: { error: 'InvalidManifestError', message: 'manifest.split.kind must be "range", "items" or "bytes"' }
    })

    // Or as JSON naming a module uploaded as a blob.
    const upload = await fetch(`${coordinator.api}/blobs`, { method: 'POST', headers: { ...authHeaders(coordinator.api), 'content-type': 'application/octet-stream' }, body: csv.bytes })
    const { name } = await upload.json()
    const json = await http(coordinator.api, 'POST', '/tasks', { manifest: csv.manifest, module: name })
    expect(json).toMatchObject({ status: 201, body: { name: 'csv-totals@1.0.0', module: name } })

    const listed = (await http<Array<{ name: string, kind: string, version?: string }>>(coordinator.api, 'GET', '/tasks')).body
    expect(listed.filter(t => t.kind === 'built-in').map(t => t.name)).toEqual(['primes', 'pi', 'mandelbrot', 'probe', 'wordcount'])
    expect(listed.filter(t => t.kind === 'wasm').map(t => [t.name, t.version])).toEqual([['sieve@1.0.0', '1.0.0'], ['csv-totals@1.0.0', '1.0.0']])
  })

  it('runs on two workers to exactly what the same module gives in one process: a range, and a blob split by lines', async () => {
    const coordinator = await startCoordinator()
    expect((await register(coordinator.api, sieve)).status).toBe(201)
    expect((await register(coordinator.api, csv)).status).toBe(201)
    const workers = await Promise.all([startWorker(coordinator.multiaddr), startWorker(coordinator.multiaddr)])
    // Both pulling before the job comes: a few seconds of chunks, so that both take some.
    for (const w of workers) await waitForWorker(coordinator.api, w.peerId, v => v.state === 'idle')

    const params = { from: 0, to: 2_000_000_000 }
    const id = await submit(coordinator.api, { task: 'sieve@1.0.0', params, chunks: 48 })
    await waitForJob(() => coordinator.api, id, isDone)
    const { result } = (await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body
    expect(result).toBe(98_222_287)
    expect(result).toBe(inProcess(sieve, params, 48))
    const done = (await http<Array<{ peerId: string, chunksDone: number }>>(coordinator.api, 'GET', '/workers')).body
    for (const w of workers) expect(done.find(d => d.peerId === w.peerId)?.chunksDone).toBeGreaterThan(0)

    const lines = ['item,amount']
    for (let i = 0; i < 200_000; i++) lines.push(`${['tea', 'rice', 'salt', 'oil'][i % 4]}${i % 7},${(i % 101) * 0.5}`)
    const text = new TextEncoder().encode(lines.join('\n') + '\n')
    const upload = await fetch(`${coordinator.api}/blobs`, { method: 'POST', headers: { ...authHeaders(coordinator.api), 'content-type': 'application/octet-stream' }, body: text })
    const { name } = await upload.json()
    const totals = await submit(coordinator.api, { task: 'csv-totals@1.0.0', params: { data: name }, chunks: 13 })
    await waitForJob(() => coordinator.api, totals, isDone)
    const got = (await http(coordinator.api, 'GET', `/jobs/${totals}/result`)).body.result
    expect(got).toEqual(inProcess(csv, { data: name }, 13, text))
    expect(got['(skipped)']).toBe(1)
    expect(got.tea0).toBe(lines.slice(1).filter(l => l.startsWith('tea0,')).reduce((sum, l) => sum + Number(l.split(',')[1]), 0))
  })

  it('stops a loop at the chunk timeout, a memory bomb at its cap and a trap, each failing its chunk clearly, while a job beside them finishes exactly', async () => {
    const coordinator = await startCoordinator()
    expect((await register(coordinator.api, hostile)).status).toBe(201)
    expect((await register(coordinator.api, sieve)).status).toBe(201)
    await Promise.all([startWorker(coordinator.multiaddr, { threads: 2 }), startWorker(coordinator.multiaddr)])
    const job = (what: string, extra = {}): Promise<string> => submit(coordinator.api, { task: 'hostile@1.0.0', params: { what, n: [1] }, chunks: 1, maxAttempts: 1, ...extra })
    const loop = await job('loop', { chunkTimeoutMs: 2000 })
    const bomb = await job('bomb')
    const trap = await job('trap')
    const beside = await submit(coordinator.api, { task: 'sieve@1.0.0', params: { to: 100_000_000 }, chunks: 24 })

    const failed = async (id: string): Promise<string> => (await waitForJob(() => coordinator.api, id, j => j.status === 'failed')).error!
    expect(await failed(loop)).toMatch(/^chunk 0 of hostile@1\.0\.0 failed once: TaskTimeoutError: chunk 0 of hostile@1\.0\.0 ran longer than 2000 ms/)
    expect(await failed(bomb)).toMatch(/^chunk 0 of hostile@1\.0\.0 failed once: WasmTaskError: the module trapped in run: unreachable \(its memory is capped at 32 MiB\)/)
    expect(await failed(trap)).toMatch(/^chunk 0 of hostile@1\.0\.0 failed once: WasmTaskError: the module trapped in run: unreachable/)
    await waitForJob(() => coordinator.api, beside, isDone)
    expect((await http(coordinator.api, 'GET', `/jobs/${beside}/result`)).body.result).toBe(5_761_455)
  })

  it('a worker refuses a task whose module may use more memory than it lends a thread', async () => {
    const coordinator = await startCoordinator()
    expect((await register(coordinator.api, hostile)).status).toBe(201)
    await startWorker(coordinator.multiaddr, { args: ['--memory-mb', '16'] })
    const id = await submit(coordinator.api, { task: 'hostile@1.0.0', params: { what: 'none', n: [1] }, chunks: 1, maxAttempts: 1 })
    const failed = await waitForJob(() => coordinator.api, id, j => j.status === 'failed')
    expect(failed.error).toBe('chunk 0 of hostile@1.0.0 failed once: TaskTooLargeError: task hostile@1.0.0 may use 32 MiB of memory, more than the 16 MiB this worker lends a thread (--memory-mb)')
  })

  it('a replicated job with a lying worker is still exact', async () => {
    const coordinator = await startCoordinator()
    expect((await register(coordinator.api, sieve)).status).toBe(201)
    await Promise.all([startWorker(coordinator.multiaddr), startWorker(coordinator.multiaddr)])
    const liar = await startLiar(coordinator.multiaddr)
    try {
      const id = await submit(coordinator.api, { task: 'sieve@1.0.0', params: { to: 200_000_000 }, chunks: 60, replication: 2 })
      await waitForJob(() => coordinator.api, id, isDone)
      expect((await http(coordinator.api, 'GET', `/jobs/${id}/result`)).body.result).toBe(11_078_937)
      const record = (await http<Array<{ peerId: string, invalid: number }>>(coordinator.api, 'GET', '/workers')).body.find(w => w.peerId === liar.peerId)
      expect(record?.invalid).toBeGreaterThan(0)
    } finally {
      await liar.stop()
    }
  })

  it.each<[Forgery, RegExp]>([
    ['other-key', /^task sieve@1\.0\.0's signature does not verify against coordinator \S+: refused$/],
    ['zero-signature', /^task sieve@1\.0\.0's signature does not verify against coordinator \S+: refused$/],
    ['other-signer', /^task sieve@1\.0\.0 is signed by \S+, not by \S+, the coordinator that leased it: refused$/]
  ])('a worker refuses a module whose record is forged (%s) and never runs it', async (forgery, message) => {
    const manifest = new TextEncoder().encode(JSON.stringify(parseManifest(sieve.manifest)))
    const forger = await startTaskForger({
      dir: tempDir('forger'), module: sieve.bytes, manifest, task: 'sieve@1.0.0', forgery,
      input: { params: { from: 0, to: 1000 }, chunk: 0, chunks: 1, from: 0, to: 1000 }
    })
    try {
      const worker = await startWorker(forger.multiaddr)
      const report = await forger.nextReport()
      expect(report).toMatchObject({ leaseId: 'L-forged-1', ok: false, error: { name: 'UntrustedTaskError', message: expect.stringMatching(message) } })
      expect(worker.lines.some(l => l.msg === 'custom task verified')).toBe(false)
    } finally {
      await forger.stop()
    }
  })
})
