/**
 * The OpenAPI document at /api/docs/openapi.json against the real coordinator: it lists exactly
 * the routes served, every one is called here (successes and errors), and each answer's status is
 * documented and its body matches the documented schema (checked with ajv, an independent JSON
 * Schema validator). The document's schemas are generated from the zod schemas that check requests.
 */
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import Ajv from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authHeaders, cleanup, isDone, startCoordinator, startWorker, submit, waitForJob, type Coordinator } from './harness.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const { buildExample } = await import(join(root, 'examples/build.js')) as { buildExample: (name: string) => Promise<string> }

interface Operation { responses: Record<string, { content?: Record<string, { schema?: object }> }>, requestBody?: unknown }
type Spec = { openapi: string, paths: Record<string, Record<string, Operation>> }

let coordinator: Coordinator
let spec: Spec
const ajv = new Ajv({ strict: false, allErrors: true })
const called = new Set<string>()

beforeAll(async () => {
  coordinator = await startCoordinator()
  await startWorker(coordinator.multiaddr, { threads: 2 })
  spec = await (await fetch(`${coordinator.api}/docs/openapi.json`)).json() as Spec
})
afterAll(cleanup)

/**
 * Calls a route as `method template` (the document's path, with `{param}`s filled from `params`)
 * and checks the answer against the document: its status is documented for the operation, its
 * media type is one the document gives, and a JSON body matches the schema given for it.
 */
async function call (method: string, template: string, init: { params?: Record<string, string>, query?: string, body?: BodyInit, type?: string, headers?: Record<string, string>, token?: boolean } = {}): Promise<{ status: number, type: string, body: any }> {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(init.params?.[name] ?? ''))
  const base = coordinator.api.replace(/\/api$/, '')
  const res = await fetch(`${base}${path}${init.query ?? ''}`, {
    method: method.toUpperCase(),
    headers: { ...(init.token === false ? {} : authHeaders(coordinator.api)), ...(init.type === undefined ? {} : { 'content-type': init.type }), ...init.headers },
    body: init.body
  })
  const type = (res.headers.get('content-type') ?? '').split(';')[0]
  const bytes = new Uint8Array(await res.arrayBuffer())
  const body = type === 'application/json' ? JSON.parse(new TextDecoder().decode(bytes)) : bytes
  const operation = spec.paths[template]?.[method]
  expect(operation, `${method} ${template} is in the document`).toBeDefined()
  called.add(`${method} ${template}`)
  const documented = operation.responses[String(res.status)]
  expect(documented, `${method} ${template} answered ${res.status}, which the document gives for it`).toBeDefined()
  const content = documented.content ?? {}
  if (res.status === 204) {
    expect(Object.keys(content), `${method} ${template} 204 has no body`).toEqual([])
    expect(bytes.length).toBe(0)
    return { status: res.status, type, body: undefined }
  }
  expect(Object.keys(content), `${method} ${template} ${res.status} as ${type}`).toContain(type)
  const schema = content[type]?.schema
  if (type === 'application/json' && schema !== undefined) {
    const valid = ajv.validate(schema, body)
    expect(valid, `${method} ${template} ${res.status}: ${ajv.errorsText(ajv.errors)}\n${JSON.stringify(body).slice(0, 400)}`).toBe(true)
  }
  return { status: res.status, type, body }
}

const json = (value: unknown): { body: string, type: string } => ({ body: JSON.stringify(value), type: 'application/json' })

