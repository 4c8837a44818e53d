import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common'
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger'
import type { FailureView, JobView } from '@cycleshare/api'
import { UnsupportedMediaTypeError } from '../errors/domain-exception.filter.js'
import { errorResponse, schemas } from '../openapi/schemas.js'
import { JobsService } from './jobs.service.js'

const jobId = ApiParam({ name: 'id', description: 'A job id, as POST /api/jobs answered it.' })

@ApiTags('jobs')
@Controller('api/jobs')
export class JobsController {
  constructor (private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Submit a job: a task, its params, how many chunks, and how they are run and checked.' })
  @ApiBearerAuth()
  @ApiBody({ schema: schemas.jobRequest })
  @ApiResponse({ status: 201, description: 'Queued.', schema: schemas.submittedJob })
  @ApiResponse(errorResponse(400, 'A field is wrong (the message names it), or the task is unknown.'))
  @ApiResponse(errorResponse(401, 'No API token, or a wrong one.'))
  @ApiResponse(errorResponse(413, 'The body is over 1 MiB.'))
  @ApiResponse(errorResponse(415, 'The body is not JSON (content-type application/json).'))
  submit (@Body() body: unknown, @Headers('content-type') type: string | undefined): { id: string } {
    // A body of another type is never parsed: say so, rather than that every field is missing.
    if (!/^application\/json\b/i.test(type ?? '')) throw new UnsupportedMediaTypeError(`send the job as JSON, with content-type application/json (got ${type === undefined || type === '' ? 'none' : type})`)
    return { id: this.jobs.submit(body).id }
  }

  /** `?limit=` (1 to 500, default 50) and `?before=<job id>`: newest first. */
  @Get()
  @ApiOperation({ summary: 'List jobs, newest first, a page at a time.' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'before', required: false, description: 'A job id: only jobs submitted before it.', schema: { type: 'string' } })
  @ApiResponse({ status: 200, description: 'Newest first.', schema: schemas.jobList })
  @ApiResponse(errorResponse(400, 'A query parameter is wrong.'))
  @ApiResponse(errorResponse(404, '`before` names no job.'))
  list (@Query() query: unknown): JobView[] {
    return this.jobs.list(query)
  }

  @Get(':id')
  @ApiOperation({ summary: 'One job: status, progress, options, copies.' })
  @jobId
  @ApiResponse({ status: 200, description: 'The job.', schema: schemas.jobView })
  @ApiResponse(errorResponse(400, 'Not a job id.'))
  @ApiResponse(errorResponse(404, 'No such job.'))
  get (@Param('id') id: string): JobView {
    return this.jobs.get(id)
  }

  /** JSON results come as `{ result }`; binary ones (a PNG) as they are, with their media type. */
  @Get(':id/result')
  @ApiOperation({ summary: 'A done job\'s result: JSON as { result }, binary results (a PNG) as they are, with their media type.' })
  @jobId
  @ApiProduces('application/json', 'image/png')
  @ApiResponse({ status: 200, description: 'The result.', content: { 'application/json': { schema: schemas.jsonResult }, 'image/png': { schema: schemas.binary } } })
  @ApiResponse(errorResponse(404, 'No such job.'))
  @ApiResponse(errorResponse(409, 'The job is not done (the message says its status).'))
  result (@Param('id') id: string): { result: unknown } | StreamableFile {
    const { type, value } = this.jobs.result(id)
    if (type === 'application/json') return { result: value }
    return new StreamableFile(value as Uint8Array, { type })
  }

  @Get(':id/failures')
  @ApiOperation({ summary: 'A job\'s failed results, newest first: which chunk and copy, on which worker, what failed, when.' })
  @jobId
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiResponse({ status: 200, description: 'Newest first.', schema: schemas.failureList })
  @ApiResponse(errorResponse(400, 'Not a job id, or a bad limit.'))
  @ApiResponse(errorResponse(404, 'No such job.'))
  failures (@Param('id') id: string, @Query() query: unknown): FailureView[] {
    return this.jobs.failures(id, query)
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a queued or running job; a finished job is answered as it is.' })
  @ApiBearerAuth()
  @jobId
  @ApiResponse({ status: 200, description: 'The job afterwards.', schema: schemas.jobView })
  @ApiResponse(errorResponse(401, 'No API token, or a wrong one.'))
  @ApiResponse(errorResponse(404, 'No such job.'))
  cancel (@Param('id') id: string): JobView {
    return this.jobs.cancel(id)
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Remove a finished job (done, failed or cancelled) with its chunks, result and failures; a queued or running job is cancelled instead (and kept).' })
  @ApiBearerAuth()
  @jobId
  @ApiResponse({ status: 200, description: 'The job was queued or running: it is cancelled, as it now is.', schema: schemas.jobView })
  @ApiResponse({ status: 204, description: 'The finished job is removed.' })
  @ApiResponse(errorResponse(401, 'No API token, or a wrong one.'))
  @ApiResponse(errorResponse(404, 'No such job.'))
  delete (@Param('id') id: string, @Res({ passthrough: true }) res: { status: (code: number) => unknown }): JobView | undefined {
    const cancelled = this.jobs.delete(id)
    if (cancelled === undefined) res.status(204)
    return cancelled
  }
}

/** `GET /api/failures`: the failed results of every job, newest first. */
@ApiTags('jobs')
@Controller('api/failures')
export class FailuresController {
  constructor (private readonly jobs: JobsService) {}

  @Get()
  @ApiOperation({ summary: 'Failed results of every job, newest first.' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } })
  @ApiResponse({ status: 200, description: 'Newest first.', schema: schemas.failureList })
  @ApiResponse(errorResponse(400, 'A bad limit.'))
  list (@Query() query: unknown): FailureView[] {
    return this.jobs.failures(undefined, query)
  }
}
