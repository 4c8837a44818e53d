/**
 * A group peer's local HTTP API, on 127.0.0.1 only: a member submits jobs to its own peer, which
 * is their accumulation point, and reads their progress and results here. The same routes and
 * answers as the coordinator's for jobs and their failures (README, "HTTP API"), and blob uploads and custom task
 * registration (JSON naming an uploaded module), without tokens: only this machine can reach it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AccumulationPoint, TaskCatalog } from '@cycleshare/accumulation-point'
import { parseJobId, parseJobPage, parseJobRequest, parseLimit } from '@cycleshare/api'
import { parseBlobName, type BlobStore } from '@cycleshare/blobs'
import type { Peer } from '@cycleshare/peer'
import { MAX_MODULE_BYTES } from '@cycleshare/tasks'
import { deleteJob, type Scheduler } from '@cycleshare/scheduler'

export interface GroupApiComponents {
  scheduler: Scheduler
  point: AccumulationPoint
  catalog: TaskCatalog
  blobs: BlobStore
  peer: Peer
  group: string
  /** The most bytes one blob upload may take. */
  maxUploadBytes: number
}

/** Domain errors by name, as the libs throw them, and the status each answers with. */
const STATUS: Record<string, number> = {
  InvalidJobError: 400, InvalidRequestError: 400, UnknownTaskError: 400, RangeError: 400, TypeError: 400, BadRequestError: 400,
  InvalidManifestError: 400, InvalidModuleError: 400, InvalidBlobNameError: 400, EmptyBlobError: 400,
  JobNotFoundError: 404, NotFoundError: 404, UnknownBlobError: 404, JobNotDoneError: 409, TaskConflictError: 409,
  PayloadTooLargeError: 413, BlobTooLargeError: 413, UnsupportedMediaTypeError: 415, BlobStoreFullError: 507
}

const MAX_BODY_BYTES = 1024 * 1024

class BadRequestError extends Error { override name = 'BadRequestError' }
class NotFoundError extends Error { override name = 'NotFoundError' }
class PayloadTooLargeError extends Error { override name = 'PayloadTooLargeError' }
class UnsupportedMediaTypeError extends Error { override name = 'UnsupportedMediaTypeError' }

/** Listens on 127.0.0.1:`port`; resolves with the server and the port it got. */
export async function startGroupApi (components: GroupApiComponents, port: number): Promise<{ server: Server, port: number }> {
  const server = createServer((req, res) => {
    route(components, req).then(
      (answer) => { send(res, answer.status ?? 200, answer.body, answer.type) },
      (err: Error) => {
        const status = STATUS[err.name] ?? 500
        send(res, status, { statusCode: status, error: status === 500 ? 'InternalServerError' : err.name, message: status === 500 ? 'internal error' : err.message })
      }
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const address = server.address()
  return { server, port: typeof address === 'object' && address !== null ? address.port : port }
}

interface Answer { status?: number, body: unknown, type?: string }

async function route ({ scheduler, point, catalog, blobs, peer, group, maxUploadBytes }: GroupApiComponents, req: IncomingMessage): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const parts = url.pathname.split('/').filter(p => p !== '')
  const method = req.method ?? 'GET'
  if (parts[0] !== 'api') throw new NotFoundError(`no route ${method} ${url.pathname}`)
  const [, resource, id, sub] = parts
  if (resource === 'jobs') {
    if (id === undefined && method === 'POST') return { status: 201, body: { id: scheduler.submit(parseJobRequest(await jsonBody(req))).id } }
    if (id === undefined && method === 'GET') return { body: scheduler.list(parseJobPage(Object.fromEntries(url.searchParams))) }
    if (id !== undefined && sub === undefined && method === 'GET') return { body: scheduler.get(parseJobId(id)) }
    if (id !== undefined && sub === undefined && method === 'DELETE') {
      const cancelled = deleteJob(scheduler, parseJobId(id))
      return cancelled === undefined ? { status: 204, body: undefined } : { body: cancelled }
    }
    if (id !== undefined && sub === 'cancel' && method === 'POST') return { body: scheduler.cancel(parseJobId(id)) }
    if (id !== undefined && sub === 'failures' && method === 'GET') return { body: scheduler.failures({ jobId: parseJobId(id), ...parseLimit(Object.fromEntries(url.searchParams)) }) }
    if (id !== undefined && sub === 'result' && method === 'GET') {
      const { type, value } = scheduler.result(parseJobId(id))
      return type === 'application/json' ? { body: { result: value } } : { body: value, type }
    }
  }
  if (resource === 'blobs' && id === undefined && method === 'POST') {
    // The file's bytes as the body, streamed to disk while hashed: the group's members fetch it from here and from each other.
    if (/^(application\/json|application\/x-www-form-urlencoded)\b/i.test(req.headers['content-type'] ?? '')) throw new BadRequestError('send the file\'s bytes as the body, with content-type application/octet-stream')
    if (Number(req.headers['content-length']) > maxUploadBytes) throw new PayloadTooLargeError(`the blob is larger than ${maxUploadBytes} bytes`)
    const info = await blobs.add(req, { maxBytes: maxUploadBytes })
    return { status: 201, body: { name: info.name, size: info.size, pieces: info.pieces, complete: info.complete } }
  }
  if (resource === 'tasks' && id === undefined && method === 'POST') {
    // JSON { manifest, module: <blob name> }: the module uploaded first with POST /api/blobs. Signed by this member's key.
    const body = await jsonBody(req) as { manifest?: unknown, module?: unknown }
    if (typeof body?.module !== 'string') throw new BadRequestError('module must be the name of a blob uploaded with POST /api/blobs ("bafkrei…")')
    const name = parseBlobName(body.module, 'module')
    const info = blobs.info(name)
    if (info?.complete !== true) throw new NotFoundError(`module names no blob held here (${name}): upload it first`)
    if (info.size > MAX_MODULE_BYTES) throw new BadRequestError(`module is ${info.size} bytes, more than the ${MAX_MODULE_BYTES} a module may have`)
    const { view, created } = await catalog.register(body.manifest, await blobs.readRange(name, 0, info.size), { peerId: peer.peerId, sign: async (data) => await peer.sign(data) })
    return { status: created ? 201 : 200, body: view }
  }
  if (method === 'GET' && id === undefined) {
    if (resource === 'workers') return { body: point.workers() }
    if (resource === 'failures') return { body: scheduler.failures(parseLimit(Object.fromEntries(url.searchParams))) }
    if (resource === 'tasks') return { body: catalog.list() }
    if (resource === 'health') return { body: { status: 'ok', group, peerId: peer.peerId, multiaddrs: peer.multiaddrs(), members: peer.connectedPeers() } }
  }
  throw new NotFoundError(`no route ${method} ${url.pathname}`)
}

async function jsonBody (req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) throw new UnsupportedMediaTypeError(`send JSON, with content-type application/json (got ${type === '' ? 'none' : type})`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError(`the body is larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw new BadRequestError(`the body is not valid JSON: ${(err as Error).message}`)
  }
}

function send (res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  if (status === 204) {
    res.writeHead(204).end()
    return
  }
  const bytes = type === 'application/json' ? Buffer.from(JSON.stringify(body)) : Buffer.from(body as Uint8Array)
  res.writeHead(status, { 'content-type': type === 'application/json' ? 'application/json; charset=utf-8' : type, 'content-length': bytes.length })
  res.end(bytes)
}