describe('the OpenAPI document', () => {
  it('is OpenAPI 3 and lists exactly the routes the coordinator serves', () => {
    expect(spec.openapi).toMatch(/^3\.0\./)
    const operations = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map(m => `${m.toUpperCase()} ${path}`)).sort()
    expect(operations).toEqual([
      'DELETE /api/jobs/{id}', 'GET /api/blobs', 'GET /api/blobs/{name}', 'GET /api/failures', 'GET /api/health', 'GET /api/jobs', 'GET /api/jobs/{id}',
      'GET /api/jobs/{id}/failures', 'GET /api/jobs/{id}/result',
      'GET /api/tasks', 'GET /api/workers', 'GET /metrics', 'POST /api/blobs', 'POST /api/jobs', 'POST /api/jobs/{id}/cancel', 'POST /api/tasks'
    ])
  })

  it('describes every answer of every route, successes and errors alike', async () => {
    // jobs
    const primes = await call('post', '/api/jobs', json({ task: 'primes', params: { from: 0, to: 1_000_000 }, chunks: 4 }))
    expect(primes.status).toBe(201)
    expect((await call('post', '/api/jobs', json({ task: 'primes', chunks: '4' }))).status).toBe(400)
    expect((await call('post', '/api/jobs', { ...json({ task: 'primes', chunks: 1 }), token: false })).status).toBe(401)
    await waitForJob(() => coordinator.api, primes.body.id, isDone)
    expect((await call('get', '/api/jobs')).body[0].id).toBe(primes.body.id)
    expect((await call('get', '/api/jobs', { query: '?limit=0' })).status).toBe(400)
    expect((await call('get', '/api/jobs', { query: '?before=nosuchjob' })).status).toBe(404)
    expect((await call('get', '/api/jobs/{id}', { params: { id: primes.body.id } })).body.status).toBe('done')
    expect((await call('get', '/api/jobs/{id}', { params: { id: 'nosuchjob' } })).status).toBe(404)
    expect((await call('get', '/api/jobs/{id}', { params: { id: '../x' } })).status).toBe(400)
    expect((await call('get', '/api/jobs/{id}/result', { params: { id: primes.body.id } })).body).toEqual({ result: { from: 0, to: 1_000_000, count: 78_498 } })
    const png = await submit(coordinator.api, { task: 'mandelbrot', params: { width: 64, height: 48 }, chunks: 2 })
    await waitForJob(() => coordinator.api, png, isDone)
    expect((await call('get', '/api/jobs/{id}/result', { params: { id: png } })).type).toBe('image/png')
    const failing = await submit(coordinator.api, { task: 'probe', params: { failAt: [1] }, chunks: 2, maxAttempts: 1 })
    await waitForJob(() => coordinator.api, failing, j => j.status === 'failed')
    const failures = await call('get', '/api/jobs/{id}/failures', { params: { id: failing } })
    expect(failures.body).toEqual([expect.objectContaining({ jobId: failing, index: 1, attempt: 1, error: expect.stringMatching(/^ProbeFailure/) })])
    expect((await call('get', '/api/jobs/{id}/failures', { params: { id: 'nosuchjob' } })).status).toBe(404)
    expect((await call('get', '/api/jobs/{id}/failures', { params: { id: failing }, query: '?limit=501' })).status).toBe(400)
    expect((await call('get', '/api/failures')).body).toEqual(failures.body)
    expect((await call('get', '/api/failures', { query: '?since=1' })).status).toBe(400)
    const hanging = await submit(coordinator.api, { task: 'probe', params: { hangAt: [0] }, chunks: 1 })
    expect((await call('get', '/api/jobs/{id}/result', { params: { id: hanging } })).status).toBe(409)
    expect((await call('get', '/api/jobs/{id}/result', { params: { id: 'nosuchjob' } })).status).toBe(404)
    expect((await call('post', '/api/jobs/{id}/cancel', { params: { id: hanging }, token: false })).status).toBe(401)
    expect((await call('post', '/api/jobs/{id}/cancel', { params: { id: hanging } })).body.status).toBe('cancelled')
    expect((await call('post', '/api/jobs/{id}/cancel', { params: { id: hanging } })).body.status).toBe('cancelled')
    expect((await call('post', '/api/jobs/{id}/cancel', { params: { id: 'nosuchjob' } })).status).toBe(404)
    // DELETE cancels a running job and keeps it; a finished one it removes.
    const running = await submit(coordinator.api, { task: 'probe', params: { hangAt: [0] }, chunks: 1 })
    expect((await call('delete', '/api/jobs/{id}', { params: { id: running }, token: false })).status).toBe(401)
    expect((await call('delete', '/api/jobs/{id}', { params: { id: running } })).body.status).toBe('cancelled')
    expect((await call('delete', '/api/jobs/{id}', { params: { id: hanging } })).status).toBe(204)
    expect((await call('get', '/api/jobs/{id}', { params: { id: hanging } })).status).toBe(404)
    expect((await call('delete', '/api/jobs/{id}', { params: { id: 'nosuchjob' } })).status).toBe(404)
    // workers, health, metrics
    expect((await call('get', '/api/workers')).body).toHaveLength(1)
    expect((await call('get', '/api/workers', { query: '?all=true' })).body).toHaveLength(1)
    expect((await call('get', '/api/workers', { query: '?all=maybe' })).status).toBe(400)
    expect((await call('get', '/api/health')).body.peerId).toBe(coordinator.peerId)
    expect((await call('get', '/metrics')).type).toBe('text/plain')
    // blobs
    const bytes = new TextEncoder().encode('one two two three three three\n'.repeat(1000))
    const blob = await call('post', '/api/blobs', { body: bytes, type: 'application/octet-stream' })
    expect(blob.status).toBe(201)
    expect((await call('post', '/api/blobs', { body: new Uint8Array(0), type: 'application/octet-stream' })).status).toBe(400)
    expect((await call('post', '/api/blobs', { ...json({ not: 'bytes' }) })).status).toBe(415)
    expect((await call('post', '/api/blobs', { body: bytes, type: 'application/octet-stream', token: false })).status).toBe(401)
    expect((await call('get', '/api/blobs')).body.map((b: { name: string }) => b.name)).toEqual([blob.body.name])
    expect((await call('get', '/api/blobs/{name}', { params: { name: blob.body.name } })).body).toEqual(bytes)
    expect((await call('get', '/api/blobs/{name}', { params: { name: blob.body.name }, headers: { range: 'bytes=0-2' } })).status).toBe(206)
    expect((await call('get', '/api/blobs/{name}', { params: { name: blob.body.name }, headers: { range: 'bytes=999999-' } })).status).toBe(416)
    expect((await call('get', '/api/blobs/{name}', { params: { name: `bafkrei${'a'.repeat(52)}` } })).status).toBe(404)
    expect((await call('get', '/api/blobs/{name}', { params: { name: 'nope' } })).status).toBe(400)
    // tasks
    const manifest = JSON.parse(readFileSync(join(root, 'examples/sieve/manifest.json'), 'utf8')) as Record<string, unknown>
    const form = (m: unknown): FormData => {
      const f = new FormData()
      f.append('manifest', new Blob([JSON.stringify(m)], { type: 'application/json' }), 'manifest.json')
      f.append('module', new Blob([readFileSync(sieve)], { type: 'application/wasm' }), 'task.wasm')
      return f
    }
    const sieve = await buildExample('sieve')
    expect((await call('post', '/api/tasks', { body: form(manifest) })).status).toBe(201)
    expect((await call('post', '/api/tasks', { body: form(manifest) })).status).toBe(200)
    expect((await call('post', '/api/tasks', { body: form({ ...manifest, limits: { memoryMb: 64 } }) })).status).toBe(409)
    expect((await call('post', '/api/tasks', { body: form({ ...manifest, name: 'Bad Name' }) })).status).toBe(400)
    expect((await call('post', '/api/tasks', { ...json({ manifest, module: `bafkrei${'a'.repeat(52)}` }) })).status).toBe(404)
    expect((await call('post', '/api/tasks', { body: form(manifest), token: false })).status).toBe(401)
    expect((await call('get', '/api/tasks')).body.map((t: { name: string }) => t.name)).toContain(`sieve@${String(manifest.version)}`)

    const operations = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map(m => `${m} ${path}`))
    expect([...called].sort()).toEqual(operations.sort())
  })

  it('serves a page a person can read at /api/docs', async () => {
    const page = await fetch(`${coordinator.api}/docs`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('swagger-ui')
  })
})
