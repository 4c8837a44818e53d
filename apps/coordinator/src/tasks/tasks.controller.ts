import { Body, Controller, Get, Inject, Post, Req, Res, UseInterceptors, UploadedFiles } from '@nestjs/common'
import { FileFieldsInterceptor } from '@nestjs/platform-express'
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TaskCatalog, TaskView } from '@cycleshare/accumulation-point'
import { parseBlobName, UnknownBlobError, type BlobStore } from '@cycleshare/blobs'
import { MAX_MODULE_BYTES } from '@cycleshare/tasks'
import { BLOB_STORE } from '../blobs/blob-store.token.js'
import { InvalidRequestError } from '../errors/domain-exception.filter.js'
import { LOGGER, type Logger } from '../logger.js'
import { NetworkService } from '../network/network.service.js'
import { errorResponse, schemas } from '../openapi/schemas.js'
import { TASK_CATALOG } from './task-catalog.token.js'

/** A part of a multipart upload, as multer keeps it in memory. */
interface UploadedPart { buffer: Buffer, size: number }
type Parts = { manifest?: UploadedPart[], module?: UploadedPart[] } | undefined

/**
 * `GET /api/tasks` lists the built-in and the registered tasks; `POST /api/tasks` registers a
 * WebAssembly module with its manifest: as multipart parts `manifest` (JSON) and `module` (the
 * .wasm file), or as JSON `{ manifest, module }` naming a module uploaded before as a blob.
 */
@ApiTags('tasks')
@Controller('api/tasks')
export class TasksController {
  constructor (
    @Inject(TASK_CATALOG) private readonly catalog: TaskCatalog,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(NetworkService) private readonly network: NetworkService,
    @Inject(LOGGER) private readonly log: Logger
  ) {}

  @Get()
  @ApiOperation({ summary: 'The built-in tasks and the registered WebAssembly ones, with each one\'s example params and result type.' })
  @ApiResponse({ status: 200, description: 'Built-ins first.', schema: schemas.taskList })
  list (): TaskView[] {
    return this.catalog.list()
  }

  @Post()
  @ApiOperation({ summary: 'Register a WebAssembly task (docs/TASKS.md): its manifest and module, checked, kept, and signed with this coordinator\'s key.' })
  @ApiBearerAuth()
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    description: 'multipart/form-data with parts manifest (JSON) and module (.wasm); or JSON { manifest, module } naming a module uploaded with POST /api/blobs.',
    schema: {
      oneOf: [
        { type: 'object', required: ['manifest', 'module'], properties: { manifest: schemas.binary, module: schemas.binary } },
        { type: 'object', required: ['manifest', 'module'], properties: { manifest: { type: 'object' }, module: { type: 'string', description: 'A blob name ("bafkrei…").' } } }
      ]
    }
  })
  @ApiResponse({ status: 201, description: 'Registered.', schema: schemas.taskView })
  @ApiResponse({ status: 200, description: 'The same code was registered under this name@version before.', schema: schemas.taskView })
  @ApiResponse(errorResponse(400, 'The manifest or the module is refused (the message names the field, or the import).'))
  @ApiResponse(errorResponse(401, 'No API token, or a wrong one.'))
  @ApiResponse(errorResponse(404, 'The module names no blob held here.'))
  @ApiResponse(errorResponse(409, 'Other code is registered under this name@version.'))
  @UseInterceptors(FileFieldsInterceptor([{ name: 'manifest', maxCount: 1 }, { name: 'module', maxCount: 1 }], {
    limits: { fileSize: MAX_MODULE_BYTES, files: 2, fields: 2, fieldSize: 65_536 }
  }))
  async register (
    @UploadedFiles() parts: Parts, @Body() body: unknown, @Req() req: IncomingMessage, @Res({ passthrough: true }) res: ServerResponse
  ): Promise<TaskView> {
    const { manifest, module } = await this.#read(parts, body, req.headers['content-type'] ?? '')
    const { view, created } = await this.catalog.register(manifest, module, this.network.signer)
    if (created) this.log.info({ task: view.name, module: view.module, signer: view.signer }, 'task registered')
    res.statusCode = created ? 201 : 200
    res.setHeader('location', `/api/tasks/${view.name}`)
    return view
  }

  async #read (parts: Parts, body: unknown, type: string): Promise<{ manifest: unknown, module: Uint8Array }> {
    const fields = (body ?? {}) as Record<string, unknown>
    if (/^multipart\/form-data/i.test(type)) {
      const moduleBytes = parts?.module?.[0]?.buffer
      if (moduleBytes === undefined) throw new InvalidRequestError('module is missing: send the .wasm file as the multipart part "module"')
      const text = parts?.manifest?.[0]?.buffer.toString('utf8') ?? (typeof fields.manifest === 'string' ? fields.manifest : undefined)
      if (text === undefined) throw new InvalidRequestError('manifest is missing: send the manifest JSON as the multipart part "manifest"')
      try {
        return { manifest: JSON.parse(text), module: moduleBytes }
      } catch (err) {
        throw new InvalidRequestError(`manifest is not valid JSON: ${(err as Error).message}`)
      }
    }
    if (/^application\/json/i.test(type)) {
      if (typeof fields.module !== 'string') throw new InvalidRequestError('module must be the name of a blob uploaded with POST /api/blobs ("bafkrei…"), or send multipart parts manifest and module')
      const name = parseBlobName(fields.module, 'module')
      const info = this.blobs.info(name)
      if (info?.complete !== true) throw new UnknownBlobError(`module names no blob held here (${name}): upload it first`)
      if (info.size > MAX_MODULE_BYTES) throw new InvalidRequestError(`module is ${info.size} bytes, more than the ${MAX_MODULE_BYTES} a module may have`)
      return { manifest: fields.manifest, module: await this.blobs.readRange(name, 0, info.size) }
    }
    throw new InvalidRequestError(`send multipart/form-data with parts manifest and module, or JSON { manifest, module: "<blob name>" } (got content-type ${type === '' ? 'none' : type})`)
  }
}
