import type { BlobView } from '@cycleshare/api'
import { Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common'
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger'
import { BlobTooLargeError, parseBlobName, UnknownBlobError, type BlobInfo, type BlobStore } from '@cycleshare/blobs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { CONFIG, type CoordinatorConfig } from '../config/coordinator-config.js'
import { LOGGER, type Logger } from '../logger.js'
import { UnsupportedMediaTypeError } from '../errors/domain-exception.filter.js'
import { errorResponse, schemas } from '../openapi/schemas.js'
import { BLOB_STORE } from './blob-store.token.js'
import { byteRange } from './byte-range.js'

const view = (info: BlobInfo): BlobView => ({
  name: info.name, size: info.size, pieces: info.pieces, complete: info.complete, inUse: info.inUse, lastUsed: new Date(info.lastUsed).toISOString()
})

/** Types the JSON and form parsers would read before this controller sees a byte. */
const PARSED_TYPES = /^(application\/json|application\/x-www-form-urlencoded)\b/i

/**
 * `POST /api/blobs` streams a file in (never whole in memory) and answers its name;
 * `GET /api/blobs/:name` streams it back, with byte ranges; `GET /api/blobs` lists what is held.
 */
@ApiTags('blobs')
@Controller('api/blobs')
export class BlobsController {
  constructor (
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(CONFIG) private readonly config: CoordinatorConfig,
    @Inject(LOGGER) private readonly log: Logger
  ) {}

  @Get()
  @ApiOperation({ summary: 'The blobs held here, whole or being fetched.' })
  @ApiResponse({ status: 200, description: 'Held blobs.', schema: schemas.blobList })
  list (): BlobView[] {
    return this.store.list().map(view)
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Upload a file as a blob (the body is its bytes, streamed); answers its name, for a job\'s params.' })
  @ApiBearerAuth()
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: schemas.binary })
  @ApiResponse({ status: 201, description: 'Held; the same bytes always get the same name.', schema: schemas.blobView })
  @ApiResponse(errorResponse(400, 'An empty body.'))
  @ApiResponse(errorResponse(401, 'No API token, or a wrong one.'))
  @ApiResponse(errorResponse(413, 'Larger than --max-upload-mb or the store.'))
  @ApiResponse(errorResponse(415, 'A JSON or form body: send the bytes as application/octet-stream.'))
  @ApiResponse(errorResponse(507, 'The store is full of blobs in use.'))
  async upload (@Req() req: IncomingMessage, @Res({ passthrough: true }) res: ServerResponse): Promise<BlobView> {
    if (PARSED_TYPES.test(req.headers['content-type'] ?? '')) {
      throw new UnsupportedMediaTypeError(`send the file's bytes as the body, with content-type application/octet-stream (got ${req.headers['content-type']})`)
    }
    const maxBytes = Math.min(this.config.maxUploadBytes, this.config.blobStoreBytes)
    const declared = Number(req.headers['content-length'])
    try {
      if (declared > maxBytes) throw new BlobTooLargeError(`the blob is larger than ${maxBytes} bytes`)
      const info = await this.store.add(req, { maxBytes })
      this.log.info({ blob: info.name, size: info.size }, 'blob uploaded')
      res.setHeader('location', `/api/blobs/${info.name}`)
      return view(info)
    } catch (err) {
      // The rest of the body is not read: the connection goes once the answer is out.
      if ((err as Error).name === 'BlobTooLargeError') res.setHeader('connection', 'close')
      throw err
    }
  }

  @Get(':name')
  @ApiOperation({ summary: 'A blob\'s bytes, whole or one byte range.' })
  @ApiParam({ name: 'name', description: 'A blob name ("bafkrei…").' })
  @ApiHeader({ name: 'range', required: false, description: 'One range, bytes=start-end.' })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'The whole blob.', content: { 'application/octet-stream': { schema: schemas.binary } } })
  @ApiResponse({ status: 206, description: 'The range asked for.', content: { 'application/octet-stream': { schema: schemas.binary } } })
  @ApiResponse(errorResponse(400, 'Not a blob name.'))
  @ApiResponse(errorResponse(404, 'Not held (or not whole yet).'))
  @ApiResponse(errorResponse(416, 'The range is not within the blob.'))
  download (@Param('name') raw: string, @Req() req: IncomingMessage, @Res() res: ServerResponse): void {
    const name = parseBlobName(raw, 'blob name')
    const info = this.store.info(name)
    if (info === undefined || !info.complete) throw new UnknownBlobError(`no blob ${name} is held`)
    const range = byteRange(req.headers.range, info.size)
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-type': 'application/json', 'content-range': `bytes */${info.size}` })
      res.end(JSON.stringify({ statusCode: 416, error: 'RangeNotSatisfiable', message: `range "${req.headers.range}" is not within the blob's ${info.size} bytes` }))
      return
    }
    const { start, end } = range === 'whole' ? { start: 0, end: info.size } : range
    if (range !== 'whole') {
      res.statusCode = 206
      res.setHeader('content-range', `bytes ${start}-${end - 1}/${info.size}`)
    }
    res.setHeader('content-type', 'application/octet-stream')
    res.setHeader('content-length', String(end - start))
    res.setHeader('accept-ranges', 'bytes')
    res.setHeader('etag', `"${name}"`)
    res.setHeader('cache-control', 'public, max-age=31536000, immutable')
    // pipeline, not pipe: a client that goes away mid-download closes the file too.
    pipeline(this.store.stream(name, start, end), res).catch((err: Error) => {
      if (err.name !== 'AbortError' && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') this.log.warn({ blob: name, err: err.message }, 'blob download failed')
    })
  }
}
